"""Self-checks for chapter 7: quantisation to a number of bits, a normalised loss response, Spearman's ρ.

Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import atlas
from ._core import Case, run_cases

__all__ = ["check_quantize", "check_normalized_response", "check_spearman"]


def check_quantize(fn: Callable[[torch.Tensor, int], torch.Tensor]) -> bool:
    """Check ``fn(waveform, bits)`` → the waveform on the ``bits``-bit grid of full scale ``[-1, 1)``.

    The step is ``2^(1 - bits)``; samples are rounded to the nearest step and limited to the codes
    ``[-1, 1 - step]``, as :func:`audiolosses.atlas.quantize <audiolosses.atlas.distortions.quantize>` does.
    """
    generator = torch.Generator().manual_seed(7)
    ramp = torch.linspace(-0.9, 0.9, 41, dtype=torch.float64)
    noise = 0.5 * torch.randn(2, 300, generator=generator, dtype=torch.float64)
    full_scale = torch.tensor([-1.0, -0.99, 0.0, 0.99, 1.0], dtype=torch.float64)

    def hints_for(x, bits):
        step = 2.0 ** (1 - bits)
        return [
            (
                lambda r: torch.allclose(r, (torch.round(x / (step / 2)) * step / 2).clamp(-1, 1 - step / 2)),
                "the step is 2 / 2^bits = 2^(1 - bits): full scale spans 2 (from -1 to +1), not 1.",
            ),
            (
                lambda r: torch.allclose(r, torch.floor(x / step) * step),
                "round to the *nearest* step (torch.round), not down (floor): the error must stay within half a step.",
            ),
            (
                lambda r: torch.allclose(r, torch.round(x / step) * step),
                "limit the result to the codes [-1, 1 - step]: +1.0 itself is not a code of a two's-complement file.",
            ),
        ]

    cases = [
        Case("a ramp, 3 bits", (ramp, 3), atlas.quantize(ramp, 3), hints=hints_for(ramp, 3), atol=1e-12, rtol=0),
        Case(
            "noise [2, 300], 4 bits",
            (noise, 4),
            atlas.quantize(noise, 4),
            hints=hints_for(noise, 4),
            atol=1e-12,
            rtol=0,
        ),
        Case(
            "full-scale samples, 8 bits",
            (full_scale, 8),
            atlas.quantize(full_scale, 8),
            hints=hints_for(full_scale, 8),
            atol=1e-12,
            rtol=0,
        ),
    ]
    return run_cases("check_quantize", fn, cases)


def check_normalized_response(fn: Callable[[torch.Tensor, float, float], torch.Tensor]) -> bool:
    """Check ``fn(values, identity, anchor)`` → values mapped so that ``identity`` → 0 and ``anchor`` → 1."""
    rvm_like = torch.tensor([-25.0, -20.0, -10.0, 0.0, 13.0], dtype=torch.float64)
    cosine_like = torch.tensor([-1.0, -0.99, -0.5, -0.1], dtype=torch.float64)
    mse_like = torch.tensor([0.0, 1e-4, 0.01, 0.05], dtype=torch.float64)

    def expected(values, identity, anchor):
        return torch.tensor(atlas.normalized_response(values.tolist(), identity, anchor), dtype=torch.float64)

    def hints_for(values, identity, anchor):
        return [
            (
                lambda r: torch.allclose(r, values / anchor),
                "subtract the identity value first: a perfect match must map to 0, and RVM's perfect score is -25.",
            ),
            (
                lambda r: torch.allclose(r, (values - identity) / anchor),
                "divide by (anchor - identity), the distance between the two reference points, not by the anchor.",
            ),
            (
                lambda r: torch.allclose(r, (values - values.min()) / (values.max() - values.min())),
                "min-max scaling depends on the grid; use the two fixed reference points, identity and anchor.",
            ),
        ]

    cases = [
        Case(
            "RVM-like values, identity -25, anchor 13",
            (rvm_like, -25.0, 13.0),
            expected(rvm_like, -25.0, 13.0),
            hints=hints_for(rvm_like, -25.0, 13.0),
        ),
        Case(
            "cosine-like values, identity -1, anchor -0.13",
            (cosine_like, -1.0, -0.13),
            expected(cosine_like, -1.0, -0.13),
            hints=hints_for(cosine_like, -1.0, -0.13),
        ),
        Case(
            "MSE-like values, identity 0, anchor 0.025",
            (mse_like, 0.0, 0.025),
            expected(mse_like, 0.0, 0.025),
            hints=hints_for(mse_like, 0.0, 0.025),
        ),
    ]
    return run_cases("check_normalized_response", fn, cases)


def _scipy_spearman(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    from scipy.stats import spearmanr

    return torch.tensor(float(spearmanr(x.numpy(), y.numpy()).statistic), dtype=torch.float64)


def check_spearman(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(x, y)`` → Spearman's rank correlation (0-dim tensor), ties given their average rank.

    The expected values come from ``scipy.stats.spearmanr``.
    """
    generator = torch.Generator().manual_seed(11)
    x = torch.randn(30, generator=generator, dtype=torch.float64)
    monotone = x.pow(3) + 0.1 * x  # any increasing function of x: rank correlation 1
    noisy = x + torch.randn(30, generator=generator, dtype=torch.float64)
    ties_x = torch.tensor([1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0], dtype=torch.float64)
    ties_y = torch.tensor([2.0, 1.0, 3.0, 3.0, 5.0, 4.0, 6.0, 7.0], dtype=torch.float64)

    def pearson(a, b):
        a, b = a - a.mean(), b - b.mean()
        return (a * b).sum() / (a.pow(2).sum() * b.pow(2).sum()).sqrt()

    def ordinal(v):
        ranks = torch.empty_like(v)
        ranks[v.argsort(stable=True)] = torch.arange(len(v), dtype=v.dtype)
        return ranks

    cases = [
        Case(
            "a monotone but non-linear relation",
            (x, monotone),
            _scipy_spearman(x, monotone),
            hints=[
                (
                    lambda r: torch.allclose(r, pearson(x, monotone)),
                    "that is Pearson's correlation of the values; Spearman correlates their ranks.",
                )
            ],
        ),
        Case("a noisy relation", (x, noisy), _scipy_spearman(x, noisy)),
        Case("a decreasing relation", (x, -monotone), _scipy_spearman(x, -monotone)),
        Case(
            "tied values",
            (ties_x, ties_y),
            _scipy_spearman(ties_x, ties_y),
            hints=[
                (
                    lambda r: torch.allclose(r, pearson(ordinal(ties_x), ordinal(ties_y))),
                    "tied values must share the average of their ranks (2, 2, 2 at ranks 1, 2, 3 all get 2).",
                )
            ],
        ),
    ]
    return run_cases("check_spearman", fn, cases)
