"""audiolosses.component against independent computations: a direct numpy formula, the closed-form Wiener
optimum, scipy's STFT round trip, and the validation rules."""

import math

import numpy as np
import pytest
import torch

from audiolosses import audio, component, explorers


def numpy_component_loss(mask, target, residual, alpha, beta, eps=1e-8):
    """The seed's formula written out item by item in numpy (float64), with loops instead of broadcasting."""
    mask, target, residual = (np.asarray(t, dtype=np.float64) for t in (mask, target, residual))
    beta = 0.0 if beta is None else beta
    speech, noise, quality = 0.0, 0.0, 0.0
    for m, s, r in zip(mask, target, residual):
        m, s, r = m.ravel(), s.ravel(), r.ravel()
        speech += np.sum((m * s - s) ** 2)
        noise += np.sum((m * r) ** 2)
        filtered = m * r
        unit_filtered = filtered / math.sqrt(np.dot(filtered, filtered) + eps**2)
        unit_residual = r / math.sqrt(np.dot(r, r) + eps**2)
        quality += np.sum((unit_filtered - unit_residual) ** 2)
    return ((1 - alpha - beta) * speech + alpha * noise + beta * quality) / mask.size


def random_inputs(shape, dtype=torch.float64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    mask = torch.rand(shape, generator=generator, dtype=dtype)
    target = torch.rand(shape, generator=generator, dtype=dtype) * 3
    residual = torch.rand(shape, generator=generator, dtype=dtype)
    return mask, target, residual


@pytest.mark.parametrize("shape", [(3, 17), (4, 33, 9), (2, 65, 12, 1), (2, 9, 7, 2)], ids=str)
@pytest.mark.parametrize("weights", [(0.2, 0.8), (0.1, 0.8), (0.5, None), (0.3, 0.0), (0.25, 0.5)], ids=str)
def test_matches_direct_formula(shape, weights):
    mask, target, residual = random_inputs(shape)
    expected = numpy_component_loss(mask, target, residual, *weights)
    ours = component.component_loss(mask, target, residual, alpha=weights[0], beta=weights[1])
    assert ours.shape == ()
    assert abs(ours.item() - expected) < 1e-12 * max(1.0, abs(expected))


def test_seed_example_shape_4d_works():
    # the seed's own example shape (16, 512, 173, 1), which crashes the upstream implementation
    mask, target, residual = random_inputs((16, 512, 173, 1), dtype=torch.float32)
    loss = component.component_loss(mask, target, residual, alpha=0.1, beta=0.8)
    expected = numpy_component_loss(mask, target, residual, 0.1, 0.8)
    assert abs(loss.item() - expected) < 1e-4 * expected
    # a trailing singleton axis changes nothing
    squeezed = component.component_loss(mask[..., 0], target[..., 0], residual[..., 0], alpha=0.1, beta=0.8)
    assert abs(loss.item() - squeezed.item()) < 1e-6 * squeezed.item()


def test_negative_residual_is_accepted():
    mask, target, residual = random_inputs((2, 5, 6))
    residual = residual - 0.5  # |X| - |S| can be negative
    expected = numpy_component_loss(mask, target, residual, 0.1, 0.8)
    assert abs(component.component_loss(mask, target, residual, alpha=0.1, beta=0.8).item() - expected) < 1e-12


def test_two_component_forms_agree_and_differ_from_three():
    mask, target, residual = random_inputs((3, 8, 5))
    two_none = component.component_loss(mask, target, residual, alpha=0.3, beta=None)
    two_zero = component.component_loss(mask, target, residual, alpha=0.3, beta=0.0)
    assert two_none.item() == two_zero.item()
    direct = (0.7 * ((mask * target - target) ** 2).sum() + 0.3 * ((mask * residual) ** 2).sum()) / mask.numel()
    assert abs(two_none.item() - direct.item()) < 1e-12
    three = component.component_loss(mask, target, residual, alpha=0.3, beta=0.2)
    assert abs(three.item() - two_none.item()) > 1e-6


def test_seed_defaults_drop_the_speech_term():
    mask, target, residual = random_inputs((2, 6, 4))
    speech_weight, alpha, beta = component.component_weights()
    assert (speech_weight, alpha, beta) == (0.0, 0.2, 0.8)
    # with the defaults the loss does not depend on the target at all
    first = component.component_loss(mask, target, residual)
    second = component.component_loss(mask, 10 * target, residual)
    assert first.item() == second.item()


def test_reductions():
    mask, target, residual = random_inputs((4, 6, 5))
    mean = component.component_loss(mask, target, residual, alpha=0.1, beta=0.8)
    total = component.component_loss(mask, target, residual, alpha=0.1, beta=0.8, reduction="sum")
    per_item = component.component_loss(mask, target, residual, alpha=0.1, beta=0.8, reduction="none")
    assert per_item.shape == (4,)
    assert abs(total.item() - mean.item() * mask.shape[0]) < 1e-10  # the sum of the per-item values
    assert abs(per_item.mean().item() - mean.item()) < 1e-12
    for index in range(4):
        item = component.component_loss(
            mask[index : index + 1], target[index : index + 1], residual[index : index + 1], alpha=0.1, beta=0.8
        )
        assert abs(per_item[index].item() - item.item()) < 1e-12


def test_loss_components_match_their_definitions():
    mask, target, residual = random_inputs((2, 7, 3))
    parts = component.loss_components(mask, target, residual)
    for b in range(2):
        m, s, r = mask[b].numpy(), target[b].numpy(), residual[b].numpy()
        assert abs(parts["speech_distortion"][b].item() - np.sum((m * s - s) ** 2)) < 1e-12
        assert abs(parts["noise_attenuation"][b].item() - np.sum((m * r) ** 2)) < 1e-12
        cos = np.sum(m * r * r) / (np.linalg.norm(m * r) * np.linalg.norm(r))
        # ‖u − v‖² = 2 − 2·cos for unit vectors: the quality term is a cosine distance
        assert abs(parts["noise_quality"][b].item() - (2 - 2 * cos)) < 1e-10


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtypes_and_module(dtype):
    mask, target, residual = random_inputs((2, 10, 4), dtype=dtype)
    loss = component.component_loss(mask, target, residual, alpha=0.1, beta=0.8)
    assert loss.dtype == dtype
    module = component.ComponentLoss(alpha=0.1, beta=0.8)
    assert module(mask, target, residual).item() == loss.item()
    assert "alpha=0.1" in repr(module) and "reduction='mean'" in repr(module)


@pytest.mark.parametrize("which", ["mask", "residual", "both"])
def test_zero_mask_or_residual_gives_finite_loss_and_gradients(which):
    mask, target, residual = random_inputs((2, 8, 6, 1))
    if which in ("mask", "both"):
        mask = torch.zeros_like(mask)
    if which in ("residual", "both"):
        residual = torch.zeros_like(residual)
    mask.requires_grad_(True)
    target.requires_grad_(True)
    residual.requires_grad_(True)
    loss = component.component_loss(mask, target, residual, alpha=0.1, beta=0.8)
    loss.backward()
    assert torch.isfinite(loss)
    for tensor in (mask, target, residual):
        assert torch.isfinite(tensor.grad).all()


def test_gradients_match_finite_differences():
    mask, target, residual = random_inputs((2, 4, 3))
    mask = (0.1 + 0.8 * mask).requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda m: component.component_loss(m, target, residual, alpha=0.1, beta=0.8), (mask,)
    )


