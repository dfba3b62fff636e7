"""audiolosses.hifigan against independent computations: direct formulas on hand-made discriminator
outputs, numpy's FFT with torchaudio's filter bank for the mel front end, and the paper's layer shapes."""

import numpy as np
import pytest
import torch
import torchaudio

from audiolosses import hifigan


def _outputs(seed, shapes, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=generator, dtype=dtype) for shape in shapes]


SHAPES = [(2, 7), (2, 3), (2, 11)]


# --------------------------------------------------------------------------------------------------
# Adversarial and feature losses
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_discriminator_loss_matches_direct_formula(dtype):
    real, fake = _outputs(0, SHAPES, dtype), _outputs(1, SHAPES, dtype)
    loss, r_losses, g_losses = hifigan.discriminator_loss(real, fake)
    expected_r = [float(np.mean((1 - r.double().numpy()) ** 2)) for r in real]
    expected_g = [float(np.mean(g.double().numpy() ** 2)) for g in fake]
    assert loss.dtype == dtype and loss.dim() == 0
    assert len(r_losses) == len(g_losses) == 3
    np.testing.assert_allclose([x.item() for x in r_losses], expected_r, rtol=1e-5)
    np.testing.assert_allclose([x.item() for x in g_losses], expected_g, rtol=1e-5)
    assert loss.item() == pytest.approx(sum(expected_r) + sum(expected_g), rel=1e-5)


