"""The KL divergence loss of a Gaussian VAE: closed form, reductions, and a small VAE on log-mel frames.

A variational autoencoder {Kingma & Welling 2014} encodes an input into a diagonal Gaussian
``q(z | x) = N(μ, σ²)`` and pulls it towards the prior ``N(0, 1)`` with the Kullback-Leibler divergence,
which for one latent dimension has the closed form

    KL(N(μ, σ²) ‖ N(0, 1)) = ½ (μ² + σ² − ln σ² − 1).

The seed (auralflow's ``kl_div_loss(mu, sigma)``) documents a *sum* of this over all elements, while its
implementation takes the *mean* over all elements; the usual VAE convention sums over the latent
dimensions and averages over the batch. The three differ by constant factors (the latent size, the batch
size), and a constant factor on the KL term is a change of the β that balances it against the
reconstruction term. :func:`kl_div_loss` offers all three as ``reduction="mean"`` (upstream's
behaviour, the default), ``"sum"`` (auralflow's formula) and ``"batchmean"`` (the VAE convention).

Networks usually predict ``log σ²`` rather than σ: any real number is valid, the KL gradient with
respect to it is bounded for small variances, and nothing has to be kept positive.
:func:`kl_div_loss_logvar` is the same divergence in that parameterisation.

The module also holds the chapter's small experiment: :func:`log_mel_frames` (standardised log-mel
frames of the example sounds), :class:`MelFrameVAE`, :func:`train_vae` (reconstruction + β·KL, full-batch
Adam, seconds on a CPU) and :class:`VAEExplorer`.

Notebook: book/06_kl_divergence.ipynb
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from . import audio, spectral
from ._validation import check_choice, check_int, check_positive, check_same_shape, check_tensor
from .plot import FigureExplorer

__all__ = [
    "REDUCTIONS",
    "PARAMETERIZATIONS",
    "kl_div_loss",
    "kl_div_loss_logvar",
    "GaussianKLDivLoss",
    "reparameterize",
    "log_mel_frames",
    "MelFrameVAE",
    "VAEResult",
    "train_vae",
    "VAEExplorer",
]

#: Reductions accepted by :func:`kl_div_loss` and :func:`kl_div_loss_logvar`.
REDUCTIONS: tuple[str, ...] = ("mean", "sum", "batchmean", "none")

#: How an encoder's spread output is read, as σ itself (``"sigma"``) or as ln σ² (``"logvar"``).
PARAMETERIZATIONS: tuple[str, ...] = ("sigma", "logvar")


def _reduce(elementwise: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "none":
        return elementwise
    if reduction == "sum":
        return elementwise.sum()
    if reduction == "batchmean":
        return elementwise.sum() / elementwise.shape[0]
    return elementwise.mean()


def _check_mu_and_spread(mu, spread, spread_name: str, reduction: str) -> None:
    check_tensor(mu, "mu", min_ndim=1)
    check_tensor(spread, spread_name, min_ndim=1)
    check_same_shape(mu, spread, "mu", spread_name)
    if mu.dtype != spread.dtype:
        raise TypeError(f"mu and {spread_name} must have the same dtype, got {mu.dtype} and {spread.dtype}")
    check_choice(reduction, "reduction", REDUCTIONS)
    if mu.numel() == 0:
        raise ValueError(f"mu and {spread_name} must not be empty, got shape {tuple(mu.shape)}")


def kl_div_loss(mu: torch.Tensor, sigma: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) in closed form, element by element, then reduced.

    Per element ``½ (μ² + σ² − 2 ln σ − 1)``: auralflow's ``ln σ²`` written as ``2 ln σ``, which stays finite
    for a tiny σ whose square underflows to 0 in float32.

    Args:
        mu: ``[batch, *latent]`` means of the approximate posterior (any shape with a leading batch
            dimension; ``[batch, latent_dim]`` in a VAE), float32 or float64.
        sigma: standard deviations, same shape and dtype as ``mu``, every entry > 0.
        reduction: ``"mean"`` (default: mean over all elements, as the upstream implementation and
            ``torch.distributions.kl_divergence(...).mean()``), ``"sum"`` (sum over all elements, the
            auralflow's documented formula), ``"batchmean"`` (sum over the latent dimensions, mean over the
            batch: the VAE convention, ``latent_size`` times ``"mean"``) or ``"none"`` (the elementwise
            divergences, shaped like ``mu``).

    Returns:
        A 0-dim tensor (or ``mu``'s shape for ``"none"``) in nats, ≥ 0, differentiable in ``mu`` and
        ``sigma``.

    Raises:
        TypeError: if ``mu`` or ``sigma`` is not a floating-point tensor, or their dtypes differ.
        ValueError: if the shapes differ, a tensor is empty or 0-dim, holds NaN/Inf, ``sigma`` has an entry
            ≤ 0, or ``reduction`` is unknown.

    Paper: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014, appendix B.

    Notebook: book/06_kl_divergence.ipynb
    """
    _check_mu_and_spread(mu, sigma, "sigma", reduction)
    if bool((sigma <= 0).any()):
        raise ValueError(
            f"sigma must be > 0 everywhere (a standard deviation), got a minimum of {sigma.min().item():.3g}; "
            "predict log-variance and use kl_div_loss_logvar, or keep sigma positive with softplus/exp"
        )
    elementwise = 0.5 * (mu.pow(2) + sigma.pow(2) - 2.0 * torch.log(sigma) - 1.0)
    return _reduce(elementwise, reduction)


