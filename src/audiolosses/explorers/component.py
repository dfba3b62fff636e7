"""The interactive figure of :mod:`audiolosses.component` (needs the ``notebook`` extra)."""

from __future__ import annotations

import torch

from .._validation import check_int, check_same_shape, check_sample_rate, check_tensor
from ..component import component_weights, noise_attenuation_db, speech_distortion_db, train_free_mask
from ..plot import FigureExplorer, plot_spectrogram

__all__ = ["ComponentLossExplorer"]


class ComponentLossExplorer(FigureExplorer):
    """Pick α, β and the residual; see the mask the component loss wants and what it does.

    For each setting a free mask is trained (:func:`~audiolosses.component.train_free_mask`) on the given
    magnitudes; the figure shows the mask, the enhanced magnitude and the speech distortion / noise
    attenuation it achieves. Live in Jupyter and on Colab; the website shows the default setting.

    Args:
        speech: ``[freq, frames]`` speech magnitude ``|S|``.
        noise: ``[freq, frames]`` noise magnitude ``|N|``.
        mixture: ``[freq, frames]`` mixture magnitude ``|X|``.
        sample_rate: sample rate (Hz) of the audio, for the axes.
        hop_length: STFT hop of the magnitudes, for the time axis.
        alpha: initial α (default 0.5).
        beta: initial β (default 0.0).
        steps: Adam steps per redraw (default 200).
    """

    def __init__(
        self,
        speech: torch.Tensor,
        noise: torch.Tensor,
        mixture: torch.Tensor,
        sample_rate: int,
        hop_length: int,
        *,
        alpha: float = 0.5,
        beta: float = 0.0,
        steps: int = 200,
    ):
        import ipywidgets as widgets

        for name, value in (("speech", speech), ("noise", noise), ("mixture", mixture)):
            check_tensor(value, name, ndim=2)
        check_same_shape(speech, noise, "speech", "noise")
        check_same_shape(speech, mixture, "speech", "mixture")
        check_sample_rate(sample_rate)
        check_int(hop_length, "hop_length", minimum=1)
        component_weights(alpha, beta)
        self.steps = check_int(steps, "steps", minimum=1)
        self.speech, self.noise, self.mixture = speech, noise, mixture
        self.sample_rate, self.hop_length = sample_rate, hop_length
        super().__init__(
            {
                "alpha": widgets.FloatSlider(
                    value=alpha, min=0.0, max=1.0, step=0.05, description="alpha", continuous_update=False
                ),
                "beta": widgets.FloatSlider(
                    value=beta, min=0.0, max=1.0, step=0.05, description="beta", continuous_update=False
                ),
                "residual": widgets.Dropdown(options=["true noise |N|", "|X| - |S|"], description="residual"),
            }
        )

    def figure(self):
        """Train a mask for the current α, β and residual, and draw it with the enhanced magnitude."""
        import matplotlib.pyplot as plt

        alpha, beta, residual_kind = self.values["alpha"], self.values["beta"], self.values["residual"]
        note = ""
        if alpha + beta > 1.0:  # the sliders can cross the constraint: clip beta, and say so
            beta, note = 1.0 - alpha, " (beta clipped to 1 - alpha)"
        residual = self.noise if residual_kind.startswith("true") else self.mixture - self.speech
        mask, _ = train_free_mask(self.speech[None], residual[None], alpha, beta, steps=self.steps)
        mask = mask[0].clamp(0.0, 1.0)
        distortion = float(speech_distortion_db(mask[None], self.speech[None]))
        attenuation = float(noise_attenuation_db(mask[None], self.noise[None]))
        fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.4))
        plot_spectrogram(
            mask,
            self.sample_rate,
            self.hop_length,
            ax=axes[0],
            kind="db",
            dynamic_range_db=None,
            title="trained mask (gain)",
            colorbar=False,
        )
        axes[0].images[0].set_clim(0.0, 1.0)
        fig.colorbar(axes[0].images[0], ax=axes[0], label="gain", pad=0.01)
        plot_spectrogram(mask * self.mixture, self.sample_rate, self.hop_length, ax=axes[1], title="enhanced |M·X|")
        fig.suptitle(
            f"alpha={alpha:.2f}, beta={beta:.2f}{note}, speech weight={max(0.0, 1 - alpha - beta):.2f}: "
            f"speech distortion {distortion:.1f} dB, noise attenuation {attenuation:.1f} dB"
        )
        fig.tight_layout()
        return fig
