"""The interactive figure of :mod:`audiolosses.kl` (needs the ``notebook`` extra)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch

from .._validation import check_choice, check_int, check_tensor
from ..experiments.vae import VAEResult, train_vae
from ..kl import PARAMETERIZATIONS
from ..plot import FigureExplorer

__all__ = ["VAEExplorer"]


class VAEExplorer(FigureExplorer):
    """Train the chapter's VAE for a chosen β and see its latent space, its KL per dimension and a reconstruction.

    Every new setting trains a VAE (about a second on a CPU); results are kept, so going back is instant. Live in Jupyter and Colab; on the website it shows the
    figure for its default settings.

    Args:
        frames: ``[n_frames, n_features]`` frames, e.g. from :func:`~audiolosses.experiments.vae.log_mel_frames`.
        labels: ``[n_frames]`` integer clip index of each frame (colours the latent scatter).
        names: clip name of each label value (the legend).
        beta: initial β (choices: :attr:`BETA_CHOICES`).
        parameterization: initial parameterisation, ``"logvar"`` or ``"sigma"``.
        steps: Adam steps per training (default 300).
        trained: optional ``{beta: VAEResult}`` of log-variance models already trained with
            :func:`~audiolosses.experiments.vae.train_vae`'s defaults and ``steps``, reused instead of retraining
            (e.g. the results of a β sweep).
    """

    #: The β values the slider offers.
    BETA_CHOICES = (0.0, 0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)

    def __init__(
        self,
        frames: torch.Tensor,
        labels: torch.Tensor,
        names: Sequence[str],
        *,
        beta: float = 1.0,
        parameterization: str = "logvar",
        steps: int = 300,
        trained: Mapping[float, VAEResult] | None = None,
    ):
        import ipywidgets as widgets

        check_tensor(frames, "frames", ndim=2)
        check_tensor(labels, "labels", ndim=1, floating=False)
        if labels.shape[0] != frames.shape[0]:
            raise ValueError(f"labels must have one entry per frame ({frames.shape[0]}), got {labels.shape[0]}")
        check_choice(beta, "beta", self.BETA_CHOICES)
        check_choice(parameterization, "parameterization", PARAMETERIZATIONS)
        self.frames, self.labels, self.names, self.steps = (
            frames,
            labels,
            list(names),
            check_int(steps, "steps", minimum=1),
        )
        self._results = {(float(b), "logvar"): result for b, result in (trained or {}).items()}
        super().__init__(
            {
                "beta": widgets.SelectionSlider(
                    options=self.BETA_CHOICES, value=beta, description="beta", continuous_update=False
                ),
                "parameterization": widgets.Dropdown(
                    options=PARAMETERIZATIONS, value=parameterization, description="spread"
                ),
            }
        )

    def figure(self):
        """Train for the current settings and draw latent scatter, KL per dimension and one reconstruction."""
        beta, parameterization = self.values["beta"], self.values["parameterization"]
        key = (float(beta), parameterization)
        if key not in self._results:
            self._results[key] = train_vae(self.frames, beta, steps=self.steps, parameterization=parameterization)
        result = self._results[key]
        fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.2))
        order = torch.argsort(result.kl_per_dim, descending=True)
        with torch.no_grad():
            mu, _, _ = result.model.encode(self.frames)
            frame = self.frames.shape[0] // 3
            decoded = result.model.decoder(mu[frame : frame + 1])[0]
        for index, name in enumerate(self.names):
            points = mu[self.labels == index][:, order[:2]]
            axes[0].scatter(points[:, 0], points[:, 1], s=4, label=name)
        axes[0].set(xlabel="most informative latent", ylabel="second", title="posterior means")
        axes[0].legend(markerscale=3, fontsize=7)
        axes[1].bar(range(len(order)), result.kl_per_dim[order].tolist())
        axes[1].set(
            xlabel="latent dimension (sorted)", ylabel="KL (nats)", title=f"{result.active_dims} active of {len(order)}"
        )
        axes[2].plot(self.frames[frame].tolist(), label="frame")
        axes[2].plot(decoded.tolist(), label="reconstruction")
        axes[2].set(
            xlabel="mel band",
            ylabel="standardised dB",
            title=f"L1 {result.final_reconstruction:.1f}, KL {result.final_kl:.1f}",
        )
        axes[2].legend()
        fig.suptitle(f"beta = {beta:g}, {parameterization}" + (" (diverged)" if result.diverged else ""))
        fig.tight_layout()
        return fig
