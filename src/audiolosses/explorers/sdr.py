"""The interactive figure of :mod:`audiolosses.sdr` (needs the ``notebook`` extra)."""

from __future__ import annotations

import math

import torch

from .._validation import check_min_length, check_tensor
from ..plot import FigureExplorer
from ..sdr import _delayed, project_onto_target, sd_sdr, si_sdr, snr

__all__ = ["SISDRExplorer"]


class SISDRExplorer(FigureExplorer):
    """Distort a target (gain, added noise, delay) and see the SI-SDR geometry and the three ratios.

    Left: the plane spanned by the target ``s`` and the estimate ``ŝ``; the estimate splits into the
    scaled target ``α·s`` (its projection) and the distortion ``e`` at a right angle. Right: SNR,
    SI-SDR and SD-SDR of the estimate, in dB. Live in Jupyter and on Colab; the website shows the
    default setting.

    Args:
        target: ``[time]`` reference signal (not silent).
        gain_db: initial gain applied to the estimate, dB (default −6; slider −20 … +20).
        snr_db: initial level of the added white noise relative to the target, dB (default 10;
            slider −10 … 40).
        delay: initial delay of the estimate, samples (default 0; slider 0 … 20).
        seed: seed of the noise (default 0).
    """

    def __init__(
        self, target: torch.Tensor, *, gain_db: float = -6.0, snr_db: float = 10.0, delay: int = 0, seed: int = 0
    ):
        import ipywidgets as widgets

        check_tensor(target, "target", ndim=1)
        check_min_length(target, 64, "target", "a short clip")
        self.target = target.detach().to(torch.float64)
        if float(self.target.var()) == 0.0:
            raise ValueError("target must not be constant (its SI-SDR geometry is undefined)")
        generator = torch.Generator().manual_seed(seed)
        noise = torch.randn(self.target.shape, generator=generator, dtype=torch.float64)
        self.noise = noise - noise.mean()
        self.noise = self.noise * (self.target.var().sqrt() / self.noise.std())
        super().__init__(
            {
                "gain_db": widgets.FloatSlider(
                    value=gain_db, min=-20.0, max=20.0, step=1.0, description="gain (dB)", continuous_update=False
                ),
                "snr_db": widgets.FloatSlider(
                    value=snr_db, min=-10.0, max=40.0, step=1.0, description="noise SNR", continuous_update=False
                ),
                "delay": widgets.IntSlider(
                    value=delay, min=0, max=20, step=1, description="delay", continuous_update=False
                ),
            }
        )

    def estimate(self) -> torch.Tensor:
        """The estimate for the current settings: ``gain · delay(target + noise)``."""
        values = self.values
        noisy = self.target + self.noise * 10.0 ** (-values["snr_db"] / 20.0)
        return 10.0 ** (values["gain_db"] / 20.0) * _delayed(noisy, int(values["delay"]))

    def figure(self):
        """Draw the projection in the target/estimate plane and the three ratios."""
        import matplotlib.pyplot as plt

        estimate, target = self.estimate(), self.target
        parts = project_onto_target(estimate, target)
        centred = target - target.mean()
        unit = centred / centred.norm()
        along = float((estimate - estimate.mean()) @ unit)  # = α·‖s‖, the projection's signed length
        across = float(parts["distortion"].norm())
        target_norm = float(centred.norm())
        scores = {
            "SNR": float(snr(estimate, target, zero_mean=True)),
            "SI-SDR": float(si_sdr(estimate, target)),
            "SD-SDR": float(sd_sdr(estimate, target)),
        }
        fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.6), gridspec_kw={"width_ratios": [1.2, 1.0]})
        ax = axes[0]
        arrow = dict(length_includes_head=True, head_width=0.03 * target_norm, head_length=0.05 * target_norm)
        ax.arrow(0, 0, target_norm, 0, color="C0", **arrow)
        ax.arrow(0, 0, along, across, color="C3", **arrow)
        ax.plot([along, along], [0, across], color="C2", linestyle="--")
        ax.plot([0, along], [0, 0], color="C1", linewidth=3, alpha=0.6)
        ax.annotate("target s", (target_norm, 0), textcoords="offset points", xytext=(-30, -14), color="C0")
        ax.annotate("estimate ŝ", (along, across), textcoords="offset points", xytext=(4, 4), color="C3")
        ax.annotate("α·s", (along / 2, 0), textcoords="offset points", xytext=(0, 6), color="C1")
        ax.annotate("e", (along, across / 2), textcoords="offset points", xytext=(4, 0), color="C2")
        span = 1.15 * max(target_norm, abs(along), across)
        angle = math.degrees(math.acos(max(-1.0, min(1.0, float(parts["cosine"])))))
        ax.set(
            xlim=(-0.35 * span, span),
            ylim=(-0.1 * span, span),
            aspect="equal",
            title=f"α = {float(parts['scale']):.3f}, angle between ŝ and s = {angle:.1f}°",
            xlabel="along the target",
            ylabel="orthogonal to the target",
        )
        ax = axes[1]
        names = list(scores)
        ax.bar(names, [scores[n] for n in names], color=["C0", "C3", "C2"])
        for position, name in enumerate(names):
            ax.annotate(
                f"{scores[name]:.1f} dB",
                (position, scores[name]),
                ha="center",
                textcoords="offset points",
                xytext=(0, 3 if scores[name] >= 0 else -12),
            )
        ax.axhline(0, color="black", linewidth=0.8)
        low = min(-5.0, *scores.values()) - 5
        ax.set(
            ylabel="dB (higher is better)", ylim=(low, max(45.0, *scores.values()) + 5), title="ratios of the estimate"
        )
        values = self.values
        fig.suptitle(
            f"gain {values['gain_db']:+.0f} dB, noise at {values['snr_db']:.0f} dB SNR, "
            f"delay {int(values['delay'])} samples"
        )
        fig.tight_layout()
        return fig
