"""Relative Volume Mel (RVM): audiocraft's interpretable spectral distance, and a trainable variant.

RVM answers "how loud is the error, relative to the reference, in each mel bin?", in dB. It was
introduced with Multi-Band Diffusion {San Roman et al. 2023} and ships in audiocraft as an evaluation metric:

1. **Gain.** Divide both signals by the reference's RMS, ``g = max(sqrt(mean(ref²)), 10^(−max_initial_gain/20))``.
   The mean runs over *every* element of the batch, so an item's score depends on its batch-mates
   (``per_item=True`` normalises each item on its own instead).
2. **Mel amplitudes.** ``z = sqrt(MelSpectrogram(normalized=True, power=2)(x))`` for both signals.
3. **Relative level per bin.** ``r = clamp(20·log10(max(|z_ref − z_est|, 10^(−120/20)))
   − 20·log10(max(z_ref, 10^(min_activity_volume/20))), min_relative_volume, max_relative_volume)``.
4. **Aggregation.** Mean over everything but the mel axis (one value per band), then ``rvm_k`` is the mean
   of the k-th of ``num_aggregated_bands`` chunks (low → high) and ``rvm`` the mean of all bands.

−25 dB (the default floor) means "the error is at least 25 dB below the reference everywhere"; 0 dB
means "the error is as loud as the reference" (e.g. a silent estimate); +25 dB means "the estimate
misses a silent reference entirely".

As a loss the faithful metric fails: ``sqrt`` at zero power gives NaN gradients (silence, zero padding)
and the hard floors and clamps give exactly-zero gradients. :func:`relative_volume_mel_loss` keeps
the meaning with smooth pieces (an epsilon inside the square root, soft floors inside the logarithms,
a softplus clamp) and normalises each item on its own.

Notebook: book/02_relative_volume_mel.ipynb
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._precision import float32_inside
from ._reduction import check_reduction, reduce_items
from ._validation import (
    check_int,
    check_min_length,
    check_positive,
    check_same_shape,
    check_sample_rate,
    check_tensor,
)
from .spectral import _mel_spectrogram, db_to_scale

__all__ = [
    "relative_volume_mel",
    "RelativeVolumeMel",
    "relative_volume_mel_loss",
    "RelativeVolumeMelLoss",
    "relative_db_map",
    "soft_clamp",
    "AUDIOCRAFT_SETTINGS",
]

#: The floor of the error's level in dB, hard-coded in audiocraft.
DELTA_FLOOR_DB = -120.0


def _check_inputs(input, target, n_fft, n_mels, num_aggregated_bands, min_rel, max_rel):
    check_tensor(input, "input", min_ndim=1)
    check_tensor(target, "target", min_ndim=1)
    check_same_shape(input, target, "input", "target")
    if input.dtype != target.dtype:
        raise TypeError(f"input and target must have the same dtype, got {input.dtype} and {target.dtype}")
    check_int(n_fft, "n_fft", minimum=2)
    check_int(n_mels, "n_mels", minimum=1)
    check_min_length(target, n_fft, "target", f"one STFT frame of n_fft={n_fft}")
    check_int(num_aggregated_bands, "num_aggregated_bands", minimum=1)
    if num_aggregated_bands > n_mels:
        raise ValueError(f"num_aggregated_bands must be <= n_mels={n_mels}, got {num_aggregated_bands}")
    chunk = -(-n_mels // num_aggregated_bands)
    if -(-n_mels // chunk) != num_aggregated_bands:
        # torch.chunk (which audiocraft uses) would silently return fewer bands than asked for
        raise ValueError(
            f"n_mels={n_mels} cannot be split into num_aggregated_bands={num_aggregated_bands} chunks with "
            f"torch.chunk (chunks of {chunk} give {-(-n_mels // chunk)}); pick a divisor of n_mels"
        )
    if not min_rel < max_rel:
        raise ValueError(f"min_relative_volume must be < max_relative_volume, got {min_rel} and {max_rel}")


def _gain(ground_truth: torch.Tensor, max_initial_gain: float, per_item: bool) -> torch.Tensor:
    """The reference's RMS, floored at ``−max_initial_gain`` dB: one scalar, or one per item (``[B, 1, ..]``)."""
    floor = float(db_to_scale(-max_initial_gain))
    if per_item and ground_truth.dim() > 1:
        dims = tuple(range(1, ground_truth.dim()))
        return ground_truth.pow(2).mean(dim=dims, keepdim=True).sqrt().clamp(min=floor)
    return ground_truth.pow(2).mean().sqrt().clamp(min=floor)


