"""Relative Volume Mel against an independent rendering of audiocraft's algorithm (torchaudio's
MelSpectrogram, written out here), canonical values, options, and the trainable variant."""

import math

import pytest
import torch
import torchaudio

from audiolosses import rvm


def audiocraft_rvm(
    estimate,
    ground_truth,
    sample_rate=24000,
    n_mels=80,
    n_fft=512,
    hop_length=128,
    min_relative_volume=-25.0,
    max_relative_volume=25.0,
    max_initial_gain=25.0,
    min_activity_volume=-25.0,
    num_aggregated_bands=4,
):
    """audiocraft/metrics/rvm.py's algorithm as its docs describe it, on torchaudio's transform."""
    melspec = torchaudio.transforms.MelSpectrogram(
        n_mels=n_mels, n_fft=n_fft, hop_length=hop_length, normalized=True, sample_rate=sample_rate, power=2
    ).to(ground_truth.dtype)
    std = ground_truth.pow(2).mean().sqrt().clamp(min=10 ** (-max_initial_gain / 20))
    z_gt = melspec(ground_truth / std).sqrt()
    z_est = melspec(estimate / std).sqrt()
    ref_db = 20 * torch.log10(z_gt.clamp(min=10 ** (min_activity_volume / 20)))
    delta_db = 20 * torch.log10((z_gt - z_est).abs().clamp(min=10 ** (-120 / 20)))
    relative = (delta_db - ref_db).clamp(min_relative_volume, max_relative_volume)
    dims = [d for d in range(relative.dim()) if d != relative.dim() - 2]
    per_band = relative.mean(dim=dims)
    metrics = {f"rvm_{i}": chunk.mean() for i, chunk in enumerate(per_band.chunk(num_aggregated_bands))}
    metrics["rvm"] = per_band.mean()
    return metrics


def assert_metrics_close(ours, reference, atol):
    assert set(ours) == set(reference)
    for key in reference:
        assert ours[key].shape == reference[key].shape, key
        assert abs(ours[key].item() - reference[key].item()) <= atol, (key, ours[key].item(), reference[key].item())


