"""Self-checks for chapter 8: spectral convergence per item, a gain error predicted, the batch-wide ratio
derived, a phase-blind prediction.

Notebook: book/08_multi_resolution_stft.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import stft_loss as sl
from ._core import Case, ExerciseCheckError, not_attempted, run_cases

__all__ = [
    "check_spectral_convergence",
    "check_gain_terms",
    "check_batch_spectral_convergence",
    "check_phase_blind_prediction",
]


def check_spectral_convergence(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(input_mag, target_mag)`` → ``[batch]``: each item's ``‖|Y| − |X|‖_F / ‖|Y|‖_F``.

    Magnitudes are ``[batch, bins, frames]`` or ``[batch, channels, bins, frames]``; the norms run over
    every axis but the batch axis.
    """
    generator = torch.Generator().manual_seed(8)
    levels = torch.tensor([0.01, 1.0, 5.0], dtype=torch.float64).view(3, 1, 1)
    target = levels * torch.rand(3, 33, 20, generator=generator, dtype=torch.float64)
    prediction = target * (1 + 0.5 * torch.randn(3, 33, 20, generator=generator, dtype=torch.float64)).abs()
    stereo_target = torch.rand(2, 2, 17, 9, generator=generator, dtype=torch.float64)
    stereo_prediction = stereo_target.flip(-1)

    def expected(x, y):
        return sl.spectral_convergence(x, y, reduction="none")

    def hints_for(x, y):
        dims = tuple(range(1, x.dim()))
        return [
            (
                lambda r: torch.allclose(r, sl.spectral_convergence(x, y, per_item=False, reduction="none")),
                "every item got the same batch-wide ratio: take the norms over each item's own axes (dim=1, 2, ...).",
            ),
            (
                lambda r: torch.allclose(r, expected(x, y) ** 2),
                "that is the squared ratio: the Frobenius norm is the square root of the sum of squares.",
            ),
            (
                lambda r: torch.allclose(
                    r, torch.linalg.vector_norm(y - x, dim=dims) / torch.linalg.vector_norm(x, dim=dims)
                ),
                "divide by the norm of the *target* magnitude |Y|, not of the prediction.",
            ),
            (
                lambda r: torch.allclose(r, (y - x).abs().sum(dims) / y.sum(dims)),
                "that is an L1 ratio; spectral convergence uses the Frobenius (L2) norm.",
            ),
        ]

    cases = [
        Case(
            "three items 50 dB apart in level",
            (prediction, target),
            expected(prediction, target),
            hints=hints_for(prediction, target),
            atol=1e-10,
        ),
        Case(
            "two stereo items [2, 2, 17, 9]",
            (stereo_prediction, stereo_target),
            expected(stereo_prediction, stereo_target),
            hints=hints_for(stereo_prediction, stereo_target),
            atol=1e-10,
        ),
    ]
    return run_cases("check_spectral_convergence", fn, cases)


def _gain_terms_measured(gains: torch.Tensor) -> torch.Tensor:
    generator = torch.Generator().manual_seed(9)
    target = torch.randn(1, 1, 12000, generator=generator, dtype=torch.float64)  # loud: no bin near the floor
    rows = []
    for gain in gains.tolist():
        terms = sl.stft_loss_terms(gain * target, target)
        rows.append(torch.stack([terms["spectral_convergence"][0], terms["log_magnitude"][0]]))
    return torch.stack(rows)