def _mel(x, sample_rate, n_mels, n_fft, hop_length):
    """torchaudio's ``MelSpectrogram(power=2, normalized=True)`` (as audiocraft), on inputs checked by the caller.

    Its top mel frequency is torchaudio's default ``float(sample_rate // 2)``: 5512 Hz, not 5512.5 Hz, at an odd
    rate such as 11025 Hz, so the bank (and every score) equals audiocraft's at any sample rate.
    """
    return _mel_spectrogram(
        x,
        sample_rate,
        n_fft,
        hop_length,
        n_fft,
        n_mels,
        0.0,
        float(sample_rate // 2),
        2.0,
        True,
        True,
        "reflect",
        None,
        "htk",
    )


def _db(amplitude: torch.Tensor, floor_db: float) -> torch.Tensor:
    """:func:`~audiolosses.spectral.scale_to_db` (the same operations) for tensors already checked finite."""
    return 20.0 * torch.log10(amplitude.abs().clamp_min(10.0 ** (floor_db / 20.0)))


def relative_db_map(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    sample_rate: int,
    n_mels: int = 80,
    n_fft: int = 512,
    hop_length: int = 128,
    min_relative_volume: float = -25.0,
    max_relative_volume: float = 25.0,
    max_initial_gain: float = 25.0,
    min_activity_volume: float = -25.0,
    per_item: bool = False,
) -> torch.Tensor:
    """The clamped relative level ``r`` of every mel bin, in dB (steps 1–3 of RVM, before averaging).

    Same arguments as :func:`relative_volume_mel`.

    Shape:
        input, target: ``[*, time]``; output: ``[*, n_mels, frames]``.

    Example::

        >>> x = torch.randn(2, 1, 24000)
        >>> relative_db_map(x + 0.1 * torch.randn_like(x), x, sample_rate=24000).shape
        torch.Size([2, 1, 80, 188])
    """
    _check_inputs(input, target, n_fft, n_mels, 1, min_relative_volume, max_relative_volume)
    _check_settings(sample_rate, hop_length, min_activity_volume)
    return _relative_db(
        input,
        target,
        sample_rate,
        n_mels,
        n_fft,
        hop_length,
        min_relative_volume,
        max_relative_volume,
        max_initial_gain,
        min_activity_volume,
        per_item,
    )


def _check_settings(sample_rate, hop_length, min_activity_volume) -> None:
    check_sample_rate(sample_rate)
    check_int(hop_length, "hop_length", minimum=1)
    if not math.isfinite(float(min_activity_volume)):
        raise ValueError(f"min_activity_volume must be a finite number of dB, got {min_activity_volume}")


def _relative_db(
    estimate,
    ground_truth,
    sample_rate,
    n_mels,
    n_fft,
    hop_length,
    min_relative_volume,
    max_relative_volume,
    max_initial_gain,
    min_activity_volume,
    per_item,
) -> torch.Tensor:
    """:func:`relative_db_map` on checked inputs (both signals were checked finite once, by the caller)."""
    gain = _gain(ground_truth, max_initial_gain, per_item)
    z_gt = _mel(ground_truth / gain, sample_rate, n_mels, n_fft, hop_length).sqrt()
    z_est = _mel(estimate / gain, sample_rate, n_mels, n_fft, hop_length).sqrt()
    ref_db = _db(z_gt, float(min_activity_volume))
    delta_db = _db((z_gt - z_est).abs(), DELTA_FLOOR_DB)
    return (delta_db - ref_db).clamp(min_relative_volume, max_relative_volume)


def _aggregate(relative_db: torch.Tensor, num_aggregated_bands: int, per_item: bool) -> dict[str, torch.Tensor]:
    """Mean over everything but the mel axis (and the batch axis when per item), then chunk the bands."""
    mel_axis = relative_db.dim() - 2
    keep = {mel_axis} | ({0} if per_item and relative_db.dim() > 2 else set())
    dims = [d for d in range(relative_db.dim()) if d not in keep]
    per_band = relative_db.mean(dim=dims) if dims else relative_db  # [n_mels] or [B, n_mels]
    chunks = per_band.chunk(num_aggregated_bands, dim=-1)
    metrics = {f"rvm_{index}": chunk.mean(dim=-1) for index, chunk in enumerate(chunks)}
    metrics["rvm"] = per_band.mean(dim=-1)
    return metrics


@float32_inside
def relative_volume_mel(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    sample_rate: int,
    n_mels: int = 80,
    n_fft: int = 512,
    hop_length: int = 128,
    min_relative_volume: float = -25.0,
    max_relative_volume: float = 25.0,
    max_initial_gain: float = 25.0,
    min_activity_volume: float = -25.0,
    num_aggregated_bands: int = 4,
    per_item: bool = False,
) -> dict[str, torch.Tensor]:
    """Relative Volume Mel, numerically the same as audiocraft's ``RelativeVolumeMel`` metric.

    Args:
        input: the estimate, ``[time]``, ``[batch, time]`` or ``[batch, channels, time]`` (any ``[*, time]``).
        target: the reference (audiocraft's ``ground_truth``), same shape and dtype as ``input``.
        sample_rate: sample rate (Hz) of the audio, for the mel scale (required; audiocraft's is 24000,
            see :meth:`RelativeVolumeMel.audiocraft`).
        n_mels: mel bands (default 80).
        n_fft: STFT size (default 512); signals must have at least ``n_fft`` samples.
        hop_length: STFT hop (default 128).
        min_relative_volume: lower clamp of the relative level, dB (default −25).
        max_relative_volume: upper clamp, dB (default +25).
        max_initial_gain: the gain normalisation never amplifies by more than this, dB (default 25), so a
            near-silent reference is not blown up.
        min_activity_volume: floor of the reference's level, dB (default −25): bins quieter than this
            count as equally "silent".
        num_aggregated_bands: how many frequency bands to report, low → high (default 4).
        per_item: ``False`` (default, faithful): one gain for the whole batch, and scores averaged over
            the batch. ``True``: each item (first axis) normalised by its own RMS and scored on its own,
            so the result no longer depends on its batch-mates; values have shape ``[batch]``.

    Shape:
        input, target: ``[*, time]``, at least ``n_fft`` samples; ``[batch, channels, time]`` as audiocraft.
        output: a dict of 0-dim tensors, or of ``[batch]`` tensors with ``per_item=True``.

    Batch coupling: with ``per_item=False`` (audiocraft's way) the gain is the RMS of the *whole batch*,
    so an item's score, and its gradient, depend on the other items. Under ``DistributedDataParallel``
    each process then normalises by the RMS of its own shard, and the averaged gradients differ from one
    process holding the whole batch. With ``per_item=True`` (and the mean of the ``[batch]`` scores) the
    scores are per item and sharding does not change them (``tests/test_distributed.py``).

    Returns:
        dict with ``"rvm"`` (mean over all bands) and ``"rvm_0"`` … ``"rvm_{k-1}"``: 0-dim tensors, or
        ``[batch]`` with ``per_item=True``. Lower is better; −25 is a perfect match at the defaults.

    Raises:
        TypeError: non-float inputs, or ``estimate`` and ``ground_truth`` of different dtypes.
        ValueError: mismatched shapes, NaN/Inf, fewer than ``n_fft`` samples, ``num_aggregated_bands`` >
            ``n_mels`` or not a valid chunking, ``min_relative_volume >= max_relative_volume``.

    Example::

        >>> x = torch.randn(2, 1, 24000)
        >>> scores = relative_volume_mel(x + 0.1 * torch.randn_like(x), x, sample_rate=24000)
        >>> sorted(scores)
        ['rvm', 'rvm_0', 'rvm_1', 'rvm_2', 'rvm_3']

    Paper: San Roman et al., "From Discrete Tokens to High-Fidelity Audio Using Multi-Band Diffusion", 2023.

    Notebook: book/02_relative_volume_mel.ipynb
    """
    _check_inputs(input, target, n_fft, n_mels, num_aggregated_bands, min_relative_volume, max_relative_volume)
    _check_settings(sample_rate, hop_length, min_activity_volume)
    relative_db = _relative_db(
        input,
        target,
        sample_rate,
        n_mels,
        n_fft,
        hop_length,
        min_relative_volume,
        max_relative_volume,
        max_initial_gain,
        min_activity_volume,
        per_item,
    )
    return _aggregate(relative_db, num_aggregated_bands, per_item)


#: audiocraft's ``RelativeVolumeMel`` defaults (its ``sample_rate`` included).
AUDIOCRAFT_SETTINGS = dict(
    sample_rate=24000,
    n_mels=80,
    n_fft=512,
    hop_length=128,
    min_relative_volume=-25.0,
    max_relative_volume=25.0,
    max_initial_gain=25.0,
    min_activity_volume=-25.0,
    num_aggregated_bands=4,
)


class RelativeVolumeMel(nn.Module):
    """Relative Volume Mel as a module, with audiocraft's constructor arguments and defaults.

    ``forward(input, target)`` (estimate first, as audiocraft) returns the dict of :func:`relative_volume_mel`.
    ``RelativeVolumeMel.audiocraft()`` is audiocraft's configuration, its 24 kHz sample rate included.

    Args:
        sample_rate: sample rate (Hz) of the audio, for the mel scale (required).
        n_mels: mel bands (default 80).
        n_fft: STFT size (default 512).
        hop_length: STFT hop (default 128).
        min_relative_volume: lower clamp of the per-bin relative level, dB (default −25).
        max_relative_volume: upper clamp, dB (default +25).
        max_initial_gain: largest gain the RMS normalisation may apply, dB (default 25).
        min_activity_volume: floor of the reference's level, dB (default −25).
        num_aggregated_bands: number of frequency bands reported (default 4).
        per_item: normalise and score each item of the batch on its own (default ``False``, faithful).
            ``False`` couples the items of a batch (one gain for all): see :func:`relative_volume_mel`.

    Like audiocraft's, it is a metric: use :class:`RelativeVolumeMelLoss` to train.

    Shape:
        input, target: ``[*, time]``; output: dict of 0-dim tensors (``[batch]`` with ``per_item=True``).

    Example::

        >>> metric = RelativeVolumeMel.audiocraft()
        >>> x = torch.randn(2, 1, 24000)
        >>> round(float(metric(x, x)["rvm"]), 1)
        -25.0

    Notebook: book/02_relative_volume_mel.ipynb
    """

    def __init__(
        self,
        *,
        sample_rate: int,
        n_mels: int = 80,
        n_fft: int = 512,
        hop_length: int = 128,
        min_relative_volume: float = -25.0,
        max_relative_volume: float = 25.0,
        max_initial_gain: float = 25.0,
        min_activity_volume: float = -25.0,
        num_aggregated_bands: int = 4,
        per_item: bool = False,
    ):
        super().__init__()
        check_sample_rate(sample_rate)
        self.settings = dict(
            sample_rate=sample_rate,
            n_mels=n_mels,
            n_fft=n_fft,
            hop_length=hop_length,
            min_relative_volume=min_relative_volume,
            max_relative_volume=max_relative_volume,
            max_initial_gain=max_initial_gain,
            min_activity_volume=min_activity_volume,
            num_aggregated_bands=num_aggregated_bands,
            per_item=per_item,
        )

    @classmethod
    def audiocraft(cls, **overrides) -> RelativeVolumeMel:
        """audiocraft's ``RelativeVolumeMel()`` (:data:`AUDIOCRAFT_SETTINGS`, 24 kHz); keywords override."""
        return cls(**{**AUDIOCRAFT_SETTINGS, **overrides})

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        return relative_volume_mel(input, target, **self.settings)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.settings.items())


