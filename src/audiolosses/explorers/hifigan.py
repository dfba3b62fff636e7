"""The interactive figure of :mod:`audiolosses.hifigan` (needs the ``notebook`` extra)."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from .._validation import check_positive, check_same_shape, check_tensor
from ..hifigan import LAMBDA_FM, LAMBDA_MEL
from ..plot import FigureExplorer

__all__ = ["LossBalanceExplorer"]


class LossBalanceExplorer(FigureExplorer):
    """How λ_fm and λ_mel share out the generator's loss and its gradient (ipywidgets, live on Colab).

    Give it the three unweighted terms and their gradients with respect to the generated audio, measured
    once; moving the sliders only rescales them, so the figure redraws instantly. Left: each weighted
    term's value; right: the norm of each weighted term's gradient and of the total gradient
    ``g_adv + λ_fm·g_fm + λ_mel·g_mel``.

    Args:
        terms: ``{"adversarial": a, "feature_matching": f, "mel": m}``, unweighted values (numbers or
            0-dim tensors).
        gradients: the same keys → gradient tensors of each term w.r.t. the generated audio (same shape).
        lambda_fm: initial λ_fm (default 2).
        lambda_mel: initial λ_mel (default 45).
    """

    KEYS = ("adversarial", "feature_matching", "mel")

    def __init__(
        self,
        terms: Mapping[str, float],
        gradients: Mapping[str, torch.Tensor],
        *,
        lambda_fm: float = LAMBDA_FM,
        lambda_mel: float = LAMBDA_MEL,
    ):
        import ipywidgets as widgets

        for name, mapping in (("terms", terms), ("gradients", gradients)):
            if not isinstance(mapping, Mapping) or set(mapping) != set(self.KEYS):
                raise ValueError(f"{name} must be a mapping with exactly the keys {list(self.KEYS)}")
        self.terms = {k: float(terms[k]) for k in self.KEYS}
        self.gradients = {
            k: check_tensor(gradients[k], f"gradients[{k!r}]").detach().to(torch.float64) for k in self.KEYS
        }
        for k in self.KEYS[1:]:
            check_same_shape(
                self.gradients[self.KEYS[0]], self.gradients[k], "gradients['adversarial']", f"gradients[{k!r}]"
            )
        check_positive(lambda_fm, "lambda_fm", allow_zero=True)
        check_positive(lambda_mel, "lambda_mel", allow_zero=True)
        super().__init__(
            {
                "lambda_fm": widgets.FloatSlider(
                    value=lambda_fm, min=0.0, max=10.0, step=0.5, description="fm weight", continuous_update=False
                ),
                "lambda_mel": widgets.FloatSlider(
                    value=lambda_mel, min=0.0, max=100.0, step=5.0, description="mel weight", continuous_update=False
                ),
            }
        )

    def weighted(self) -> tuple[dict[str, float], dict[str, float]]:
        """Weighted term values and gradient norms (including ``"total"``) for the current sliders."""
        weights = {"adversarial": 1.0, "feature_matching": self.values["lambda_fm"], "mel": self.values["lambda_mel"]}
        values = {k: weights[k] * self.terms[k] for k in self.KEYS}
        values["total"] = sum(values.values())
        norms = {k: weights[k] * float(self.gradients[k].norm()) for k in self.KEYS}
        norms["total"] = float(sum(weights[k] * self.gradients[k] for k in self.KEYS).norm())
        return values, norms

    def figure(self):
        import matplotlib.pyplot as plt

        values, norms = self.weighted()
        labels = ["adv", "fm", "mel", "total"]
        colors = ["C0", "C1", "C2", "0.4"]
        fig, (left, right) = plt.subplots(1, 2, figsize=(8.0, 3.0))
        left.bar(labels, list(values.values()), color=colors)
        left.set(title="weighted loss terms", ylabel="value")
        right.bar(labels, list(norms.values()), color=colors)
        right.set(title="gradient norm w.r.t. generated audio", ylabel="norm", yscale="log")
        fig.suptitle(
            f"lambda_fm = {self.values['lambda_fm']:g}, lambda_mel = {self.values['lambda_mel']:g}", fontsize=10
        )
        fig.tight_layout()
        return fig