@pytest.mark.parametrize("shape", [(12000,), (3, 12000), (2, 2, 12000)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("noise", [0.0, 0.01, 0.3, 3.0])
def test_matches_audiocraft_algorithm(shape, dtype, noise):
    ground_truth = 0.3 * torch.randn(shape, dtype=dtype)
    estimate = ground_truth + noise * torch.randn(shape, dtype=dtype)
    assert_metrics_close(
        rvm.relative_volume_mel(estimate, ground_truth, sample_rate=24000),
        audiocraft_rvm(estimate, ground_truth),
        atol=1e-4,
    )  # torchaudio builds its mel bank in float32


def test_matches_with_other_settings():
    settings = dict(
        sample_rate=16000,
        n_mels=64,
        n_fft=1024,
        hop_length=256,
        min_relative_volume=-30.0,
        max_relative_volume=20.0,
        max_initial_gain=40.0,
        min_activity_volume=-40.0,
        num_aggregated_bands=2,
    )
    ground_truth = torch.randn(2, 1, 16000, dtype=torch.float64)
    estimate = torch.nn.functional.avg_pool1d(ground_truth, 5, 1, 2)  # a low-pass: high bands suffer
    ours = rvm.relative_volume_mel(estimate, ground_truth, **settings)
    assert_metrics_close(ours, audiocraft_rvm(estimate, ground_truth, **settings), atol=1e-4)
    assert ours["rvm_1"] > ours["rvm_0"] + 5


def test_canonical_values():
    ground_truth = torch.randn(2, 1, 24000)
    assert rvm.relative_volume_mel(ground_truth, ground_truth, sample_rate=24000)["rvm"].item() == -25.0
    assert (
        abs(rvm.relative_volume_mel(torch.zeros_like(ground_truth), ground_truth, sample_rate=24000)["rvm"].item())
        < 0.05
    )
    silent = torch.zeros_like(ground_truth)
    assert rvm.relative_volume_mel(torch.randn_like(silent), silent, sample_rate=24000)["rvm"].item() > 24.9
    # independent noise of the same level: magnitude-only, so far from 0 dB (about -10.8 dB)
    assert (
        -12.0
        < rvm.relative_volume_mel(torch.randn_like(ground_truth), ground_truth, sample_rate=24000)["rvm"].item()
        < -9.5
    )


def test_gain_invariance():
    quiet = 0.1 * torch.randn(1, 1, 12000, dtype=torch.float64)
    est_quiet = quiet + 0.1 * quiet.std() * torch.randn_like(quiet)
    alone = rvm.relative_volume_mel(est_quiet, quiet, sample_rate=24000)["rvm"]
    scaled = rvm.relative_volume_mel(10 * est_quiet, 10 * quiet, sample_rate=24000)["rvm"]
    assert abs(alone - scaled) < 1e-9  # the RMS normalisation removes the overall level...
    tiny = rvm.relative_volume_mel(0.1 * est_quiet, 0.1 * quiet, sample_rate=24000)["rvm"]
    assert abs(tiny - alone) > 0.01  # ...unless the RMS is below the -25 dB cap on the gain (0.01 < 0.056)


def test_batch_mates_change_an_items_score_unless_per_item():
    settings = dict(max_initial_gain=60.0, sample_rate=24000)  # so the quiet item alone is fully normalised
    quiet = 0.01 * torch.randn(1, 1, 12000, dtype=torch.float64)
    loud = torch.randn(1, 1, 12000, dtype=torch.float64)
    est_quiet = quiet + 0.3 * quiet.std() * torch.randn_like(quiet)
    alone = rvm.relative_volume_mel(est_quiet, quiet, **settings)["rvm"]
    estimates, references = torch.cat([est_quiet, loud]), torch.cat([quiet, loud])
    per_item = rvm.relative_volume_mel(estimates, references, per_item=True, **settings)
    assert per_item["rvm"].shape == (2,)
    assert abs(per_item["rvm"][0] - alone) < 1e-9
    assert per_item["rvm"][1] == -25.0
    batch = rvm.relative_volume_mel(estimates, references, **settings)["rvm"]
    # the batch score is the mean of the two items' scores; the loud item scores -25 exactly
    quiet_in_batch = 2 * batch + 25.0
    assert alone > -20.0
    # measured at the loud item's scale, most of the quiet item sinks below the -25 dB activity floor
    # and its 30 % error is scored as if it were almost inaudible
    assert quiet_in_batch < alone - 4.0


def test_module_matches_functional_and_documents_settings():
    module = rvm.RelativeVolumeMel(sample_rate=16000, num_aggregated_bands=2)
    x, y = torch.randn(2, 8000), torch.randn(2, 8000)
    for key, value in rvm.relative_volume_mel(x, y, sample_rate=16000, num_aggregated_bands=2).items():
        assert torch.equal(module(x, y)[key], value)
    assert "sample_rate=16000" in repr(module) and "per_item=False" in repr(module)


def test_relative_db_map_shape_and_range():
    x, y = torch.randn(2, 1, 6000), torch.randn(2, 1, 6000)
    relative = rvm.relative_db_map(x, y, sample_rate=24000)
    assert relative.shape == (2, 1, 80, 6000 // 128 + 1)
    assert relative.min() >= -25 and relative.max() <= 25


def test_faithful_metric_fails_as_a_loss_where_documented():
    ground_truth = torch.randn(1, 12000)
    padded = ground_truth.clone()
    padded[..., 6000:] = 0.0
    estimate = padded.requires_grad_(True)
    rvm.relative_volume_mel(estimate, ground_truth, sample_rate=24000)["rvm"].backward()
    assert torch.isnan(estimate.grad).any()  # sqrt at zero mel power
    close = (ground_truth + 0.01 * torch.randn_like(ground_truth)).requires_grad_(True)
    rvm.relative_volume_mel(close, ground_truth, sample_rate=24000)["rvm"].backward()
    assert (close.grad == 0).float().mean() > 0.3  # the -25 dB clamp zeroes most of the gradient


def test_variant_is_finite_on_silence_and_padding_and_tracks_the_metric():
    ground_truth = torch.randn(2, 1, 12000, dtype=torch.float64)
    padded = ground_truth.clone()
    padded[..., 6000:] = 0.0
    for start in (padded, torch.zeros_like(ground_truth)):
        estimate = start.clone().requires_grad_(True)
        loss = rvm.relative_volume_mel_loss(estimate, ground_truth, sample_rate=24000)
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(estimate.grad).all()
    assert rvm.relative_volume_mel_loss(ground_truth, ground_truth, sample_rate=24000).item() == pytest.approx(
        -25.0, abs=1e-6
    )
    for noise in (0.1, 0.5, 2.0):
        estimate = ground_truth + noise * torch.randn_like(ground_truth)
        faithful = (
            rvm.relative_volume_mel(estimate, ground_truth, per_item=True, sample_rate=24000)["rvm"].mean().item()
        )
        smooth = rvm.relative_volume_mel_loss(estimate, ground_truth, sample_rate=24000).item()
        assert abs(smooth - faithful) < 1.0, (noise, smooth, faithful)


def test_variant_reductions_and_batch_independence():
    ground_truth = torch.randn(3, 8000)
    estimate = ground_truth + 0.3 * torch.randn_like(ground_truth)
    each = rvm.relative_volume_mel_loss(estimate, ground_truth, reduction="none", sample_rate=24000)
    assert each.shape == (3,)
    assert rvm.relative_volume_mel_loss(
        estimate, ground_truth, reduction="sum", sample_rate=24000
    ).item() == pytest.approx(each.sum().item(), rel=1e-6)
    assert rvm.relative_volume_mel_loss(estimate, ground_truth, sample_rate=24000).item() == pytest.approx(
        each.mean().item(), rel=1e-6
    )
    alone = rvm.relative_volume_mel_loss(estimate[:1], ground_truth[:1], sample_rate=24000)
    assert alone.item() == pytest.approx(each[0].item(), rel=1e-6)
    module = rvm.RelativeVolumeMelLoss(reduction="none", sample_rate=24000)
    assert torch.equal(module(estimate, ground_truth), each)


def test_soft_clamp():
    x = torch.linspace(-60, 60, 241, dtype=torch.float64, requires_grad=True)
    y = rvm.soft_clamp(x, -25.0, 25.0, softness=1.0)
    assert (y - x.clamp(-25, 25)).abs().max() <= math.log(2) + 1e-9
    y.sum().backward()
    assert (x.grad > 0).all() and x.grad.max() <= 1.0
    inside = (x.abs() < 15).detach()
    assert torch.allclose(y[inside], x[inside], atol=1e-4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_runs_on_cuda():
    x, y = torch.randn(2, 1, 8000, device="cuda"), torch.randn(2, 1, 8000, device="cuda")
    assert rvm.relative_volume_mel(x, y, sample_rate=24000)["rvm"].device.type == "cuda"
    assert rvm.relative_volume_mel_loss(x, y, sample_rate=24000).device.type == "cuda"


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: rvm.relative_volume_mel(torch.zeros(2, 1000), torch.zeros(2, 999), sample_rate=24000),
            ValueError,
            "same shape",
        ),
        (
            lambda: rvm.relative_volume_mel(
                torch.zeros(1000, dtype=torch.int32), torch.zeros(1000, dtype=torch.int32), sample_rate=24000
            ),
            TypeError,
            "input must be a floating-point",
        ),
        (
            lambda: rvm.relative_volume_mel(
                torch.zeros(1000), torch.zeros(1000, dtype=torch.float64), sample_rate=24000
            ),
            TypeError,
            "same dtype",
        ),
        (
            lambda: rvm.relative_volume_mel(torch.full((1000,), float("nan")), torch.zeros(1000), sample_rate=24000),
            ValueError,
            "input contains NaN",
        ),
        (
            lambda: rvm.relative_volume_mel(torch.zeros(300), torch.zeros(300), sample_rate=24000),
            ValueError,
            "target is too short",
        ),
        (
            lambda: rvm.relative_volume_mel(
                torch.zeros(1000), torch.zeros(1000), n_mels=8, num_aggregated_bands=9, sample_rate=24000
            ),
            ValueError,
            "num_aggregated_bands must be <= n_mels",
        ),
        (
            lambda: rvm.relative_volume_mel(
                torch.zeros(1000), torch.zeros(1000), n_mels=6, num_aggregated_bands=4, sample_rate=24000
            ),
            ValueError,
            "cannot be split",
        ),
        (
            lambda: rvm.relative_volume_mel(
                torch.zeros(1000), torch.zeros(1000), min_relative_volume=5, max_relative_volume=5, sample_rate=24000
            ),
            ValueError,
            "min_relative_volume must be <",
        ),
        (lambda: rvm.RelativeVolumeMel(sample_rate=22050.0), TypeError, "sample_rate must be an int"),
        (
            lambda: rvm.relative_volume_mel_loss(torch.zeros(1000), torch.zeros(1000), eps=0, sample_rate=24000),
            ValueError,
            "eps",
        ),
        (
            lambda: rvm.relative_volume_mel_loss(
                torch.zeros(1000), torch.zeros(1000), reduction="batch", sample_rate=24000
            ),
            ValueError,
            "reduction must be one of",
        ),
        (lambda: rvm.soft_clamp(torch.zeros(3), 1.0, 0.0), ValueError, "low must be < high"),
    ],
)
def test_validation(call, error, match):
    with pytest.raises(error, match=match):
        call()
