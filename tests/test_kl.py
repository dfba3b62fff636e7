"""audiolosses.kl against independent computations: torch.distributions, scipy Monte Carlo, analytic gradients."""

import math

import numpy as np
import pytest
import torch
from scipy import stats
from torch.distributions import Normal, kl_divergence

from audiolosses import explorers, kl
from audiolosses.experiments import vae

SHAPES = [(6,), (4, 8), (3, 2, 5), (16, 512, 3, 1)]
DTYPES = [torch.float32, torch.float64]


def _random_posterior(shape, dtype, seed=0):
    generator = torch.Generator().manual_seed(seed)
    mu = torch.randn(shape, generator=generator, dtype=dtype) * 1.5
    sigma = torch.rand(shape, generator=generator, dtype=dtype) * 2.0 + 0.05
    return mu, sigma


#: The conventions of chapter 6, as the package's arguments (reduction over the batch, latent_reduction per item).
CONVENTIONS = {
    "mean": dict(),
    "sum": dict(reduction="sum", latent_reduction="sum"),
    "batchmean": dict(latent_reduction="sum"),
    "none": dict(reduction="none"),
    "none_sum": dict(reduction="none", latent_reduction="sum"),
}


def _reference(mu, sigma, convention):
    """torch.distributions' elementwise KL, reduced by hand."""
    elementwise = kl_divergence(Normal(mu, sigma), Normal(torch.zeros_like(mu), torch.ones_like(sigma)))
    items = elementwise.reshape(elementwise.shape[0], -1)
    if convention == "none":
        return items.mean(dim=1)
    if convention == "none_sum":
        return items.sum(dim=1)
    if convention == "sum":
        return elementwise.sum()
    if convention == "mean":
        return elementwise.mean()
    return items.sum(dim=1).mean()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", list(CONVENTIONS))
