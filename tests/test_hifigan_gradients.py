"""The STFT magnitude behind HiFi-GAN's mel loss has a hand-written backward: check it numerically.

``torch.autograd.gradcheck`` compares the analytic gradient with finite differences (float64), and an
independent autograd path (``torch.stft`` + magnitude + mel bank, differentiated by PyTorch) must give the same
gradient for both overlap-add branches (hop dividing ``n_fft`` and not) and a window shorter than ``n_fft``.
"""

import pytest
import torch
import torch.nn.functional as F

from audiolosses import hifigan
from audiolosses.spectral import mel_filter_bank

SETTINGS = [
    dict(n_fft=64, hop_length=16, win_length=64),  # hop divides n_fft: shifted sums
    dict(n_fft=64, hop_length=24, win_length=64),  # it does not: F.fold
    dict(n_fft=64, hop_length=16, win_length=48),  # window shorter than n_fft, zero-padded in the middle
    dict(n_fft=63, hop_length=21, win_length=63),  # odd n_fft: no Nyquist bin
]


def autograd_log_mel(y, n_fft, hop_length, win_length, num_mels=8, sampling_rate=8000):
    padding = (n_fft - hop_length) // 2
    padded = F.pad(y.unsqueeze(1), (padding, padding), mode="reflect").squeeze(1)
    window = torch.hann_window(win_length, dtype=y.dtype)
    spec = torch.stft(padded, n_fft, hop_length, win_length, window=window, center=False, return_complex=True)
    magnitude = torch.sqrt(spec.real**2 + spec.imag**2 + 1e-9)
    bank = mel_filter_bank(
        n_fft // 2 + 1, 0.0, sampling_rate / 2, num_mels, sampling_rate, norm="slaney", mel_scale="slaney"
    ).to(y.dtype)  # [bins, mels]
    mel = (magnitude.transpose(-1, -2) @ bank).transpose(-1, -2)
    return torch.log(torch.clamp(mel, min=1e-5))


@pytest.mark.parametrize(
    "settings", SETTINGS, ids=lambda s: f"nfft{s['n_fft']}-hop{s['hop_length']}-win{s['win_length']}"
)
def test_mel_spectrogram_gradient_passes_gradcheck(settings):
    y = (0.3 * torch.randn(2, 200, dtype=torch.float64)).requires_grad_(True)

    def log_mel(x):
        return hifigan.mel_spectrogram(x, n_mels=8, sample_rate=8000, **settings)

    assert torch.autograd.gradcheck(log_mel, (y,), eps=1e-6, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    "settings", SETTINGS, ids=lambda s: f"nfft{s['n_fft']}-hop{s['hop_length']}-win{s['win_length']}"
)
def test_mel_loss_gradient_equals_autograd_through_torch_stft(settings):
    y = 0.3 * torch.randn(3, 300, dtype=torch.float64)
    y_hat = (0.3 * torch.randn(3, 300, dtype=torch.float64)).requires_grad_(True)
    ours = hifigan.mel_loss(y, y_hat, n_mels=8, sample_rate=8000, **settings)
    (grad_ours,) = torch.autograd.grad(ours, y_hat)

    y_hat_ref = y_hat.detach().clone().requires_grad_(True)
    reference = (autograd_log_mel(y, **settings) - autograd_log_mel(y_hat_ref, **settings)).abs().mean()
    (grad_ref,) = torch.autograd.grad(reference, y_hat_ref)

    # the package's mel bank is built in float32 (as torchaudio's), hence agreement to ~1e-8, not 1e-15
    torch.testing.assert_close(ours.detach(), reference.detach(), rtol=1e-6, atol=0.0)
    torch.testing.assert_close(grad_ours, grad_ref, rtol=1e-5, atol=1e-6 * grad_ref.abs().max().item())
    assert grad_ours.abs().max() > 0


def test_float32_gradient_matches_float64():
    y = 0.3 * torch.randn(2, 8192, dtype=torch.float64)
    y_hat = (0.3 * torch.randn(2, 8192, dtype=torch.float64)).requires_grad_(True)
    (grad64,) = torch.autograd.grad(hifigan.mel_loss(y, y_hat, sample_rate=22050), y_hat)
    y_hat32 = y_hat.detach().float().requires_grad_(True)
    (grad32,) = torch.autograd.grad(hifigan.mel_loss(y.float(), y_hat32, sample_rate=22050), y_hat32)
    torch.testing.assert_close(grad32.double(), grad64, rtol=1e-3, atol=1e-3 * grad64.abs().max().item())
