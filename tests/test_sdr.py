"""audiolosses.sdr against independent computations: auraloss's SISDRLoss/SDSDRLoss and torchmetrics' SNR and
SI-SDR (values and gradients), direct numpy formulas (SI-SDR from the cosine, auralflow's loss written out with
loops), the invariances the metrics promise, the validation rules and the reductions."""

import math

import numpy as np
import pytest
import torch

from audiolosses import explorers, sdr

auraloss_time = pytest.importorskip("auraloss.time")
tm_audio = pytest.importorskip("torchmetrics.functional.audio")

RTOL = 1e-5


def signals(shape, dtype=torch.float32, seed=0, noise=0.3, offset=0.0):
    generator = torch.Generator().manual_seed(seed)
    target = 0.1 * torch.randn(shape, generator=generator, dtype=torch.float64) + offset
    estimate = 0.7 * target + noise * 0.1 * torch.randn(shape, generator=generator, dtype=torch.float64)
    return estimate.to(dtype), target.to(dtype)


def value_and_grads(fn, estimate, target):
    """``fn(estimate, target)`` (summed to a scalar) and its gradients with respect to both, in float64."""
    estimate = estimate.detach().clone().requires_grad_()
    target = target.detach().clone().requires_grad_()
    value = fn(estimate, target)
    grad_estimate, grad_target = torch.autograd.grad(value.sum(), (estimate, target))
    return value.detach().double(), grad_estimate.double(), grad_target.double()


def assert_relative(ours, theirs, rtol=RTOL):
    """Every element within ``rtol`` of the reference, relative to the reference's largest magnitude."""
    scale = theirs.abs().max().clamp_min(1e-30)
    assert float((ours - theirs).abs().max() / scale) <= rtol


# --------------------------------------------------------------------------------------------------
# Parity with auraloss
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("zero_mean", [True, False])
@pytest.mark.parametrize("shape", [(4, 1, 8000), (3, 2, 4001), (16, 1, 24000)], ids=str)
def test_si_sdr_loss_equals_auraloss(shape, zero_mean, dtype):
    estimate, target = signals(shape, dtype, offset=0.05)
    ours = value_and_grads(lambda x, s: sdr.si_sdr_loss(x, s, zero_mean=zero_mean), estimate, target)
    theirs = value_and_grads(auraloss_time.SISDRLoss(zero_mean=zero_mean), estimate, target)
    for a, b in zip(ours, theirs):
        assert_relative(a, b)


@pytest.mark.parametrize("zero_mean", [True, False])
def test_sd_sdr_loss_equals_auraloss(zero_mean):
    estimate, target = signals((4, 2, 6000), offset=0.02)
    ours = value_and_grads(sdr.SDSDRLoss(zero_mean=zero_mean), estimate, target)
    theirs = value_and_grads(auraloss_time.SDSDRLoss(zero_mean=zero_mean), estimate, target)
    for a, b in zip(ours, theirs):
        assert_relative(a, b)


def test_reduction_none_is_auralosss_per_channel_values_averaged_over_channels():
    estimate, target = signals((5, 3, 3000))
    ours = sdr.si_sdr_loss(estimate, target, reduction="none")
    theirs = auraloss_time.SISDRLoss(reduction="none")(estimate, target)
    assert ours.shape == (5,) and theirs.shape == (5, 3)
    assert_relative(ours.double(), theirs.mean(dim=1).double())
    summed = sdr.si_sdr_loss(estimate, target, reduction="sum")
    torch.testing.assert_close(summed, ours.sum())
    torch.testing.assert_close(sdr.si_sdr_loss(estimate, target), ours.mean())


def test_eps_enters_as_in_auraloss_on_a_perfect_estimate():
    # a perfect estimate: the residual is zero and eps alone bounds the ratio, the same way in both
    _, target = signals((2, 1, 1000), torch.float64)
    ours = sdr.si_sdr_loss(2.0 * target, target)
    theirs = auraloss_time.SISDRLoss()(2.0 * target, target)
    assert math.isfinite(float(ours)) and float(ours) < -90
    assert_relative(ours, theirs, rtol=1e-6)