def test_discriminator_loss_at_targets_is_zero_and_swapped_is_large():
    ones = [torch.ones(2, 5), torch.ones(2, 3)]
    zeros = [torch.zeros(2, 5), torch.zeros(2, 3)]
    assert hifigan.discriminator_loss(ones, zeros)[0].item() == 0.0
    # every output at the wrong target: (1 - 0)² + 1² per sub-discriminator
    assert hifigan.discriminator_loss(zeros, ones)[0].item() == pytest.approx(4.0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_generator_loss_matches_direct_formula(dtype):
    fake = _outputs(2, SHAPES, dtype)
    loss, parts = hifigan.generator_loss(fake)
    expected = [sum((1 - v) ** 2 for v in g.double().flatten().tolist()) / g.numel() for g in fake]
    np.testing.assert_allclose([p.item() for p in parts], expected, rtol=1e-5)
    assert loss.item() == pytest.approx(sum(expected), rel=1e-5)
    assert loss.dtype == dtype


def _fmaps(seed, dtype=torch.float64):
    shapes = [[(2, 4, 10), (2, 8, 5), (2, 1, 5)], [(2, 4, 6, 3), (2, 1, 2, 3)]]
    generator = torch.Generator().manual_seed(seed)
    return [[torch.randn(s, generator=generator, dtype=dtype) for s in disc] for disc in shapes]


@pytest.mark.parametrize("weight", [2.0, 1.0, 0.0])
def test_feature_loss_sums_layers_means_within_and_weights(weight):
    fmap_r, fmap_g = _fmaps(3), _fmaps(4)
    expected = 0.0
    for disc_r, disc_g in zip(fmap_r, fmap_g):
        for layer_r, layer_g in zip(disc_r, disc_g):
            expected += np.abs(layer_r.numpy() - layer_g.numpy()).sum() / layer_r.numel()
    loss = hifigan.feature_loss(fmap_r, fmap_g, weight=weight)
    assert loss.item() == pytest.approx(weight * expected, rel=1e-10, abs=1e-12)


def test_feature_loss_default_weight_is_two_and_module_agrees():
    fmap_r, fmap_g = _fmaps(5), _fmaps(6)
    bare = hifigan.feature_loss(fmap_r, fmap_g, weight=1.0)
    assert hifigan.feature_loss(fmap_r, fmap_g).item() == pytest.approx(2 * bare.item())
    assert hifigan.FeatureLoss()(fmap_r, fmap_g).item() == pytest.approx(2 * bare.item())
    assert hifigan.FeatureLoss(weight=3.0)(fmap_r, fmap_g).item() == pytest.approx(3 * bare.item())


def test_modules_match_functions():
    real, fake = _outputs(7, SHAPES), _outputs(8, SHAPES)
    assert hifigan.DiscriminatorLoss()(real, fake)[0].item() == hifigan.discriminator_loss(real, fake)[0].item()
    assert hifigan.GeneratorLoss()(fake)[0].item() == hifigan.generator_loss(fake)[0].item()


def test_losses_are_differentiable():
    real = [t.requires_grad_() for t in _outputs(9, SHAPES)]
    fake = [t.requires_grad_() for t in _outputs(10, SHAPES)]
    hifigan.discriminator_loss(real, fake)[0].backward()
    # d/dx mean((1-x)²) = -2(1-x)/n
    torch.testing.assert_close(real[0].grad, -2 * (1 - real[0].detach()) / real[0].numel())
    torch.testing.assert_close(fake[0].grad, 2 * fake[0].detach() / fake[0].numel())
    fmap_r = [[t.requires_grad_() for t in disc] for disc in _fmaps(11)]
    fmap_g = [[t.requires_grad_() for t in disc] for disc in _fmaps(12)]
    hifigan.feature_loss(fmap_r, fmap_g).backward()
    layer_r, layer_g = fmap_r[0][0], fmap_g[0][0]
    torch.testing.assert_close(layer_g.grad, 2 * torch.sign(layer_g.detach() - layer_r.detach()) / layer_g.numel())
    assert layer_r.grad is not None  # real features are not detached, as in the original


# --------------------------------------------------------------------------------------------------
# Mel front end
# --------------------------------------------------------------------------------------------------


def _reference_log_mel(y, n_fft=1024, num_mels=80, sr=22050, hop=256, win=1024, fmin=0.0, fmax=None):
    """numpy reflect padding, framing, Hann window and rFFT; torchaudio's Slaney bank."""
    fmax = sr / 2 if fmax is None else fmax
    pad = (n_fft - hop) // 2
    padded = np.pad(y, [(0, 0)] * (y.ndim - 1) + [(pad, pad)], mode="reflect")
    n_frames = 1 + (padded.shape[-1] - n_fft) // hop
    index = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    window = np.zeros(n_fft)
    start = (n_fft - win) // 2
    window[start : start + win] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / win)
    spectrum = np.fft.rfft(padded[..., index] * window, axis=-1)  # [..., frames, freqs]
    magnitude = np.sqrt(spectrum.real**2 + spectrum.imag**2 + 1e-9)
    bank = torchaudio.functional.melscale_fbanks(n_fft // 2 + 1, fmin, fmax, num_mels, sr, "slaney", "slaney")
    mel = magnitude @ bank.double().numpy()  # [..., frames, mels]
    return np.log(np.maximum(mel, 1e-5)).swapaxes(-1, -2)


@pytest.mark.parametrize("fmax", [None, 8000.0])
def test_mel_spectrogram_matches_numpy_stft_and_torchaudio_bank(fmax):
    generator = torch.Generator().manual_seed(0)
    y = 0.3 * torch.randn(3, 8192, generator=generator, dtype=torch.float64)
    ours = hifigan.mel_spectrogram(y, f_max=fmax, sample_rate=22050)
    expected = _reference_log_mel(y.numpy(), fmax=fmax)
    assert ours.shape == (3, 80, 32)  # exactly T / hop frames
    np.testing.assert_allclose(ours.numpy(), expected, atol=2e-5)


def test_mel_spectrogram_other_settings_and_float32():
    generator = torch.Generator().manual_seed(1)
    y = 0.1 * torch.randn(2, 1, 4000, generator=generator)
    ours = hifigan.mel_spectrogram(
        y, n_fft=512, n_mels=40, sample_rate=16000, hop_length=128, win_length=400, f_min=50.0, f_max=7000.0
    )
    expected = _reference_log_mel(y.double().numpy(), 512, 40, 16000, 128, 400, 50.0, 7000.0)
    assert ours.dtype == torch.float32 and ours.shape == (2, 1, 40, 4000 // 128)
    np.testing.assert_allclose(ours.numpy(), expected, atol=2e-3)


@pytest.mark.parametrize("length", [1024, 8192, 22050, 5000])
def test_mel_frame_count_is_length_over_hop(length):
    assert hifigan.mel_spectrogram(torch.zeros(length), sample_rate=22050).shape == (80, length // 256)


def test_mel_of_silence_is_the_log_floor():
    mel = hifigan.mel_spectrogram(torch.zeros(1, 2048, dtype=torch.float64), sample_rate=22050)
    # the 1e-9 inside the square root leaves sqrt(1e-9) per bin, far below the 1e-5 clamp
    torch.testing.assert_close(mel, torch.full_like(mel, np.log(1e-5)))


def test_mel_spectrogram_reuses_the_cached_bank():
    hifigan.mel._slaney_mel_bank.cache_clear()
    y = torch.randn(1, 4096)
    for _ in range(3):
        hifigan.mel_spectrogram(y, sample_rate=22050)
    info = hifigan.mel._slaney_mel_bank.cache_info()
    assert info.misses == 1 and info.hits == 2


def test_mel_loss_is_l1_of_log_mels_and_module_agrees():
    generator = torch.Generator().manual_seed(2)
    y = 0.3 * torch.randn(2, 1, 4096, generator=generator, dtype=torch.float64)
    y_hat = y + 0.05 * torch.randn(2, 1, 4096, generator=generator, dtype=torch.float64)
    expected = np.abs(_reference_log_mel(y.numpy()) - _reference_log_mel(y_hat.numpy()))
    assert hifigan.mel_loss(y, y_hat, sample_rate=22050).item() == pytest.approx(expected.mean(), abs=1e-5)
    per_item = expected.reshape(2, -1).mean(axis=1)
    assert hifigan.mel_loss(y, y_hat, reduction="sum", sample_rate=22050).item() == pytest.approx(
        per_item.sum(), rel=1e-4
    )
    none = hifigan.mel_loss(y, y_hat, reduction="none", sample_rate=22050)
    assert none.shape == (2,)
    np.testing.assert_allclose(none.numpy(), per_item, rtol=1e-4)
    assert hifigan.MelLoss.hifigan_v1()(y, y_hat).item() == pytest.approx(expected.mean(), abs=1e-5)
    assert hifigan.MelLoss(sample_rate=22050)(y, y_hat).item() == pytest.approx(expected.mean(), abs=1e-5)
    assert hifigan.mel_loss(y, y, sample_rate=22050).item() == 0.0


def test_mel_loss_gradient_is_finite_even_on_silence():
    y = torch.zeros(1, 1, 2048)
    y_hat = torch.zeros(1, 1, 2048, requires_grad=True)
    hifigan.mel_loss(y, y_hat, sample_rate=22050).backward()
    assert torch.isfinite(y_hat.grad).all()
    y_hat2 = (0.1 * torch.randn(1, 1, 2048)).requires_grad_()
    hifigan.mel_loss(0.1 * torch.randn(1, 1, 2048), y_hat2, sample_rate=22050).backward()
    assert torch.isfinite(y_hat2.grad).all() and y_hat2.grad.abs().sum() > 0


# --------------------------------------------------------------------------------------------------
# Generator objective
# --------------------------------------------------------------------------------------------------


def test_generator_objective_equals_the_original_sum():
    torch.manual_seed(0)
    y = 0.1 * torch.randn(1, 1, 4096)
    y_hat = (0.1 * torch.randn(1, 1, 4096)).requires_grad_()
    mpd = hifigan.MultiPeriodDiscriminator(width=1 / 32)
    msd = hifigan.MultiScaleDiscriminator(width=1 / 32)
    yf_r, yf_g, f_r, f_g = mpd(y, y_hat)
    ys_r, ys_g, s_r, s_g = msd(y, y_hat)
    # the original: loss_gen_s + loss_gen_f + loss_fm_s + loss_fm_f + 45 * loss_mel, with the 2 inside fm
    adv = sum(((1 - g) ** 2).mean() for g in yf_g + ys_g)
    fm = 2 * sum((a - b).abs().mean() for da, db in zip(f_r + s_r, f_g + s_g) for a, b in zip(da, db))
    mel = (
        (hifigan.mel_spectrogram(y, sample_rate=22050) - hifigan.mel_spectrogram(y_hat, sample_rate=22050)).abs().mean()
    )
    total, parts = hifigan.generator_objective(
        y, y_hat, [(yf_r, yf_g, f_r, f_g), (ys_r, ys_g, s_r, s_g)], sample_rate=22050
    )
    assert total.item() == pytest.approx((adv + fm + 45 * mel).item(), rel=1e-5)
    assert parts["adversarial"].item() == pytest.approx(adv.item(), rel=1e-5)
    assert parts["feature_matching"].item() == pytest.approx(fm.item() / 2, rel=1e-5)
    module_total, _ = hifigan.GeneratorObjective(lambda_fm=1.0, lambda_mel=0.0, sample_rate=22050)(
        y, y_hat, [(yf_r, yf_g, f_r, f_g), (ys_r, ys_g, s_r, s_g)]
    )
    assert module_total.item() == pytest.approx((adv + fm / 2).item(), rel=1e-5)
    total.backward()
    assert torch.isfinite(y_hat.grad).all() and y_hat.grad.abs().sum() > 0


# --------------------------------------------------------------------------------------------------
# Discriminators
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [1 / 32, 1 / 8])
def test_discriminator_output_and_feature_map_counts(width):
    torch.manual_seed(0)
    y, y_hat = torch.randn(2, 1, 2048), torch.randn(2, 1, 2048)
    mpd = hifigan.MultiPeriodDiscriminator(width=width)
    real, fake, fmap_r, fmap_g = mpd(y, y_hat)
    assert len(real) == len(fake) == len(fmap_r) == len(fmap_g) == 5
    assert all(len(f) == 6 for f in fmap_r + fmap_g)
    for period, fmaps, scores in zip((2, 3, 5, 7, 11), fmap_r, real):
        assert all(m.dim() == 4 and m.shape[-1] == period for m in fmaps)
        assert scores.shape == (2, fmaps[-1][0].numel())
    msd = hifigan.MultiScaleDiscriminator(width=width)
    real, fake, fmap_r, fmap_g = msd(y, y_hat)
    assert len(real) == len(fake) == len(fmap_r) == len(fmap_g) == 3
    assert all(len(f) == 8 for f in fmap_r + fmap_g)
    assert [r.shape[-1] for r in real] == [32, 17, 9]
    for a, b in zip(fmap_r, fmap_g):
        assert [m.shape for m in a] == [m.shape for m in b]


def test_full_width_layer_shapes_match_the_paper():
    disc_p = hifigan.DiscriminatorP(2)
    assert [tuple(c.weight.shape) for c in disc_p.convs] == [
        (32, 1, 5, 1),
        (128, 32, 5, 1),
        (512, 128, 5, 1),
        (1024, 512, 5, 1),
        (1024, 1024, 5, 1),
    ]
    assert [c.stride for c in disc_p.convs] == [(3, 1)] * 4 + [(1, 1)]
    assert tuple(disc_p.conv_post.weight.shape) == (1, 1024, 3, 1)
    disc_s = hifigan.DiscriminatorS()
    assert [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0], c.groups) for c in disc_s.convs] == [
        (1, 128, 15, 1, 1),
        (128, 128, 41, 2, 4),
        (128, 256, 41, 2, 16),
        (256, 512, 41, 4, 16),
        (512, 1024, 41, 4, 16),
        (1024, 1024, 41, 1, 16),
        (1024, 1024, 5, 1, 1),
    ]
    mpd_params = sum(p.numel() for p in hifigan.MultiPeriodDiscriminator().parameters())
    msd_params = sum(p.numel() for p in hifigan.MultiScaleDiscriminator().parameters())
    assert round(mpd_params / 1e6, 1) == 41.1 and round(msd_params / 1e6, 1) == 29.6


