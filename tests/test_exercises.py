"""The self-checks accept right answers and reject wrong ones with a helpful message."""

import math

import pytest
import torch

from audiolosses import exercises, spectral
from audiolosses.exercises import ExerciseCheckError


def correct_mel_bank(n_freqs, f_min, f_max, n_mels, sample_rate):
    return spectral.mel_filter_bank(n_freqs, f_min, f_max, n_mels, sample_rate)


def test_correct_answers_pass(capsys):
    assert exercises.check_scale_to_db(lambda a, floor: 20 * torch.log10(a.abs().clamp_min(10 ** (floor / 20))))
    assert exercises.check_frame_signal(lambda x, n, hop: x.unfold(-1, n, hop))
    assert exercises.check_hz_to_mel(lambda f: 2595 * torch.log10(1 + f / 700))
    assert exercises.check_hz_to_mel(lambda f: 1127 * torch.log1p(f / 700))
    assert exercises.check_mel_filterbank(correct_mel_bank)
    out = capsys.readouterr().out
    assert "check_mel_filterbank: all 3 cases passed" in out


def test_scale_to_db_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="10·log10, the rule for power"):
        exercises.check_scale_to_db(lambda a, floor: 10 * torch.log10(a.abs().clamp_min(10 ** (floor / 20))))
    with pytest.raises(ExerciseCheckError, match="clamp the amplitude"):
        exercises.check_scale_to_db(lambda a, floor: 20 * torch.log10(a.abs() + 1e-30))
    with pytest.raises(ExerciseCheckError, match="negative samples"):
        exercises.check_scale_to_db(lambda a, floor: 20 * torch.log10(a.clamp_min(10 ** (floor / 20))))


def test_frame_signal_mistakes():
    with pytest.raises(ExerciseCheckError, match=r"expected shape \(5, 4\), got \(4, 4\)"):
        exercises.check_frame_signal(lambda x, n, hop: x.unfold(-1, n, hop)[:-1])
    with pytest.raises(ExerciseCheckError, match="transposed"):
        exercises.check_frame_signal(lambda x, n, hop: x.unfold(-1, n, hop).transpose(-1, -2))


def test_hz_to_mel_mistakes():
    with pytest.raises(ExerciseCheckError, match="Slaney scale"):
        exercises.check_hz_to_mel(lambda f: spectral.hz_to_mel(f, "slaney"))
    with pytest.raises(ExerciseCheckError, match="natural-log form"):
        exercises.check_hz_to_mel(lambda f: 2595 * torch.log(1 + f / 700))
    with pytest.raises(ExerciseCheckError, match="expected a torch.Tensor, got list"):
        exercises.check_hz_to_mel(lambda f: [2595 * math.log10(1 + v / 700) for v in f.tolist()])


def test_mel_filterbank_mistakes():
    with pytest.raises(ExerciseCheckError, match="transposed"):
        exercises.check_mel_filterbank(lambda *args: correct_mel_bank(*args).T)
    with pytest.raises(ExerciseCheckError, match="area-normalised"):
        exercises.check_mel_filterbank(
            lambda n, lo, hi, m, sr: spectral.mel_filter_bank(n, lo, hi, m, sr, norm="slaney")
        )
    with pytest.raises(ExerciseCheckError, match="clamped at 0"):
        exercises.check_mel_filterbank(lambda *args: correct_mel_bank(*args) - 0.1)
    with pytest.raises(ExerciseCheckError, match="Slaney|n_mels \\+ 2 points"):
        exercises.check_mel_filterbank(
            lambda n, lo, hi, m, sr: spectral.mel_filter_bank(n, lo, hi, m, sr, mel_scale="slaney")
        )


def test_errors_inside_the_learners_function_are_reported():
    def unfinished(*args):
        raise NotImplementedError

    with pytest.raises(ExerciseCheckError, match="fill in its body"):
        exercises.check_frame_signal(unfinished)
    with pytest.raises(ExerciseCheckError, match="raised ZeroDivisionError"):
        exercises.check_hz_to_mel(lambda f: 1 / 0)
    with pytest.raises(TypeError, match="expects your function"):
        exercises.check_hz_to_mel(42)


CHAPTER_MODULES = ["spectra", "rvm", "hifigan", "perceptual", "component", "kl", "atlas", "stft_loss", "sdr"]


@pytest.mark.parametrize("module_name", CHAPTER_MODULES)
def test_every_check_is_reexported_and_says_not_attempted_for_none(module_name, capsys):
    import importlib

    module = importlib.import_module(f"audiolosses.exercises.{module_name}")
    checks = [name for name in module.__all__ if name.startswith("check_")]
    assert checks, f"audiolosses.exercises.{module_name} exports no check"
    missing = [name for name in checks if name not in exercises.__all__]
    assert not missing, f"not re-exported from audiolosses.exercises: {missing}"
    for name in checks:
        assert getattr(exercises, name) is getattr(module, name)
        assert getattr(module, name)(None) is False, f"{name}(None) must return False"
        printed = capsys.readouterr().out
        assert printed.startswith(f"{name}: not attempted yet"), f"{name}(None) printed {printed!r}"
        assert printed.count("\n") == 1, f"{name}(None) printed more than its one line: {printed!r}"