def kl_div_loss_logvar(mu: torch.Tensor, logvar: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) with the spread given as ``logvar = ln σ²``: ``½ (μ² + e^logvar − logvar − 1)``.

    Equal to ``kl_div_loss(mu, exp(logvar / 2), reduction)``. The gradient with respect to ``logvar`` is
    ``½ (e^logvar − 1)``, bounded below by ``−½`` however small the variance, where the gradient with respect
    to σ, ``σ − 1/σ``, grows without bound as σ → 0.

    Args:
        mu: ``[batch, *latent]`` means (any shape with a leading batch dimension), float32 or float64.
        logvar: log-variances ``ln σ²``, same shape and dtype as ``mu``, any finite values.
        reduction: ``"mean"`` (default), ``"sum"``, ``"batchmean"`` or ``"none"``, as in :func:`kl_div_loss`.

    Returns:
        A 0-dim tensor (or ``mu``'s shape for ``"none"``) in nats, ≥ 0 (``+inf`` only if ``e^logvar``
        overflows, i.e. ``logvar`` > 88 in float32).

    Raises:
        TypeError: if ``mu`` or ``logvar`` is not a floating-point tensor, or their dtypes differ.
        ValueError: if the shapes differ, a tensor is empty or 0-dim, holds NaN/Inf, or ``reduction`` is
            unknown.

    Paper: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014, appendix B.

    Notebook: book/06_kl_divergence.ipynb
    """
    _check_mu_and_spread(mu, logvar, "logvar", reduction)
    elementwise = 0.5 * (mu.pow(2) + torch.exp(logvar) - logvar - 1.0)
    return _reduce(elementwise, reduction)


class GaussianKLDivLoss(nn.Module):
    """KL(N(μ, σ²) ‖ N(0, 1)) as a module: ``forward(mu, spread)``.

    Not to be confused with ``torch.nn.KLDivLoss``, which compares two discrete distributions given as
    log-probabilities.

    Args:
        reduction: ``"mean"`` (default, upstream's behaviour), ``"sum"``, ``"batchmean"`` or ``"none"``;
            see :func:`kl_div_loss`.
        parameterization: ``"sigma"`` (default: ``spread`` is σ > 0, as auralflow) or ``"logvar"``
            (``spread`` is ln σ², see :func:`kl_div_loss_logvar`).
    """

    def __init__(self, reduction: str = "mean", parameterization: str = "sigma"):
        super().__init__()
        check_choice(reduction, "reduction", REDUCTIONS)
        check_choice(parameterization, "parameterization", PARAMETERIZATIONS)
        self.reduction = reduction
        self.parameterization = parameterization

    def forward(self, mu: torch.Tensor, spread: torch.Tensor) -> torch.Tensor:
        if self.parameterization == "logvar":
            return kl_div_loss_logvar(mu, spread, self.reduction)
        return kl_div_loss(mu, spread, self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, parameterization={self.parameterization!r}"


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw ``z = μ + σ·ε`` with ``σ = exp(logvar / 2)`` and ``ε ~ N(0, 1)``: differentiable in μ and logvar.

    Args:
        mu: means, any shape, float32 or float64.
        logvar: log-variances, same shape and dtype.
        generator: optional ``torch.Generator`` for reproducible noise.

    Returns:
        A sample shaped like ``mu``.

    Raises:
        TypeError, ValueError: as :func:`kl_div_loss_logvar` for bad ``mu``/``logvar``.

    Notebook: book/06_kl_divergence.ipynb
    """
    _check_mu_and_spread(mu, logvar, "logvar", "mean")
    noise = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * noise


# --------------------------------------------------------------------------------------------------
# The chapter's experiment: a small VAE on log-mel frames
# --------------------------------------------------------------------------------------------------


def log_mel_frames(
    names: Sequence[str] = audio.EXAMPLES,
    *,
    n_fft: int = 1024,
    hop_length: int = 256,
    n_mels: int = 40,
    floor_db: float = -80.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Standardised log-mel frames of the example clips: the VAE's data set.

    Each clip (at its file rate, 22050 Hz) gives a power mel spectrogram (:func:`audiolosses.spectral.mel_spectrogram`),
    converted to dB with a floor ``floor_db`` below the clip's loudest bin; the frames of all clips are
    stacked and every mel band is standardised to mean 0 and standard deviation 1 over the data set.

    Args:
        names: example names (default: all five of :data:`audiolosses.audio.EXAMPLES`).
        n_fft: STFT size (default 1024).
        hop_length: STFT hop (default 256).
        n_mels: mel bands, the feature size (default 40).
        floor_db: dynamic range kept below each clip's maximum, dB (default −80).

    Returns:
        ``(frames, labels)``: float32 ``[n_frames, n_mels]`` and int64 ``[n_frames]`` (index of the clip in
        ``names``).

    Raises:
        ValueError: if ``names`` is empty or holds an unknown name, or a setting is out of range.

    Notebook: book/06_kl_divergence.ipynb
    """
    if isinstance(names, str) or not names:
        raise ValueError(f"names must be a non-empty sequence of example names, got {names!r}")
    check_int(n_mels, "n_mels", minimum=1)
    if floor_db >= 0:
        raise ValueError(f"floor_db must be negative, got {floor_db}")
    frames, labels = [], []
    for index, name in enumerate(names):
        waveform, sample_rate = audio.load_example(name)
        mel = spectral.mel_spectrogram(waveform.mean(dim=0), sample_rate, n_fft, hop_length, n_mels=n_mels)
        db = spectral.power_to_db(mel, -200.0)
        db = db.clamp_min(db.max() + floor_db)
        frames.append(db.T)
        labels.append(torch.full((db.shape[1],), index, dtype=torch.int64))
    stacked = torch.cat(frames)
    standardised = (stacked - stacked.mean(dim=0)) / stacked.std(dim=0).clamp_min(1e-6)
    return standardised, torch.cat(labels)


class MelFrameVAE(nn.Module):
    """A small fully connected VAE for feature frames: ``x → (μ, spread) → z → x̂``.

    Encoder ``Linear(n_features, hidden) → tanh → Linear(hidden, 2·latent_dim)``; decoder
    ``Linear(latent_dim, hidden) → tanh → Linear(hidden, n_features)``.

    Args:
        n_features: size of an input frame (e.g. 40 mel bands).
        latent_dim: size of the latent code (default 8).
        hidden: width of the hidden layers (default 64).
        parameterization: how the encoder's second half is read: ``"logvar"`` (default, ln σ²) or
            ``"sigma"`` (σ = softplus(output), the positive-σ parameterisation of auralflow).

    ``forward(x)`` returns ``(reconstruction, mu, spread, logvar)``: ``spread`` is what the KL loss of the
    chosen parameterisation takes (σ or ln σ²) and ``logvar`` is ln σ² in both cases.
    """

    def __init__(self, n_features: int, latent_dim: int = 8, hidden: int = 64, parameterization: str = "logvar"):
        super().__init__()
        check_int(n_features, "n_features", minimum=1)
        check_int(latent_dim, "latent_dim", minimum=1)
        check_int(hidden, "hidden", minimum=1)
        check_choice(parameterization, "parameterization", PARAMETERIZATIONS)
        self.latent_dim = latent_dim
        self.parameterization = parameterization
        self.encoder = nn.Sequential(nn.Linear(n_features, hidden), nn.Tanh(), nn.Linear(hidden, 2 * latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.Tanh(), nn.Linear(hidden, n_features))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return ``(mu, spread, logvar)`` for frames ``x`` ``[batch, n_features]``."""
        mu, raw = self.encoder(x).chunk(2, dim=-1)
        if self.parameterization == "logvar":
            return mu, raw, raw
        sigma = F.softplus(raw)
        return mu, sigma, 2.0 * torch.log(sigma)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        mu, spread, logvar = self.encode(x)
        z = reparameterize(mu, logvar, generator=generator)
        return self.decoder(z), mu, spread, logvar


@dataclass
class VAEResult:
    """What :func:`train_vae` returns.

    Attributes:
        model: the trained :class:`MelFrameVAE` (in eval mode).
        beta: the KL weight used.
        reconstruction: the reconstruction loss per step (L1, reduced as requested).
        kl: the KL loss per step (reduced as requested, before the β weight).
        final_reconstruction: L1 between the frames and the decoded posterior means, ``"batchmean"``
            convention (sum over features, mean over frames), after training.
        final_kl: KL per frame (``"batchmean"``) of the trained encoder on all frames.
        kl_per_dim: ``[latent_dim]`` average KL of each latent dimension: a dimension below ~0.01 nats
            carries no information (it has collapsed onto the prior).
        diverged: ``True`` if a loss became non-finite and training stopped early.
    """

    model: MelFrameVAE
    beta: float
    reconstruction: list = field(default_factory=list)
    kl: list = field(default_factory=list)
    final_reconstruction: float = float("nan")
    final_kl: float = float("nan")
    kl_per_dim: torch.Tensor | None = None
    diverged: bool = False

    @property
    def active_dims(self) -> int:
        """Number of latent dimensions whose average KL exceeds 0.01 nats."""
        return int((self.kl_per_dim > 0.01).sum())


def train_vae(
    frames: torch.Tensor,
    beta: float = 1.0,
    *,
    latent_dim: int = 8,
    hidden: int = 64,
    steps: int = 300,
    lr: float = 1e-2,
    parameterization: str = "logvar",
    reduction: str = "batchmean",
    seed: int = 0,
) -> VAEResult:
    """Train a :class:`MelFrameVAE` with ``L1 reconstruction + β·KL``, full batch, Adam.

    Both terms use the same ``reduction``: ``"batchmean"`` (default) sums each over its own axis (features,
    latent dimensions) and averages over frames, the ELBO's bookkeeping; ``"mean"`` averages each over all
    its elements, as auralflow's example (``F.l1_loss`` + upstream ``kl_div_loss``) does, which weighs the KL
    ``n_features / latent_dim`` times more for the same β.

    Everything random (initial weights, the reparameterisation noise) comes from ``seed``, so a run is
    repeatable.

    Args:
        frames: ``[n_frames, n_features]`` float tensor (e.g. from :func:`log_mel_frames`).
        beta: KL weight, ≥ 0 (default 1).
        latent_dim: latent size (default 8).
        hidden: hidden width (default 64).
        steps: Adam steps on the full batch (default 300).
        lr: learning rate (default 0.01).
        parameterization: ``"logvar"`` (default) or ``"sigma"``, see :class:`MelFrameVAE`.
        reduction: ``"batchmean"`` (default) or ``"mean"``.
        seed: seed for the weights and the noise (default 0).

    Returns:
        A :class:`VAEResult`.

    Raises:
        TypeError, ValueError: for a bad ``frames`` tensor or settings.

    Notebook: book/06_kl_divergence.ipynb
    """
    check_tensor(frames, "frames", ndim=2)
    beta = check_positive(beta, "beta", allow_zero=True)
    check_int(steps, "steps", minimum=1)
    lr = check_positive(lr, "lr")
    check_choice(parameterization, "parameterization", PARAMETERIZATIONS)
    check_choice(reduction, "reduction", ("batchmean", "mean"))
    check_int(seed, "seed")
    with torch.random.fork_rng(devices=[]):  # seed the initial weights without touching the global generator
        torch.manual_seed(seed)
        model = MelFrameVAE(frames.shape[1], latent_dim, hidden, parameterization).to(frames.dtype)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    kl_fn = kl_div_loss_logvar if parameterization == "logvar" else kl_div_loss
    result = VAEResult(model=model, beta=beta)
    for _ in range(steps):
        reconstruction, mu, spread, _logvar = model(frames, generator)
        l1 = (reconstruction - frames).abs()
        l1 = l1.sum() / frames.shape[0] if reduction == "batchmean" else l1.mean()
        try:
            kl = kl_fn(mu, spread, reduction)
        except ValueError:  # sigma reached 0 (softplus underflow): report instead of crashing
            result.diverged = True
            break
        loss = l1 + beta * kl
        if not bool(torch.isfinite(loss)):
            result.diverged = True
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        result.reconstruction.append(l1.item())
        result.kl.append(kl.item())
    model.eval()
    with torch.no_grad():
        mu, _spread, logvar = model.encode(frames)
        decoded = model.decoder(mu)
        result.final_reconstruction = float((decoded - frames).abs().sum() / frames.shape[0])
        per_element = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)
        result.kl_per_dim = per_element.mean(dim=0)
        result.final_kl = float(result.kl_per_dim.sum())
    return result


class VAEExplorer(FigureExplorer):
    """Train the chapter's VAE for a chosen β and see its latent space, its KL per dimension and a reconstruction.

    Every new setting trains a VAE (about a second on a CPU); results are kept, so going back is instant. Live in Jupyter and Colab; on the website it shows the
    figure for its default settings.

    Args:
        frames: ``[n_frames, n_features]`` frames, e.g. from :func:`log_mel_frames`.
        labels: ``[n_frames]`` integer clip index of each frame (colours the latent scatter).
        names: clip name of each label value (the legend).
        beta: initial β (choices: :attr:`BETA_CHOICES`).
        parameterization: initial parameterisation, ``"logvar"`` or ``"sigma"``.
        steps: Adam steps per training (default 300).
        trained: optional ``{beta: VAEResult}`` of log-variance models already trained with :func:`train_vae`'s
            defaults and ``steps``, reused instead of retraining (e.g. the results of a β sweep).
    """

    #: The β values the slider offers.
    BETA_CHOICES = (0.0, 0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)

    def __init__(self, frames: torch.Tensor, labels: torch.Tensor, names: Sequence[str], *, beta: float = 1.0,
                 parameterization: str = "logvar", steps: int = 300, trained: Mapping[float, VAEResult] | None = None):
        import ipywidgets as widgets

        check_tensor(frames, "frames", ndim=2)
        check_tensor(labels, "labels", ndim=1, floating=False)
        if labels.shape[0] != frames.shape[0]:
            raise ValueError(f"labels must have one entry per frame ({frames.shape[0]}), got {labels.shape[0]}")
        check_choice(beta, "beta", self.BETA_CHOICES)
        check_choice(parameterization, "parameterization", PARAMETERIZATIONS)
        self.frames, self.labels, self.names, self.steps = frames, labels, list(names), check_int(steps, "steps", minimum=1)
        self._results = {(float(b), "logvar"): result for b, result in (trained or {}).items()}
        super().__init__({
            "beta": widgets.SelectionSlider(options=self.BETA_CHOICES, value=beta, description="beta",
                                            continuous_update=False),
            "parameterization": widgets.Dropdown(options=PARAMETERIZATIONS, value=parameterization,
                                                 description="spread"),
        })

    def figure(self):
        """Train for the current settings and draw latent scatter, KL per dimension and one reconstruction."""
        beta, parameterization = self.values["beta"], self.values["parameterization"]
        key = (float(beta), parameterization)
        if key not in self._results:
            self._results[key] = train_vae(self.frames, beta, steps=self.steps, parameterization=parameterization)
        result = self._results[key]
        fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.2))
        order = torch.argsort(result.kl_per_dim, descending=True)
        with torch.no_grad():
            mu, _, _ = result.model.encode(self.frames)
            frame = self.frames.shape[0] // 3
            decoded = result.model.decoder(mu[frame:frame + 1])[0]
        for index, name in enumerate(self.names):
            points = mu[self.labels == index][:, order[:2]]
            axes[0].scatter(points[:, 0], points[:, 1], s=4, label=name)
        axes[0].set(xlabel="most informative latent", ylabel="second", title="posterior means")
        axes[0].legend(markerscale=3, fontsize=7)
        axes[1].bar(range(len(order)), result.kl_per_dim[order].tolist())
        axes[1].set(xlabel="latent dimension (sorted)", ylabel="KL (nats)",
                    title=f"{result.active_dims} active of {len(order)}")
        axes[2].plot(self.frames[frame].tolist(), label="frame")
        axes[2].plot(decoded.tolist(), label="reconstruction")
        axes[2].set(xlabel="mel band", ylabel="standardised dB",
                    title=f"L1 {result.final_reconstruction:.1f}, KL {result.final_kl:.1f}")
        axes[2].legend()
        fig.suptitle(f"beta = {beta:g}, {parameterization}" + (" (diverged)" if result.diverged else ""))
        fig.tight_layout()
        return fig