# --------------------------------------------------------------------------------------------------
# Parity with torchmetrics
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("zero_mean", [False, True])
def test_si_sdr_equals_torchmetrics(zero_mean, dtype):
    estimate, target = signals((4, 2, 8000), dtype, offset=0.03)
    ours = value_and_grads(lambda x, s: sdr.si_sdr(x, s, zero_mean=zero_mean), estimate, target)
    theirs = value_and_grads(
        lambda x, s: tm_audio.scale_invariant_signal_distortion_ratio(x, s, zero_mean=zero_mean), estimate, target
    )
    assert ours[0].shape == theirs[0].shape == (4, 2)
    for a, b in zip(ours, theirs):
        assert_relative(a, b)


def test_si_sdr_with_zero_mean_is_torchmetrics_si_snr():
    estimate, target = signals((3, 1, 5000), offset=0.1)
    ours = value_and_grads(sdr.si_sdr, estimate, target)
    theirs = value_and_grads(tm_audio.scale_invariant_signal_noise_ratio, estimate, target)
    for a, b in zip(ours, theirs):
        assert_relative(a, b)


@pytest.mark.parametrize("zero_mean", [False, True])
def test_snr_equals_torchmetrics(zero_mean):
    estimate, target = signals((4, 2, 8000), offset=0.03)
    ours = value_and_grads(lambda x, s: sdr.snr(x, s, zero_mean=zero_mean), estimate, target)
    theirs = value_and_grads(lambda x, s: tm_audio.signal_noise_ratio(x, s, zero_mean=zero_mean), estimate, target)
    for a, b in zip(ours, theirs):
        assert_relative(a, b)


def test_loss_equals_negative_torchmetrics_mean():
    estimate, target = signals((6, 2, 4000))
    ours = value_and_grads(lambda x, s: sdr.si_sdr_loss(x, s, zero_mean=False), estimate, target)
    theirs = value_and_grads(
        lambda x, s: -tm_audio.scale_invariant_signal_distortion_ratio(x, s).mean(), estimate, target
    )
    for a, b in zip(ours, theirs):
        assert_relative(a, b)


# --------------------------------------------------------------------------------------------------
# Direct formulas (numpy, float64)
# --------------------------------------------------------------------------------------------------


def numpy_si_sdr(estimate, target, zero_mean=True):
    """SI-SDR of every channel from the cosine: 10·log10(ρ² / (1 − ρ²)), loops over channels."""
    estimate, target = np.asarray(estimate, dtype=np.float64), np.asarray(target, dtype=np.float64)
    flat_e, flat_t = estimate.reshape(-1, estimate.shape[-1]), target.reshape(-1, target.shape[-1])
    out = []
    for e, t in zip(flat_e, flat_t):
        if zero_mean:
            e, t = e - e.mean(), t - t.mean()
        rho = np.dot(e, t) / (np.linalg.norm(e) * np.linalg.norm(t))
        out.append(10 * np.log10(rho**2 / (1 - rho**2)))
    return np.array(out).reshape(estimate.shape[:-1])


@pytest.mark.parametrize("zero_mean", [True, False])
def test_si_sdr_equals_the_cosine_formula(zero_mean):
    estimate, target = signals((3, 2, 2000), torch.float64, offset=0.2)
    ours = sdr.si_sdr(estimate, target, zero_mean=zero_mean, eps=0.0)
    np.testing.assert_allclose(ours.numpy(), numpy_si_sdr(estimate, target, zero_mean), rtol=1e-10)


def test_sd_sdr_is_snr_plus_ten_log_alpha_squared_and_never_above_si_sdr():
    estimate, target = signals((4, 2, 3000), torch.float64, noise=1.0)
    for gain in (0.3, 1.0, 2.5):
        scaled = gain * estimate
        alpha = sdr.project_onto_target(scaled, target)["scale"]
        sd = sdr.sd_sdr(scaled, target, eps=0.0)
        torch.testing.assert_close(sd, sdr.snr(scaled, target, zero_mean=True, eps=0.0) + 10 * torch.log10(alpha**2))
        assert bool((sd <= sdr.si_sdr(scaled, target, eps=0.0) + 1e-12).all())


