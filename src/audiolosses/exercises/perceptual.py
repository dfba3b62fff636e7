"""Self-checks for chapter 4: ERB bandwidths, Bark-spaced centres, the rectified log, the cosine distance.

Notebook: book/04_perceptual_loss.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import perceptual
from ._core import Case, run_cases

__all__ = ["check_erb", "check_bark_centres", "check_rectified_log", "check_negative_cosine"]


def check_erb(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(frequency_hz)`` → the equivalent rectangular bandwidth ``0.108·f + 24.7`` Hz.

    Glasberg & Moore's unrounded ``24.7·(4.37·f/1000 + 1)`` is accepted too.
    """
    freqs = torch.tensor([0.0, 100.0, 1000.0, 5000.0], dtype=torch.float64)
    grid = torch.linspace(0, 11025 / 2, 7, dtype=torch.float64)
    cases = [
        Case(
            "0, 100, 1000 and 5000 Hz",
            (freqs,),
            perceptual.erb(freqs),
            atol=0.05,
            rtol=1e-3,
            hints=[
                (
                    lambda r: torch.allclose(r, 0.108 * freqs, atol=0.5),
                    "you forgot the constant: even at 0 Hz the auditory filter is about 24.7 Hz wide.",
                ),
                (
                    lambda r: torch.allclose(r, freqs / 2 + 24.7, atol=0.5),
                    "that is half the band; the ERB is the whole width (the band spans centre ± ERB/2).",
                ),
                (
                    lambda r: torch.allclose(r, 24.7 * (4.37 * freqs + 1), rtol=1e-3),
                    "Glasberg & Moore's formula takes f in kHz: 24.7·(4.37·f/1000 + 1) with f in Hz.",
                ),
            ],
        ),
        Case("a grid up to 5512.5 Hz", (grid,), perceptual.erb(grid), atol=0.05, rtol=1e-3),
        Case("float32 input", (grid.float(),), perceptual.erb(grid), atol=0.05, rtol=1e-3),
    ]
    return run_cases("check_erb", fn, cases)


def check_bark_centres(fn: Callable[[int, float, float], torch.Tensor]) -> bool:
    """Check ``fn(n_bands, f_min, f_max)`` → centres evenly spaced in Bark (``6·asinh(f/600)``), both ends included."""

    def case(n, lo, hi):
        expected = perceptual.bark_centres(n, lo, hi)
        hints = [
            (
                lambda r: torch.allclose(r.double(), torch.linspace(lo, hi, n, dtype=torch.float64), rtol=1e-4),
                "these are evenly spaced in Hz; space them evenly in Bark and convert back with 600·sinh(b/6).",
            ),
            (
                lambda r: r.shape[0] == n and bool(r.double()[-1] < hi - 1e-3),
                "the highest centre should be f_max itself: include both ends (torch.linspace does).",
            ),
        ]
        return Case(f"{n} bands from {lo} to {hi} Hz", (n, lo, hi), expected, atol=1e-3, rtol=1e-5, hints=hints)

    cases = [case(8, 20.0, 5000.0), case(512, 1.0, 5512.5), case(24, 100.0, 8000.0)]
    return run_cases("check_bark_centres", fn, cases)


def check_rectified_log(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(filtered, log_factor)`` → ``log(1 + k·max(x, 0))`` (half-wave rectification, then natural log)."""
    generator = torch.Generator().manual_seed(0)
    signal = torch.randn(2, 4, 50, generator=generator, dtype=torch.float64)
    mixed = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], dtype=torch.float64)

    def expected(x, k):
        return torch.log1p(k * x.clamp_min(0))

    def hints(x, k):
        return [
            (
                lambda r: torch.allclose(r, torch.log1p(k * x.abs()), atol=1e-4),
                "that is full-wave rectification (abs); the hair cells respond to one direction only: use relu.",
            ),
            (
                lambda r: torch.allclose(r, torch.log10(1 + k * x.clamp_min(0)), atol=1e-4),
                "use the natural log (torch.log1p), not log10.",
            ),
            (
                lambda r: torch.allclose(r, torch.log1p(x.clamp_min(0)), atol=1e-4),
                "multiply by the log factor k inside the log: log(1 + k·x).",
            ),
            (
                lambda r: torch.allclose(r, k * torch.log1p(x.clamp_min(0)), atol=1e-4),
                "k goes inside the log, log(1 + k·x), not in front of it.",
            ),
        ]

    cases = [
        Case("-2, -0.5, 0, 0.5, 2 with k = 10", (mixed, 10.0), expected(mixed, 10.0), hints=hints(mixed, 10.0)),
        Case("a [2, 4, 50] batch with k = 3", (signal, 3.0), expected(signal, 3.0), hints=hints(signal, 3.0)),
        Case("negative values map to exactly 0", (-signal.abs(), 10.0), torch.zeros_like(signal)),
    ]
    return run_cases("check_rectified_log", fn, cases)


def check_negative_cosine(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(a, b)`` → ``−cos(a_i, b_i)`` per item ``i`` (first axis), each item flattened: shape ``[batch]``."""
    generator = torch.Generator().manual_seed(1)
    a = torch.rand(3, 4, 20, generator=generator, dtype=torch.float64)
    b = torch.rand(3, 4, 20, generator=generator, dtype=torch.float64)

    def expected(x, y):
        x, y = x.reshape(x.shape[0], -1), y.reshape(y.shape[0], -1)
        return -(x * y).sum(1) / (x.norm(dim=1) * y.norm(dim=1))

    def hints(x, y):
        reference = expected(x, y)
        return [
            (
                lambda r: torch.allclose(r, -reference, atol=1e-5),
                "a loss must go down as the images get closer: return the NEGATIVE cosine similarity.",
            ),
            (
                lambda r: torch.allclose(r, 1 + reference, atol=1e-5),
                "that is the cosine distance 1 − cos; this loss is −cos, whose minimum is −1.",
            ),
        ]

    cases = [
        Case("three random [4, 20] images", (a, b), expected(a, b), hints=hints(a, b)),
        Case("identical images give -1", (a, a.clone()), -torch.ones(3, dtype=torch.float64)),
        Case("scaling an image does not change the cosine", (a, 7 * b), expected(a, b), hints=hints(a, b)),
    ]
    return run_cases("check_negative_cosine", fn, cases)
