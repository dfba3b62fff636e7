"""Tests for audiolosses.perceptual: scales, the FIR bank (against scipy), filtering paths, the loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.signal import firwin2
from scipy.signal.windows import gaussian
from scipy.spatial.distance import cosine as scipy_cosine_distance

from audiolosses import explorers, perceptual
from audiolosses import perceptual as P

SMALL = {"sample_rate": 8000, "n_bands": 24, "n_taps": 64, "f_min": 50.0, "f_max": 3800.0}


def small_loss(**overrides):
    return perceptual.PerceptualLoss(**{**SMALL, **overrides})


# ----------------------------------------------------------------------------------------------------
# Scales
# ----------------------------------------------------------------------------------------------------


def test_bark_known_values_and_inverse():
    freqs = np.array([0.0, 100.0, 600.0, 1000.0, 4000.0, 11025 / 2])
    expected = 6 * np.log(freqs / 600 + np.sqrt((freqs / 600) ** 2 + 1))  # asinh written as a log
    barks = P.hz_to_bark(torch.tensor(freqs))
    np.testing.assert_allclose(barks.numpy(), expected, rtol=1e-12)
    assert float(P.hz_to_bark(600.0)) == pytest.approx(5.288242, abs=1e-6)  # 6·asinh(1)
    np.testing.assert_allclose(P.bark_to_hz(barks).numpy(), freqs, atol=1e-9)


def test_erb_matches_glasberg_moore():
    freqs = torch.tensor([0.0, 100.0, 1000.0, 5000.0], dtype=torch.float64)
    glasberg_moore = 24.7 * (4.37 * freqs.numpy() / 1000 + 1)
    np.testing.assert_allclose(P.erb(freqs).numpy(), glasberg_moore, rtol=2e-3)
    assert float(P.erb(1000.0)) == pytest.approx(132.7)
    with pytest.raises(ValueError, match="frequency"):
        P.erb(torch.tensor([-1.0]))


def test_centres_evenly_spaced_in_bark():
    centres = P.bark_centres(10, 20.0, 5000.0)
    barks = 6 * np.arcsinh(centres.numpy() / 600)
    np.testing.assert_allclose(np.diff(barks), np.full(9, np.diff(barks).mean()), rtol=1e-9)
    assert centres[0].item() == pytest.approx(20.0)
    assert centres[-1].item() == pytest.approx(5000.0)


def test_band_edges_are_one_erb_and_clipped():
    centres, lower, upper = P.band_edges(512, 11025, 1.0, 11025 / 2)
    assert lower[0].item() == 0.0  # the original's first band touches 0 Hz
    assert upper[-1].item() == 11025 / 2
    inside = (lower > 0) & (upper < 11025 / 2)
    np.testing.assert_allclose((upper - lower)[inside].numpy(), (0.108 * centres[inside] + 24.7).numpy(), rtol=1e-9)


# ----------------------------------------------------------------------------------------------------
# FIR design
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_taps", [31, 64, 512])
def test_frequency_sampling_matches_firwin2(n_taps):
    freqs = [0.0, 0.1, 0.2, 0.2, 0.5, 1.0]
    gains = [0.0, 0.0, 1.0, 0.5, 0.25, 0.0]
    ours = P.frequency_sampling_fir(n_taps, torch.tensor(freqs), torch.tensor(gains))
    np.testing.assert_allclose(
        ours.numpy(), firwin2(n_taps, freqs, gains), rtol=0, atol=1e-8
    )  # firwin2 nudges the jump
    np.testing.assert_allclose(ours.numpy(), ours.flip(0).numpy(), atol=1e-12)  # linear phase: symmetric


def test_bank_matches_firwin2_of_the_zounds_recipe():
    bank = P.bark_filter_bank(512, 512, 11025, 1.0, dtype=torch.float64)
    _, lower, upper = P.band_edges(512, 11025, 1.0, 11025 / 2)
    nyquist = 11025 / 2
    bump = gaussian(100, 3)
    for band in (20, 40, 200, 400, 510):
        assert lower[band] > 0
        points = np.linspace(lower[band].item() / nyquist, upper[band].item() / nyquist, 100, endpoint=False)
        reference = firwin2(512, [0, *points, 1], [0, *bump, 0])
        np.testing.assert_allclose(bank[band].numpy(), reference, atol=1e-12)


def test_band_touching_zero_hz_is_handled():
    _, lower, upper = P.band_edges(512, 11025, 1.0, 11025 / 2)
    points = np.linspace(0.0, upper[0].item() / (11025 / 2), 100, endpoint=False)
    with pytest.raises(ValueError):  # what scipy does with the original recipe
        firwin2(512, [0, *points, 1], [0, *gaussian(100, 3), 0])
    bank = P.bark_filter_bank(512, 512, 11025, 1.0, dtype=torch.float64)
    reference = firwin2(512, [*points, 1], [*gaussian(100, 3), 0])  # start on the bump itself
    np.testing.assert_allclose(bank[0].numpy(), reference, atol=1e-12)
    assert bool(torch.isfinite(bank).all())


def _responses(bank: torch.Tensor, sample_rate: int, n_fft: int = 1 << 15):
    magnitude = np.abs(np.fft.rfft(bank.double().numpy(), n_fft, axis=1))
    return np.fft.rfftfreq(n_fft, 1 / sample_rate), magnitude


def test_pass_bands_sit_at_the_centres():
    sample_rate = 11025
    bank = P.bark_filter_bank(512, 512, sample_rate, 1.0, dtype=torch.float64)
    centres, lower, upper = P.band_edges(512, sample_rate, 1.0, sample_rate / 2)
    freqs, magnitude = _responses(bank, sample_rate)
    resolved = np.flatnonzero((centres.numpy() > 150) & (centres.numpy() < 5000))
    for band in resolved:
        response = magnitude[band]
        peak = freqs[response.argmax()]
        assert lower[band] - 11 <= peak <= upper[band] + 11, band  # within the band (± one design-grid step)
        half = freqs[response >= response.max() / 2]
        assert half.min() <= centres[band] <= half.max(), band


def test_short_filters_cannot_resolve_low_bands():
    sample_rate = 11025
    bank = P.bark_filter_bank(512, 512, sample_rate, 1.0, dtype=torch.float64)
    centres, lower, upper = P.band_edges(512, sample_rate, 1.0, sample_rate / 2)
    freqs, magnitude = _responses(bank, sample_rate)
    band = int(np.searchsorted(centres.numpy(), 40.0))
    half = freqs[magnitude[band] >= magnitude[band].max() / 2]
    assert half.max() - half.min() > (upper[band] - lower[band]).item()  # wider than its ERB


def test_bank_dtype_device_and_cache_copy():
    bank = P.bark_filter_bank(**{k: SMALL[k] for k in ("n_bands", "n_taps", "sample_rate", "f_min", "f_max")})
    assert bank.shape == (24, 64) and bank.dtype == torch.float32
    bank.zero_()  # the caller's copy; the cached bank is untouched
    again = P.bark_filter_bank(24, 64, 8000, 50.0, 3800.0)
    assert again.abs().sum() > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_taps": 0}, "n_taps"),
        ({"n_bands": 0}, "n_bands"),
        ({"f_max": 6000.0}, "f_max"),
        ({"f_min": 4000.0, "f_max": 3000.0}, "f_max"),
        ({"sample_rate": 0}, "sample_rate"),
        ({"shape_std": 0.0}, "shape_std"),
    ],
)
def test_bank_rejects_bad_settings(kwargs, match):
    settings = {"n_bands": 8, "n_taps": 32, "sample_rate": 11025, "f_min": 50.0, "f_max": 5000.0, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        P.bark_filter_bank(**settings)


def test_fir_design_rejects_bad_specs():
    with pytest.raises(ValueError, match="Nyquist"):
        P.frequency_sampling_fir(64, torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]))
    with pytest.raises(ValueError, match="frequencies"):
        P.frequency_sampling_fir(63, torch.tensor([0.0, 0.5]), torch.tensor([1.0, 1.0]))
    with pytest.raises(ValueError, match="frequencies and gains"):
        P.frequency_sampling_fir(63, torch.tensor([0.0, 0.5, 1.0]), torch.tensor([1.0, 1.0]))


# ----------------------------------------------------------------------------------------------------
# Filtering: FFT path == direct path == numpy
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("stride", [1, 3])
def test_fft_path_equals_direct_path(dtype, stride):
    generator = torch.Generator().manual_seed(0)
    bank = P.bark_filter_bank(64, 128, 11025, 20.0, 5000.0, dtype=dtype)
    x = torch.randn(2, 1, 1000, generator=generator, dtype=dtype)
    fft = P.filter_bank_apply(x, bank, stride=stride, method="fft")
    direct = P.filter_bank_apply(x, bank, stride=stride, method="direct")
    assert fft.shape == direct.shape == (2, 1, 64, (1000 + 128) // stride + 1)
    assert (fft - direct).abs().max() <= 1e-5 * direct.abs().max()


def test_fft_path_at_the_original_size():
    bank = P.bark_filter_bank(512, 512, 11025, 1.0)
    x = torch.randn(1, 1, 8192, generator=torch.Generator().manual_seed(1))
    fft = P.filter_bank_apply(x, bank, method="fft")
    direct = P.filter_bank_apply(x, bank, method="direct")
    assert fft.shape == (1, 1, 512, 8705)
    assert (fft - direct).abs().max() <= 1e-5 * direct.abs().max()


def test_filtering_matches_numpy_correlation():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(300)
    bank = P.bark_filter_bank(8, 33, 8000, 100.0, 3000.0, dtype=torch.float64)
    ours = P.filter_bank_apply(torch.tensor(x), bank, stride=2, method="auto").numpy()
    padded = np.pad(x, 33)
    for band in range(8):
        expected = np.correlate(padded, bank[band].numpy(), mode="valid")[::2]
        np.testing.assert_allclose(ours[band], expected, atol=1e-12)


def test_auto_method_picks_fft_for_long_filters():
    assert P._fft_cost(512, 512, 8192) < P._direct_cost(512, 512, 8192, 1)
    assert P._fft_cost(8, 4, 8192) > P._direct_cost(8, 4, 8192, 1)


# ----------------------------------------------------------------------------------------------------
# Stages: rectification, log, weighting
# ----------------------------------------------------------------------------------------------------


def test_auditory_image_stages_match_numpy():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(200)
    bank = P.bark_filter_bank(6, 17, 8000, 100.0, 3000.0, dtype=torch.float64)
    weights = torch.linspace(1.0, 3.0, 6, dtype=torch.float64)
    image = P.auditory_image(torch.tensor(x), bank, log_factor=7.0, weights=weights).numpy()
    padded = np.pad(x, 17)
    for band in range(6):
        filtered = np.correlate(padded, bank[band].numpy(), mode="valid")
        expected = np.log(1 + 7.0 * np.where(filtered > 0, filtered, 0.0)) * weights[band].item()
        np.testing.assert_allclose(image[band], expected, atol=1e-12)
    assert image.min() >= 0


def test_a_weighting_matches_the_standard_table():
    freqs = torch.tensor([100.0, 1000.0, 4000.0, 10000.0], dtype=torch.float64)
    iec_61672 = np.array([-19.1, 0.0, 1.0, -2.5])  # dB, the standard's rounded table
    np.testing.assert_allclose(P.a_weighting_db(freqs).numpy(), iec_61672, atol=0.1)
    with pytest.raises(ValueError, match="frequency"):
        P.a_weighting_db(torch.tensor([0.0]))


def test_band_weights():
    centres = P.bark_centres(512, 1.0, 11025 / 2)
    original = P.band_weights(centres, "a_db_offset")
    assert original.min().item() == pytest.approx(1.0)
    assert 140 < original.max().item() < 160  # dB values used as multipliers: a range of about 151
    gain = P.band_weights(centres, "a_gain")
    np.testing.assert_allclose(gain.numpy(), 10 ** (P.a_weighting_db(centres).numpy() / 20), rtol=1e-12)
    assert bool((P.band_weights(centres, None) == 1).all())
    with pytest.raises(ValueError, match="weighting"):
        P.band_weights(centres, "b")


# ----------------------------------------------------------------------------------------------------
# The loss
# ----------------------------------------------------------------------------------------------------


def _images(loss, a, b):
    return loss.features(a).reshape(a.shape[0], -1).double().numpy(), loss.features(b).reshape(
        b.shape[0], -1
    ).double().numpy()


def test_cosine_distance_against_scipy():
    generator = torch.Generator().manual_seed(3)
    a, b = torch.randn(2, 1, 500, generator=generator), torch.randn(2, 1, 500, generator=generator)
    loss = small_loss(distance="cosine", reduction="none")
    ia, ib = _images(loss, a, b)
    expected = [scipy_cosine_distance(ia[i], ib[i]) - 1 for i in range(2)]
    np.testing.assert_allclose(loss(a, b).numpy(), expected, rtol=1e-5)
    assert loss(a, a).min().item() == pytest.approx(-1.0, abs=1e-6)  # the minimum is -1, not 0


@pytest.mark.parametrize("distance", ["mse", "l1"])
def test_mse_and_l1_distances(distance):
    generator = torch.Generator().manual_seed(4)
    a, b = torch.randn(3, 500, generator=generator), torch.randn(3, 500, generator=generator)
    loss = small_loss(distance=distance, reduction="none", weighting=None)
    ia, ib = _images(loss, a, b)
    expected = ((ia - ib) ** 2).mean(axis=1) if distance == "mse" else np.abs(ia - ib).mean(axis=1)
    np.testing.assert_allclose(loss(a, b).numpy(), expected, rtol=1e-5)
    assert small_loss(distance=distance, weighting=None)(a, b).item() == pytest.approx(expected.mean(), rel=1e-5)
    assert small_loss(distance=distance, reduction="sum", weighting=None)(a, b).item() == pytest.approx(
        expected.sum(), rel=1e-5
    )
    assert small_loss(distance=distance)(a, a).item() == 0.0


def test_functional_form_equals_module():
    generator = torch.Generator().manual_seed(5)
    a, b = torch.randn(1, 1, 400, generator=generator), torch.randn(1, 1, 400, generator=generator)
    assert perceptual.perceptual_loss(a, b, **SMALL).item() == pytest.approx(small_loss()(a, b).item(), rel=1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(300,), (2, 300), (2, 1, 300)])
def test_shapes_dtypes_and_gradients(dtype, shape):
    generator = torch.Generator().manual_seed(6)
    loss = small_loss().to(dtype)
    a = torch.randn(*shape, generator=generator, dtype=dtype, requires_grad=True)
    b = torch.randn(*shape, generator=generator, dtype=dtype)
    value = loss(a, b)
    assert value.shape == () and value.dtype == dtype
    value.backward()
    assert a.grad is not None and bool(torch.isfinite(a.grad).all()) and a.grad.abs().sum() > 0


def test_buffers_move_and_are_saved():
    loss = small_loss()
    assert {"bank", "weights", "centres"} <= set(loss.state_dict())
    double = small_loss().double()
    assert double.bank.dtype == torch.float64 and double.weights.dtype == torch.float64
    other = small_loss(weighting=None)
    other.load_state_dict(loss.state_dict())
    torch.testing.assert_close(other.weights, loss.weights)
    assert not any(True for _ in loss.parameters())  # nothing to train
    with pytest.raises(TypeError, match="to\\(\\)"):
        loss(torch.randn(300, dtype=torch.float64), torch.randn(300, dtype=torch.float64))


def test_original_preset():
    loss = P.PerceptualLoss.original()
    assert (loss.n_bands, loss.n_taps, loss.stride, loss.log_factor) == (512, 512, 1, 10.0)
    assert loss.weighting == "a_db_offset" and loss.distance == "cosine" and loss.sample_rate == 11025
    image = loss.features(torch.zeros(1, 1, 8192))
    assert image.shape == (1, 1, 512, 8705)
    assert P.PerceptualLoss.original(distance="mse").distance == "mse"


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: small_loss(n_taps=0), "n_taps"),
        (lambda: small_loss(f_max=4500.0), "f_max"),
        (lambda: small_loss(distance="kl"), "distance"),
        (lambda: small_loss(weighting="b"), "weighting"),
        (lambda: small_loss(stride=0), "stride"),
        (lambda: small_loss(log_factor=0.0), "log_factor"),
        (lambda: small_loss(reduction="max"), "reduction"),
        (lambda: small_loss(f_min=0.0), "f_min"),
    ],
)
def test_loss_rejects_bad_settings(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_loss_rejects_bad_inputs():
    loss = small_loss()
    good = torch.randn(1, 1, 300)
    with pytest.raises(ValueError, match="input and target"):
        loss(good, torch.randn(1, 1, 301))
    with pytest.raises(TypeError, match="input"):
        loss(torch.ones(1, 1, 300, dtype=torch.int64), good)
    with pytest.raises(ValueError, match="target"):
        loss(good, torch.full((1, 1, 300), float("nan")))
    with pytest.raises(ValueError, match="input"):
        loss(torch.randn(1, 1, 1, 300), torch.randn(1, 1, 1, 300))
    with pytest.raises(ValueError, match="method"):
        P.filter_bank_apply(good, loss.bank, method="fast")


def test_fft_cache_follows_changes_to_the_bank():
    x = torch.randn(1, 1, 400, generator=torch.Generator().manual_seed(7))
    bank = P.bark_filter_bank(16, 64, 8000, 50.0, 3800.0)
    first = P.filter_bank_apply(x, bank, method="fft")
    bank.mul_(2)  # in place: the cached spectrum must not be reused
    torch.testing.assert_close(P.filter_bank_apply(x, bank, method="fft"), 2 * first)
    for _ in range(3):  # fresh banks, possibly at a reused address
        other = P.bark_filter_bank(16, 64, 8000, 100.0, 3000.0) * float(
            torch.rand(1, generator=torch.Generator().manual_seed(_))
        )
        torch.testing.assert_close(
            P.filter_bank_apply(x, other, method="fft"),
            P.filter_bank_apply(x, other, method="direct"),
            rtol=1e-5,
            atol=1e-6,
        )


def test_filter_bank_explorer_draws_and_validates():
    clip = torch.randn(2000, generator=torch.Generator().manual_seed(8))
    explorer = explorers.FilterBankExplorer({"noise": clip}, 11025, n_bands=32, n_taps=64)
    assert repr(explorer) == "FilterBankExplorer(clip='noise', n_bands=32, n_taps=64, f_min=1.0, log_factor=10.0)"
    first = explorer.output.outputs[0]["data"]["image/png"]
    explorer.controls["log_factor"].value = 100.0
    assert explorer.output.outputs[0]["data"]["image/png"] != first
    with pytest.raises(ValueError, match="n_taps"):
        explorers.FilterBankExplorer({"noise": clip}, 11025, n_taps=100)
    with pytest.raises(ValueError, match="clips"):
        explorers.FilterBankExplorer({}, 11025)