def numpy_auralflow_loss(estimate, target):
    """auralflow's si_sdr_loss written with loops: α per channel, energies summed over channels and time."""
    estimate, target = np.asarray(estimate, dtype=np.float64), np.asarray(target, dtype=np.float64)
    losses = []
    for e_item, t_item in zip(estimate, target):
        signal, distortion = 0.0, 0.0
        for e, t in zip(e_item, t_item):
            alpha = np.dot(e, t) / np.dot(t, t)
            signal += np.sum((alpha * t) ** 2)
            distortion += np.sum((e - alpha * t) ** 2)
        losses.append(-10 * np.log10(signal / distortion))
    return float(np.mean(losses))


def test_auralflow_rendering_equals_the_direct_formula():
    estimate, target = signals((3, 2, 1500), torch.float64, offset=0.1)
    generator = torch.Generator().manual_seed(9)
    estimate[:, 1] = 10.0 * (target[:, 1] + 0.3 * torch.randn(3, 1500, generator=generator, dtype=torch.float64))
    # channel 1 is loud and noisier: the ratio summed over channels is dominated by it
    ours = sdr.auralflow_si_sdr_loss(estimate, target)
    assert float(ours) == pytest.approx(numpy_auralflow_loss(estimate, target), rel=1e-12)
    per_channel_mean = sdr.si_sdr_loss(estimate, target, zero_mean=False, eps=0.0)
    assert abs(float(ours) - float(per_channel_mean)) > 0.1  # not the same loss for several channels


def test_auralflow_with_one_channel_is_si_sdr_without_zero_mean():
    estimate, target = signals((4, 1, 2000), torch.float64, offset=0.1)
    torch.testing.assert_close(
        sdr.auralflow_si_sdr_loss(estimate, target), sdr.si_sdr_loss(estimate, target, zero_mean=False, eps=0.0)
    )


def test_auralflow_has_no_guard_against_silence():
    estimate, target = signals((2, 1, 500), torch.float64)
    assert float(sdr.auralflow_si_sdr_loss(target, target)) == -math.inf  # a perfect estimate
    target[0] = 0.0
    assert math.isnan(float(sdr.auralflow_si_sdr_loss(estimate, target)))  # a silent target


def test_auralflow_best_perm_swaps_estimate_and_target():
    estimate, target = signals((2, 2, 1000), torch.float64, noise=1.0)
    estimate[:, 1] *= 10.0  # loud second estimate channel: the swapped ratio differs
    straight = float(sdr.auralflow_si_sdr_loss(estimate, target))
    swapped = float(sdr.auralflow_si_sdr_loss(target, estimate))
    assert straight != pytest.approx(swapped, rel=1e-3)
    assert float(sdr.AuralflowSISDRLoss(best_perm=True)(estimate, target)) == min(straight, swapped)
    assert float(sdr.AuralflowSISDRLoss(best_perm=False)(estimate, target)) == straight
    # one channel: SI-SDR depends only on the cosine, so the swap changes nothing
    one = signals((3, 1, 1000), torch.float64)
    assert float(sdr.auralflow_si_sdr_loss(*one)) == pytest.approx(
        float(sdr.auralflow_si_sdr_loss(*one[::-1])), rel=1e-12
    )