# --------------------------------------------------------------------------------------------------
# A trainable variant
# --------------------------------------------------------------------------------------------------


def soft_clamp(x: torch.Tensor, low: float, high: float, softness: float = 1.0) -> torch.Tensor:
    """A smooth clamp to ``[low, high]``: two softplus hinges, ``softness`` dB wide.

    Equal to ``x`` well inside the range, approaches ``low``/``high`` outside it, and its gradient is
    never exactly zero (it decays like ``exp(−distance/softness)`` beyond the edges).
    """
    check_positive(softness, "softness")
    if not low < high:
        raise ValueError(f"low must be < high, got {low} and {high}")
    lifted = low + softness * F.softplus((x - low) / softness)
    return high - softness * F.softplus((high - lifted) / softness)


@float32_inside
def relative_volume_mel_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    sample_rate: int,
    n_mels: int = 80,
    n_fft: int = 512,
    hop_length: int = 128,
    min_relative_volume: float = -25.0,
    max_relative_volume: float = 25.0,
    max_initial_gain: float = 25.0,
    min_activity_volume: float = -25.0,
    eps: float = 1e-10,
    softness: float = 1.0,
    reduction: str = "mean",
) -> torch.Tensor:
    """A gradient-safe RVM for training: same meaning, smooth pieces, each item normalised on its own.

    Differences from :func:`relative_volume_mel`, each removing a failure measured in chapter 2:

    - ``z = sqrt(mel + eps)``: finite gradient where the estimate's mel power is exactly zero.
    - Soft floors: ``10·log10(δ² + floor²)`` instead of ``20·log10(max(|δ|, floor))`` (and the same for the
      reference), so there is no kink at ``δ = 0`` and no flat region below the floor.
    - :func:`soft_clamp` instead of ``clamp``: bins beyond ±25 dB still pass a (small) gradient.
    - The gain is computed per item, so an item's loss does not depend on its batch-mates.

    Args:
        input: the estimate, ``[batch, time]`` or ``[batch, channels, time]`` (``[time]`` is one item).
        target: the reference, same shape and dtype.
        sample_rate: sample rate (Hz) of the audio, for the mel scale (required; audiocraft's is 24000).
        n_mels: mel bands (default 80).
        n_fft: STFT size (default 512).
        hop_length: STFT hop (default 128).
        min_relative_volume: lower (soft) clamp, dB (default −25).
        max_relative_volume: upper (soft) clamp, dB (default +25).
        max_initial_gain: largest gain of the per-item RMS normalisation, dB (default 25).
        min_activity_volume: soft floor of the reference's level, dB (default −25).
        eps: added to the mel power before the square root (default 1e-10, i.e. −100 dB).
        softness: width of the soft clamp's knees, dB (default 1).
        reduction: ``"mean"`` (default) or ``"sum"`` over the batch, or ``"none"`` for ``[batch]``.

    Returns:
        torch.Tensor: the soft relative level in dB averaged over channels, bands and frames, then reduced
        over the batch (0-dim, or ``[batch]`` with ``reduction="none"``).

    Shape:
        input, target: ``[batch, channels, time]``, ``[batch, time]`` or ``[time]``, at least ``n_fft`` samples.
        output: 0-dim, or ``[batch]`` with ``reduction="none"`` (``[]`` for a ``[time]`` input).

    Each item is normalised by its own RMS, so the loss of an item does not depend on its batch-mates and
    ``DistributedDataParallel`` over shards of a batch gives the gradients of the whole batch.

    Under ``torch.autocast`` the loss runs in float32 (autocast off inside, half-precision inputs cast up: the
    mel matrix product and the logarithms need float32's digits) and returns float32; float64 stays float64.

    Raises:
        TypeError: non-float inputs or mismatched dtypes.
        ValueError: as :func:`relative_volume_mel`, plus ``eps <= 0`` or an unknown ``reduction``.

    Example::

        >>> x = torch.randn(2, 1, 24000)
        >>> loss = relative_volume_mel_loss(x + 0.1 * torch.randn_like(x), x, sample_rate=24000)
        >>> loss.shape
        torch.Size([])

    Notebook: book/02_relative_volume_mel.ipynb
    """
    _check_inputs(input, target, n_fft, n_mels, 1, min_relative_volume, max_relative_volume)
    _check_settings(sample_rate, hop_length, min_activity_volume)
    check_positive(eps, "eps")
    check_reduction(reduction)
    gain = _gain(target, max_initial_gain, per_item=True)
    z_gt = (_mel(target / gain, sample_rate, n_mels, n_fft, hop_length) + eps).sqrt()
    z_est = (_mel(input / gain, sample_rate, n_mels, n_fft, hop_length) + eps).sqrt()
    delta_floor = float(db_to_scale(DELTA_FLOOR_DB))
    ref_floor = float(db_to_scale(min_activity_volume))
    delta_db = 10.0 * torch.log10((z_gt - z_est).pow(2) + delta_floor**2)
    ref_db = 10.0 * torch.log10(z_gt.pow(2) + ref_floor**2)
    relative_db = soft_clamp(delta_db - ref_db, min_relative_volume, max_relative_volume, softness)
    per_item = relative_db.flatten(start_dim=1).mean(dim=1) if relative_db.dim() > 2 else relative_db.mean()
    return reduce_items(per_item, reduction)


