"""Self-checks for chapter 2: band aggregation, predicting RVM for a gain error, a per-item RVM.

Notebook: book/02_relative_volume_mel.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import rvm
from ._core import Case, run_cases

__all__ = ["check_aggregate_bands", "check_predicted_gain_rvm", "check_per_item_rvm"]


def _band_means(relative_db: torch.Tensor, num_bands: int) -> torch.Tensor:
    """The reference: one mean per band, the mel axis second to last, audiocraft's ``torch.chunk`` split."""
    per_band = relative_db.movedim(-2, -1).reshape(-1, relative_db.shape[-2]).mean(dim=0)
    return torch.stack([chunk.mean() for chunk in per_band.chunk(num_bands)])


def check_aggregate_bands(fn: Callable[[torch.Tensor, int], torch.Tensor]) -> bool:
    """Check ``fn(relative_db, num_bands)`` → ``[num_bands]`` band scores, low → high.

    ``relative_db`` is ``[*, n_mels, frames]``: average over every axis except the mel axis, split the
    mel axis into ``num_bands`` pieces with ``torch.chunk`` and average each piece.
    """
    generator = torch.Generator().manual_seed(2)
    ramp = torch.arange(8, dtype=torch.float64).reshape(8, 1).repeat(1, 5)
    batch = torch.randn(3, 2, 16, 7, generator=generator, dtype=torch.float64)
    uneven = torch.randn(2, 10, 4, generator=generator, dtype=torch.float64)

    def split_evenly(result):
        per_band = uneven.mean(dim=(0, 2))
        return torch.allclose(result, torch.stack([c.mean() for c in per_band.tensor_split(4)]), atol=1e-6)

    def wrong_axis(result):
        return result.shape == (4,) and not torch.allclose(result, _band_means(batch, 4), atol=1e-6)

    cases = [
        Case(
            "a ramp over 8 mel bins, 4 bands of 2",
            (ramp, 4),
            _band_means(ramp, 4),
            hints=[
                (
                    lambda r: torch.allclose(r, torch.tensor([0.0, 2.0, 4.0, 6.0], dtype=r.dtype)),
                    "you took the first bin of each band; average the whole band.",
                )
            ],
        ),
        Case(
            "a [3, 2, 16, 7] map (batch, channels, mels, frames), 4 bands",
            (batch, 4),
            _band_means(batch, 4),
            hints=[
                (
                    wrong_axis,
                    "the mel axis is the second to last (frames are last): average over all the "
                    "others, then split the mel axis.",
                )
            ],
        ),
        Case(
            "10 mel bins into 4 bands (uneven: torch.chunk gives 3, 3, 3, 1)",
            (uneven, 4),
            _band_means(uneven, 4),
            hints=[
                (
                    split_evenly,
                    "audiocraft splits with torch.chunk (pieces of ceil(10/4) = 3, the last one "
                    "shorter), not tensor_split (3, 3, 2, 2).",
                )
            ],
        ),
        Case("one band is the overall mean", (batch, 1), _band_means(batch, 1)),
    ]
    return run_cases("check_aggregate_bands", fn, cases)


def check_predicted_gain_rvm(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(gains)`` → the RVM (dB) of ``estimate = gain · reference``, predicted without running the metric.

    The expected values are measured with :func:`audiolosses.rvm.relative_volume_mel` on white noise
    (every mel bin far above the −25 dB activity floor), so a correct prediction lands within 0.05 dB.
    """
    generator = torch.Generator().manual_seed(3)
    reference = torch.randn(1, 1, 24000, generator=generator, dtype=torch.float64)

    def measured(gains):
        return torch.stack(
            [rvm.relative_volume_mel(float(g) * reference, reference, sample_rate=24000)["rvm"] for g in gains]
        )

    def formula(gains, clamp=True, factor=20.0, use_gain=False):
        amount = gains.abs() if use_gain else (1 - gains).abs()
        value = factor * torch.log10(amount.clamp_min(1e-12))
        return value.clamp(-25, 25) if clamp else value

    def hints_for(gains):
        return [
            (
                lambda r: torch.allclose(r, formula(gains, clamp=False), atol=0.1),
                "right idea, but RVM clamps every bin to [-25, +25] dB before averaging.",
            ),
            (
                lambda r: torch.allclose(r, formula(gains, factor=10.0), atol=0.1),
                "z is an amplitude (the square root of the mel power): use 20·log10, not 10·log10.",
            ),
            (
                lambda r: torch.allclose(r, formula(gains, use_gain=True), atol=0.1),
                "the error is z_ref − z_est = (1 − g)·z_ref: its level relative to z_ref depends on |1 − g|, not g.",
            ),
        ]

    moderate = torch.tensor([0.5, 0.9, 1.1, 1.5], dtype=torch.float64)
    extremes = torch.tensor([0.0, 0.99, 2.0, 20.0], dtype=torch.float64)
    cases = [
        Case(
            "gains 0.5, 0.9, 1.1, 1.5", (moderate,), measured(moderate), atol=0.05, rtol=0.0, hints=hints_for(moderate)
        ),
        Case(
            "gains 0 (silence), 0.99, 2 and 20",
            (extremes,),
            measured(extremes),
            atol=0.05,
            rtol=0.0,
            hints=hints_for(extremes),
        ),
    ]
    return run_cases("check_predicted_gain_rvm", fn, cases)


def check_per_item_rvm(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(estimate, ground_truth)`` → ``[batch]``: each item's RVM as if it were scored alone.

    Inputs are ``[batch, channels, time]`` at 24 kHz with the metric's default settings.
    """
    generator = torch.Generator().manual_seed(4)
    levels = torch.tensor([0.01, 0.3, 1.0], dtype=torch.float64).reshape(3, 1, 1)
    references = levels * torch.randn(3, 1, 6000, generator=generator, dtype=torch.float64)
    estimates = references + 0.3 * levels * torch.randn(3, 1, 6000, generator=generator, dtype=torch.float64)
    two_channels = torch.randn(2, 2, 4000, generator=generator, dtype=torch.float64)
    two_estimates = two_channels.flip(-1)

    def alone(est, ref):
        return torch.stack(
            [rvm.relative_volume_mel(e[None], r[None], sample_rate=24000)["rvm"] for e, r in zip(est, ref)]
        )

    batch_wide = rvm.relative_volume_mel(estimates, references, sample_rate=24000)["rvm"]
    cases = [
        Case(
            "three items 40 dB apart in level",
            (estimates, references),
            alone(estimates, references),
            atol=1e-4,
            hints=[
                (
                    lambda r: bool((r - batch_wide).abs().max() < 1e-4),
                    "every item got the batch-wide score: score each item on its own.",
                ),
                (
                    lambda r: bool(r[0] < alone(estimates, references)[0] - 1.0),
                    "the quiet item still looks too good: normalise each item by its own RMS, not the batch's.",
                ),
            ],
        ),
        Case("two stereo items", (two_estimates, two_channels), alone(two_estimates, two_channels), atol=1e-4),
    ]
    return run_cases("check_per_item_rvm", fn, cases)
