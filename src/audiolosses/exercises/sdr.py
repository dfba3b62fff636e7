"""Self-checks for chapter 9: the optimal scale, SD-SDR's limit for a loud estimate, SI-SDR from the cosine, SI-SDR itself, a delayed tone, and a
permutation-invariant SI-SDR loss for two sources.

Notebook: book/09_si_sdr.ipynb
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ._core import Case, ExerciseCheckError, run_cases

__all__ = [
    "check_optimal_scale",
    "check_sd_sdr_loud_limit",
    "check_si_sdr_from_cosine",
    "check_si_sdr",
    "check_delayed_tone_si_sdr",
    "check_permutation_invariant_si_sdr_loss",
]


def _pair(shape, seed, *, gain=0.7, noise=0.5, offset=0.0):
    generator = torch.Generator().manual_seed(seed)
    target = torch.randn(shape, generator=generator, dtype=torch.float64) + offset
    estimate = gain * target + noise * torch.randn(shape, generator=generator, dtype=torch.float64)
    return estimate, target


def _dot(a, b):
    return (a * b).sum(dim=-1)


def _centre(x):
    return x - x.mean(dim=-1, keepdim=True)


def _si_sdr(estimate, target):
    estimate, target = _centre(estimate), _centre(target)
    alpha = _dot(estimate, target) / _dot(target, target)
    residual = estimate - alpha[..., None] * target
    return 10 * torch.log10(alpha**2 * _dot(target, target) / _dot(residual, residual))


def _close(result, reference, rtol=1e-5, atol=1e-6):
    return (
        result.shape == reference.shape
        and bool(torch.isfinite(result).all())
        and torch.allclose(result, reference, rtol=rtol, atol=atol)
    )


def check_optimal_scale(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(estimate, target)`` → ``α`` minimising ``‖ŝ − α·s‖²`` per channel (shape ``[...]``).

    No mean removal here: the signals are used as given.
    """
    cases = []
    for description, shape, seed, gain in [
        ("a [3, 500] batch", (3, 500), 0, 0.7),
        ("[batch, channels, time] = [2, 2, 400]", (2, 2, 400), 1, 2.5),
        ("an estimate with flipped polarity (α < 0)", (2, 300), 2, -0.4),
        ("a quiet target, a loud estimate", (1, 1, 600), 3, 30.0),
    ]:
        estimate, target = _pair(shape, seed, gain=gain)
        if description.startswith("a quiet"):
            target, estimate = 0.01 * target, 0.01 * estimate
        dot = _dot(estimate, target)
        expected = dot / _dot(target, target)
        hints = [
            (
                lambda r, d=dot, e=estimate: _close(r, d / _dot(e, e)),
                "you divided by ‖ŝ‖²: the scale multiplies the target, so the normal equation has ‖s‖² in it.",
            ),
            (
                lambda r, d=dot, e=estimate, t=target: _close(r, d / (_dot(e, e) * _dot(t, t)).sqrt()),
                "that is the cosine between ŝ and s; the optimal scale is ⟨ŝ, s⟩ / ‖s‖².",
            ),
            (
                lambda r, d=dot, t=target: _close(r, d / _dot(t, t).sqrt()),
                "divide by the squared norm ‖s‖² (from d/dα of ‖ŝ − α·s‖²), not by ‖s‖.",
            ),
            (
                lambda r, d=dot, t=target: r.numel() == 1 and _close(r, (d.sum() / _dot(t, t).sum()).reshape(r.shape)),
                "one α per channel: sum over the last (time) axis only.",
            ),
        ]
        cases.append(Case(description, (estimate, target), expected, hints=hints, atol=1e-9, rtol=1e-6))
    return run_cases("check_optimal_scale", fn, cases)


def _estimate_at_cosine(target, cosine, seed):
    """Zero-mean signals ``[len(cosine), time]`` whose cosine with the zero-mean ``target`` is ``cosine``."""
    generator = torch.Generator().manual_seed(seed)
    unit = _centre(target) / _centre(target).norm()
    other = _centre(torch.randn(cosine.numel(), target.shape[-1], generator=generator, dtype=torch.float64))
    other = other - _dot(other, unit)[:, None] * unit
    other = other / other.norm(dim=-1, keepdim=True)
    return cosine[:, None] * unit + (1 - cosine[:, None] ** 2).sqrt() * other


