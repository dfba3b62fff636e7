"""Chapter 8's self-checks accept every right answer and name the usual mistakes."""

import pytest
import torch

from audiolosses.exercises import ExerciseCheckError
from audiolosses.exercises import stft_loss as stft_exercises


def spectral_convergence(x_mag, y_mag):
    dims = tuple(range(1, x_mag.dim()))
    return torch.linalg.vector_norm(y_mag - x_mag, dim=dims) / torch.linalg.vector_norm(y_mag, dim=dims)


def spectral_convergence_by_reshaping(x_mag, y_mag):  # another right answer: flatten each item
    difference = (y_mag - x_mag).flatten(1)
    return difference.square().sum(1).sqrt() / y_mag.flatten(1).square().sum(1).sqrt()


def gain_terms(gains):
    return torch.stack([(1 - gains).abs(), gains.log().abs()], dim=1)


def batch_spectral_convergence(item_sc, target_energy):
    return ((item_sc**2 * target_energy).sum() / target_energy.sum()).sqrt()


def test_correct_answers_pass(capsys):
    assert stft_exercises.check_spectral_convergence(spectral_convergence)
    assert stft_exercises.check_spectral_convergence(spectral_convergence_by_reshaping)
    assert stft_exercises.check_gain_terms(gain_terms)
    # |ln g| written as a difference of logs of magnitudes is the same answer
    assert stft_exercises.check_gain_terms(
        lambda g: torch.stack([(g - 1).abs(), (torch.log(g * 3) - torch.log(torch.full_like(g, 3.0))).abs()], dim=1)
    )
    assert stft_exercises.check_batch_spectral_convergence(batch_spectral_convergence)
    assert stft_exercises.check_phase_blind_prediction(lambda y: -y)
    out = capsys.readouterr().out
    assert "check_spectral_convergence: all 2 cases passed" in out
    assert "check_gain_terms: all 2 cases passed" in out
    assert "check_phase_blind_prediction: both cases passed" in out


def test_spectral_convergence_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="batch-wide ratio"):
        stft_exercises.check_spectral_convergence(
            lambda x, y: (torch.linalg.vector_norm(y - x) / torch.linalg.vector_norm(y)).expand(x.shape[0])
        )
    with pytest.raises(ExerciseCheckError, match="squared ratio"):
        stft_exercises.check_spectral_convergence(lambda x, y: spectral_convergence(x, y) ** 2)
    with pytest.raises(ExerciseCheckError, match="target"):
        stft_exercises.check_spectral_convergence(lambda x, y: spectral_convergence(y, x))
    with pytest.raises(ExerciseCheckError, match="L1 ratio"):
        stft_exercises.check_spectral_convergence(lambda x, y: (y - x).abs().flatten(1).sum(1) / y.flatten(1).sum(1))
    with pytest.raises(ExerciseCheckError, match="expected shape"):
        stft_exercises.check_spectral_convergence(lambda x, y: spectral_convergence(x, y).mean())


def test_gain_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="natural logarithm"):
        stft_exercises.check_gain_terms(lambda g: torch.stack([(1 - g).abs(), g.log10().abs()], dim=1))
    with pytest.raises(ExerciseCheckError, match="in dB"):
        stft_exercises.check_gain_terms(lambda g: torch.stack([(1 - g).abs(), 20 * g.log10().abs()], dim=1))
    with pytest.raises(ExerciseCheckError, match=r"\|1 − g\|, not g"):
        stft_exercises.check_gain_terms(lambda g: torch.stack([g, g.log().abs()], dim=1))
    with pytest.raises(ExerciseCheckError, match="swapped"):
        stft_exercises.check_gain_terms(lambda g: torch.stack([g.log().abs(), (1 - g).abs()], dim=1))


def test_batch_ratio_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="plain mean"):
        stft_exercises.check_batch_spectral_convergence(lambda sc, energy: sc.mean())
    with pytest.raises(ExerciseCheckError, match="squared"):
        stft_exercises.check_batch_spectral_convergence(lambda sc, energy: (sc * energy).sum() / energy.sum())
    with pytest.raises(ExerciseCheckError, match="norms do not add"):
        stft_exercises.check_batch_spectral_convergence(
            lambda sc, energy: (sc * energy.sqrt()).sum() / energy.sqrt().sum()
        )


def test_phase_blind_mistakes_are_explained():
    with pytest.raises(ExerciseCheckError, match="too close to the target"):
        stft_exercises.check_phase_blind_prediction(lambda y: y.clone())
    with pytest.raises(ExerciseCheckError, match="the loss sees the change"):
        stft_exercises.check_phase_blind_prediction(lambda y: torch.roll(y, 300, dims=-1))
    with pytest.raises(ExerciseCheckError, match="the loss sees the change"):
        stft_exercises.check_phase_blind_prediction(lambda y: 2.0 * y)
    with pytest.raises(ExerciseCheckError, match="expected a tensor of shape"):
        stft_exercises.check_phase_blind_prediction(lambda y: -y[0])
    with pytest.raises(ExerciseCheckError, match="NotImplementedError"):

        def unfinished(y):
            raise NotImplementedError

        stft_exercises.check_phase_blind_prediction(unfinished)