def test_two_component_optimum_is_the_parametric_wiener_gain():
    target = torch.tensor([[1.0, 2.0, 0.5, 0.0, 3.0]], dtype=torch.float64)
    residual = torch.tensor([[1.0, 0.5, 2.0, 1.0, 0.0]], dtype=torch.float64)
    for alpha in (0.2, 0.5, 0.8):
        expected = (1 - alpha) * target**2 / ((1 - alpha) * target**2 + alpha * residual**2)
        optimum = component.parametric_wiener_mask(target, residual, alpha)
        assert torch.allclose(optimum, expected, atol=1e-10)
        # the optimum is a minimum: any perturbation of a single bin raises the loss
        best = component.component_loss(optimum, target, residual, alpha=alpha, beta=None)
        for index in range(5):
            for delta in (-0.05, 0.05):
                moved = optimum.clone()
                moved[0, index] = (moved[0, index] + delta).clamp(0, 1)
                if abs(moved[0, index] - optimum[0, index]) > 1e-3:
                    assert component.component_loss(moved, target, residual, alpha=alpha, beta=None) > best
    # alpha = 0.5 is the ordinary Wiener mask
    assert torch.allclose(
        component.parametric_wiener_mask(target, residual, 0.5),
        component.ideal_mask(target, residual, "wiener"),
        atol=1e-10,
    )