def measured_loud_sd_sdr(estimate: torch.Tensor, target: torch.Tensor, gain: float = 1e9) -> torch.Tensor:
    """SD-SDR (dB) of ``gain · estimate`` against ``target``, zero-mean, written out from its definition."""
    estimate, target = _centre(gain * estimate), _centre(target)
    alpha = _dot(estimate, target) / _dot(target, target)
    return 10 * torch.log10(alpha**2 * _dot(target, target) / _dot(target - estimate, target - estimate))


def check_sd_sdr_loud_limit(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(cosine)`` → the limit in dB of SD-SDR(g·ŝ, s) as the gain g grows without bound.

    ``cosine`` is the cosine ρ between ŝ and s (a tensor). The reference measures SD-SDR at a gain of 10⁹ on
    signals built at exactly these cosines; your prediction must agree within 0.001 dB.
    """
    if fn is not None and not callable(fn):  # None: run_cases says "not attempted yet"
        raise TypeError(f"check_sd_sdr_loud_limit expects your function, got {type(fn).__name__}")
    target = torch.randn(2000, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    cases = []
    for description, cosine, seed in [
        ("cosines 0.1 … 0.999", torch.tensor([0.1, 0.5, 0.9, 0.99, 0.999], dtype=torch.float64), 10),
        ("negative cosines (a polarity flip)", torch.tensor([-0.2, -0.7, -0.95], dtype=torch.float64), 11),
    ]:
        expected = measured_loud_sd_sdr(_estimate_at_cosine(target, cosine, seed), target)
        rho2 = cosine**2
        hints = [
            (
                lambda r, c=rho2: _close(r, 10 * torch.log10(c / (1 - c)), atol=1e-3),
                "that is SI-SDR: in SD-SDR the error is s − g·ŝ, which grows with g as fast as α·s does.",
            ),
            (
                lambda r, c=rho2: _close(r, 10 * torch.log10(c.sqrt()), atol=1e-3),
                "the ratio is one of energies: ‖α·s‖² / ‖s − g·ŝ‖² tends to ρ², so 10·log10(ρ²) = 20·log10|ρ|.",
            ),
            (lambda r, c=rho2: _close(r, 20 * torch.log10(c), atol=1e-3), "energies: 10·log10(ρ²), not 20·log10(ρ²)."),
            (
                lambda r, c=rho2: _close(r, 10 * torch.log10(1 - c), atol=1e-3),
                "‖s − g·ŝ‖² tends to g²‖ŝ‖² (all of the estimate), not to the distortion's share (1 − ρ²).",
            ),
            (
                lambda r: _close(r, torch.zeros_like(r), atol=1e-3),
                "a loud estimate does not reach 0 dB: ‖α·s‖ = g·|ρ|·‖ŝ‖ while ‖s − g·ŝ‖ → g·‖ŝ‖.",
            ),
        ]
        cases.append(Case(description, (cosine,), expected, hints=hints, atol=1e-3, rtol=0.0))

    def guarded(cosine):
        result = fn(cosine)
        if isinstance(result, torch.Tensor) and bool((cosine < 0).any()) and bool(result.isnan().any()):
            raise ExerciseCheckError(
                "NaN for a negative cosine. Hint: a polarity flip only flips α's sign; "
                "write the limit with ρ² (or |ρ|), whose logarithm exists for negative ρ."
            )
        return result

    return run_cases("check_sd_sdr_loud_limit", guarded, cases)


def check_si_sdr_from_cosine(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(cosine)`` → SI-SDR in dB of an estimate at that cosine with the target: ``10·log10(ρ²/(1 − ρ²))``."""
    cosines = torch.tensor([0.1, 0.5, 0.9, 0.99, 0.999], dtype=torch.float64)
    flipped = -cosines

    def hints(rho):
        return [
            (
                lambda r: _close(r, 10 * torch.log10(rho.abs() / (1 - rho.abs())), atol=1e-4),
                "square the cosine: ‖α·s‖² = ρ²‖ŝ‖² and ‖e‖² = (1 − ρ²)‖ŝ‖².",
            ),
            (
                lambda r: _close(r, 20 * torch.log10(rho**2 / (1 - rho**2)), atol=1e-4),
                "these are energies (squared norms): use 10·log10, not 20·log10.",
            ),
            (
                lambda r: _close(r, 10 * torch.log10(rho**2), atol=1e-4),
                "the denominator is the distortion's energy (1 − ρ²)‖ŝ‖², not ‖ŝ‖².",
            ),
            (lambda r: _close(r, torch.log(rho**2 / (1 - rho**2)), atol=1e-4), "decibels use log10, times 10."),
        ]

    cases = [
        Case(
            "cosines 0.1 … 0.999",
            (cosines,),
            10 * torch.log10(cosines**2 / (1 - cosines**2)),
            hints=hints(cosines),
            atol=1e-6,
            rtol=1e-6,
        ),
        Case(
            "negative cosines (a polarity flip must not change SI-SDR)",
            (flipped,),
            10 * torch.log10(flipped**2 / (1 - flipped**2)),
            hints=hints(flipped),
            atol=1e-6,
            rtol=1e-6,
        ),
    ]
    return run_cases("check_si_sdr_from_cosine", fn, cases)


def check_si_sdr(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(estimate, target)`` → SI-SDR in dB per channel (``[...]``), each signal's mean removed first."""
    cases = []
    for description, shape, seed, gain, offset in [
        ("a [3, 800] batch", (3, 800), 4, 0.8, 0.0),
        ("[2, 2, 500] with a DC offset on the target", (2, 2, 500), 5, 1.5, 0.7),
        ("an estimate 20 dB too quiet", (2, 600), 6, 0.1, 0.2),
    ]:
        estimate, target = _pair(shape, seed, gain=gain, noise=0.4 * abs(gain), offset=offset)
        estimate = estimate - 0.3  # an offset of the estimate too: removed by the zero-mean step
        expected = _si_sdr(estimate, target)

        def no_mean(e, t):
            alpha = _dot(e, t) / _dot(t, t)
            return 10 * torch.log10(alpha**2 * _dot(t, t) / _dot(e - alpha[..., None] * t, e - alpha[..., None] * t))

        snr = 10 * torch.log10(
            _dot(_centre(target), _centre(target))
            / _dot(_centre(target) - _centre(estimate), _centre(target) - _centre(estimate))
        )
        hints = [
            (
                lambda r, e=estimate, t=target: _close(r, no_mean(e, t), atol=1e-4),
                "remove each signal's mean over time before projecting (zero-mean SI-SDR).",
            ),
            (
                lambda r, s=snr: _close(r, s, atol=1e-4),
                "that is the SNR: project the estimate onto the target (α·s) before comparing.",
            ),
            (lambda r, x=expected: _close(r, 2 * x, atol=1e-4), "energies: 10·log10, not 20·log10."),
            (lambda r, x=expected: _close(r, x * math.log(10) / 10, atol=1e-4), "decibels use log10, times 10."),
        ]
        cases.append(Case(description, (estimate, target), expected, hints=hints, atol=1e-6, rtol=1e-6))
    return run_cases("check_si_sdr", fn, cases)


def _tone(frequency_hz, sample_rate, periods=50):
    period = sample_rate / frequency_hz
    length = round(periods * period)
    if abs(length - periods * period) > 1e-9:
        raise ValueError("choose a frequency with a whole number of samples over the periods")
    t = torch.arange(length, dtype=torch.float64)
    return torch.sin(2 * math.pi * frequency_hz * t / sample_rate)


def measured_delayed_tone_si_sdr(frequency_hz: float, delay: int, sample_rate: int) -> float:
    """SI-SDR (dB) of a tone circularly delayed by ``delay`` samples against itself, over whole periods."""
    tone = _tone(frequency_hz, sample_rate)
    return float(_si_sdr(torch.roll(tone, delay), tone))


def check_delayed_tone_si_sdr(fn: Callable[[float, int, int], float]) -> bool:
    """Check ``fn(frequency_hz, delay, sample_rate)`` → the predicted SI-SDR (dB) of a tone delayed by ``delay``.

    The reference measures it: a sine over a whole number of periods, delayed circularly (``torch.roll``).
    Your prediction must agree within 0.01 dB.
    """
    cases = []
    for frequency, delay, sample_rate in [
        (100.0, 1, 16000),
        (1000.0, 1, 16000),
        (400.0, 5, 16000),
        (441.0, 3, 44100),
        (50.0, 20, 8000),
    ]:
        measured = measured_delayed_tone_si_sdr(frequency, delay, sample_rate)
        phase = 2 * math.pi * frequency * delay / sample_rate
        wrong = {
            "cos": 10 * math.log10(math.cos(phase) ** 2),
            "no_rate": 10 * math.log10(1 / math.tan(2 * math.pi * frequency * delay) ** 2)
            if abs(math.tan(2 * math.pi * frequency * delay)) > 1e-12
            else float("nan"),
            "amplitude": 20 * math.log10(1 / math.tan(phase) ** 2),
        }
        hints = [
            (
                lambda r, w=wrong["cos"]: math.isclose(float(r), w, abs_tol=1e-2),
                "cos²φ is the fraction of energy in the projection; divide it by the distortion's share sin²φ.",
            ),
            (
                lambda r, w=wrong["amplitude"]: math.isclose(float(r), w, abs_tol=1e-2),
                "energies: 10·log10(cos²φ / sin²φ), not 20·log10.",
            ),
            (
                lambda r, w=wrong["no_rate"]: math.isclose(float(r), w, abs_tol=1e-2),
                "the phase shift is 2π·f·d / sample_rate: a delay of d samples lasts d / sample_rate seconds.",
            ),
        ]
        cases.append(
            Case(
                f"{frequency:g} Hz delayed by {delay} samples at {sample_rate} Hz",
                (frequency, delay, sample_rate),
                torch.tensor(measured, dtype=torch.float64),
                hints=hints,
                atol=1e-2,
                rtol=0.0,
            )
        )
    wrapped = _as_tensor(fn, "check_delayed_tone_si_sdr")
    return run_cases("check_delayed_tone_si_sdr", wrapped, cases)


def _as_tensor(fn, check):
    if fn is not None and not callable(fn):  # None: run_cases says "not attempted yet"
        raise TypeError(f"{check} expects your function, got {type(fn).__name__}")

    def wrapped(*args):
        result = fn(*args)
        if isinstance(result, torch.Tensor):
            return result.detach().to(torch.float64).reshape(())
        try:
            return torch.tensor(float(result), dtype=torch.float64)
        except (TypeError, ValueError):
            raise ExerciseCheckError(f"{check}: expected a number, got {type(result).__name__}") from None

    return wrapped


def _pit_inputs(seed):
    generator = torch.Generator().manual_seed(seed)
    target = torch.randn(4, 2, 300, generator=generator, dtype=torch.float64)
    estimate = target + 0.5 * torch.randn(4, 2, 300, generator=generator, dtype=torch.float64)
    estimate[0, 1] = 3.0 * estimate[0, 1]  # a louder second source in the first item
    estimate[1] = estimate[1].flip(0)  # item 1: the model output the sources in the other order
    estimate[3] = estimate[3].flip(0)
    return estimate, target


def check_permutation_invariant_si_sdr_loss(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(estimate, target)`` on ``[batch, 2, time]`` → ``[batch]`` permutation-invariant losses.

    For each item: the negative mean (over the two sources) zero-mean SI-SDR, for the better of the two
    assignments of estimated sources to target sources.
    """
    cases = []
    for description, seed in [("4 items, two of them with the sources swapped", 7), ("another draw", 8)]:
        estimate, target = _pit_inputs(seed)
        straight = -_si_sdr(estimate, target).mean(dim=1)
        crossed = -_si_sdr(estimate.flip(1), target).mean(dim=1)
        expected = torch.minimum(straight, crossed)
        swapped_roles = torch.minimum(straight, -_si_sdr(target, estimate).mean(dim=1))
        worse = torch.maximum(straight, crossed)
        hints = [
            (
                lambda r, w=swapped_roles: _close(r, w, atol=1e-6),
                "you swapped estimate and target (as auralflow's best_perm does); permute the estimate's sources "
                "(channels) instead: compare ŝ[:, [0, 1]] and ŝ[:, [1, 0]] with s.",
            ),
            (
                lambda r, w=worse: _close(r, w, atol=1e-6),
                "keep the better assignment: the smaller loss (the higher SI-SDR).",
            ),
            (
                lambda r, a=straight, b=crossed: _close(r, (a if a.mean() < b.mean() else b), atol=1e-6),
                "choose the assignment for each item on its own, not once for the whole batch.",
            ),
            (lambda r, w=straight: _close(r, w, atol=1e-6), "try both assignments of the two sources."),
        ]
        cases.append(Case(description, (estimate, target), expected, hints=hints, atol=1e-6, rtol=1e-6))
    return run_cases("check_permutation_invariant_si_sdr_loss", fn, cases)
