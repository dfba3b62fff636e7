"""'Equal to upstream' beyond the default settings: odd sample rates, silence, exact zeros, old designs.

Each test renders the upstream computation independently (torchaudio's transform as audiocraft calls it,
zounds' recipe with scipy, the behaviour of ``F.cosine_similarity``) and compares the package with it.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchaudio
from scipy.signal import firwin2
from scipy.signal.windows import gaussian

from audiolosses import perceptual, rvm, spectral


def _audiocraft_rvm(estimate, ground_truth, sample_rate, n_mels=80, n_fft=512, hop_length=128):
    """audiocraft's RelativeVolumeMel algorithm, on torchaudio's MelSpectrogram as audiocraft builds it."""
    melspec = torchaudio.transforms.MelSpectrogram(
        n_mels=n_mels, n_fft=n_fft, hop_length=hop_length, normalized=True, sample_rate=sample_rate, power=2
    )
    std = ground_truth.pow(2).mean().sqrt().clamp(min=10 ** (-25 / 20))
    z_gt = melspec(ground_truth / std).sqrt()
    z_est = melspec(estimate / std).sqrt()
    delta = z_gt - z_est
    ref_db = 20 * z_gt.clamp(min=10 ** (-25 / 20)).log10()
    delta_db = 20 * delta.abs().clamp(min=1e-6).log10()
    relative = (delta_db - ref_db).clamp(-25, 25)
    dims = list(range(relative.dim()))
    dims.remove(dims[-2])
    return relative.mean(dim=dims)


@pytest.mark.parametrize("sample_rate", [11025, 22050, 24000, 44100, 16001])
def test_rvm_equals_audiocraft_at_any_sample_rate(sample_rate):
    generator = torch.Generator().manual_seed(sample_rate)
    reference = torch.randn(2, 1, 6000, generator=generator)
    estimate = reference + 0.3 * torch.randn(2, 1, 6000, generator=generator)
    expected = _audiocraft_rvm(estimate, reference, sample_rate)  # per band
    package = rvm.relative_volume_mel(estimate, reference, sample_rate=sample_rate, num_aggregated_bands=80)
    per_band = torch.stack([package[f"rvm_{k}"] for k in range(80)])
    # float32 rounding stays below 1e-4 dB; a top mel frequency of sample_rate / 2 instead of torchaudio's
    # sample_rate // 2 moved bands by up to 1e-2 dB at 11025 Hz
    assert torch.allclose(per_band, expected, atol=2e-4, rtol=0), (per_band - expected).abs().max()


def test_rvm_top_mel_frequency_is_torchaudios():
    # at 11025 Hz a bank to 5512.5 Hz differs from torchaudio's (to 5512 Hz) by more than round-off
    x = torch.randn(1, 11025, generator=torch.Generator().manual_seed(0))
    ours = spectral.mel_spectrogram(x, 11025, 512, 128, n_mels=80)
    reference = torchaudio.transforms.MelSpectrogram(11025, n_fft=512, hop_length=128, n_mels=80)(x)
    assert torch.allclose(ours, reference, rtol=1e-5, atol=1e-6 * reference.abs().max())
    default_bank = torchaudio.transforms.MelSpectrogram(11025, n_fft=512, n_mels=80).mel_scale.fb
    assert torch.equal(spectral.mel_filter_bank(257, 0.0, 11025 // 2, 80, 11025), default_bank)
    assert (spectral.mel_filter_bank(257, 0.0, 11025 / 2, 80, 11025) - default_bank).abs().max() > 1e-3


def _zero_padded_pair(dtype):
    generator = torch.Generator().manual_seed(3)
    target = 0.1 * torch.randn(2, 1, 4096, generator=generator, dtype=dtype)
    estimate = target + 0.01 * torch.randn(2, 1, 4096, generator=generator, dtype=dtype)
    target[..., 3000:] = 0.0  # a target ending in digital silence
    estimate[..., 2500:] = 0.0  # a zero-padded estimate
    return estimate, target


def _gradient(loss, estimate, target):
    estimate = estimate.clone().requires_grad_(True)
    loss(estimate, target).backward()
    return estimate.grad


@pytest.mark.parametrize("dtype, tolerance", [(torch.float64, 1e-9), (torch.float32, 5e-2)])
def test_perceptual_fft_and_direct_gradients_agree_on_exact_zeros(dtype, tolerance):
    estimate, target = _zero_padded_pair(dtype)
    grads = [
        _gradient(perceptual.PerceptualLoss(n_bands=128, method=method, sample_rate=11025).to(dtype), estimate, target)
        for method in ("fft", "direct")
    ]
    relative = (grads[0] - grads[1]).abs().max() / grads[1].abs().max()
    assert relative < tolerance, relative  # FFT round-off through the ReLU made this 0.2 to above 1


def test_fft_filtering_gives_exact_zeros_where_conv1d_does():
    estimate, _ = _zero_padded_pair(torch.float64)
    bank = perceptual.bark_filter_bank(64, 128, 11025, 20.0, dtype=torch.float64)
    direct = perceptual.filter_bank_apply(estimate, bank, method="direct")
    via_fft = perceptual.filter_bank_apply(estimate, bank, method="fft")
    assert torch.equal(via_fft[direct == 0], torch.zeros_like(via_fft[direct == 0]))
    assert torch.allclose(via_fft, direct, rtol=0, atol=1e-12 * direct.abs().max())


@pytest.mark.parametrize("silent", ["target", "input", "both"])
@pytest.mark.parametrize("method", ["fft", "direct"])
def test_perceptual_loss_is_finite_on_digital_silence(silent, method):
    estimate, target = _zero_padded_pair(torch.float32)
    if silent in ("target", "both"):
        target = torch.zeros_like(target)
    if silent in ("input", "both"):
        estimate = torch.zeros_like(estimate)
    loss = perceptual.PerceptualLoss(n_bands=64, method=method, sample_rate=11025)
    value = loss(estimate.clone().requires_grad_(True), target)
    grad = _gradient(loss, estimate, target)
    assert torch.isfinite(value) and torch.isfinite(grad).all()
    # zounds: F.cosine_similarity clamps each norm, so an all-zero image has similarity 0
    a = loss.features(estimate).flatten(1)
    b = loss.features(target).flatten(1)
    assert torch.allclose(value, -F.cosine_similarity(a, b).mean(), atol=1e-6)


def _zounds_fir_bank(lower, upper, nyquist, n_taps=512, endpoint=True):
    """zounds' fir_filter_bank recipe with scipy: gaussian(100, 3) across each band, firwin2."""
    window = gaussian(100, 3)
    bank = []
    for start_hz, stop_hz in zip(lower, upper):
        freqs = np.linspace(start_hz / nyquist, stop_hz / nyquist, len(window), endpoint=endpoint)
        bank.append(firwin2(n_taps, [0, *freqs, 1], [0, *window, 0]))
    return np.stack(bank)


