"""Chapter 7's self-checks accept right answers (written here from the definitions, with scipy's rank
helper) and name the usual mistakes."""

import pytest
import scipy.stats
import torch

from audiolosses.exercises import ExerciseCheckError
from audiolosses.exercises import atlas as atlas_exercises


def quantize(x, bits):
    step = 2.0 / 2**bits
    return (torch.round(x / step) * step).clamp(-1.0, 1.0 - step)


def spearman(x, y):
    rx = torch.from_numpy(scipy.stats.rankdata(x.numpy()))
    ry = torch.from_numpy(scipy.stats.rankdata(y.numpy()))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    return (rx * ry).sum() / (rx.pow(2).sum() * ry.pow(2).sum()).sqrt()


def test_correct_answers_pass(capsys):
    assert atlas_exercises.check_quantize(quantize)
    assert atlas_exercises.check_normalized_response(lambda v, i, a: (v - i) / (a - i))
    assert atlas_exercises.check_spearman(spearman)
    out = capsys.readouterr().out
    assert "check_quantize: all 3 cases passed" in out
    assert "check_normalized_response: all 3 cases passed" in out
    assert "check_spearman: all 4 cases passed" in out


def test_quantize_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match=r"2\^\(1 - bits\)"):
        atlas_exercises.check_quantize(lambda x, b: (torch.round(x / 2.0**-b) * 2.0**-b).clamp(-1, 1 - 2.0**-b))
    with pytest.raises(ExerciseCheckError, match="nearest"):
        atlas_exercises.check_quantize(lambda x, b: torch.floor(x / 2.0 ** (1 - b)) * 2.0 ** (1 - b))
    with pytest.raises(ExerciseCheckError, match="limit the result"):
        atlas_exercises.check_quantize(lambda x, b: torch.round(x / 2.0 ** (1 - b)) * 2.0 ** (1 - b))


def test_normalized_response_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="subtract the identity"):
        atlas_exercises.check_normalized_response(lambda v, i, a: v / a)
    with pytest.raises(ExerciseCheckError, match=r"divide by \(anchor - identity\)"):
        atlas_exercises.check_normalized_response(lambda v, i, a: (v - i) / a)
    with pytest.raises(ExerciseCheckError, match="min-max"):
        atlas_exercises.check_normalized_response(lambda v, i, a: (v - v.min()) / (v.max() - v.min()))


def test_spearman_mistakes_are_named():
    def pearson(x, y):
        x, y = x - x.mean(), y - y.mean()
        return (x * y).sum() / (x.pow(2).sum() * y.pow(2).sum()).sqrt()

    def ordinal(v):
        ranks = torch.empty_like(v)
        ranks[v.argsort(stable=True)] = torch.arange(len(v), dtype=v.dtype)
        return ranks

    with pytest.raises(ExerciseCheckError, match="Pearson"):
        atlas_exercises.check_spearman(pearson)
    with pytest.raises(ExerciseCheckError, match="average of their ranks"):
        atlas_exercises.check_spearman(lambda x, y: pearson(ordinal(x), ordinal(y)))
    with pytest.raises(ExerciseCheckError, match="expected a torch.Tensor"):
        atlas_exercises.check_spearman(lambda x, y: float(spearman(x, y)))