# --------------------------------------------------------------------------------------------------
# Invariances and geometry
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gain", [1e-3, 0.5, 7.0, -1.0, -20.0])
def test_si_sdr_ignores_any_gain_on_either_signal(gain):
    estimate, target = signals((2, 2, 3000), torch.float64, noise=0.8)
    reference = sdr.si_sdr(estimate, target, eps=0.0)
    torch.testing.assert_close(sdr.si_sdr(gain * estimate, target, eps=0.0), reference, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(sdr.si_sdr(estimate, gain * target, eps=0.0), reference, rtol=1e-9, atol=1e-9)
    if abs(gain) >= 0.5:  # with the default eps the invariance holds as long as eps is tiny next to the energies
        torch.testing.assert_close(sdr.si_sdr(gain * estimate, target), reference, rtol=1e-6, atol=0)
    if gain != 1.0:
        snr_change = (sdr.snr(gain * estimate, target) - sdr.snr(estimate, target)).abs()
        assert bool((snr_change > 1e-3).all())


def test_zero_mean_ignores_a_dc_offset():
    estimate, target = signals((2, 1, 2000), torch.float64)
    with_offset = sdr.si_sdr(estimate + 0.3, target - 0.2)
    torch.testing.assert_close(with_offset, sdr.si_sdr(estimate, target))
    assert bool((sdr.si_sdr(estimate + 0.3, target, zero_mean=False) < sdr.si_sdr(estimate, target) - 1).all())


def test_projection_splits_the_estimate_into_orthogonal_parts():
    estimate, target = signals((2, 3, 1200), torch.float64, offset=0.1)
    parts = sdr.project_onto_target(estimate, target, eps=0.0)
    centred = estimate - estimate.mean(dim=-1, keepdim=True)
    centred_target = target - target.mean(dim=-1, keepdim=True)
    torch.testing.assert_close(parts["scaled_target"] + parts["distortion"], centred)
    torch.testing.assert_close(
        (parts["distortion"] * centred_target).sum(-1), torch.zeros(2, 3, dtype=torch.float64), atol=1e-12, rtol=0
    )
    rho = parts["cosine"]
    torch.testing.assert_close(sdr.si_sdr(estimate, target, eps=0.0), 10 * torch.log10(rho**2 / (1 - rho**2)))


def test_gradient_is_orthogonal_to_the_estimate_and_scales_inversely():
    estimate, target = signals((1, 1, 2000), torch.float64, noise=1.0)
    grads = []
    for gain in (1.0, 0.01):
        x = (gain * estimate).requires_grad_()
        (grad,) = torch.autograd.grad(sdr.si_sdr_loss(x, target, eps=0.0), x)
        centred = x.detach() - x.detach().mean()
        assert abs(float((grad * centred).sum())) < 1e-9 * float(grad.norm() * centred.norm())
        grads.append(grad)
    assert float(grads[1].norm() / grads[0].norm()) == pytest.approx(100.0, rel=1e-9)


def test_silent_estimate_gives_the_floor_and_a_zero_gradient():
    _, target = signals((2, 1, 1000))
    estimate = torch.zeros_like(target, requires_grad=True)
    loss = sdr.si_sdr_loss(estimate, target)
    (grad,) = torch.autograd.grad(loss, estimate)
    assert float(loss.detach()) == pytest.approx(-10 * math.log10(1e-8), rel=1e-6)
    assert bool(torch.isfinite(grad).all()) and float(grad.abs().max()) == 0.0


# --------------------------------------------------------------------------------------------------
# Differentiability, dtypes, shapes, reductions
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [sdr.si_sdr_loss, sdr.sd_sdr_loss])
@pytest.mark.parametrize("zero_mean", [True, False])
def test_gradcheck_both_arguments(loss, zero_mean):
    estimate, target = signals((2, 2, 16), torch.float64, noise=1.0, offset=0.1)
    estimate.requires_grad_()
    target.requires_grad_()
    assert torch.autograd.gradcheck(lambda x, s: loss(x, s, zero_mean=zero_mean, reduction="none"), (estimate, target))


def test_float64_keeps_its_dtype_and_float32_agrees():
    estimate, target = signals((3, 1, 4000), torch.float64)
    value64 = sdr.si_sdr_loss(estimate, target)
    value32 = sdr.si_sdr_loss(estimate.float(), target.float())
    assert value64.dtype == torch.float64 and value32.dtype == torch.float32
    assert float(value32) == pytest.approx(float(value64), rel=1e-5)


def test_two_dimensional_input_is_one_channel():
    estimate, target = signals((3, 2000), torch.float64)
    torch.testing.assert_close(
        sdr.si_sdr_loss(estimate, target, reduction="none"),
        sdr.si_sdr_loss(estimate[:, None], target[:, None], reduction="none"),
    )


def test_per_item_values_average_channels():
    estimate, target = signals((2, 3, 2000), torch.float64)
    per_channel = sdr.si_sdr(estimate, target)
    torch.testing.assert_close(sdr.si_sdr_loss(estimate, target, reduction="none"), -per_channel.mean(dim=1))


