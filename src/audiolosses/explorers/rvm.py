"""The interactive figure of :mod:`audiolosses.rvm` (needs the ``notebook`` extra)."""

from __future__ import annotations

import torch

from .._validation import check_choice, check_min_length, check_sample_rate, check_tensor
from ..audio import add_noise, low_pass
from ..plot import FigureExplorer, plot_spectrogram
from ..rvm import relative_db_map, relative_volume_mel

__all__ = ["RelativeVolumeMelExplorer"]


class RelativeVolumeMelExplorer(FigureExplorer):
    """Distort a reference (white noise at an SNR, then an ideal low-pass) and see what RVM reports.

    Left: the four band scores and the overall RVM; right: the clamped relative level of every mel bin.
    Live in Jupyter and on Colab; the static website shows the default settings.

    Args:
        reference: the clean signal, ``[time]`` or ``[channels, time]`` at ``sample_rate``.
        sample_rate: its sample rate (default 24000, RVM's).
        snr_db: initial SNR of the added white noise, dB (slider −10 … 50).
        cutoff_hz: initial low-pass cut-off (``None``: no filter; choices 500 … 8000 Hz).
        clamp_db: initial clamp range: relative levels are clamped to ``[−clamp_db, +clamp_db]`` (5 … 40).
        seed: seed of the noise, so a setting always shows the same figure.
    """

    CUTOFFS = (None, 500, 1000, 2000, 4000, 8000)

    def __init__(
        self,
        reference: torch.Tensor,
        sample_rate: int = 24000,
        *,
        snr_db: float = 20.0,
        cutoff_hz: int | None = None,
        clamp_db: float = 25.0,
        seed: int = 0,
    ):
        import ipywidgets as widgets

        check_tensor(reference, "reference", ndim=(1, 2))
        check_sample_rate(sample_rate)
        check_choice(cutoff_hz, "cutoff_hz", self.CUTOFFS)
        check_min_length(reference, 512, "reference", "one STFT frame of n_fft=512")
        self.reference = reference if reference.dim() == 2 else reference[None]
        self.sample_rate = sample_rate
        self.seed = seed
        cutoffs = [("none", None)] + [(f"{c} Hz", c) for c in self.CUTOFFS[1:] if c < sample_rate / 2]
        super().__init__(
            {
                "snr_db": widgets.FloatSlider(
                    value=snr_db, min=-10, max=50, step=5, description="SNR (dB)", continuous_update=False
                ),
                "cutoff_hz": widgets.Dropdown(options=cutoffs, value=cutoff_hz, description="low-pass"),
                "clamp_db": widgets.FloatSlider(
                    value=clamp_db, min=5, max=40, step=5, description="clamp (dB)", continuous_update=False
                ),
            }
        )

    def estimate(self) -> torch.Tensor:
        """The distorted reference for the current settings (noise first, then the low-pass)."""
        generator = torch.Generator().manual_seed(self.seed)
        distorted = add_noise(self.reference, float(self.values["snr_db"]), generator=generator)
        cutoff = self.values["cutoff_hz"]
        return distorted if cutoff is None else low_pass(distorted, float(cutoff), self.sample_rate)

    def figure(self):
        """Band scores and the relative-dB image for the current settings."""
        import matplotlib.pyplot as plt

        clamp = float(self.values["clamp_db"])
        settings = dict(sample_rate=self.sample_rate, min_relative_volume=-clamp, max_relative_volume=clamp)
        estimate = self.estimate()
        scores = relative_volume_mel(estimate, self.reference, **settings)
        relative = relative_db_map(estimate, self.reference, **settings).mean(dim=0)
        fig, (bars, image) = plt.subplots(1, 2, figsize=(10.0, 3.4), gridspec_kw={"width_ratios": [1, 2.2]})
        band_scores = [float(scores[f"rvm_{k}"]) for k in range(4)]
        bars.bar(range(4), [s + clamp for s in band_scores], bottom=-clamp, color="tab:blue")
        bars.axhline(float(scores["rvm"]), color="tab:red", label=f"rvm = {float(scores['rvm']):.1f} dB")
        bars.set_xticks(range(4), ["rvm_0", "rvm_1", "rvm_2", "rvm_3"])
        bars.set_ylim(-clamp, clamp)
        bars.set_ylabel("relative level (dB)")
        bars.legend(loc="upper left")
        plot_spectrogram(
            relative,
            self.sample_rate,
            128,
            ax=image,
            kind="db",
            y_axis="mel",
            value_range=(-clamp, clamp),
            cmap="RdBu_r",
            title="relative level per mel bin",
        )
        fig.tight_layout()
        return fig
