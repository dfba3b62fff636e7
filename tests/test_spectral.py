"""audiolosses.spectral against independent computations: torchaudio, numpy's FFT, direct formulas."""

import math
import warnings

import numpy as np
import pytest
import torch
import torchaudio

from audiolosses import spectral

MEL_SETTINGS = [
    # n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale
    (201, 0.0, 8000.0, 40, 16000, None, "htk"),
    (257, 20.0, 12000.0, 80, 24000, None, "htk"),
    (513, 0.0, 11025.0, 80, 22050, "slaney", "slaney"),
    (513, 0.0, 8000.0, 80, 22050, "slaney", "slaney"),
    (257, 0.0, 8000.0, 64, 16000, None, "slaney"),
    (513, 0.0, 5512.5, 64, 11025, "slaney", "htk"),
    (1025, 30.0, 20000.0, 128, 44100, "slaney", "slaney"),
]


@pytest.mark.parametrize("settings", MEL_SETTINGS, ids=lambda s: "-".join(map(str, s)))
def test_mel_filter_bank_matches_torchaudio(settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchaudio warns about empty filters in narrow settings
        expected = torchaudio.functional.melscale_fbanks(*settings)
    ours = spectral.mel_filter_bank(*settings)
    assert ours.shape == expected.shape
    torch.testing.assert_close(ours, expected, atol=1e-6, rtol=0)
    # the float64 bank is the same bank, more precisely
    torch.testing.assert_close(
        spectral.mel_filter_bank(*settings, dtype=torch.float64), expected.double(), atol=2e-5, rtol=0
    )


def test_mel_filter_bank_shape_peak_and_area():
    bank = spectral.mel_filter_bank(1025, 0.0, 8000.0, 40, 16000, dtype=torch.float64)
    assert bank.shape == (1025, 40)
    assert bank.min() >= 0
    assert torch.allclose(
        bank.max(dim=0).values, torch.ones(40, dtype=torch.float64), atol=0.06
    )  # bins fall near, not on, the peaks
    # Slaney area normalisation: every triangle integrates to ~1 over frequency in Hz
    normed = spectral.mel_filter_bank(4097, 0.0, 8000.0, 40, 16000, "slaney", dtype=torch.float64)
    area = normed.sum(dim=0) * (8000.0 / 4096)
    assert torch.allclose(area, torch.ones(40, dtype=torch.float64), atol=0.01)


def test_mel_filter_bank_is_a_fresh_copy():
    first = spectral.mel_filter_bank(201, 0.0, 8000.0, 40, 16000)
    first.zero_()
    assert spectral.mel_filter_bank(201, 0.0, 8000.0, 40, 16000).max() > 0.9


@pytest.mark.parametrize("mel_scale", ["htk", "slaney"])
def test_mel_scale_round_trip_and_reference_points(mel_scale):
    freqs = torch.linspace(0, 22050, 101, dtype=torch.float64)
    mels = spectral.hz_to_mel(freqs, mel_scale)
    torch.testing.assert_close(spectral.mel_to_hz(mels, mel_scale), freqs, atol=1e-6, rtol=1e-9)
    assert torch.all(mels.diff() > 0)
    if mel_scale == "htk":
        assert spectral.hz_to_mel(1000.0).item() == pytest.approx(1000.0, abs=0.1)
        assert spectral.hz_to_mel(700.0).item() == pytest.approx(2595 * math.log10(2))
    else:
        assert spectral.hz_to_mel(1000.0, "slaney").item() == pytest.approx(15.0)
        assert spectral.hz_to_mel(500.0, "slaney").item() == pytest.approx(7.5)
        assert spectral.hz_to_mel(6400.0, "slaney").item() == pytest.approx(15.0 + 27.0)


MEL_SPECTROGRAM_SETTINGS = [
    dict(sample_rate=16000),
    dict(sample_rate=24000, n_fft=512, hop_length=128, n_mels=80, normalized=True),
    dict(
        sample_rate=22050,
        n_fft=1024,
        hop_length=256,
        n_mels=80,
        norm="slaney",
        mel_scale="slaney",
        power=1.0,
        center=False,
    ),
    dict(sample_rate=16000, n_fft=400, win_length=320, hop_length=160, n_mels=40, f_min=20.0, f_max=7600.0),
]


@pytest.mark.filterwarnings("ignore:At least one mel filterbank has all zero values")
@pytest.mark.parametrize("settings", MEL_SPECTROGRAM_SETTINGS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_mel_spectrogram_matches_torchaudio(settings, dtype):
    settings = dict(settings)
    sample_rate = settings.pop("sample_rate")
    waveform = torch.randn(2, 1, 6000, dtype=dtype)
    transform = torchaudio.transforms.MelSpectrogram(sample_rate=sample_rate, **settings).to(dtype)
    expected = transform(waveform)
    ours = spectral.mel_spectrogram(waveform, sample_rate, **settings)
    assert ours.shape == expected.shape and ours.dtype == dtype
    scale = expected.abs().max()
    # torchaudio builds its filter bank in float32 even for a float64 transform; ours is built in the
    # input's dtype, so in float64 the two differ by torchaudio's float32 rounding (~1e-5).
    atol = 1e-6 if dtype == torch.float32 else 2e-5
    torch.testing.assert_close(ours / scale, expected / scale, atol=atol, rtol=0)


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("normalized", [True, False])
def test_stft_magnitude_matches_numpy_fft(center, normalized):
    n_fft, hop = 256, 64
    waveform = torch.randn(1, 2000, dtype=torch.float64)
    ours = spectral.stft_magnitude(waveform, n_fft, hop, center=center, normalized=normalized)[0]
    signal = waveform[0].numpy()
    if center:
        signal = np.pad(signal, n_fft // 2, mode="reflect")
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = np.stack([signal[i : i + n_fft] for i in range(0, len(signal) - n_fft + 1, hop)], axis=1)
    expected = np.abs(np.fft.rfft(frames * window[:, None], axis=0))
    if normalized:
        expected /= np.sqrt((window**2).sum())
    np.testing.assert_allclose(ours.numpy(), expected, atol=1e-10)


def test_stft_magnitude_matches_torchaudio_spectrogram_power():
    waveform = torch.randn(3, 4000)
    expected = torchaudio.transforms.Spectrogram(n_fft=512, hop_length=128, power=2.0)(waveform)
    torch.testing.assert_close(spectral.stft_magnitude(waveform, 512, 128, power=2.0), expected, rtol=1e-5, atol=1e-5)


def test_hann_window_matches_torch():
    for length in (4, 400, 1024):
        torch.testing.assert_close(spectral.hann_window(length), torch.hann_window(length), atol=1e-6, rtol=0)


def test_frame_signal():
    x = torch.arange(10.0)
    frames = spectral.frame_signal(x, 4, 3)
    assert frames.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    assert spectral.frame_signal(torch.zeros(2, 1, 100), 10, 5).shape == (2, 1, 19, 10)


def test_fft_frequencies():
    freqs = spectral.fft_frequencies(8, 16000)
    assert freqs.tolist() == [0.0, 2000.0, 4000.0, 6000.0, 8000.0]
    np.testing.assert_allclose(spectral.fft_frequencies(1024, 22050).numpy(), np.fft.rfftfreq(1024, 1 / 22050))


def test_decibels_against_direct_formulas():
    amplitude = torch.tensor([1.0, 0.5, 0.1, 0.0, -2.0], dtype=torch.float64)
    expected = [0.0, 20 * math.log10(0.5), -20.0, -120.0, 20 * math.log10(2.0)]
    assert spectral.scale_to_db(amplitude).tolist() == pytest.approx(expected)
    assert spectral.scale_to_db(0.0, floor_db=-60).item() == pytest.approx(-60.0)
    assert spectral.power_to_db(amplitude.abs() ** 2).tolist() == pytest.approx(expected)
    assert spectral.power_to_db(2.0).item() == pytest.approx(10 * math.log10(2))
    db = torch.tensor([-6.0, 0.0, 20.0], dtype=torch.float64)
    assert spectral.db_to_scale(db).tolist() == pytest.approx([10 ** (-0.3), 1.0, 10.0])
    assert spectral.db_to_power(db).tolist() == pytest.approx([10 ** (-0.6), 1.0, 100.0])
    torch.testing.assert_close(spectral.scale_to_db(spectral.db_to_scale(db)), db)


def test_bark_scale():
    freqs = torch.tensor([0.0, 100.0, 1000.0, 4000.0, 11025.0], dtype=torch.float64)
    bark = spectral.hz_to_bark(freqs)
    expected = [6 * math.asinh(f / 600) for f in freqs.tolist()]
    assert bark.tolist() == pytest.approx(expected)
    torch.testing.assert_close(spectral.bark_to_hz(bark), freqs)
    # Schroeder's formula is a smooth approximation: it stays below Zwicker's scale (Traunmueller's fit)
    # by at most ~2 Bark over the audio range
    zwicker = 26.81 * freqs[1:] / (1960 + freqs[1:]) - 0.53
    assert (bark[1:] - zwicker).abs().max() < 2.0


def test_functions_are_differentiable():
    waveform = torch.randn(1, 2048, dtype=torch.float64, requires_grad=True)
    mel = spectral.mel_spectrogram(waveform, 16000, n_fft=256, hop_length=64, n_mels=20)
    spectral.power_to_db(mel + 1e-6).mean().backward()
    assert waveform.grad is not None and torch.isfinite(waveform.grad).all()


# ---------------------------------------------------------------------------------------------------
# Validation: clear errors that name the argument
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: spectral.stft_magnitude(torch.zeros(100, dtype=torch.int16), 64), TypeError, "waveform.*floating"),
        (lambda: spectral.stft_magnitude([0.0] * 100, 64), TypeError, "waveform must be a torch.Tensor"),
        (lambda: spectral.stft_magnitude(torch.full((100,), float("nan")), 64), ValueError, "waveform contains NaN"),
        (lambda: spectral.stft_magnitude(torch.zeros(100), 512, center=False), ValueError, "waveform is too short"),
        (lambda: spectral.stft_magnitude(torch.zeros(100), 64, win_length=128), ValueError, "win_length must be <="),
        (lambda: spectral.stft_magnitude(torch.zeros(100), 64, hop_length=0), ValueError, "hop_length must be >= 1"),
        (lambda: spectral.stft_magnitude(torch.zeros(100), 64.0), TypeError, "n_fft must be an int"),
        (lambda: spectral.mel_spectrogram(torch.zeros(1000), 16000.5), TypeError, "sample_rate must be an int"),
        (lambda: spectral.mel_spectrogram(torch.zeros(1000), 0), ValueError, "sample_rate must be >= 1"),
        (lambda: spectral.mel_filter_bank(201, 4000, 1000, 40, 16000), ValueError, "f_max must be greater than f_min"),
        (lambda: spectral.mel_filter_bank(201, -5, 1000, 40, 16000), ValueError, "f_min must be a finite number"),
        (lambda: spectral.mel_filter_bank(201, 0, 8000, 40, 16000, norm="area"), ValueError, "norm must be one of"),
        (lambda: spectral.hz_to_mel(100.0, "bark"), ValueError, "mel_scale must be one of"),
        (lambda: spectral.hz_to_mel(-1.0), ValueError, "frequency must be >= 0"),
        (lambda: spectral.power_to_db(torch.tensor([-1.0])), ValueError, "power must be non-negative"),
        (lambda: spectral.scale_to_db(torch.tensor([1.0]), floor_db=float("-inf")), ValueError, "floor_db"),
        (lambda: spectral.frame_signal(torch.zeros(5), 8, 2), ValueError, "waveform is too short"),
        (lambda: spectral.stft_magnitude(torch.zeros(500), 64, power=0), ValueError, "power must be"),
    ],
)
def test_validation_errors_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