@pytest.mark.parametrize("bump_endpoint", [True, False])
def test_bank_matches_zounds_2018_and_2020_designs(bump_endpoint):
    _, lower, upper = perceptual.band_edges(512, 11025, 1.0, 11025 / 2)
    bands = list(range(10, 500, 37))  # bands touching neither 0 Hz nor Nyquist (modern scipy rejects those)
    expected = _zounds_fir_bank(lower[bands].numpy(), upper[bands].numpy(), 11025 / 2, endpoint=bump_endpoint)
    bank = perceptual.bark_filter_bank(512, 512, 11025, 1.0, bump_endpoint=bump_endpoint, dtype=torch.float64)
    assert np.abs(bank[bands].numpy() - expected).max() < 1e-12


def test_2018_and_2020_banks_differ_in_peak_gain():
    old = perceptual.PerceptualLoss.blog_2018().bank.double()
    new = perceptual.PerceptualLoss.original().bank.double()
    gain_db = [20 * torch.log10(torch.fft.rfft(b, 1 << 15).abs().amax(dim=1) + 1e-12) for b in (old, new)]
    differ = int(((gain_db[0] - gain_db[1]).abs() > 1.0).sum())
    assert 100 < differ < 160, differ  # 126 of 512 bands by more than 1 dB
    assert perceptual.PerceptualLoss.blog_2018().bump_endpoint
    assert "bump_endpoint=True" in repr(perceptual.PerceptualLoss.blog_2018())
    with pytest.raises(TypeError, match="bump_endpoint"):
        perceptual.bark_filter_bank(8, 16, 11025, 20.0, bump_endpoint="yes")
