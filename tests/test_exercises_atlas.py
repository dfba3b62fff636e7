"""Chapter 7's self-checks accept right answers (written here from the definitions, with scipy's rank
helper) and name the usual mistakes."""

import numpy as np
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


def test_spearman_rank_difference_shortcut_fails_on_ties_with_a_hint():
    def shortcut(x, y):  # 1 - 6·Σd²/(n(n² - 1)): right without ties, wrong with them
        d = torch.tensor(scipy.stats.rankdata(x.numpy()) - scipy.stats.rankdata(y.numpy()), dtype=torch.float64)
        n = len(x)
        return 1 - 6 * d.pow(2).sum() / (n * (n * n - 1))

    with pytest.raises(ExerciseCheckError, match="only without ties"):
        atlas_exercises.check_spearman(shortcut)


def test_other_correct_answers_pass(capsys):
    def quantize_by_codes(x, bits):  # integer codes, then back to full scale
        half = 2 ** (bits - 1)
        return torch.round(x * half).clamp(-half, half - 1) / half

    def quantize_half_up(x, bits):
        step = 2.0 ** (1 - bits)
        return torch.clamp(torch.floor(x / step + 0.5) * step, -1, 1 - step)

    def spearman_with_scipy_ranks(x, y):
        ranks = torch.stack([torch.tensor(scipy.stats.rankdata(v.numpy())) for v in (x, y)])
        return torch.corrcoef(ranks)[0, 1]

    assert atlas_exercises.check_quantize(quantize_by_codes)
    assert atlas_exercises.check_quantize(quantize_half_up)
    assert atlas_exercises.check_normalized_response(lambda v, i, a: 1 - (a - v) / (a - i))
    assert atlas_exercises.check_spearman(spearman_with_scipy_ranks)
    assert atlas_exercises.check_gain_response(0.28)  # two decimals, as the statement allows
    assert atlas_exercises.check_reverb_growth(" Spectral")  # case and spaces do not matter


def test_interval_width_prediction(capsys):
    assert atlas_exercises.check_interval_width(2**0.5)  # the 1/sqrt(n) answer
    assert "measured: 1.4" in capsys.readouterr().out
    with pytest.raises(ExerciseCheckError, match="sqrt"):
        atlas_exercises.check_interval_width(2.0)
    with pytest.raises(ExerciseCheckError, match="wider, not narrower"):
        atlas_exercises.check_interval_width(0.71)
    with pytest.raises(ExerciseCheckError, match="does depend"):
        atlas_exercises.check_interval_width(1.0)
    with pytest.raises(ExerciseCheckError, match="finite number"):
        atlas_exercises.check_interval_width("1.41")


def test_reverb_is_a_decaying_tail_at_the_input_level():
    sr = 22050
    impulse = torch.zeros(1, sr, dtype=torch.float64)
    impulse[0, 0] = 1.0
    response = atlas_exercises.reverb(impulse, 0.5, sr)
    assert response.shape == impulse.shape
    assert float(response.pow(2).mean()) == pytest.approx(float(impulse.pow(2).mean()), rel=1e-9)
    # equal energy in the direct sound and the tail
    assert float(response[0, 0] ** 2) == pytest.approx(float(response[0, 1:].pow(2).sum()), rel=1e-9)
    # the tail's envelope falls by about 60 dB over RT60 (energy in 50 ms blocks, by numpy's polyfit)
    tail = response[0, 1 : int(0.5 * sr)].numpy() ** 2
    blocks = tail[: len(tail) // 1102 * 1102].reshape(-1, 1102).sum(1)
    slope = np.polyfit(np.arange(len(blocks)) * 0.05, 10 * np.log10(blocks), 1)[0]
    assert slope == pytest.approx(-60 / 0.5, rel=0.15)


def test_reverb_growth_prediction(capsys):
    growth = atlas_exercises.reverb_growth()
    assert max(growth, key=growth.get) == "spectral" and growth["spectral"] > 0.15
    assert atlas_exercises.check_reverb_growth("spectral")
    assert "spectral +0." in capsys.readouterr().out
    with pytest.raises(ExerciseCheckError, match="barely moves"):
        atlas_exercises.check_reverb_growth("sample-wise")
    with pytest.raises(ExerciseCheckError, match="no pooling over time"):
        atlas_exercises.check_reverb_growth("perceptual")
    with pytest.raises(ExerciseCheckError, match="choose one of"):
        atlas_exercises.check_reverb_growth("log-mel")


def test_gain_response_derivation(capsys):
    g = 10 ** (-12 / 20)
    assert atlas_exercises.check_gain_response((1 - g) ** 2 / 2)
    assert "(1 - g)^2 / 2 = 0.280" in capsys.readouterr().out
    with pytest.raises(ExerciseCheckError, match="about 2E"):
        atlas_exercises.check_gain_response((1 - g) ** 2)
    with pytest.raises(ExerciseCheckError, match="squares the error"):
        atlas_exercises.check_gain_response(1 - g)
    with pytest.raises(ExerciseCheckError, match=r"10\^\(dB/20\)"):
        atlas_exercises.check_gain_response((1 - 10 ** (-12 / 10)) ** 2 / 2)