def check_gain_terms(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(gains)`` → ``[len(gains), 2]``: spectral convergence and log-magnitude term of ``g · y`` against
    ``y``, predicted without running the loss.

    The expected values are measured with :func:`audiolosses.stft_loss.stft_loss_terms` (Parallel WaveGAN's
    resolutions) on loud white noise, where no bin reaches the magnitude floor.
    """

    def formula(gains, sc=lambda g: (1 - g).abs(), log=lambda g: g.log().abs()):
        return torch.stack([sc(gains), log(gains)], dim=1)

    def hints_for(gains):
        return [
            (
                lambda r: torch.allclose(r, formula(gains, log=lambda g: g.log10().abs()), atol=1e-6),
                "the loss uses the natural logarithm (torch.log), not log10.",
            ),
            (
                lambda r: torch.allclose(r, formula(gains, log=lambda g: 20 * g.log10().abs()), atol=1e-6),
                "that is the gain in dB; the log-magnitude term is |ln g| (natural log of the magnitude ratio).",
            ),
            (
                lambda r: torch.allclose(r, formula(gains, sc=lambda g: g), atol=1e-6),
                "the error is |Y| − g|Y| = (1 − g)|Y|: spectral convergence is |1 − g|, not g.",
            ),
            (
                lambda r: torch.allclose(
                    r, formula(gains, log=lambda g: (1 - g).abs().clamp_min(1e-12).log().abs()), atol=1e-6
                ),
                "the log term compares log(g|Y|) with log|Y|: their difference is ln g in every bin.",
            ),
            (
                lambda r: torch.allclose(r.flip(1), formula(gains), atol=1e-6),
                "the two columns are swapped: spectral convergence first, then the log term.",
            ),
        ]

    moderate = torch.tensor([0.5, 0.9, 1.1, 2.0], dtype=torch.float64)
    wide = torch.tensor([0.1, 0.25, 1.0, 30.0], dtype=torch.float64)
    cases = [
        Case(
            "gains 0.5, 0.9, 1.1, 2",
            (moderate,),
            _gain_terms_measured(moderate),
            hints=hints_for(moderate),
            atol=1e-6,
            rtol=1e-6,
        ),
        Case(
            "gains 0.1, 0.25, 1, 30", (wide,), _gain_terms_measured(wide), hints=hints_for(wide), atol=1e-6, rtol=1e-6
        ),
    ]
    return run_cases("check_gain_terms", fn, cases)


def check_batch_spectral_convergence(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(item_sc, target_energy)`` → 0-dim: the batch-wide spectral convergence (auraloss, Parallel
    WaveGAN) from each item's own ratio ``item_sc[b]`` and its target energy ``target_energy[b] = ‖|Y_b|‖²_F``.

    The expected values are measured on real magnitudes with ``spectral_convergence(..., per_item=False)``.
    """
    generator = torch.Generator().manual_seed(10)
    levels = torch.tensor([0.05, 1.0, 4.0], dtype=torch.float64).view(3, 1, 1)
    errors = torch.tensor([0.9, 0.1, 0.3], dtype=torch.float64).view(3, 1, 1)
    target = levels * (0.2 + torch.rand(3, 40, 25, generator=generator, dtype=torch.float64))
    prediction = target * (1 + errors * torch.randn(3, 40, 25, generator=generator, dtype=torch.float64)).abs()
    equal_target = torch.rand(4, 40, 25, generator=generator, dtype=torch.float64) + 0.5
    equal_target = equal_target / torch.linalg.vector_norm(equal_target, dim=(1, 2), keepdim=True)
    equal_prediction = equal_target * (1 + 0.2 * torch.randn(4, 40, 25, generator=generator, dtype=torch.float64)).abs()

    def arguments(x, y):
        return (sl.spectral_convergence(x, y, reduction="none"), y.square().sum(dim=(1, 2)))

    def hints_for(x, y):
        sc, energy = arguments(x, y)
        return [
            (
                lambda r: torch.allclose(r, sc.mean()),
                "the plain mean of the items' ratios is what per_item=True gives; one norm over the batch weights "
                "each item by its energy.",
            ),
            (
                lambda r: torch.allclose(r, (sc * energy).sum() / energy.sum()),
                "close: the batch ratio is sqrt(Σ error energy / Σ target energy), and an item's error energy is "
                "sc_b² · E_b: weight the *squared* ratios, then take the square root.",
            ),
            (
                lambda r: torch.allclose(r, (sc * energy.sqrt()).sum() / energy.sqrt().sum()),
                "norms do not add; energies (squared norms) do.",
            ),
        ]

    cases = [
        Case(
            "three items of very different level",
            arguments(prediction, target),
            sl.spectral_convergence(prediction, target, per_item=False),
            hints=hints_for(prediction, target),
            atol=1e-10,
        ),
        Case(
            "four items of equal energy",
            arguments(equal_prediction, equal_target),
            sl.spectral_convergence(equal_prediction, equal_target, per_item=False),
            hints=hints_for(equal_prediction, equal_target),
            atol=1e-10,
        ),
    ]
    return run_cases("check_batch_spectral_convergence", fn, cases)


def check_phase_blind_prediction(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(target)`` → a prediction that the multi-resolution STFT loss scores as (almost) perfect,
    although it is far from the target sample by sample.

    Passes when the loss (Parallel WaveGAN's settings) is below 1e-3 while the waveform error
    ``‖ŷ − y‖² / ‖y‖²`` is at least 0.5 (a 3 dB error). Targets: a chord and a noise burst, ``[1, 1, 12000]``.
    """
    check = "check_phase_blind_prediction"
    if not_attempted(check, fn):  # None: the reader has not defined it yet
        return False
    if not callable(fn):
        raise TypeError(f"{check} expects your function, got {type(fn).__name__}")
    t = torch.arange(12000, dtype=torch.float64) / 24000
    chord = sum(0.3 * torch.sin(2 * torch.pi * f * t + p) for f, p in ((220.0, 0.0), (277.2, 1.0), (329.6, 2.0)))
    generator = torch.Generator().manual_seed(12)
    burst = torch.randn(12000, generator=generator, dtype=torch.float64) * torch.hann_window(12000, dtype=torch.float64)
    for description, target in (("a chord", chord.view(1, 1, -1)), ("a noise burst", burst.view(1, 1, -1))):
        try:
            prediction = fn(target.clone())
        except NotImplementedError:
            raise ExerciseCheckError(f"{check}: your function raises NotImplementedError; fill in its body") from None
        if not isinstance(prediction, torch.Tensor) or prediction.shape != target.shape:
            shape = tuple(prediction.shape) if isinstance(prediction, torch.Tensor) else type(prediction).__name__
            raise ExerciseCheckError(
                f"{check}: case '{description}': expected a tensor of shape {tuple(target.shape)}, got {shape}."
            )
        prediction = prediction.detach().to(torch.float64)
        if not bool(torch.isfinite(prediction).all()):
            raise ExerciseCheckError(f"{check}: case '{description}': the prediction contains NaN or Inf.")
        waveform_error = float((prediction - target).square().sum() / target.square().sum())
        loss = float(sl.multi_resolution_stft_loss(prediction, target))
        if waveform_error < 0.5:
            raise ExerciseCheckError(
                f"{check}: case '{description}': the prediction is too close to the target sample by sample "
                f"(relative waveform error {waveform_error:.3g}, need >= 0.5). Change the waveform a lot while "
                f"keeping every STFT magnitude."
            )
        if loss > 1e-3:
            raise ExerciseCheckError(
                f"{check}: case '{description}': the loss sees the change ({loss:.3g} > 1e-3). Which change of a "
                f"waveform leaves |STFT| untouched in every frame and bin, at every resolution? (A time shift "
                f"moves the frames; think of what the magnitude of a complex number ignores.)"
            )
    print(f"{check}: both cases passed")
    return True
