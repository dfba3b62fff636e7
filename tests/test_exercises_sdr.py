"""Chapter 9's self-checks accept right answers (written several ways) and reject usual mistakes with a hint."""

import math

import pytest
import torch

from audiolosses import sdr
from audiolosses.exercises import ExerciseCheckError
from audiolosses.exercises import sdr as sdr_exercises


def dot(a, b):
    return (a * b).sum(dim=-1)


# --------------------------------------------------------------------------------------------------
# The optimal scale
# --------------------------------------------------------------------------------------------------


def test_optimal_scale_accepts_correct_answers(capsys):
    assert sdr_exercises.check_optimal_scale(lambda x, s: dot(x, s) / dot(s, s))
    assert sdr_exercises.check_optimal_scale(
        lambda x, s: torch.linalg.lstsq(s.unsqueeze(-1), x.unsqueeze(-1)).solution[..., 0, 0]
    )
    assert sdr_exercises.check_optimal_scale(lambda x, s: sdr.project_onto_target(x, s, zero_mean=False)["scale"])
    assert "check_optimal_scale: all 4 cases passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda x, s: dot(x, s) / dot(x, x), "divided by ‖ŝ‖²"),
        (lambda x, s: dot(x, s) / (dot(x, x) * dot(s, s)).sqrt(), "that is the cosine"),
        (lambda x, s: dot(x, s) / dot(s, s).sqrt(), "squared norm"),
        (lambda x, s: dot(x, s).sum() / dot(s, s).sum(), r"expected shape \(3,\)"),
        (lambda x, s: dot(x, s) / dot(s, s) + 0.01, "expected"),
    ],
)
def test_optimal_scale_rejects_mistakes(wrong, match):
    with pytest.raises(ExerciseCheckError, match=match):
        sdr_exercises.check_optimal_scale(wrong)


# --------------------------------------------------------------------------------------------------
# SD-SDR's limit for a loud estimate
# --------------------------------------------------------------------------------------------------


def test_sd_sdr_loud_limit_accepts_correct_answers(capsys):
    assert sdr_exercises.check_sd_sdr_loud_limit(lambda c: 10 * torch.log10(c**2))
    assert sdr_exercises.check_sd_sdr_loud_limit(lambda c: 20 * torch.log10(c.abs()))
    assert sdr_exercises.check_sd_sdr_loud_limit(lambda c: -10 * torch.log10(1 / c.pow(2)))
    assert "check_sd_sdr_loud_limit: all 2 cases passed" in capsys.readouterr().out


def test_sd_sdr_loud_limit_reference_agrees_with_the_package():
    target = torch.randn(3000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    cosine = torch.tensor([0.3, -0.8, 0.97], dtype=torch.float64)
    estimate = sdr_exercises._estimate_at_cosine(target, cosine, 1)
    measured = sdr_exercises.measured_loud_sd_sdr(estimate, target)
    package = sdr.sd_sdr(1e9 * estimate, target.expand(3, -1))
    assert torch.allclose(measured, package, atol=1e-6)
    assert torch.allclose(measured, 10 * torch.log10(cosine**2), atol=1e-4)


@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda c: 10 * torch.log10(c**2 / (1 - c**2)), "that is SI-SDR"),
        (lambda c: 10 * torch.log10(c.abs()), "energies: ‖α·s‖²"),
        (lambda c: 20 * torch.log10(c**2), r"10·log10\(ρ²\), not 20"),
        (lambda c: 10 * torch.log10(1 - c**2), "all of the estimate"),
        (lambda c: torch.zeros_like(c), "does not reach 0 dB"),
        (lambda c: 20 * torch.log10(c), "NaN for a negative cosine"),
        (lambda c: 10 * torch.log10(c**2) + 0.01, "expected"),
    ],
)
def test_sd_sdr_loud_limit_rejects_mistakes(wrong, match):
    with pytest.raises(ExerciseCheckError, match=match):
        sdr_exercises.check_sd_sdr_loud_limit(wrong)


# --------------------------------------------------------------------------------------------------
# SI-SDR from the cosine
# --------------------------------------------------------------------------------------------------


def test_si_sdr_from_cosine_accepts_correct_answers():
    assert sdr_exercises.check_si_sdr_from_cosine(lambda rho: 10 * torch.log10(rho**2 / (1 - rho**2)))
    assert sdr_exercises.check_si_sdr_from_cosine(lambda rho: -10 * torch.log10(1 / rho**2 - 1))
    assert sdr_exercises.check_si_sdr_from_cosine(lambda rho: 20 * torch.log10(rho.abs() / (1 - rho**2).sqrt()))


@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda rho: 10 * torch.log10(rho.abs() / (1 - rho.abs())), "square the cosine"),
        (lambda rho: 20 * torch.log10(rho**2 / (1 - rho**2)), "use 10·log10"),
        (lambda rho: 10 * torch.log10(rho**2), "distortion's energy"),
        (lambda rho: torch.log(rho**2 / (1 - rho**2)), "log10, times 10"),
        (lambda rho: 10 * torch.log10(rho / (1 - rho)), "square the cosine"),
    ],
)
def test_si_sdr_from_cosine_rejects_mistakes(wrong, match):
    with pytest.raises(ExerciseCheckError, match=match):
        sdr_exercises.check_si_sdr_from_cosine(wrong)


def test_si_sdr_from_cosine_rejects_a_sign_dependent_answer():
    # right for positive cosines, but a polarity flip must not change SI-SDR
    with pytest.raises(ExerciseCheckError, match="(?s)negative cosines.*NaN"):
        sdr_exercises.check_si_sdr_from_cosine(lambda rho: 10 * torch.log10(rho**2 / (1 - rho**2)) + 0 * rho.log())


