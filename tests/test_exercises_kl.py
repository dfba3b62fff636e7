"""Chapter 6's self-checks accept right answers and name the usual mistakes."""

import numpy as np
import pytest
import torch

from audiolosses.exercises import ExerciseCheckError
from audiolosses.exercises import kl as kl_exercises


def kl_standard_normal(mu, sigma):
    return 0.5 * (mu**2 + sigma**2 - torch.log(sigma**2) - 1)


def kl_two_gaussians(mu_q, sigma_q, mu_p, sigma_p):
    return torch.log(sigma_p / sigma_q) + (sigma_q**2 + (mu_q - mu_p) ** 2) / (2 * sigma_p**2) - 0.5


def test_correct_answers_pass(capsys):
    assert kl_exercises.check_kl_standard_normal(kl_standard_normal)
    assert kl_exercises.check_kl_batchmean(lambda mu, sigma: kl_standard_normal(mu, sigma).sum(dim=1).mean())
    assert kl_exercises.check_kl_two_gaussians(kl_two_gaussians)
    assert kl_exercises.check_reparameterize(lambda mu, logvar, noise: mu + torch.exp(0.5 * logvar) * noise)
    out = capsys.readouterr().out
    assert "check_kl_standard_normal: all 4 cases passed" in out
    assert "check_kl_batchmean: all 3 cases passed" in out
    assert "check_kl_two_gaussians: all 3 cases passed" in out
    assert "check_reparameterize: all 3 cases passed" in out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda m, s: 2 * kl_standard_normal(m, s), "factor ½"),
        (lambda m, s: 0.5 * (m**2 + s**2 - torch.log(s) - 1), "ln σ² = 2 ln σ"),
        (lambda m, s: 0.5 * (m**2 + s - torch.log(s**2) - 1), "the square of the standard deviation"),
        (lambda m, s: 0.5 * (m**2 + s**2 - torch.log(s**2)), "the −1 is missing"),
    ],
)
def test_kl_standard_normal_mistakes_are_named(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        kl_exercises.check_kl_standard_normal(wrong)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda m, s: kl_standard_normal(m, s).mean(), "reduction in auralflow's code"),
        (lambda m, s: kl_standard_normal(m, s).sum(), "divide by the batch size"),
        (lambda m, s: kl_standard_normal(m, s).mean(dim=1).sum(), "axes are swapped"),
    ],
)
def test_kl_batchmean_mistakes_are_named(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        kl_exercises.check_kl_batchmean(wrong)


def test_kl_batchmean_rejects_a_per_item_vector():
    with pytest.raises(ExerciseCheckError, match="expected shape"):
        kl_exercises.check_kl_batchmean(lambda m, s: kl_standard_normal(m, s).sum(dim=1))


def test_kl_two_gaussians_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="not symmetric"):
        kl_exercises.check_kl_two_gaussians(lambda mq, sq, mp, sp: kl_two_gaussians(mp, sp, mq, sq))
    with pytest.raises(ExerciseCheckError, match="standard-normal formula"):
        kl_exercises.check_kl_two_gaussians(
            lambda mq, sq, mp, sp: 0.5 * ((mq - mp) ** 2 + sq**2 - torch.log(sq**2) - 1)
        )


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda m, lv, n: m + lv.exp() * n, "exp\\(logvar\\) is the variance"),
        (lambda m, lv, n: m + lv * n, "exponentiate half"),
        (lambda m, lv, n: m + n, "must be scaled"),
    ],
)
def test_reparameterize_mistakes_are_named(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        kl_exercises.check_reparameterize(wrong)


def test_unfinished_and_crashing_functions_are_reported():
    def unfinished(mu, sigma):
        raise NotImplementedError

    with pytest.raises(ExerciseCheckError, match="fill in its body"):
        kl_exercises.check_kl_standard_normal(unfinished)
    with pytest.raises(ExerciseCheckError, match="raised RuntimeError"):
        kl_exercises.check_kl_batchmean(lambda m, s: m @ s)


def test_free_bits_floor_accepts_the_right_number(capsys):
    assert kl_exercises.check_free_bits_floor(4.0)
    assert kl_exercises.check_free_bits_floor(4)
    assert kl_exercises.check_free_bits_floor(torch.tensor(4.0))
    assert kl_exercises.check_free_bits_floor(np.float32(4.0))
    assert "check_free_bits_floor: the case passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (0.0, "the floor is the least"),
        (0.5, "ONE latent dimension"),
        (64.0, "not to every frame"),
        (0.0625, "do not divide the floor"),
        (3.9, "expected 4"),
    ],
)
def test_free_bits_floor_rejects_wrong_numbers(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        kl_exercises.check_free_bits_floor(wrong)


def test_free_bits_floor_rejects_a_non_number():
    with pytest.raises(ExerciseCheckError, match="expected a number"):
        kl_exercises.check_free_bits_floor("4")


@pytest.mark.parametrize("choice", ["mean", "zeros", " Mean "])
def test_collapsed_output_accepts_both_right_options(choice, capsys):
    assert kl_exercises.check_collapsed_output(choice)
    assert "the same answer here" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [("median", "best constant under L1"), ("random frame", "deterministic"), ("mode", "choose one of")],
)
def test_collapsed_output_rejects_wrong_options(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        kl_exercises.check_collapsed_output(wrong)