def test_kl_div_loss_matches_torch_distributions(shape, dtype, reduction):
    mu, sigma = _random_posterior(shape, dtype)
    ours = kl.kl_div_loss(mu, sigma, **CONVENTIONS[reduction])
    expected = _reference(mu, sigma, reduction)
    assert ours.dtype == dtype and ours.shape == expected.shape
    tolerance = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(ours, expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("reduction", list(CONVENTIONS))
def test_kl_div_loss_logvar_matches_torch_distributions(shape, dtype, reduction):
    mu, sigma = _random_posterior(shape, dtype, seed=1)
    logvar = 2.0 * torch.log(sigma)
    ours = kl.kl_div_loss_logvar(mu, logvar, **CONVENTIONS[reduction])
    tolerance = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(ours, _reference(mu, sigma, reduction), rtol=tolerance, atol=tolerance)


def test_reductions_differ_by_latent_and_batch_size():
    mu, sigma = _random_posterior((5, 12), torch.float64)
    mean = kl.kl_div_loss(mu, sigma, **CONVENTIONS["mean"])
    torch.testing.assert_close(kl.kl_div_loss(mu, sigma, **CONVENTIONS["batchmean"]), 12 * mean)
    torch.testing.assert_close(kl.kl_div_loss(mu, sigma, **CONVENTIONS["sum"]), 60 * mean)


def test_numpy_formula_and_known_values():
    mu = np.array([[0.0, 1.0, -2.0], [0.5, 0.0, 3.0]])
    sigma = np.array([[1.0, 1.0, 0.5], [2.0, 0.1, 1.0]])
    # KL(N(m, s²) || N(0, 1)) = log(1/s) + (s² + m²)/2 − 1/2, written the textbook way
    expected = np.log(1.0 / sigma) + (sigma**2 + mu**2) / 2.0 - 0.5
    ours = kl.gaussian_kl(torch.from_numpy(mu), torch.from_numpy(sigma)).numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert ours[0, 0] == 0.0  # the prior itself
    np.testing.assert_allclose(ours[0, 1], 0.5)  # a unit shift costs ½ nat


def test_kl_matches_a_scipy_monte_carlo_estimate():
    mu, sigma = 0.7, 0.4
    rng = np.random.default_rng(0)
    z = rng.normal(mu, sigma, size=400_000)
    log_ratio = stats.norm.logpdf(z, mu, sigma) - stats.norm.logpdf(z, 0.0, 1.0)
    estimate, standard_error = log_ratio.mean(), log_ratio.std() / math.sqrt(len(z))
    exact = kl.kl_div_loss(torch.tensor([mu], dtype=torch.float64), torch.tensor([sigma], dtype=torch.float64)).item()
    assert abs(estimate - exact) < 4 * standard_error


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_gradients_match_the_analytic_derivatives(dtype):
    mu, sigma = _random_posterior((4, 6), dtype, seed=2)
    mu.requires_grad_(True)
    sigma.requires_grad_(True)
    kl.kl_div_loss(mu, sigma, **CONVENTIONS["sum"]).backward()
    torch.testing.assert_close(mu.grad, mu.detach())
    torch.testing.assert_close(sigma.grad, sigma.detach() - 1.0 / sigma.detach())

    logvar = (2.0 * torch.log(sigma.detach())).requires_grad_(True)
    mu2 = mu.detach().clone().requires_grad_(True)
    kl.kl_div_loss_logvar(mu2, logvar, **CONVENTIONS["sum"]).backward()
    torch.testing.assert_close(logvar.grad, 0.5 * (logvar.detach().exp() - 1.0))
    torch.testing.assert_close(mu2.grad, mu.detach())


def test_logvar_gradient_is_bounded_where_sigma_gradient_explodes():
    sigma = torch.tensor([1e-6, 1e-3, 1.0], dtype=torch.float64, requires_grad=True)
    kl.kl_div_loss(torch.zeros(3, dtype=torch.float64), sigma, **CONVENTIONS["sum"]).backward()
    assert sigma.grad[0] < -1e5
    logvar = (2.0 * torch.log(sigma.detach())).requires_grad_(True)
    kl.kl_div_loss_logvar(torch.zeros(3, dtype=torch.float64), logvar, **CONVENTIONS["sum"]).backward()
    assert bool((logvar.grad >= -0.5).all()) and bool(torch.isfinite(logvar.grad).all())


def test_tiny_sigma_stays_finite_in_float32():
    sigma = torch.tensor([1e-23, 1.0], requires_grad=True)
    assert sigma.detach().pow(2)[0] == 0  # σ² underflows, so ln σ² would be −inf
    loss = kl.kl_div_loss(torch.zeros(2), sigma, **CONVENTIONS["sum"])
    loss.backward()
    assert torch.isfinite(loss) and bool(torch.isfinite(sigma.grad).all())
    expected = -math.log(1e-23) - 0.5  # ½(σ² − ln σ² − 1) with σ² ≈ 0
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_module_matches_functions():
    mu, sigma = _random_posterior((3, 4), torch.float64)
    for convention, arguments in CONVENTIONS.items():
        torch.testing.assert_close(kl.GaussianKLDivLoss(**arguments)(mu, sigma), _reference(mu, sigma, convention))
        module = kl.GaussianKLDivLoss(**arguments, parameterization="logvar")
        torch.testing.assert_close(module(mu, 2 * sigma.log()), _reference(mu, sigma, convention))
    assert "latent_reduction='sum'" in repr(kl.GaussianKLDivLoss(latent_reduction="sum"))
    with pytest.raises(ValueError, match="parameterization"):
        kl.GaussianKLDivLoss(parameterization="variance")
    with pytest.raises(ValueError, match="reduction"):
        kl.GaussianKLDivLoss(reduction="batchsum")


@pytest.mark.parametrize(
    "mu, sigma, error, pattern",
    [
        (torch.zeros(2, 3), torch.zeros(2, 3), ValueError, "sigma must be > 0"),
        (torch.zeros(2, 3), -torch.ones(2, 3), ValueError, "sigma must be > 0"),
        (torch.full((2, 3), float("nan")), torch.ones(2, 3), ValueError, "mu contains NaN"),
        (torch.zeros(2, 3), torch.full((2, 3), float("inf")), ValueError, "sigma contains NaN or Inf"),
        (torch.zeros(2, 3, dtype=torch.int64), torch.ones(2, 3), TypeError, "mu must be a floating-point"),
        (torch.zeros(2, 3), torch.ones(3, 2), ValueError, "mu and sigma must have the same shape"),
        (torch.zeros(2, 3), torch.ones(2, 3, dtype=torch.float64), TypeError, "same dtype"),
        (torch.tensor(0.0), torch.tensor(1.0), ValueError, "mu must have at least 1 dimensions"),
        (torch.zeros(0, 3), torch.ones(0, 3), ValueError, "must not be empty"),
        ([0.0, 1.0], torch.ones(2), TypeError, "mu must be a torch.Tensor"),
    ],
)
def test_kl_div_loss_rejects_bad_inputs(mu, sigma, error, pattern):
    with pytest.raises(error, match=pattern):
        kl.kl_div_loss(mu, sigma)


def test_kl_div_loss_logvar_rejects_bad_inputs():
    with pytest.raises(ValueError, match="logvar contains NaN"):
        kl.kl_div_loss_logvar(torch.zeros(2, 3), torch.full((2, 3), float("-inf")))
    with pytest.raises(ValueError, match="mu and logvar must have the same shape"):
        kl.kl_div_loss_logvar(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="reduction"):
        kl.kl_div_loss_logvar(torch.zeros(2, 3), torch.zeros(2, 3), reduction="batchsum")
    with pytest.raises(TypeError, match="logvar must be a floating-point"):
        kl.kl_div_loss_logvar(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.int32))
    # negative log-variances are fine: no positivity constraint
    assert torch.isfinite(kl.kl_div_loss_logvar(torch.zeros(2, 3), torch.full((2, 3), -30.0)))


