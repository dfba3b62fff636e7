"""Chapter 6's experiment: a small VAE on log-mel frames of the example clips, trained with L1 + β·KL.

:func:`log_mel_frames` (standardised log-mel frames of the example sounds), :class:`MelFrameVAE`,
:func:`train_vae` (reconstruction + β·KL, full-batch Adam, seconds on a CPU) and :class:`VAEResult`. The KL
itself is :mod:`audiolosses.kl`; the interactive figure is :class:`audiolosses.explorers.VAEExplorer`.

Notebook: book/06_kl_divergence.ipynb
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .. import audio, spectral
from .._validation import check_choice, check_int, check_positive, check_tensor
from ..kl import PARAMETERIZATIONS, kl_div_loss, kl_div_loss_logvar, reparameterize

__all__ = ["log_mel_frames", "MelFrameVAE", "VAEResult", "train_vae"]


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
            kl = kl_fn(mu, spread, latent_reduction="sum" if reduction == "batchmean" else "mean")
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