def test_modules_equal_functions_and_describe_themselves():
    estimate, target = signals((2, 1, 1000))
    module = sdr.SISDRLoss(zero_mean=False, eps=1e-6, reduction="sum")
    torch.testing.assert_close(
        module(estimate, target), sdr.si_sdr_loss(estimate, target, zero_mean=False, eps=1e-6, reduction="sum")
    )
    assert repr(module) == "SISDRLoss(zero_mean=False, eps=1e-06, reduction='sum')"
    torch.testing.assert_close(sdr.SDSDRLoss()(estimate, target), sdr.sd_sdr_loss(estimate, target))
    assert repr(sdr.AuralflowSISDRLoss()) == "AuralflowSISDRLoss(best_perm=True)"


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


def test_silent_target_is_rejected_with_its_index():
    estimate, target = signals((3, 2, 500))
    target[1, 0] = 0.0
    with pytest.raises(ValueError, match=r"target is silent at index \(1, 0\)"):
        sdr.si_sdr_loss(estimate, target)
    target[1, 0] = 0.25  # constant: silent once the mean is removed
    with pytest.raises(ValueError, match="silent"):
        sdr.si_sdr(estimate, target)
    assert bool(torch.isfinite(sdr.si_sdr(estimate, target, zero_mean=False)).all())


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x, s: sdr.si_sdr_loss(x, s[..., :-1]), ValueError, "same shape"),
        (lambda x, s: sdr.si_sdr_loss(x, s.double()), TypeError, "same dtype"),
        (lambda x, s: sdr.si_sdr_loss((x * 100).long(), s), TypeError, "input must be a floating-point"),
        (lambda x, s: sdr.si_sdr_loss(x[None], s[None]), ValueError, "input must be 2-D or 3-D"),
        (lambda x, s: sdr.si_sdr_loss(x[0, 0], s[0, 0]), ValueError, "input must be 2-D or 3-D"),
        (lambda x, s: sdr.si_sdr_loss(x.clone().fill_(float("nan")), s), ValueError, "input contains NaN"),
        (lambda x, s: sdr.si_sdr_loss(x, s, reduction="batchmean"), ValueError, "reduction must be one of"),
        (lambda x, s: sdr.si_sdr_loss(x, s, eps=-1.0), ValueError, "eps must be"),
        (lambda x, s: sdr.si_sdr_loss(x, s, zero_mean=1), TypeError, "zero_mean must be a bool"),
        (lambda x, s: sdr.si_sdr(x[..., :1], s[..., :1]), ValueError, "too short"),
        (lambda x, s: sdr.si_sdr(x.numpy(), s), TypeError, "input must be a torch.Tensor"),
        (lambda x, s: sdr.auralflow_si_sdr_loss(x[:, 0], s[:, 0]), ValueError, "estimate must be 3-D"),
        (lambda x, s: sdr.SISDRLoss(reduction="avg"), ValueError, "reduction must be one of"),
        (lambda x, s: sdr.AuralflowSISDRLoss(best_perm="yes"), TypeError, "best_perm must be a bool"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    estimate, target = signals((2, 1, 300))
    with pytest.raises(error, match=match):
        call(estimate, target)


def test_explorer_draws_and_its_estimate_follows_the_controls():
    pytest.importorskip("ipywidgets")
    t = torch.arange(2000, dtype=torch.float64)
    target = torch.sin(2 * math.pi * 0.01 * t) + 0.5 * torch.sin(2 * math.pi * 0.037 * t)
    explorer = explorers.SISDRExplorer(target, gain_db=-6.0, snr_db=20.0, delay=0)
    assert repr(explorer) == "SISDRExplorer(gain_db=-6.0, snr_db=20.0, delay=0)"
    assert explorer.output.outputs[0]["data"]["text/plain"] == "<SISDRExplorer figure>"
    quiet = sdr.si_sdr(explorer.estimate(), target)
    explorer.controls["gain_db"].value = 12.0  # redraws; SI-SDR does not move
    torch.testing.assert_close(sdr.si_sdr(explorer.estimate(), target), quiet)
    explorer.controls["delay"].value = 5
    assert float(sdr.si_sdr(explorer.estimate(), target)) < float(quiet) - 3
    with pytest.raises(ValueError, match="constant"):
        explorers.SISDRExplorer(torch.ones(100))