class RelativeVolumeMelLoss(nn.Module):
    """:func:`relative_volume_mel_loss` as a module (a trainable, gradient-safe RVM).

    ``RelativeVolumeMelLoss.audiocraft()`` uses audiocraft's RVM settings at its 24 kHz sample rate.

    Args:
        sample_rate: sample rate (Hz) of the audio, for the mel scale (required).
        n_mels: mel bands (default 80).
        n_fft: STFT size (default 512).
        hop_length: STFT hop (default 128).
        min_relative_volume: lower (soft) clamp, dB (default −25).
        max_relative_volume: upper (soft) clamp, dB (default +25).
        max_initial_gain: largest gain of the per-item RMS normalisation, dB (default 25).
        min_activity_volume: soft floor of the reference's level, dB (default −25).
        eps: mel power added before the square root (default 1e-10).
        softness: width of the soft clamp's knees, dB (default 1).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` over the batch.

    Shape:
        input, target: ``[batch, channels, time]`` or ``[batch, time]``; output: 0-dim, or ``[batch]`` with
        ``reduction="none"``.

    Example::

        >>> loss = RelativeVolumeMelLoss(sample_rate=16000)
        >>> x = torch.randn(2, 1, 16000, requires_grad=True)
        >>> loss(x, torch.randn(2, 1, 16000)).backward()

    Notebook: book/02_relative_volume_mel.ipynb
    """

    def __init__(
        self,
        *,
        sample_rate: int,
        n_mels: int = 80,
        n_fft: int = 512,
        hop_length: int = 128,
        min_relative_volume: float = -25.0,
        max_relative_volume: float = 25.0,
        max_initial_gain: float = 25.0,
        min_activity_volume: float = -25.0,
        eps: float = 1e-10,
        softness: float = 1.0,
        reduction: str = "mean",
    ):
        super().__init__()
        check_sample_rate(sample_rate)
        check_reduction(reduction)
        self.settings = dict(
            sample_rate=sample_rate,
            n_mels=n_mels,
            n_fft=n_fft,
            hop_length=hop_length,
            min_relative_volume=min_relative_volume,
            max_relative_volume=max_relative_volume,
            max_initial_gain=max_initial_gain,
            min_activity_volume=min_activity_volume,
            eps=eps,
            softness=softness,
            reduction=reduction,
        )

    @classmethod
    def audiocraft(cls, **overrides) -> RelativeVolumeMelLoss:
        """The loss with audiocraft's RVM settings (24 kHz, 80 mels, n_fft 512, hop 128); keywords override."""
        settings = {k: v for k, v in AUDIOCRAFT_SETTINGS.items() if k != "num_aggregated_bands"}
        return cls(**{**settings, **overrides})

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return relative_volume_mel_loss(input, target, **self.settings)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.settings.items())