def test_reparameterize_has_the_right_moments_and_gradients():
    mu = torch.full((200_000,), 0.3, dtype=torch.float64, requires_grad=True)
    logvar = torch.full((200_000,), math.log(0.25), dtype=torch.float64, requires_grad=True)
    z = kl.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(0))
    assert z.mean().item() == pytest.approx(0.3, abs=0.005)
    assert z.std().item() == pytest.approx(0.5, abs=0.005)
    z.sum().backward()
    assert torch.equal(mu.grad, torch.ones_like(mu))
    again = kl.reparameterize(mu.detach(), logvar.detach(), generator=torch.Generator().manual_seed(0))
    assert torch.equal(again, z.detach())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_runs_on_gpu():
    mu, sigma = _random_posterior((4, 8), torch.float32)
    expected = _reference(mu, sigma, **CONVENTIONS["batchmean"])
    ours = kl.kl_div_loss(mu.cuda(), sigma.cuda(), **CONVENTIONS["batchmean"])
    torch.testing.assert_close(ours.cpu(), expected)


# ---------------------------------------------------------------------------------------------------
# The chapter's VAE experiment
# ---------------------------------------------------------------------------------------------------


@pytest.fixture
def one_thread():
    """Tiny models train faster on one thread than on a shared, busy CPU's several."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def frames_and_labels():
    return vae.log_mel_frames(("speech", "drums"), n_mels=16)


def test_log_mel_frames_are_standardised(frames_and_labels):
    frames, labels = frames_and_labels
    assert frames.dtype == torch.float32 and frames.shape[1] == 16 and labels.shape == (frames.shape[0],)
    assert set(labels.tolist()) == {0, 1}
    torch.testing.assert_close(frames.mean(dim=0), torch.zeros(16), atol=1e-4, rtol=0)
    torch.testing.assert_close(frames.std(dim=0), torch.ones(16), atol=1e-4, rtol=0)
    with pytest.raises(ValueError, match="names"):
        vae.log_mel_frames(())
    with pytest.raises(ValueError, match="floor_db"):
        vae.log_mel_frames(("speech",), floor_db=10.0)


@pytest.mark.parametrize("parameterization", kl.PARAMETERIZATIONS)
def test_vae_shapes_and_logvar_consistency(parameterization):
    model = vae.MelFrameVAE(10, latent_dim=3, hidden=8, parameterization=parameterization)
    x = torch.randn(5, 10)
    reconstruction, mu, spread, logvar = model(x, torch.Generator().manual_seed(0))
    assert reconstruction.shape == (5, 10) and mu.shape == spread.shape == logvar.shape == (5, 3)
    sigma = spread if parameterization == "sigma" else torch.exp(0.5 * spread)
    torch.testing.assert_close(logvar, 2 * torch.log(sigma))


def test_train_vae_is_repeatable_and_beta_trades_kl_for_reconstruction(frames_and_labels, one_thread):
    frames, _ = frames_and_labels
    free = vae.train_vae(frames, 0.0, latent_dim=4, hidden=16, steps=150)
    again = vae.train_vae(frames, 0.0, latent_dim=4, hidden=16, steps=150)
    assert free.reconstruction == again.reconstruction and free.kl == again.kl
    collapsed = vae.train_vae(frames, 30.0, latent_dim=4, hidden=16, steps=150)
    assert collapsed.final_kl < 0.1 * free.final_kl
    assert collapsed.final_reconstruction > free.final_reconstruction
    assert collapsed.active_dims < free.active_dims
    # the per-dimension KL sums to the reported total, recomputed with torch.distributions
    with torch.no_grad():
        mu, _, logvar = free.model.encode(frames)
        expected = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum(dim=1).mean()
    assert free.final_kl == pytest.approx(expected.item(), rel=1e-5)
    assert len(free.reconstruction) == 150 and not free.diverged


def test_train_vae_rejects_bad_arguments(frames_and_labels):
    frames, _ = frames_and_labels
    with pytest.raises(ValueError, match="beta"):
        vae.train_vae(frames, -1.0)
    with pytest.raises(ValueError, match="frames must be 2-D"):
        vae.train_vae(frames[0])
    with pytest.raises(ValueError, match="reduction"):
        vae.train_vae(frames, reduction="sum")
    with pytest.raises(ValueError, match="parameterization"):
        vae.train_vae(frames, parameterization="variance")


def test_vae_explorer_draws_and_validates(frames_and_labels, one_thread):
    frames, labels = frames_and_labels
    explorer = explorers.VAEExplorer(frames, labels, ["speech", "drums"], beta=1.0, steps=5)
    assert repr(explorer) == "VAEExplorer(beta=1.0, parameterization='logvar')"
    assert "image/png" in explorer.output.outputs[0]["data"]
    trained = vae.train_vae(frames, 0.1, steps=5)
    reused = explorers.VAEExplorer(frames, labels, ["speech", "drums"], beta=0.1, steps=5, trained={0.1: trained})
    assert reused._results[(0.1, "logvar")] is trained
    with pytest.raises(ValueError, match="beta"):
        explorers.VAEExplorer(frames, labels, ["speech", "drums"], beta=2.0)
    with pytest.raises(ValueError, match="labels"):
        explorers.VAEExplorer(frames, labels[:-1], ["speech", "drums"])


# --------------------------------------------------------------------------------------------------
# Free bits and KL warm-up
# --------------------------------------------------------------------------------------------------


def _free_bits_by_loops(mu, logvar, floor):
    """Σ_d max(λ, (1/B) Σ_b KL_bd), one dimension at a time, with math (no torch reductions)."""
    batch = mu.shape[0]
    mu_rows = mu.reshape(batch, -1).tolist()
    logvar_rows = logvar.reshape(batch, -1).tolist()
    total = 0.0
    for d in range(len(mu_rows[0])):
        average = 0.0
        for b in range(batch):
            m, lv = mu_rows[b][d], logvar_rows[b][d]
            average += 0.5 * (m * m + math.exp(lv) - lv - 1.0) / batch
        total += max(floor, average)
    return total


@pytest.mark.parametrize("shape", [(5,), (6, 4), (3, 2, 5)])
@pytest.mark.parametrize("floor", [0.0, 0.1, 0.7, 5.0])
def test_free_bits_kl_matches_the_formula_by_loops(shape, floor):
    generator = torch.Generator().manual_seed(3)
    mu = torch.randn(shape, generator=generator, dtype=torch.float64) * 0.6
    logvar = torch.randn(shape, generator=generator, dtype=torch.float64) * 0.5
    value = kl.free_bits_kl(mu, logvar, free_bits=floor)
    assert value.dim() == 0
    assert value.item() == pytest.approx(_free_bits_by_loops(mu, logvar, floor), rel=1e-12)
    sigma = torch.exp(0.5 * logvar)
    by_sigma = kl.free_bits_kl(mu, sigma, free_bits=floor, parameterization="sigma")
    assert by_sigma.item() == pytest.approx(value.item(), rel=1e-12)


def test_free_bits_zero_is_batchmean_and_the_floor_is_d_lambda():
    mu, sigma = _random_posterior((8, 6), torch.float64, seed=4)
    logvar = 2 * torch.log(sigma)
    batchmean = kl.kl_div_loss(mu, sigma, latent_reduction="sum")
    torch.testing.assert_close(kl.free_bits_kl(mu, logvar, free_bits=0.0), batchmean)
    at_prior = kl.free_bits_kl(torch.zeros(4, 6), torch.zeros(4, 6), free_bits=0.25)
    assert at_prior.item() == pytest.approx(6 * 0.25)


def test_free_bits_gradient_vanishes_below_the_floor_only():
    # dimension 0 far from the prior (KL ≈ 2 nats), dimension 1 near it (KL ≈ 0.005 nats)
    mu = torch.tensor([[2.0, 0.1], [2.0, -0.1]], dtype=torch.float64, requires_grad=True)
    logvar = torch.zeros(2, 2, dtype=torch.float64, requires_grad=True)
    kl.free_bits_kl(mu, logvar, free_bits=0.5).backward()
    # d/dmu of mean_b ½ mu² is mu / B
    torch.testing.assert_close(mu.grad[:, 0], torch.tensor([1.0, 1.0], dtype=torch.float64))
    assert bool((mu.grad[:, 1] == 0).all()) and bool((logvar.grad[:, 1] == 0).all())


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(free_bits=-0.1), ValueError, "free_bits"),
        (dict(free_bits=float("nan")), ValueError, "free_bits"),
        (dict(free_bits="1"), TypeError, "free_bits"),
        (dict(free_bits=0.1, parameterization="variance"), ValueError, "parameterization"),
    ],
)
def test_free_bits_kl_rejects_bad_settings(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        kl.free_bits_kl(torch.zeros(2, 3), torch.zeros(2, 3), **kwargs)


def test_free_bits_kl_rejects_bad_tensors():
    with pytest.raises(ValueError, match="sigma must be > 0"):
        kl.free_bits_kl(torch.zeros(2, 3), torch.zeros(2, 3), free_bits=0.1, parameterization="sigma")
    with pytest.raises(ValueError, match="shape"):
        kl.free_bits_kl(torch.zeros(2, 3), torch.zeros(2, 4), free_bits=0.1)
    with pytest.raises(TypeError, match="dtype"):
        kl.free_bits_kl(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.float64), free_bits=0.1)


def test_kl_warmup_weight_is_linear_then_flat():
    weights = [kl.kl_warmup_weight(step, warmup_steps=10, beta=3.0) for step in range(15)]
    assert weights[:11] == pytest.approx([3.0 * step / 10 for step in range(11)])
    assert weights[10:] == [3.0] * 5
    assert kl.kl_warmup_weight(0, warmup_steps=0, beta=2.0) == 2.0
    with pytest.raises(ValueError, match="step"):
        kl.kl_warmup_weight(-1, warmup_steps=10)
    with pytest.raises(TypeError, match="warmup_steps"):
        kl.kl_warmup_weight(1, warmup_steps=2.5)
    with pytest.raises(ValueError, match="beta"):
        kl.kl_warmup_weight(1, warmup_steps=2, beta=-1.0)


def test_train_vae_warmup_and_free_bits(frames_and_labels, one_thread):
    frames, _ = frames_and_labels
    settings = dict(latent_dim=4, hidden=16, steps=150)
    plain = vae.train_vae(frames, 3.0, **settings)
    assert vae.train_vae(frames, 3.0, warmup_steps=0, free_bits=0.0, **settings).kl == plain.kl
    floored = vae.train_vae(frames, 3.0, free_bits=0.5, **settings)
    # below the floor the KL costs nothing, so every dimension is used up to about the floor
    assert floored.active_dims == 4 and bool((floored.kl_per_dim > 0.3).all())
    assert floored.final_reconstruction < plain.final_reconstruction
    warmed = vae.train_vae(frames, 3.0, warmup_steps=75, **settings)
    assert warmed.kl[0] == plain.kl[0] and warmed.kl[1] != plain.kl[1]  # step 0 has weight 0: same loss
    with pytest.raises(ValueError, match="free_bits needs"):
        vae.train_vae(frames, 1.0, free_bits=0.5, reduction="mean")
    with pytest.raises(ValueError, match="warmup_steps"):
        vae.train_vae(frames, 1.0, warmup_steps=-1)


# --------------------------------------------------------------------------------------------------
# Hearing the frames
# --------------------------------------------------------------------------------------------------


def test_log_mel_frames_db_standardise_to_log_mel_frames(frames_and_labels):
    frames, labels = frames_and_labels
    decibels, db_labels = vae.log_mel_frames_db(("speech", "drums"), n_mels=16)
    assert torch.equal(labels, db_labels)
    standardised = (decibels - decibels.mean(dim=0)) / decibels.std(dim=0)
    torch.testing.assert_close(standardised, frames)
    # no reference: a full-scale sine would reach about +48 dB; each clip keeps an 80 dB range
    assert 0.0 < float(decibels.max()) < 60.0
    for clip in (0, 1):
        clip_db = decibels[labels == clip]
        assert float(clip_db.max() - clip_db.min()) == pytest.approx(80.0, abs=1e-3)


def test_mel_frames_to_audio_keeps_the_level_and_the_length(one_thread):
    from audiolosses import audio

    decibels, labels = vae.log_mel_frames_db(("speech",))
    waveform, sample_rate = audio.load_example("speech")
    heard = vae.mel_frames_to_audio(decibels, sample_rate)
    again = vae.mel_frames_to_audio(decibels, sample_rate)
    assert torch.equal(heard, again)  # zero initial phase: no randomness
    assert heard.shape == ((decibels.shape[0] - 1) * 256,)
    # the RMS level of the original, independently measured with numpy
    original = waveform.mean(dim=0).numpy().astype(np.float64)
    original_db = 10 * np.log10(np.mean(original**2))
    heard_db = 10 * np.log10(np.mean(heard.numpy().astype(np.float64) ** 2))
    assert abs(heard_db - original_db) < 0.5
    quieter = vae.mel_frames_to_audio(decibels - 20.0, sample_rate)
    quieter_db = 10 * np.log10(np.mean(quieter.numpy().astype(np.float64) ** 2))
    assert quieter_db == pytest.approx(heard_db - 20.0, abs=0.5)


def test_mel_frames_to_audio_rejects_bad_inputs():
    with pytest.raises(ValueError, match="decibels must be 2-D"):
        vae.mel_frames_to_audio(torch.zeros(40), 22050)
    with pytest.raises(ValueError, match="mel power in dB"):
        vae.mel_frames_to_audio(torch.full((5, 40), 250.0), 22050)
    with pytest.raises(ValueError, match="n_iter"):
        vae.mel_frames_to_audio(torch.zeros(5, 40) - 30, 22050, n_iter=0)
