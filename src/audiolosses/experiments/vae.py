"""Chapter 6's experiment: a small VAE on log-mel frames of the example clips, trained with L1 + β·KL.

:func:`log_mel_frames` (standardised log-mel frames of the example sounds; :func:`log_mel_frames_db` before
standardising, :func:`mel_frames_to_audio` to hear frames again), :class:`MelFrameVAE`,
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
from ..kl import (
    PARAMETERIZATIONS,
    free_bits_kl,
    kl_div_loss,
    kl_div_loss_logvar,
    kl_warmup_weight,
    reparameterize,
)

__all__ = ["log_mel_frames_db", "log_mel_frames", "mel_frames_to_audio", "MelFrameVAE", "VAEResult", "train_vae"]


# --------------------------------------------------------------------------------------------------
# The chapter's experiment: a small VAE on log-mel frames
# --------------------------------------------------------------------------------------------------


def log_mel_frames_db(
    names: Sequence[str] = audio.EXAMPLES,
    *,
    n_fft: int = 1024,
    hop_length: int = 256,
    n_mels: int = 40,
    floor_db: float = -80.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-mel frames of the example clips in dB, before standardisation (see :func:`log_mel_frames`).

    Each clip (at its file rate, 22050 Hz) gives a power mel spectrogram
    (:func:`audiolosses.spectral.mel_spectrogram`, torchaudio's settings: HTK scale, no area norm,
    periodic Hann window, centred frames, an unnormalised STFT), converted to dB (``10·log10`` of the
    mel power, no reference: a full-scale sine reaches about +48 dB in its band at ``n_fft = 1024``)
    with a floor ``floor_db`` below the clip's loudest bin. These are the levels :func:`mel_frames_to_audio` turns back into sound.

    Args:
        names: example names (default: all five of :data:`audiolosses.audio.EXAMPLES`).
        n_fft: STFT size (default 1024).
        hop_length: STFT hop (default 256).
        n_mels: mel bands, the feature size (default 40).
        floor_db: dynamic range kept below each clip's maximum, dB (default −80).

    Returns:
        ``(decibels, labels)``: float32 ``[n_frames, n_mels]`` and int64 ``[n_frames]`` (index of the clip
        in ``names``).

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
    return torch.cat(frames), torch.cat(labels)


def log_mel_frames(
    names: Sequence[str] = audio.EXAMPLES,
    *,
    n_fft: int = 1024,
    hop_length: int = 256,
    n_mels: int = 40,
    floor_db: float = -80.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Standardised log-mel frames of the example clips: the VAE's data set.

    The frames of :func:`log_mel_frames_db` (dB re. full scale, an ``floor_db`` floor per clip), with
    every mel band standardised to mean 0 and standard deviation 1 over the data set: ``(db − mean) / std``
    with the mean and (unbiased) standard deviation of each band over all frames.

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
    stacked, labels = log_mel_frames_db(names, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, floor_db=floor_db)
    standardised = (stacked - stacked.mean(dim=0)) / stacked.std(dim=0).clamp_min(1e-6)
    return standardised, labels


def mel_frames_to_audio(
    decibels: torch.Tensor,
    sample_rate: int,
    *,
    n_fft: int = 1024,
    hop_length: int = 256,
    n_iter: int = 32,
) -> torch.Tensor:
    """Make log-mel frames audible: dB → power mel → linear spectrogram → Griffin-Lim waveform.

    The inverse of :func:`log_mel_frames_db`'s analysis, as far as one exists: ``10^(dB/10)`` gives the
    mel power, torchaudio's ``InverseMelScale`` (least squares with the same filter bank, clamped at 0)
    spreads it back over the ``n_fft // 2 + 1`` STFT bins, and torchaudio's ``GriffinLim`` (Griffin & Lim
    1984) finds a waveform whose STFT magnitude matches, starting from zero phase (``rand_init=False``)
    with a fixed ``n_iter``, so the same frames always give the same sound. Levels are kept: the dB are
    those of :func:`log_mel_frames_db`, and both transforms use its unnormalised STFT, so a clip's own frames come
    back within a fraction of a dB of its RMS level, and frames 20 dB lower come back 20 dB quieter. Detail finer than a mel band and the phase are
    invented, which is why even the true frames sound smeared.

    Args:
        decibels: ``[n_frames, n_mels]`` float tensor of mel power in dB, ``10·log10`` of the mel
            power of an unnormalised STFT (one frame per row, as :func:`log_mel_frames_db` returns them).
        sample_rate: sample rate of the analysis, Hz (22050 for the example clips).
        n_fft: STFT size of the analysis (default 1024).
        hop_length: STFT hop of the analysis (default 256).
        n_iter: Griffin-Lim iterations (default 32, torchaudio's).

    Shape:
        decibels: ``[n_frames, n_mels]``; output: ``[(n_frames − 1) · hop_length]`` samples.

    Returns:
        A float32 waveform ``[time]``.

    Raises:
        TypeError, ValueError: for a bad ``decibels`` tensor (not 2-D, NaN/Inf, above +200 dB, far beyond
            any full-scale signal) or settings.

    Notebook: book/06_kl_divergence.ipynb
    """
    import torchaudio  # imported here: only this experiment needs it

    check_tensor(decibels, "decibels", ndim=2)
    check_int(sample_rate, "sample_rate", minimum=1)
    check_int(n_fft, "n_fft", minimum=2)
    check_int(hop_length, "hop_length", minimum=1)
    check_int(n_iter, "n_iter", minimum=1)
    if bool((decibels > 200).any()):
        raise ValueError(
            f"decibels must be mel power in dB (<= +200; a full-scale signal stays below about +100), "
            f"got a maximum of {decibels.max().item():.4g}"
        )
    n_mels = decibels.shape[1]
    power_mel = torch.pow(10.0, decibels.detach().to(torch.float32).T / 10.0)
    inverse_mel = torchaudio.transforms.InverseMelScale(n_fft // 2 + 1, n_mels, sample_rate)
    griffin_lim = torchaudio.transforms.GriffinLim(
        n_fft, n_iter=n_iter, hop_length=hop_length, power=2.0, rand_init=False
    )
    return griffin_lim(inverse_mel(power_mel))


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
    warmup_steps: int = 0,
    free_bits: float = 0.0,
) -> VAEResult:
    """Train a :class:`MelFrameVAE` with ``L1 reconstruction + β·KL``, full batch, Adam.

    Both terms use the same ``reduction``: ``"batchmean"`` (default) sums each over its own axis (features,
    latent dimensions) and averages over frames, the ELBO's bookkeeping; ``"mean"`` averages each over all
    its elements, as auralflow's example (``F.l1_loss`` + upstream ``kl_div_loss``) does, which weighs the KL
    ``n_features / latent_dim`` times more for the same β.

    Two devices against posterior collapse can be switched on: ``warmup_steps`` (KL annealing, Bowman
    et al. 2016: the weight of the KL rises linearly from 0 to ``beta`` over the first steps, see
    :func:`audiolosses.kl.kl_warmup_weight`) and ``free_bits`` (Kingma et al. 2016: the KL term becomes
    :func:`audiolosses.kl.free_bits_kl`, a floor of ``free_bits`` nats per latent dimension). The
    recorded ``kl`` history is the plain ``"batchmean"`` KL in both cases, the information the codes carry.

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
        warmup_steps: steps over which the KL weight rises linearly from 0 to ``beta`` (default 0: no
            warm-up).
        free_bits: per-dimension KL floor in nats (default 0: none); needs ``reduction="batchmean"``.

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
    check_int(warmup_steps, "warmup_steps", minimum=0)
    free_bits = check_positive(free_bits, "free_bits", allow_zero=True)
    if free_bits > 0 and reduction != "batchmean":
        raise ValueError(f"free_bits needs reduction='batchmean' (a floor per dimension), got {reduction!r}")
    with torch.random.fork_rng(devices=[]):  # seed the initial weights without touching the global generator
        torch.manual_seed(seed)
        model = MelFrameVAE(frames.shape[1], latent_dim, hidden, parameterization).to(frames.dtype)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    kl_fn = kl_div_loss_logvar if parameterization == "logvar" else kl_div_loss
    result = VAEResult(model=model, beta=beta)
    for step in range(steps):
        reconstruction, mu, spread, _logvar = model(frames, generator)
        l1 = (reconstruction - frames).abs()
        l1 = l1.sum() / frames.shape[0] if reduction == "batchmean" else l1.mean()
        try:
            kl = kl_fn(mu, spread, latent_reduction="sum" if reduction == "batchmean" else "mean")
        except ValueError:  # sigma reached 0 (softplus underflow): report instead of crashing
            result.diverged = True
            break
        weight = kl_warmup_weight(step, warmup_steps=warmup_steps, beta=beta)
        kl_term = (
            kl if free_bits == 0 else free_bits_kl(mu, spread, free_bits=free_bits, parameterization=parameterization)
        )
        loss = l1 + weight * kl_term
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
