"""The multi-resolution STFT loss against auraloss 0.4, an independent rendering of Parallel WaveGAN's
definitions, torchaudio, SciPy and finite differences; reductions, validation, float64."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from audiolosses import explorers
from audiolosses import stft_loss as sl
from audiolosses.stft_loss import (
    MultiResolutionSTFTLoss,
    STFTLoss,
    a_weighting_fir,
    log_stft_magnitude_loss,
    loss_magnitude,
    multi_resolution_stft_loss,
    slaney_mel_bank,
    spectral_convergence,
    stft_loss,
    stft_loss_terms,
)

auraloss = pytest.importorskip("auraloss")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is a folder of the repository, not part of the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import references  # noqa: E402
from benchmarks.cases import _librosa_filters_mel  # noqa: E402  (librosa.filters.mel for auraloss, in NumPy)

RTOL = 1e-5


def relative_error(ours: torch.Tensor, theirs: torch.Tensor) -> float:
    """``max|a − b| / max|b|``: the relative error of a value or of a whole gradient."""
    ours, theirs = ours.detach().double(), theirs.detach().double()
    return float((ours - theirs).abs().max() / theirs.abs().max())


def signals(shape=(3, 1, 6000), dtype=torch.float32, seed=0, noise=0.3):
    generator = torch.Generator().manual_seed(seed)
    target = 0.1 * torch.randn(*shape, generator=generator, dtype=torch.float64)
    prediction = target + noise * 0.1 * torch.randn(*shape, generator=generator, dtype=torch.float64)
    return prediction.to(dtype), target.to(dtype)


def value_and_grads(loss_fn, prediction, target, target_grad=True):
    x = prediction.clone().requires_grad_()
    y = target.clone().requires_grad_(target_grad)
    value = loss_fn(x, y)
    value.backward()
    return value.detach(), x.grad, (y.grad if target_grad else None)


def assert_same(ours_fn, theirs_fn, prediction, target, rtol=RTOL, target_grad=True):
    ours = value_and_grads(ours_fn, prediction, target, target_grad)
    theirs = value_and_grads(theirs_fn, prediction, target, target_grad)
    errors = [relative_error(a, b) for a, b in zip(ours, theirs) if b is not None]
    assert max(errors) <= rtol, errors
    return errors


def auraloss_in(module, dtype, window="hann_window"):
    """auraloss keeps its windows (and FIR taps) as float32 attributes: rebuild them in ``dtype`` (float64)."""
    losses = module.stft_losses if hasattr(module, "stft_losses") else [module]
    for loss in losses:
        loss.window = getattr(torch, window)(loss.win_length, dtype=dtype)
        if getattr(loss, "perceptual_weighting", False):
            loss.prefilter.fir.weight.data = loss.prefilter.fir.weight.data.to(dtype)
    return module


# --------------------------------------------------------------------------------------------------
# auraloss 0.4: defaults and every option it offers (except chroma, which needs librosa's chroma bank)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_multi_resolution_defaults_equal_auraloss(dtype):
    prediction, target = signals(dtype=dtype)
    theirs = auraloss_in(auraloss.freq.MultiResolutionSTFTLoss(), dtype)
    assert_same(MultiResolutionSTFTLoss.auraloss(), theirs, prediction, target)
    # the functional form with the same settings
    assert_same(lambda x, y: multi_resolution_stft_loss(x, y, eps=1e-8, per_item=False), theirs, prediction, target)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_single_resolution_defaults_equal_auraloss(dtype):
    prediction, target = signals(dtype=dtype)
    theirs = auraloss_in(auraloss.freq.STFTLoss(), dtype)
    assert_same(STFTLoss.auraloss(), theirs, prediction, target)
    assert_same(
        lambda x, y: stft_loss(x, y, fft_size=1024, hop_size=256, win_length=1024, eps=1e-8, per_item=False),
        theirs,
        prediction,
        target,
    )


AURALOSS_OPTIONS = [
    dict(w_lin_mag=1.0),
    dict(w_sc=0.0, w_log_mag=0.0, w_lin_mag=1.0),
    dict(w_sc=0.5, w_log_mag=2.0, w_lin_mag=0.25),
    dict(mag_distance="L2", w_lin_mag=1.0),
    dict(w_sc=0.0, mag_distance="L2"),
    dict(window="hamming_window"),
    dict(window="blackman_window"),
    dict(window="bartlett_window"),
    dict(window="kaiser_window"),
    dict(eps=1e-6),
    dict(perceptual_weighting=True, sample_rate=24000),
    dict(perceptual_weighting=True, sample_rate=44100, w_lin_mag=1.0),
]


@pytest.mark.parametrize("options", AURALOSS_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_multi_resolution_options_equal_auraloss(options):
    prediction, target = signals()
    assert_same(
        MultiResolutionSTFTLoss.auraloss(**options),
        auraloss.freq.MultiResolutionSTFTLoss(**options),
        prediction,
        target,
    )


@pytest.mark.parametrize(
    "options",
    [
        dict(scale="mel", n_bins=64, sample_rate=24000),
        dict(scale="mel", n_bins=40, sample_rate=22050, w_lin_mag=1.0),
        dict(scale="mel", n_bins=32, sample_rate=16000, mag_distance="L2"),
    ],
    ids=["mel64", "mel40-lin", "mel32-L2"],
)
def test_mel_scale_equals_auraloss(options):
    prediction, target = signals()
    with _librosa_filters_mel():
        theirs = auraloss.freq.MultiResolutionSTFTLoss(**options)
    assert_same(MultiResolutionSTFTLoss.auraloss(**options), theirs, prediction, target)


def test_mel_stft_loss_equals_auraloss_mel_stft_loss():
    prediction, target = signals()
    with _librosa_filters_mel():
        theirs = auraloss.freq.MelSTFTLoss(sample_rate=22050, n_mels=80)
    ours = STFTLoss.auraloss(scale="mel", n_bins=80, sample_rate=22050)
    assert_same(ours, theirs, prediction, target)


def test_phase_term_equals_auraloss_in_float64():
    # the phase gradient is i·X/|X|²: near-empty bins make it large, so compare in float64
    prediction, target = signals(dtype=torch.float64)
    theirs = auraloss_in(auraloss.freq.MultiResolutionSTFTLoss(w_phs=1.0), torch.float64)
    assert_same(MultiResolutionSTFTLoss.auraloss(w_phs=1.0), theirs, prediction, target, rtol=1e-9)
    theirs = auraloss_in(auraloss.freq.MultiResolutionSTFTLoss(w_sc=0.0, w_log_mag=0.0, w_phs=1.0), torch.float64)
    assert_same(
        MultiResolutionSTFTLoss.auraloss(w_sc=0.0, w_log_mag=0.0, w_phs=1.0), theirs, prediction, target, rtol=1e-9
    )


def test_scale_invariance_equals_auraloss_for_one_signal_and_works_for_a_batch():
    prediction, target = signals(shape=(1, 1, 6000))
    assert_same(
        MultiResolutionSTFTLoss.auraloss(scale_invariance=True),
        auraloss.freq.MultiResolutionSTFTLoss(scale_invariance=True),
        prediction,
        target,
    )
    # auraloss's α has shape [batch, 1] and is broadcast against [batch, bins, frames]: more than one signal fails
    batch_prediction, batch_target = signals(shape=(2, 1, 6000))
    with pytest.raises(RuntimeError):
        auraloss.freq.MultiResolutionSTFTLoss(scale_invariance=True)(batch_prediction, batch_target)
    # ours scores each signal with its own α: the batch mean of per-item values is the mean of single runs
    loss = MultiResolutionSTFTLoss(scale_invariance=True, reduction="none")
    per_item = loss(batch_prediction, batch_target)
    singles = torch.stack([loss(batch_prediction[i : i + 1], batch_target[i : i + 1])[0] for i in range(2)])
    torch.testing.assert_close(per_item, singles, rtol=1e-6, atol=0)
    # scaling the target does not change a scale-invariant loss (α absorbs it)
    torch.testing.assert_close(loss(batch_prediction, 3.0 * batch_target), per_item, rtol=1e-4, atol=0)


def test_multichannel_equals_auraloss():
    prediction, target = signals(shape=(2, 2, 6000))
    assert_same(MultiResolutionSTFTLoss.auraloss(), auraloss.freq.MultiResolutionSTFTLoss(), prediction, target)


def test_gradient_only_for_the_input_when_the_target_is_constant():
    prediction, target = signals()
    errors = assert_same(
        MultiResolutionSTFTLoss.auraloss(),
        auraloss.freq.MultiResolutionSTFTLoss(),
        prediction,
        target,
        target_grad=False,
    )
    assert len(errors) == 2


# --------------------------------------------------------------------------------------------------
# Parallel WaveGAN's definitions, rendered independently from its formulas
# --------------------------------------------------------------------------------------------------


def pwg_magnitude(x, fft_size, hop_size, win_length):
    """|STFT| as Parallel WaveGAN computes it, with explicit frames (no torch.stft): reflect-pad fft_size // 2,
    frames every hop, periodic Hann window of win_length centred in the frame, sqrt(max(re² + im², 1e-7))."""
    padded = F.pad(x[:, None], (fft_size // 2, fft_size // 2), mode="reflect")[:, 0]
    frames = padded.unfold(-1, fft_size, hop_size)  # [B, frames, fft_size]
    n = torch.arange(win_length, dtype=x.dtype)
    window = 0.5 - 0.5 * torch.cos(2 * math.pi * n / win_length)
    left = (fft_size - win_length) // 2
    window = F.pad(window, (left, fft_size - win_length - left))
    spectrum = torch.fft.rfft(frames * window, dim=-1)
    return torch.sqrt(torch.clamp(spectrum.real**2 + spectrum.imag**2, min=1e-7))


def pwg_loss(prediction, target, resolutions=sl.PARALLEL_WAVEGAN_RESOLUTIONS):
    """Parallel WaveGAN: sc_loss + mag_loss, each averaged over the resolutions; [B, C, T] flattened to rows."""
    x = prediction.reshape(-1, prediction.shape[-1])
    y = target.reshape(-1, target.shape[-1])
    sc_total, mag_total = 0.0, 0.0
    for fft_size, hop_size, win_length in resolutions:
        x_mag = pwg_magnitude(x, fft_size, hop_size, win_length)
        y_mag = pwg_magnitude(y, fft_size, hop_size, win_length)
        sc_total = sc_total + torch.sqrt(((y_mag - x_mag) ** 2).sum()) / torch.sqrt((y_mag**2).sum())
        mag_total = mag_total + (torch.log(y_mag) - torch.log(x_mag)).abs().mean()
    return sc_total / len(resolutions) + mag_total / len(resolutions)


@pytest.mark.parametrize("shape", [(3, 1, 6000), (2, 2, 5000)])
def test_equals_parallel_wavegan_definitions(shape):
    prediction, target = signals(shape=shape, dtype=torch.float64)
    errors = assert_same(MultiResolutionSTFTLoss.parallel_wavegan(), pwg_loss, prediction, target, rtol=1e-10)
    assert max(errors) < 1e-10
    # one resolution: Parallel WaveGAN's STFTLoss() defaults
    assert_same(
        STFTLoss.parallel_wavegan(), lambda x, y: pwg_loss(x, y, ((1024, 120, 600),)), prediction, target, rtol=1e-10
    )


def test_float32_equals_parallel_wavegan_definitions_in_float64():
    prediction, target = signals(dtype=torch.float32)
    ours = value_and_grads(MultiResolutionSTFTLoss.parallel_wavegan(), prediction, target)
    exact = value_and_grads(pwg_loss, prediction.double(), target.double())
    assert relative_error(ours[0], exact[0]) < 1e-6
    # The L1 term's gradient is sign(log ratio) / |X|: in bins where the two magnitudes nearly agree, float32
    # rounding flips the sign, so float32 gradients differ from exact ones in a few bins. Ours is as close to the
    # exact gradient as the upstream code run in float32 is.
    upstream_float32 = value_and_grads(pwg_loss, prediction, target)
    for ours_grad, upstream_grad, exact_grad in zip(ours[1:], upstream_float32[1:], exact[1:]):
        assert relative_error(ours_grad, exact_grad) < 1e-3
        assert relative_error(ours_grad, exact_grad) <= 2 * relative_error(upstream_grad, exact_grad) + 1e-6


def test_per_item_value_is_the_loss_of_the_item_alone():
    prediction, target = signals(shape=(3, 1, 6000), dtype=torch.float64)
    values = multi_resolution_stft_loss(prediction, target, reduction="none")
    assert values.shape == (3,)
    for i in range(3):
        alone = pwg_loss(prediction[i : i + 1], target[i : i + 1])
        assert float(values[i]) == pytest.approx(float(alone), rel=1e-10)


def test_auraloss_and_parallel_wavegan_differ_only_by_the_magnitude_floor():
    prediction, target = signals(shape=(2, 1, 6000), dtype=torch.float64)
    # loud signals: the floor (1e-8 vs 1e-7 on |X|²) is never reached, the two agree
    pwg = MultiResolutionSTFTLoss.parallel_wavegan()(prediction, target)
    aura = MultiResolutionSTFTLoss.auraloss()(prediction, target)
    assert float(pwg) == pytest.approx(float(aura), rel=1e-5)
    # a silent stretch in the target with faint noise in the prediction: the target's bins sit on the floor,
    # log(sqrt(1e-7)) or log(sqrt(1e-8)), so each of them costs ½·ln 10 ≈ 1.15 more with auraloss's floor
    quiet_prediction, quiet_target = prediction.clone(), target.clone()
    quiet_prediction[..., 2000:4000] *= 1e-2
    quiet_target[..., 2000:4000] = 0.0
    pwg = MultiResolutionSTFTLoss.parallel_wavegan()(quiet_prediction, quiet_target)
    aura = MultiResolutionSTFTLoss.auraloss()(quiet_prediction, quiet_target)
    assert float(aura) - float(pwg) > 0.1


# --------------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------------


def test_loss_magnitude_equals_explicit_frames():
    _, target = signals(shape=(2, 5000), dtype=torch.float64)
    ours = loss_magnitude(target, 512, 50, 240)
    assert ours.shape == (2, 257, 1 + 5000 // 50)
    torch.testing.assert_close(ours, pwg_magnitude(target, 512, 50, 240).transpose(1, 2), rtol=1e-12, atol=1e-12)
    assert float(loss_magnitude(torch.zeros(3000), 512, 50, 240, eps=1e-8).min()) == pytest.approx(1e-4)


def test_spectral_convergence_and_log_magnitude_building_blocks():
    prediction, target = signals(shape=(3, 1, 6000), dtype=torch.float64)
    x_mag, y_mag = loss_magnitude(prediction, 1024, 120, 600), loss_magnitude(target, 1024, 120, 600)
    batch_wide = auraloss.freq.SpectralConvergenceLoss()(x_mag, y_mag)
    assert float(spectral_convergence(x_mag, y_mag, per_item=False)) == pytest.approx(float(batch_wide), rel=1e-12)
    per_item = spectral_convergence(x_mag, y_mag, reduction="none")
    for i in range(3):
        expected = torch.linalg.norm((y_mag[i] - x_mag[i]).flatten()) / torch.linalg.norm(y_mag[i].flatten())
        assert float(per_item[i]) == pytest.approx(float(expected), rel=1e-12)
    log_l1 = auraloss.freq.STFTMagnitudeLoss(log=True)(x_mag, y_mag)
    assert float(log_stft_magnitude_loss(x_mag, y_mag)) == pytest.approx(float(log_l1), rel=1e-12)
    log_l2 = auraloss.freq.STFTMagnitudeLoss(log=True, distance="L2")(x_mag, y_mag)
    assert float(log_stft_magnitude_loss(x_mag, y_mag, distance="L2")) == pytest.approx(float(log_l2), rel=1e-12)
    # the fused loss is the sum of the two building blocks
    total = stft_loss(prediction, target, per_item=False)
    assert float(total) == pytest.approx(
        float(spectral_convergence(x_mag, y_mag, per_item=False) + log_stft_magnitude_loss(x_mag, y_mag)), rel=1e-12
    )


def test_stft_loss_terms_are_the_unweighted_terms():
    prediction, target = signals(dtype=torch.float64)
    terms = stft_loss_terms(prediction, target, w_lin_mag=1.0)
    assert set(terms) == {"spectral_convergence", "log_magnitude", "linear_magnitude"}
    weighted = 0.5 * terms["spectral_convergence"] + 2.0 * terms["log_magnitude"] + 3.0 * terms["linear_magnitude"]
    values = multi_resolution_stft_loss(prediction, target, w_sc=0.5, w_log_mag=2.0, w_lin_mag=3.0, reduction="none")
    torch.testing.assert_close(values, weighted, rtol=1e-12, atol=0)
    coupled = stft_loss_terms(prediction, target, per_item=False)["spectral_convergence"]
    assert torch.all(coupled == coupled[0])


def test_slaney_mel_bank_equals_librosa_formula_and_torchaudio():
    torchaudio = pytest.importorskip("torchaudio")
    for sample_rate, fft_size, n_mels in [(22050, 1024, 80), (24000, 512, 64), (44100, 2048, 128)]:
        ours = slaney_mel_bank(sample_rate, fft_size, n_mels)
        librosa_formula = torch.from_numpy(
            references.librosa_slaney_mel(sample_rate, fft_size, n_mels, 0.0, sample_rate / 2)
        ).double()
        torch.testing.assert_close(ours, librosa_formula, rtol=1e-6, atol=1e-9)
        if sample_rate % 2 == 0:
            bank = torchaudio.functional.melscale_fbanks(
                fft_size // 2 + 1, 0.0, sample_rate / 2, n_mels, sample_rate, norm="slaney", mel_scale="slaney"
            )
            torch.testing.assert_close(ours.float(), bank.T, rtol=1e-4, atol=1e-7)


def test_a_weighting_fir_equals_scipy_design():
    scipy_signal = pytest.importorskip("scipy.signal")
    from auraloss.perceptual import FIRFilter

    for sample_rate in (16000, 24000, 44100, 48000):
        taps = a_weighting_fir(sample_rate)
        theirs = FIRFilter(filter_type="aw", fs=sample_rate).fir.weight.data.flatten().double()
        assert relative_error(taps, theirs) < 1e-6  # auraloss stores float32 taps
        # the same design step by step in SciPy (float64): bilinear transform, freqz, firls
        f1, f2, f3, f4, a1000 = 20.598997, 107.65265, 737.86223, 12194.217, 1.9997
        numerator = [(2 * np.pi * f4) ** 2 * 10 ** (a1000 / 20), 0, 0, 0, 0]
        denominator = np.polymul(
            np.polymul([1, 4 * np.pi * f4, (2 * np.pi * f4) ** 2], [1, 4 * np.pi * f1, (2 * np.pi * f1) ** 2]),
            np.polymul([1, 2 * np.pi * f3], [1, 2 * np.pi * f2]),
        )
        b, a = scipy_signal.bilinear(numerator, denominator, fs=sample_rate)
        w, h = scipy_signal.freqz(b, a, worN=512, fs=sample_rate)
        expected = torch.from_numpy(scipy_signal.firls(101, w, np.abs(h), fs=sample_rate))
        assert relative_error(taps, expected) < 1e-8
    with pytest.raises(ValueError, match="odd"):
        a_weighting_fir(24000, n_taps=100)


# --------------------------------------------------------------------------------------------------
# Reductions, coupling, shapes, float64, gradients
# --------------------------------------------------------------------------------------------------


def test_reductions():
    prediction, target = signals(shape=(4, 1, 5000), dtype=torch.float64)
    for per_item in (True, False):
        none = multi_resolution_stft_loss(prediction, target, per_item=per_item, reduction="none")
        assert none.shape == (4,)
        mean = multi_resolution_stft_loss(prediction, target, per_item=per_item)
        total = multi_resolution_stft_loss(prediction, target, per_item=per_item, reduction="sum")
        assert mean.dim() == 0 and total.dim() == 0
        assert float(mean) == pytest.approx(float(none.mean()), rel=1e-12)
        assert float(total) == pytest.approx(float(none.sum()), rel=1e-12)


def test_per_item_values_do_not_depend_on_batch_mates_but_batch_wide_ones_do():
    prediction, target = signals(shape=(2, 1, 5000), dtype=torch.float64)
    louder = target.clone()
    louder[1] *= 10.0
    prediction_louder = prediction.clone()
    prediction_louder[1] = louder[1] + 0.5 * (prediction[1] - target[1]) * 10.0
    per_item = multi_resolution_stft_loss(prediction, target, reduction="none")
    per_item_after = multi_resolution_stft_loss(prediction_louder, louder, reduction="none")
    assert float(per_item_after[0]) == pytest.approx(float(per_item[0]), rel=1e-12)
    coupled = multi_resolution_stft_loss(prediction, target, per_item=False, reduction="none")
    coupled_after = multi_resolution_stft_loss(prediction_louder, louder, per_item=False, reduction="none")
    assert abs(float(coupled_after[0]) - float(coupled[0])) > 1e-3


def test_one_and_two_dimensional_inputs():
    prediction, target = signals(shape=(2, 1, 5000), dtype=torch.float64)
    three = multi_resolution_stft_loss(prediction, target, reduction="none")
    two = multi_resolution_stft_loss(prediction[:, 0], target[:, 0], reduction="none")
    one = multi_resolution_stft_loss(prediction[0, 0], target[0, 0], reduction="none")
    torch.testing.assert_close(two, three, rtol=0, atol=0)
    assert one.shape == (1,) and float(one[0]) == pytest.approx(float(three[0]), rel=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("per_item", [True, False])
def test_gradients_for_every_reduction_equal_autograd_of_the_definitions(reduction, per_item):
    prediction, target = signals(shape=(3, 2, 3000), dtype=torch.float64)
    weights = torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64)

    def reference(x, y):  # the definitions with autograd, items and channels kept apart
        values = []
        for fft_size, hop_size, win_length in sl.PARALLEL_WAVEGAN_RESOLUTIONS:
            x_mag = pwg_magnitude(x.reshape(-1, x.shape[-1]), fft_size, hop_size, win_length).view(3, -1)
            y_mag = pwg_magnitude(y.reshape(-1, y.shape[-1]), fft_size, hop_size, win_length).view(3, -1)
            if per_item:
                sc = torch.linalg.norm(y_mag - x_mag, dim=1) / torch.linalg.norm(y_mag, dim=1)
            else:
                sc = (torch.linalg.norm(y_mag - x_mag) / torch.linalg.norm(y_mag)).expand(3)
            values.append(sc + (torch.log(y_mag) - torch.log(x_mag)).abs().mean(dim=1))
        per = torch.stack(values).mean(dim=0)
        return {"mean": per.mean(), "sum": per.sum(), "none": (per * weights).sum()}[reduction]

    def ours(x, y):
        value = multi_resolution_stft_loss(x, y, per_item=per_item, reduction=reduction)
        return (value * weights).sum() if reduction == "none" else value

    assert_same(ours, reference, prediction, target, rtol=1e-10)


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(w_lin_mag=1.0, mag_distance="L2", per_item=False),
        dict(scale="mel", n_bins=8, sample_rate=8000),
        dict(scale_invariance=True, w_lin_mag=0.5),
        dict(scale="mel", n_bins=8, sample_rate=8000, scale_invariance=True),
        dict(perceptual_weighting=True, sample_rate=16000),
        dict(window="hamming_window", w_sc=0.0),
    ],
    ids=["default", "lin-L2-batch", "mel", "scale-invariant", "mel-scale-invariant", "a-weighting", "hamming-log"],
)
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_gradcheck(options, reduction):
    # (the phase term is left out: wrapped angles jump by 2π, which finite differences cannot follow; its
    # gradient is compared with auraloss's autograd above)
    generator = torch.Generator().manual_seed(3)
    target = torch.randn(2, 1, 200, generator=generator, dtype=torch.float64)
    prediction = (target + 0.3 * torch.randn(2, 1, 200, generator=generator, dtype=torch.float64)).requires_grad_()
    target.requires_grad_()
    settings = dict(fft_sizes=(64, 128), hop_sizes=(16, 30), win_lengths=(48, 100), reduction=reduction, **options)
    # fast mode: the gradient along random directions against finite differences (both inputs)
    assert torch.autograd.gradcheck(
        lambda x, y: multi_resolution_stft_loss(x, y, **settings),
        (prediction, target),
        eps=1e-6,
        atol=1e-7,
        rtol=1e-5,
        fast_mode=True,
    )


def test_silence_gives_finite_values_and_gradients():
    silence = torch.zeros(2, 1, 4000, requires_grad=True)
    target = torch.zeros(2, 1, 4000)
    value = multi_resolution_stft_loss(silence, target)
    value.backward()
    assert float(value.detach()) == 0.0 and torch.all(silence.grad == 0)
    prediction, reference = signals(shape=(2, 1, 4000))
    prediction.requires_grad_()
    value = multi_resolution_stft_loss(prediction, torch.zeros_like(reference))
    value.backward()
    assert math.isfinite(float(value.detach())) and bool(torch.isfinite(prediction.grad).all())


def test_no_grad_and_eval_give_the_same_value():
    prediction, target = signals()
    with_grad = multi_resolution_stft_loss(prediction.clone().requires_grad_(), target)
    with torch.no_grad():
        without = multi_resolution_stft_loss(prediction, target)
    assert float(with_grad) == float(without)
    assert not without.requires_grad


def test_float64_keeps_float64_and_not_twice_differentiable():
    prediction, target = signals(dtype=torch.float64)
    x = prediction.clone().requires_grad_()
    value = multi_resolution_stft_loss(x, target)
    assert value.dtype == torch.float64
    (grad,) = torch.autograd.grad(value, x, create_graph=True)
    with pytest.raises(RuntimeError):
        grad.sum().backward()


def test_module_repr_and_named_configurations():
    assert "eps=1e-08" in repr(MultiResolutionSTFTLoss.auraloss())
    assert "per_item=False" in repr(MultiResolutionSTFTLoss.parallel_wavegan())
    single = STFTLoss.auraloss()
    assert single.settings.resolutions == ((1024, 256, 1024),)
    assert MultiResolutionSTFTLoss().settings.resolutions == sl.PARALLEL_WAVEGAN_RESOLUTIONS
    assert MultiResolutionSTFTLoss.auraloss(w_lin_mag=1.0).settings.w_lin_mag == 1.0


# --------------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------------


def test_rejects_bad_inputs():
    prediction, target = signals(shape=(2, 1, 4000))
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        multi_resolution_stft_loss(prediction.numpy(), target)
    with pytest.raises(TypeError, match="floating-point"):
        multi_resolution_stft_loss(prediction.to(torch.int16), target)
    with pytest.raises(ValueError, match="same shape"):
        multi_resolution_stft_loss(prediction, target[..., :3000])
    with pytest.raises(TypeError, match="same dtype"):
        multi_resolution_stft_loss(prediction, target.double())
    with pytest.raises(ValueError, match="1-D or 2-D or 3-D"):
        multi_resolution_stft_loss(prediction[None], target[None])
    bad = prediction.clone()
    bad[0, 0, 5] = float("nan")
    with pytest.raises(ValueError, match="NaN or Inf"):
        multi_resolution_stft_loss(bad, target)
    with pytest.raises(ValueError, match="too short"):
        multi_resolution_stft_loss(prediction[..., :1000], target[..., :1000])
    with pytest.raises(ValueError, match="reduction"):
        multi_resolution_stft_loss(prediction, target, reduction="batchmean")
    with pytest.raises(TypeError):
        multi_resolution_stft_loss(prediction, target, 1e-8)  # settings are keyword-only


@pytest.mark.parametrize(
    "settings, error, message",
    [
        (dict(fft_sizes=(1024, 512), hop_sizes=(120,), win_lengths=(600,)), ValueError, "same length"),
        (dict(fft_sizes=(), hop_sizes=(), win_lengths=()), TypeError, "non-empty"),
        (dict(fft_sizes=(512,), hop_sizes=(50,), win_lengths=(600,)), ValueError, "win_length"),
        (dict(fft_sizes=(512.0,), hop_sizes=(50,), win_lengths=(240,)), TypeError, "fft_size"),
        (dict(hop_sizes=(120, 0, 50)), ValueError, r"hop_size\[1\]"),
        (dict(window="hann"), ValueError, "window"),
        (dict(w_sc=-1.0), ValueError, "w_sc"),
        (dict(w_sc=0.0, w_log_mag=0.0), ValueError, "at least one"),
        (dict(eps=0.0), ValueError, "eps"),
        (dict(mag_distance="L3"), ValueError, "mag_distance"),
        (dict(scale="mel", n_bins=80), ValueError, "sample_rate"),
        (dict(scale="mel", sample_rate=24000), ValueError, "n_bins"),
        (dict(scale="chroma", n_bins=12, sample_rate=24000), ValueError, "scale"),
        (dict(n_bins=80), ValueError, "only used with scale='mel'"),
        (dict(scale="mel", n_bins=400, sample_rate=24000), ValueError, "too many mel bands"),
        (dict(perceptual_weighting=True), ValueError, "sample_rate"),
        (dict(perceptual_weighting=True, sample_rate=24000.0), TypeError, "sample_rate"),
        (dict(per_item=1), TypeError, "per_item"),
    ],
)
def test_rejects_bad_settings(settings, error, message):
    prediction, target = signals(shape=(1, 1, 4000))
    with pytest.raises(error, match=message):
        multi_resolution_stft_loss(prediction, target, **settings)
    module_settings = {k: v for k, v in settings.items()}
    with pytest.raises(error, match=message):
        MultiResolutionSTFTLoss(**module_settings)


def test_stft_loss_takes_one_resolution():
    prediction, target = signals(shape=(1, 1, 4000))
    with pytest.raises(TypeError, match="one resolution"):
        stft_loss(prediction, target, fft_sizes=(512,))
    with pytest.raises(TypeError, match="no reduction"):
        stft_loss_terms(prediction, target, reduction="none")
    with pytest.raises(ValueError, match="positive"):
        log_stft_magnitude_loss(torch.zeros(1, 3, 4), torch.ones(1, 3, 4))


# --------------------------------------------------------------------------------------------------
# Explorer
# --------------------------------------------------------------------------------------------------


def test_explorer_draws_and_each_window_sees_one_error():
    explorer = explorers.STFTLossExplorer(24000, shift_ms=2.0, detune_hz=10.0, win_length=1200)
    assert repr(explorer) == "STFTLossExplorer(shift_ms=2.0, detune_hz=10.0, win_length=1200)"
    assert explorer.output.outputs[0]["data"]["text/plain"] == "<STFTLossExplorer figure>"
    target, prediction = explorer.signals()
    short, _, long = explorer.resolutions()
    sc = {}
    for name, (fft_size, hop_size, win_length) in (("short", short), ("long", long)):
        sc[name] = stft_loss_terms(
            prediction, target, fft_sizes=(fft_size,), hop_sizes=(hop_size,), win_lengths=(win_length,)
        )["spectral_convergence"]
    assert sc["short"][0] > 5 * sc["long"][0]  # the moved click: seen by the short window
    assert sc["long"][1] > 5 * sc["short"][1]  # the detuned tone: seen by the long window
    explorer.controls["win_length"].value = 240  # a control change redraws
    assert explorer.resolutions()[1] == (256, 48, 240)
    with pytest.raises(ValueError, match="win_length"):
        explorers.STFTLossExplorer(win_length=1000)