def test_free_mask_trained_by_adam_lands_on_the_wiener_gain():
    generator = torch.Generator().manual_seed(1)
    target = torch.rand(1, 20, 8, generator=generator, dtype=torch.float64) + 0.1
    residual = torch.rand(1, 20, 8, generator=generator, dtype=torch.float64) + 0.1
    mask, losses = component.train_free_mask(target, residual, 0.3, None, steps=400, bounded=False)
    assert losses[-1] < losses[0]
    expected = 0.7 * target**2 / (0.7 * target**2 + 0.3 * residual**2)
    assert (mask - expected).abs().max() < 1e-4


def test_ideal_masks():
    speech = torch.tensor([3.0, 1.0, 0.0, 0.5], dtype=torch.float64)
    noise = torch.tensor([4.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    wiener = component.ideal_mask(speech, noise, "wiener")
    assert torch.allclose(wiener, torch.tensor([9 / 25, 0.5, 0.0, 1.0], dtype=torch.float64), atol=1e-9)
    ratio = component.ideal_mask(speech, noise, "ratio")
    assert torch.allclose(ratio, torch.tensor([0.6, math.sqrt(0.5), 0.0, 1.0], dtype=torch.float64), atol=1e-9)
    binary = component.ideal_mask(speech, noise, "binary")
    assert binary.tolist() == [0.0, 0.0, 0.0, 1.0]  # local SNRs -2.5 dB, 0 dB (not > 0), -inf, +inf
    assert component.ideal_mask(speech, noise, "binary", threshold_db=-3.0).tolist() == [1.0, 1.0, 0.0, 1.0]


def test_mix_at_snr_reaches_the_snr():
    generator = torch.Generator().manual_seed(2)
    speech = torch.randn(3, 1, 4000, generator=generator, dtype=torch.float64)
    noise = 7 * torch.randn(3, 1, 4000, generator=generator, dtype=torch.float64)
    for snr in (-5.0, 0.0, 12.5):
        mixture, scaled = audio.mix_at_snr(speech, noise, snr)
        measured = 10 * np.log10((speech**2).sum(dim=(1, 2)).numpy() / (scaled**2).sum(dim=(1, 2)).numpy())
        assert np.allclose(measured, snr, atol=1e-9)
        assert torch.allclose(mixture, speech + scaled)
    one_item, _ = audio.mix_at_snr(speech[0, 0], noise[0, 0], 3.0)
    assert one_item.shape == (4000,)


def test_colored_noise_slope_and_level():
    white = audio.colored_noise(2**16, 0.0, seed=3, dtype=torch.float64)
    pink = audio.colored_noise(2**16, 1.0, seed=3, dtype=torch.float64)
    assert abs(white.pow(2).mean().sqrt().item() - 1.0) < 1e-12
    assert torch.equal(pink, audio.colored_noise(2**16, 1.0, seed=3, dtype=torch.float64))
    # independent check of the slope: numpy periodogram averaged in octave bands 1-2 kHz vs 4-8 kHz at 32 kHz
    power = np.abs(np.fft.rfft(pink.numpy())) ** 2
    freqs = np.fft.rfftfreq(2**16, 1 / 32000)
    low = power[(freqs >= 1000) & (freqs < 2000)].sum()
    high = power[(freqs >= 4000) & (freqs < 8000)].sum()
    assert abs(10 * np.log10(high / low)) < 0.5  # pink noise: equal power per octave
    white_power = np.abs(np.fft.rfft(white.numpy())) ** 2
    ratio = white_power[(freqs >= 4000) & (freqs < 8000)].sum() / white_power[(freqs >= 1000) & (freqs < 2000)].sum()
    assert abs(10 * np.log10(ratio) - 10 * np.log10(4)) < 0.5  # white: 4x the bandwidth, 4x the power


def test_apply_mask_round_trip_and_scaling():
    scipy_signal = pytest.importorskip("scipy.signal")
    generator = torch.Generator().manual_seed(4)
    mixture = torch.randn(2, 5000, generator=generator, dtype=torch.float64)
    spectra = component.enhancement_magnitudes(mixture, torch.zeros_like(mixture), 512, 128)
    assert spectra["speech"].shape == (2, 257, 5000 // 128 + 1)
    ones = torch.ones_like(spectra["speech"])
    assert torch.allclose(component.apply_mask(ones, mixture, 512, 128), mixture, atol=1e-10)
    assert torch.allclose(component.apply_mask(0.5 * ones, mixture, 512, 128), 0.5 * mixture, atol=1e-10)
    # independent magnitude check with scipy's STFT (same periodic Hann window, no scaling)
    _, _, reference = scipy_signal.stft(
        mixture[0].numpy(), nperseg=512, noverlap=384, window="hann", boundary=None, padded=False, scaling="psd"
    )
    window_sum = np.sqrt((np.hanning(513)[:-1] ** 2).sum() * 1.0)  # scaling="psd" divides by sqrt(Σw²)
    theirs = np.abs(reference) * window_sum
    ours = spectra["speech"][0].numpy()[:, 2 : 2 + theirs.shape[1]]  # center=True: frame t+2 starts at t·hop
    assert np.allclose(ours, theirs, atol=1e-8)


def test_speech_distortion_and_noise_attenuation():
    speech = torch.rand(2, 10, 4, dtype=torch.float64) + 0.1
    noise = torch.rand(2, 10, 4, dtype=torch.float64) + 0.1
    half = torch.full_like(speech, 0.5)
    assert torch.allclose(
        component.speech_distortion_db(half, speech), torch.full((2,), 10 * math.log10(0.25), dtype=torch.float64)
    )
    assert torch.allclose(
        component.noise_attenuation_db(half, noise), torch.full((2,), 10 * math.log10(4), dtype=torch.float64)
    )
    assert component.noise_attenuation_db(torch.zeros_like(noise), noise).tolist() == [120.0, 120.0]
    assert component.speech_distortion_db(torch.ones_like(speech), speech).tolist() == [-120.0, -120.0]


# ---------------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------------


def test_bad_weights():
    mask, target, residual = random_inputs((2, 4, 3))
    with pytest.raises(ValueError, match="alpha"):
        component.component_loss(mask, target, residual, alpha=-0.1, beta=0.5)
    with pytest.raises(ValueError, match="beta"):
        component.component_loss(mask, target, residual, alpha=0.1, beta=-0.5)
    with pytest.raises(ValueError, match="alpha \\+ beta must be <= 1"):
        component.component_loss(mask, target, residual, alpha=0.5, beta=0.8)
    with pytest.raises(ValueError, match="alpha"):
        component.component_loss(mask, target, residual, alpha=1.5, beta=None)
    with pytest.raises(TypeError, match="alpha"):
        component.component_loss(mask, target, residual, alpha="0.5", beta=None)
    with pytest.raises(ValueError, match="alpha \\+ beta"):
        component.ComponentLoss(alpha=0.6, beta=0.6)
    # sums that are 1 up to rounding are accepted
    assert component.component_weights(0.7, 0.3)[0] == pytest.approx(0.0, abs=1e-12)
    assert component.component_weights(0.1, 0.9)[0] >= 0.0


def test_bad_tensors():
    mask, target, residual = random_inputs((2, 4, 3))
    with pytest.raises(ValueError, match="mask must lie in \\[0, 1\\]"):
        component.component_loss(mask + 0.5, target, residual)
    with pytest.raises(ValueError, match="mask must lie in"):
        component.component_loss(mask - 0.5, target, residual)
    unbounded = component.component_loss(mask + 0.5, target, residual, alpha=0.1, beta=0.8, allow_unbounded_mask=True)
    assert torch.isfinite(unbounded)
    with pytest.raises(ValueError, match="mask and target must have the same shape"):
        component.component_loss(mask, target[:, :3], residual)
    with pytest.raises(ValueError, match="mask and residual must have the same shape"):
        component.component_loss(mask, target, residual[..., :2])
    with pytest.raises(TypeError, match="target must be a floating-point tensor"):
        component.component_loss(mask, (target * 10).long(), residual)
    with pytest.raises(TypeError, match="mask must be a torch.Tensor"):
        component.component_loss(mask.numpy(), target, residual)
    with pytest.raises(ValueError, match="residual contains NaN"):
        component.component_loss(mask, target, residual * float("nan"))
    with pytest.raises(ValueError, match="mask must have at least 2 dimensions"):
        component.component_loss(mask[0, 0], target[0, 0], residual[0, 0])
    with pytest.raises(ValueError, match="target must be a magnitude"):
        component.component_loss(mask, -target, residual)
    with pytest.raises(ValueError, match="reduction"):
        component.component_loss(mask, target, residual, reduction="batchmean")
    with pytest.raises(ValueError, match="eps"):
        component.component_loss(mask, target, residual, eps=0.0)


def test_bad_helper_inputs():
    speech = torch.rand(2, 100)
    with pytest.raises(ValueError, match="noise has a silent row"):
        audio.mix_at_snr(speech, torch.zeros_like(speech), 0.0)
    with pytest.raises(ValueError, match="snr_db"):
        audio.mix_at_snr(speech, speech, float("inf"))
    with pytest.raises(ValueError, match="signal and noise must have the same shape"):
        audio.mix_at_snr(speech, speech[:, :50], 0.0)
    with pytest.raises(ValueError, match="kind"):
        component.ideal_mask(speech, speech, "soft")
    with pytest.raises(ValueError, match="magnitudes"):
        component.ideal_mask(speech, -speech)
    with pytest.raises(ValueError, match="mask and the mixture's STFT must have the same shape"):
        component.apply_mask(torch.ones(2, 257, 3), torch.randn(2, 4000), 512, 128)
    with pytest.raises(ValueError, match="exponent"):
        audio.colored_noise(100, -1.0)
    with pytest.raises(TypeError, match="num_samples"):
        audio.colored_noise(100.0)


def test_explorer_trains_redraws_and_has_a_stable_repr():
    generator = torch.Generator().manual_seed(5)
    speech = torch.rand(33, 12, generator=generator) + 0.1
    noise = torch.rand(33, 12, generator=generator) + 0.1
    explorer = explorers.ComponentLossExplorer(speech, noise, speech + noise, 8000, 128, steps=300)
    assert repr(explorer) == "ComponentLossExplorer(alpha=0.5, beta=0.0, residual='true noise |N|')"
    title = explorer.figure()._suptitle.get_text()
    wiener = component.ideal_mask(speech, noise, "wiener")
    expected = component.speech_distortion_db(wiener[None], speech[None]).item()
    assert "speech weight=0.50" in title and f"speech distortion {expected:.1f} dB" in title
    explorer.controls["alpha"].value = 0.6
    explorer.controls["beta"].value = 0.6
    assert "beta=0.40 (beta clipped to 1 - alpha)" in explorer.figure()._suptitle.get_text()
    explorer.controls["residual"].value = "|X| - |S|"
    (shown,) = explorer.output.outputs
    assert shown["data"]["text/plain"] == "<ComponentLossExplorer figure>"
    assert shown["data"]["image/png"].startswith("iVBORw0KGgo")
    with pytest.raises(ValueError, match="speech and noise must have the same shape"):
        explorers.ComponentLossExplorer(speech, noise[:, :5], speech, 8000, 128)
    with pytest.raises(ValueError, match="alpha \\+ beta"):
        explorers.ComponentLossExplorer(speech, noise, speech + noise, 8000, 128, alpha=0.7, beta=0.7)
