"""The chapter 4 self-checks accept right answers and reject typical wrong ones with a helpful hint."""

from __future__ import annotations

import pytest
import torch

from audiolosses.exercises import perceptual as checks
from audiolosses.exercises._core import ExerciseCheckError


def test_erb_accepts_right_answers():
    assert checks.check_erb(lambda f: 0.108 * f + 24.7)
    assert checks.check_erb(lambda f: 24.7 * (4.37 * f / 1000 + 1))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda f: 0.108 * f, "constant"),
        (lambda f: f / 2 + 24.7, "half the band"),
        (lambda f: 24.7 * (4.37 * f + 1), "kHz"),
    ],
)
def test_erb_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_erb(wrong)


def _bark_centres(n, lo, hi):
    lo_b, hi_b = 6 * torch.asinh(torch.tensor(lo / 600)), 6 * torch.asinh(torch.tensor(hi / 600))
    return 600 * torch.sinh(torch.linspace(lo_b.item(), hi_b.item(), n, dtype=torch.float64) / 6)


def test_bark_centres_accepts_a_right_answer():
    assert checks.check_bark_centres(_bark_centres)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda n, lo, hi: torch.linspace(lo, hi, n, dtype=torch.float64), "evenly spaced in Hz"),
        (lambda n, lo, hi: _bark_centres(n + 1, lo, hi)[:-1], "include both ends"),
    ],
)
def test_bark_centres_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_bark_centres(wrong)


def test_rectified_log_accepts_a_right_answer():
    assert checks.check_rectified_log(lambda x, k: torch.log(1 + k * torch.relu(x)))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda x, k: torch.log1p(k * x.abs()), "full-wave"),
        (lambda x, k: torch.log10(1 + k * torch.relu(x)), "natural log"),
        (lambda x, k: torch.log1p(torch.relu(x)), "multiply by the log factor"),
        (lambda x, k: k * torch.log1p(torch.relu(x)), "inside the log"),
    ],
)
def test_rectified_log_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_rectified_log(wrong)


def _negative_cosine(a, b):
    return -torch.nn.functional.cosine_similarity(a.flatten(1), b.flatten(1), dim=1)


def test_negative_cosine_accepts_a_right_answer():
    assert checks.check_negative_cosine(_negative_cosine)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda a, b: -_negative_cosine(a, b), "NEGATIVE"),
        (lambda a, b: 1 + _negative_cosine(a, b), "cosine distance"),
        (lambda a, b: _negative_cosine(a, b).mean(), "shape"),
    ],
)
def test_negative_cosine_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_negative_cosine(wrong)


def test_checks_reject_a_non_function():
    with pytest.raises(TypeError, match="check_erb"):
        checks.check_erb(3)


# --- reasoning exercises: a polarity-invariant loss, the MSE of a flip, which measures a flip fools ----------

from audiolosses import perceptual  # noqa: E402

_LOSS = perceptual.PerceptualLoss.original(reduction="none")


def test_polarity_invariant_accepts_both_fixes():
    assert checks.check_polarity_invariant(lambda e, t: torch.minimum(_LOSS(e, t), _LOSS(-e, t)))
    full_wave = perceptual.PerceptualLoss.original(reduction="none")

    def abs_rectified(estimate, target):
        images = []
        for x in (estimate.double(), target.double()):
            filtered = perceptual.filter_bank_apply(x, full_wave.bank.double(), method="fft")
            weights = full_wave.weights.double()[:, None]
            image = torch.log1p(full_wave.log_factor * filtered.abs()) * weights
            images.append(image.flatten(1))
        a, b = images
        return -(a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1))

    assert checks.check_polarity_invariant(abs_rectified)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda e, t: _LOSS(e, t), "relu keeps one half"),  # the original loss
        (lambda e, t: _LOSS(e.abs(), t), "failed"),  # rectifies the estimate's waveform only
        (lambda e, t: -torch.ones(e.shape[0]), "no longer tells sounds apart"),  # blind to everything
    ],
)
def test_polarity_invariant_rejects_wrong_answers(wrong, message):
    with pytest.raises(ExerciseCheckError, match=message):
        checks.check_polarity_invariant(wrong)


def test_flip_mse_accepts_the_derivation_and_the_direct_computation():
    assert checks.check_flip_mse(lambda x: 4 * x.pow(2).flatten(1).mean(dim=1))
    assert checks.check_flip_mse(lambda x: (-x - x).pow(2).flatten(1).mean(dim=1))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda x: x.pow(2).flatten(1).mean(dim=1), "mean power"),
        (lambda x: 2 * x.pow(2).flatten(1).mean(dim=1), "not 2x"),
        (lambda x: 2 * x.pow(2).flatten(1).mean(dim=1).sqrt(), "root mean square"),
    ],
)
def test_flip_mse_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_flip_mse(wrong)


def test_perfect_on_flip_accepts_the_mel_judges_in_any_container():
    assert checks.check_perfect_on_flip(["rvm", "log_mel_l1"])
    assert checks.check_perfect_on_flip(("log_mel_l1", "rvm"))
    assert checks.check_perfect_on_flip({"rvm", "log_mel_l1"})


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (["rvm"], "log-mel L1 compares mel magnitudes too"),
        (["rvm", "log_mel_l1", "perceptual"], "rectifies each band"),
        ([], "RVM compares mel magnitudes"),
        (["mse", "rvm", "log_mel_l1"], "error of -x is -2x"),
        ("rvm", "a list of names"),
        (["sdr"], "not among"),
    ],
)
def test_perfect_on_flip_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_perfect_on_flip(wrong)
