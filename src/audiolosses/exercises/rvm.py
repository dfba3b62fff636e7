"""Self-checks for chapter 2: band aggregation, predicting RVM for a gain error, a per-item RVM,
predicting what a longer FFT window does to the score of independent same-spectrum noise, and deriving
the waveform SNR of an independent noise.

Notebook: book/02_relative_volume_mel.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import rvm
from ._core import Case, ExerciseCheckError, run_cases

__all__ = [
    "check_aggregate_bands",
    "check_predicted_gain_rvm",
    "check_per_item_rvm",
    "check_longer_window_prediction",
    "check_independent_noise_snr",
]


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


#: The options of the longer-window prediction, and the code each one stands for.
WINDOW_OPTIONS = {"lower": -1.0, "about the same": 0.0, "higher": 1.0}


def _white_pair(seed: int, num_samples: int = 24000) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    pair = torch.randn(2, 1, 1, num_samples, generator=generator, dtype=torch.float64)
    return pair[0], pair[1]


def independent_noise_rvm(n_fft: int, seed: int = 0) -> float:
    """RVM (dB) of one white-noise draw scored against an independent one of the same level.

    Both are one second at 24 kHz; the metric's defaults except ``n_fft`` (``hop_length`` stays 128).
    """
    reference, estimate = _white_pair(seed)
    return rvm.relative_volume_mel(estimate, reference, sample_rate=24000, n_fft=n_fft)["rvm"].item()


def _option_code(answer, options: dict[str, float], name: str) -> torch.Tensor:
    if not isinstance(answer, str) or answer.strip().lower() not in options:
        listed = ", ".join(repr(option) for option in options)
        raise ExerciseCheckError(f"{name} must be one of {listed}, got {answer!r}")
    return torch.tensor(options[answer.strip().lower()], dtype=torch.float64)


def check_longer_window_prediction(prediction: str | None) -> bool:
    """Check a prediction: independent same-spectrum noise with ``n_fft=2048`` instead of 512.

    ``prediction`` is one of ``"lower"``, ``"about the same"`` (within 1 dB) or ``"higher"``: how the
    RVM of one white noise scored against an independent draw of the same level changes when the FFT
    window grows from 512 to 2048 samples (``hop_length`` 128 and 80 mel bands kept). The expected
    answer is measured with :func:`audiolosses.rvm.relative_volume_mel` on three pairs.
    """
    changes = [independent_noise_rvm(2048, seed) - independent_noise_rvm(512, seed) for seed in range(3)]
    mean_change = sum(changes) / len(changes)
    measured = 0.0 if abs(mean_change) < 1.0 else (1.0 if mean_change > 0 else -1.0)
    reason = (
        "A 2048-point window has FFT bins four times as narrow, so every mel band collects about four "
        "times as many of them. A band amplitude that sums more independent random bins fluctuates "
        "less from draw to draw, and RVM scores exactly that fluctuation: |z_ref - z_est| against "
        f"z_ref. Measured: the score moves by {mean_change:+.1f} dB."
    )
    cases = [
        Case(
            "RVM of independent white noise, n_fft 512 -> 2048",
            (),
            torch.tensor(measured, dtype=torch.float64),
            atol=0.0,
            rtol=0.0,
            hints=[
                (
                    lambda r: float(r) == 0.0,
                    "the spectrum is the same, but the score does not measure the spectrum: it "
                    "measures how much two draws of it differ. " + reason,
                ),
                (
                    lambda r: float(r) == 1.0,
                    "a longer window does not add error: it sharpens each band's estimate. " + reason,
                ),
            ],
        )
    ]
    fn = None if prediction is None else (lambda: _option_code(prediction, WINDOW_OPTIONS, "the prediction"))
    return run_cases("check_longer_window_prediction", fn, cases)


def measured_independent_noise_snr(level_db: float, seed: int = 0, num_samples: int = 480000) -> float:
    """Waveform SNR (dB) of ``estimate`` = independent white noise ``level_db`` dB re. a white-noise reference.

    Ten seconds at 24 kHz (float64), computed with :func:`audiolosses.sdr.snr`; the estimate is scaled
    to exactly ``level_db`` dB of the reference's power, so only the (tiny) correlation of the two
    draws separates the measurement from the formula.
    """
    from .. import sdr

    reference, noise = _white_pair(seed, num_samples)
    scale = 10 ** (level_db / 20) * reference.pow(2).mean().sqrt() / noise.pow(2).mean().sqrt()
    return sdr.snr(scale * noise, reference).item()


def check_independent_noise_snr(fn: Callable[[torch.Tensor], torch.Tensor] | None) -> bool:
    """Check ``fn(level_db)`` → the waveform SNR (dB) of an independent noise ``level_db`` dB re. the reference.

    ``level_db`` is a tensor of levels; the estimate is white noise independent of a white-noise
    reference, at ``level_db`` dB relative to the reference's power. The expected values are measured
    on ten seconds of noise, so a correct derivation lands within 0.05 dB.
    """
    levels = torch.tensor([-20.0, -6.0, 0.0, 6.0], dtype=torch.float64)
    measured = torch.tensor([measured_independent_noise_snr(float(level)) for level in levels], dtype=torch.float64)

    def close(result, values):
        return result.shape == values.shape and bool(torch.allclose(result.to(torch.float64), values, atol=0.1))

    ratio = 10 ** (levels / 10)
    amplitude_sum = -20 * torch.log10(1 + 10 ** (levels / 20))
    cases = [
        Case(
            "estimates at -20, -6, 0 and +6 dB re. the reference",
            (levels.clone(),),
            measured,
            atol=0.05,
            rtol=0.0,
            hints=[
                (
                    lambda r: close(r, -levels),
                    "the error is reference - estimate, not the estimate alone: the reference is in "
                    "it too, and so is its power.",
                ),
                (
                    lambda r: close(r, amplitude_sum),
                    "independent signals add in power, not in amplitude: amplitudes add only for "
                    "identical signals (and cancel for inverted ones).",
                ),
                (
                    lambda r: close(r, 10 * torch.log10(1 + ratio)),
                    "check the sign: SNR is the reference's power over the error's, and the error is "
                    "the louder of the two here.",
                ),
                (
                    lambda r: close(r, torch.full_like(levels, -3.0103)),
                    "-3 dB is right only for equal levels: the error's power is the reference's plus "
                    "the estimate's, 1 + 10^(level/10) times the reference's.",
                ),
            ],
        )
    ]
    return run_cases("check_independent_noise_snr", fn, cases)
