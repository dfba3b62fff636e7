"""Chapter 1's self-checks accept right answers (in any form) and name the usual mistakes."""

import math

import numpy as np
import pytest
import torch

from audiolosses.exercises import ExerciseCheckError
from audiolosses.exercises import spectra as spectra_exercises


def alias_by_fold(frequency, sample_rate):
    return abs(frequency - sample_rate * round(frequency / sample_rate))


def alias_by_modulo(frequency, sample_rate):
    rest = frequency % sample_rate
    return torch.tensor(min(rest, sample_rate - rest))


def half_bin_peak_db(window):
    n = torch.arange(window.shape[-1], dtype=torch.float64)
    response = (window * torch.exp(-1j * math.pi * n / window.shape[-1])).sum().abs()
    return 20 * math.log10(float(response / window.sum()))


def half_bin_peak_db_numpy(window):
    w = window.numpy()
    response = np.abs(np.sum(w * np.exp(-1j * np.pi * np.arange(len(w)) / len(w))))
    return 20 * np.log10(response / w.sum())


def test_correct_answers_pass(capsys):
    assert spectra_exercises.check_alias_frequency(alias_by_fold)
    assert spectra_exercises.check_alias_frequency(alias_by_modulo)
    assert spectra_exercises.check_half_bin_peak_db(half_bin_peak_db)
    assert spectra_exercises.check_half_bin_peak_db(half_bin_peak_db_numpy)
    assert spectra_exercises.check_hann_main_lobe(lambda n_fft, sample_rate: 4 * sample_rate / n_fft)
    assert spectra_exercises.check_hann_main_lobe(lambda n_fft, sr: torch.tensor(4.0) * sr / n_fft)
    assert spectra_exercises.check_log_magnitude_l1(lambda gain: abs(math.log(gain)))
    assert spectra_exercises.check_log_magnitude_l1(lambda gain: torch.tensor(gain).log().abs())
    out = capsys.readouterr().out
    assert "check_alias_frequency: all 7 cases passed" in out
    assert "check_half_bin_peak_db: all 5 cases passed" in out
    assert "check_hann_main_lobe: all 4 cases passed" in out
    assert "check_log_magnitude_l1: all 6 cases passed" in out


def test_numpy_scalar_answers_pass(capsys):
    # np.mod / np.abs on whole numbers give np.int64 and np.float64: correct answers in another type
    def alias_numpy(frequency, sample_rate):
        rest = np.mod(np.int64(frequency), np.int64(sample_rate))
        return np.minimum(rest, sample_rate - rest)

    assert spectra_exercises.check_alias_frequency(alias_numpy)
    assert spectra_exercises.check_hann_main_lobe(lambda n_fft, sr: np.float32(4 * sr / n_fft))
    assert spectra_exercises.check_log_magnitude_l1(lambda gain: np.abs(np.log(gain)))
    assert "all 7 cases passed" in capsys.readouterr().out
    with pytest.raises(ExerciseCheckError, match="expected a number"):
        spectra_exercises.check_log_magnitude_l1(lambda gain: np.array([abs(math.log(gain))]))


def test_measurements_agree_with_the_theory():
    # the measured references are what the formulas predict (so a correct derivation can pass)
    assert spectra_exercises.measured_alias_frequency(15000.0, 22050) == 7050.0
    hann = torch.hann_window(1024, dtype=torch.float64)
    assert abs(spectra_exercises.measured_half_bin_peak_db(hann) - 20 * math.log10(8 / (3 * math.pi))) < 1e-3
    rectangle = torch.ones(1024, dtype=torch.float64)
    assert abs(spectra_exercises.measured_half_bin_peak_db(rectangle) - 20 * math.log10(2 / math.pi)) < 2e-3
    assert spectra_exercises.measured_hann_main_lobe_hz(1024, 22050) == pytest.approx(4 * 22050 / 1024)
    assert spectra_exercises.measured_log_magnitude_l1(2.0) == pytest.approx(math.log(2), abs=1e-9)


def test_alias_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="cannot sound above the Nyquist"):
        spectra_exercises.check_alias_frequency(lambda f, sr: f)
    with pytest.raises(ExerciseCheckError, match="still folds back"):
        spectra_exercises.check_alias_frequency(lambda f, sr: f % sr if f > sr else alias_by_fold(f, sr))
    with pytest.raises(ExerciseCheckError, match="not negative"):
        spectra_exercises.check_alias_frequency(lambda f, sr: f - sr * round(f / sr))
    with pytest.raises(ExerciseCheckError, match="every whole"):
        spectra_exercises.check_alias_frequency(lambda f, sr: alias_by_fold(f, sr) if f < 2 * sr else abs(f - sr))
    with pytest.raises(ExerciseCheckError, match="expected a number"):
        spectra_exercises.check_alias_frequency(lambda f, sr: "3000 Hz")


def test_half_bin_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="amplitude ratio"):
        spectra_exercises.check_half_bin_peak_db(lambda w: 10 ** (half_bin_peak_db(w) / 20))
    with pytest.raises(ExerciseCheckError, match="not 10·log10"):
        spectra_exercises.check_half_bin_peak_db(lambda w: half_bin_peak_db(w) / 2)
    with pytest.raises(ExerciseCheckError, match="negative"):
        spectra_exercises.check_half_bin_peak_db(lambda w: -half_bin_peak_db(w))
    with pytest.raises(ExerciseCheckError, match="at ν = 1/2"):
        spectra_exercises.check_half_bin_peak_db(lambda w: -20.0)
    # a right answer for the Hann window only is not enough
    with pytest.raises(ExerciseCheckError, match="rectangular"):
        spectra_exercises.check_half_bin_peak_db(lambda w: 20 * math.log10(8 / (3 * math.pi)))


def test_main_lobe_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="rectangular window"):
        spectra_exercises.check_hann_main_lobe(lambda n, sr: 2 * sr / n)
    with pytest.raises(ExerciseCheckError, match="spacing of the DFT"):
        spectra_exercises.check_hann_main_lobe(lambda n, sr: sr / n)
    with pytest.raises(ExerciseCheckError, match="in Hz"):
        spectra_exercises.check_hann_main_lobe(lambda n, sr: 4 / n)


def test_log_magnitude_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="change in dB"):
        spectra_exercises.check_log_magnitude_l1(lambda g: abs(20 * math.log10(g)))
    with pytest.raises(ExerciseCheckError, match="log power"):
        spectra_exercises.check_log_magnitude_l1(lambda g: abs(math.log(g * g)))
    with pytest.raises(ExerciseCheckError, match="never negative"):
        spectra_exercises.check_log_magnitude_l1(lambda g: math.log(g))
    with pytest.raises(ExerciseCheckError, match="take logs first"):
        spectra_exercises.check_log_magnitude_l1(lambda g: abs(g - 1))