def test_msd_first_scale_uses_spectral_norm_others_weight_norm():
    msd = hifigan.MultiScaleDiscriminator(width=1 / 16)
    first, second = msd.discriminators[0].convs[0], msd.discriminators[1].convs[0]
    assert type(first.parametrizations.weight[0]).__name__ == "_SpectralNorm"
    assert type(second.parametrizations.weight[0]).__name__ == "_WeightNorm"


def test_gradients_flow_to_generator_audio_and_discriminator():
    torch.manual_seed(1)
    y = 0.1 * torch.randn(1, 1, 2048)
    y_hat = (0.1 * torch.randn(1, 1, 2048)).requires_grad_()
    mpd = hifigan.MultiPeriodDiscriminator(width=1 / 32)
    real, fake, _, _ = mpd(y, y_hat)
    hifigan.generator_loss(fake)[0].backward()
    assert torch.isfinite(y_hat.grad).all() and y_hat.grad.abs().sum() > 0
    mpd.zero_grad()
    real, fake, _, _ = mpd(y, y_hat.detach())
    hifigan.discriminator_loss(real, fake)[0].backward()
    grads = [p.grad for p in mpd.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


def test_discriminators_work_in_float64():
    y = torch.randn(1, 1, 1024, dtype=torch.float64)
    msd = hifigan.MultiScaleDiscriminator(width=1 / 32).double()
    real, _, fmaps, _ = msd(y, y)
    assert real[0].dtype == torch.float64 and fmaps[0][0].dtype == torch.float64


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


def test_mismatched_outputs_raise():
    real, fake = _outputs(0, SHAPES), _outputs(1, SHAPES)
    with pytest.raises(ValueError, match="disc_real_outputs and disc_generated_outputs"):
        hifigan.discriminator_loss(real, fake[:2])
    with pytest.raises(ValueError, match=r"disc_real_outputs\[1\]"):
        hifigan.discriminator_loss(real, [fake[0], torch.zeros(2, 4, dtype=torch.float64), fake[2]])
    with pytest.raises(TypeError, match="disc_outputs"):
        hifigan.generator_loss(torch.zeros(2, 3))
    with pytest.raises(TypeError, match="disc_outputs"):
        hifigan.generator_loss([])
    with pytest.raises(ValueError, match="NaN"):
        hifigan.generator_loss([torch.tensor([float("nan")])])
    with pytest.raises(TypeError, match=r"disc_real_outputs\[0\]"):
        hifigan.discriminator_loss([torch.ones(2, 3, dtype=torch.int64)], [torch.ones(2, 3)])


def test_mismatched_feature_maps_raise():
    fmap_r, fmap_g = _fmaps(0), _fmaps(1)
    with pytest.raises(ValueError, match="fmap_r and fmap_g"):
        hifigan.feature_loss(fmap_r, fmap_g[:1])
    with pytest.raises(ValueError, match=r"fmap_r\[0\] and fmap_g\[0\]"):
        hifigan.feature_loss(fmap_r, [fmap_g[0][:2], fmap_g[1]])
    bad = [[fmap_g[0][0], fmap_g[0][1][:, :, :3], fmap_g[0][2]], fmap_g[1]]
    with pytest.raises(ValueError, match=r"fmap_r\[0\]\[1\]"):
        hifigan.feature_loss(fmap_r, bad)
    with pytest.raises(ValueError, match="weight"):
        hifigan.feature_loss(fmap_r, fmap_g, weight=-1.0)
    with pytest.raises(TypeError, match="fmap_r"):
        hifigan.feature_loss(torch.zeros(3), fmap_g)


def test_bad_audio_raises():
    with pytest.raises(ValueError, match="waveform must be 1-D or 2-D or 3-D"):
        hifigan.mel_spectrogram(torch.zeros(1, 1, 1, 4096), sample_rate=22050)
    with pytest.raises(ValueError, match="waveform is too short"):
        hifigan.mel_spectrogram(torch.zeros(1, 1000), sample_rate=22050)
    with pytest.raises(TypeError, match="waveform must be a floating-point"):
        hifigan.mel_spectrogram(torch.zeros(1, 4096, dtype=torch.int16), sample_rate=22050)
    with pytest.raises(ValueError, match="win_length"):
        hifigan.mel_spectrogram(torch.zeros(1, 4096), win_length=2048, sample_rate=22050)
    with pytest.raises(ValueError, match="f_max"):
        hifigan.mel_spectrogram(torch.zeros(1, 4096), f_max=20000.0, sample_rate=22050)
    with pytest.raises(ValueError, match="input and target"):
        hifigan.mel_loss(torch.zeros(1, 4096), torch.zeros(1, 4095), sample_rate=22050)
    with pytest.raises(ValueError, match="reduction"):
        hifigan.mel_loss(torch.zeros(1, 4096), torch.zeros(1, 4096), reduction="max", sample_rate=22050)
    with pytest.raises(TypeError, match="num_mels"):
        hifigan.mel_loss(torch.zeros(1, 4096), torch.zeros(1, 4096), num_mels=80, sample_rate=22050)
    with pytest.raises(TypeError, match="sample_rate"):
        hifigan.mel_loss(torch.zeros(1, 4096), torch.zeros(1, 4096))
    mpd = hifigan.MultiPeriodDiscriminator(width=1 / 32)
    with pytest.raises(ValueError, match="y must be 3-D"):
        mpd(torch.zeros(1, 4096), torch.zeros(1, 4096))
    with pytest.raises(ValueError, match="mono"):
        mpd(torch.zeros(1, 2, 4096), torch.zeros(1, 2, 4096))
    with pytest.raises(ValueError, match="y and y_hat"):
        hifigan.MultiScaleDiscriminator(width=1 / 32)(torch.zeros(1, 1, 4096), torch.zeros(1, 1, 2048))
    with pytest.raises(ValueError, match="y is too short"):
        mpd(torch.zeros(1, 1, 8), torch.zeros(1, 1, 8))
    with pytest.raises(ValueError, match="width"):
        hifigan.MultiScaleDiscriminator(width=2.0)
    with pytest.raises(ValueError, match="discriminator_results"):
        hifigan.generator_objective(torch.zeros(1, 4096), torch.zeros(1, 4096), [(1, 2)], sample_rate=22050)
    with pytest.raises(ValueError, match="lambda_mel"):
        hifigan.GeneratorObjective(lambda_mel=-1.0, sample_rate=22050)