# --------------------------------------------------------------------------------------------------
# SI-SDR
# --------------------------------------------------------------------------------------------------


def my_si_sdr(estimate, target):
    estimate = estimate - estimate.mean(dim=-1, keepdim=True)
    target = target - target.mean(dim=-1, keepdim=True)
    alpha = dot(estimate, target) / dot(target, target)
    residual = estimate - alpha[..., None] * target
    return 10 * torch.log10(alpha**2 * dot(target, target) / dot(residual, residual))


def test_si_sdr_accepts_correct_answers():
    assert sdr_exercises.check_si_sdr(my_si_sdr)
    assert sdr_exercises.check_si_sdr(lambda x, s: sdr.si_sdr(x, s))  # the package (eps=1e-8) is accepted too
    assert sdr_exercises.check_si_sdr(lambda x, s: my_si_sdr(s, x))  # symmetric: the roles may be swapped


def no_mean(estimate, target):
    alpha = dot(estimate, target) / dot(target, target)
    residual = estimate - alpha[..., None] * target
    return 10 * torch.log10(alpha**2 * dot(target, target) / dot(residual, residual))


@pytest.mark.parametrize(
    "wrong, match",
    [
        (no_mean, "remove each signal's mean"),
        (lambda x, s: sdr.snr(x, s, zero_mean=True, eps=0.0), "that is the SNR"),
        (lambda x, s: 2 * my_si_sdr(x, s), "not 20·log10"),
        (lambda x, s: my_si_sdr(x, s) * math.log(10) / 10, "log10, times 10"),
    ],
)
def test_si_sdr_rejects_mistakes(wrong, match):
    with pytest.raises(ExerciseCheckError, match=match):
        sdr_exercises.check_si_sdr(wrong)


# --------------------------------------------------------------------------------------------------
# A delayed tone
# --------------------------------------------------------------------------------------------------


def predicted(frequency, delay, sample_rate):
    phase = 2 * math.pi * frequency * delay / sample_rate
    return 10 * math.log10(math.cos(phase) ** 2 / math.sin(phase) ** 2)


def test_delayed_tone_accepts_floats_and_tensors():
    assert sdr_exercises.check_delayed_tone_si_sdr(predicted)
    assert sdr_exercises.check_delayed_tone_si_sdr(
        lambda f, d, sr: -20 * torch.log10(torch.tan(torch.tensor(2 * math.pi * f * d / sr)).abs())
    )


def test_the_prediction_is_what_the_package_measures():
    for frequency, delay, sample_rate in [(100.0, 1, 16000), (441.0, 3, 44100)]:
        tone = sdr_exercises._tone(frequency, sample_rate)
        measured = float(sdr.si_sdr(torch.roll(tone, delay), tone, eps=0.0))
        assert measured == pytest.approx(predicted(frequency, delay, sample_rate), abs=1e-6)


@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda f, d, sr: 10 * math.log10(math.cos(2 * math.pi * f * d / sr) ** 2), "divide it by the distortion"),
        (lambda f, d, sr: 2 * predicted(f, d, sr), "not 20·log10"),
        (lambda f, d, sr: 10 * math.log10(1 / math.tan(2 * math.pi * f * d / sr + 0.3) ** 2), "expected"),
        (lambda f, d, sr: "high", "expected a number"),
    ],
)
def test_delayed_tone_rejects_mistakes(wrong, match):
    with pytest.raises(ExerciseCheckError, match=match):
        sdr_exercises.check_delayed_tone_si_sdr(wrong)


# --------------------------------------------------------------------------------------------------
# Permutation-invariant SI-SDR loss
# --------------------------------------------------------------------------------------------------


def pit_loss(estimate, target):
    straight = sdr.si_sdr_loss(estimate, target, reduction="none", eps=0.0)
    crossed = sdr.si_sdr_loss(estimate[:, [1, 0]], target, reduction="none", eps=0.0)
    return torch.minimum(straight, crossed)


def test_permutation_invariant_accepts_correct_answers():
    assert sdr_exercises.check_permutation_invariant_si_sdr_loss(pit_loss)

    def with_itertools(estimate, target):
        import itertools

        losses = [
            -my_si_sdr(estimate[:, list(order)], target).mean(dim=1) for order in itertools.permutations(range(2))
        ]
        return torch.stack(losses).min(dim=0).values

    assert sdr_exercises.check_permutation_invariant_si_sdr_loss(with_itertools)


def test_permutation_invariant_rejects_mistakes():
    def auralflow_style(estimate, target):
        straight = -my_si_sdr(estimate, target).mean(dim=1)
        return torch.minimum(straight, -my_si_sdr(target, estimate).mean(dim=1))

    with pytest.raises(ExerciseCheckError, match="swapped estimate and target"):
        sdr_exercises.check_permutation_invariant_si_sdr_loss(auralflow_style)
    with pytest.raises(ExerciseCheckError, match="smaller loss"):
        sdr_exercises.check_permutation_invariant_si_sdr_loss(
            lambda x, s: torch.maximum(-my_si_sdr(x, s).mean(1), -my_si_sdr(x[:, [1, 0]], s).mean(1))
        )

    def batch_level(estimate, target):
        a, b = -my_si_sdr(estimate, target).mean(1), -my_si_sdr(estimate[:, [1, 0]], target).mean(1)
        return a if a.mean() < b.mean() else b

    with pytest.raises(ExerciseCheckError, match="each item on its own"):
        sdr_exercises.check_permutation_invariant_si_sdr_loss(batch_level)
    with pytest.raises(ExerciseCheckError, match=r"expected shape \(4,\)"):
        sdr_exercises.check_permutation_invariant_si_sdr_loss(lambda x, s: pit_loss(x, s).mean())
