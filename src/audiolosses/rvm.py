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

from ._validation import (
    check_choice,
    check_int,
    check_min_length,
    check_positive,
    check_same_shape,
    check_sample_rate,
    check_tensor,
)
from .audio import add_noise, low_pass
from .plot import FigureExplorer, plot_spectrogram
from .spectral import _mel_spectrogram, db_to_scale

__all__ = [
    "relative_volume_mel",
    "RelativeVolumeMel",
    "relative_volume_mel_loss",
    "RelativeVolumeMelLoss",
    "relative_db_map",
    "soft_clamp",
    "RelativeVolumeMelExplorer",
]

#: The floor of the error's level in dB, hard-coded in audiocraft.
DELTA_FLOOR_DB = -120.0


def _check_inputs(estimate, ground_truth, n_fft, n_mels, num_aggregated_bands, min_rel, max_rel):
    check_tensor(estimate, "estimate", min_ndim=1)
    check_tensor(ground_truth, "ground_truth", min_ndim=1)
    check_same_shape(estimate, ground_truth, "estimate", "ground_truth")
    if estimate.dtype != ground_truth.dtype:
        raise TypeError(f"estimate and ground_truth must have the same dtype, got {estimate.dtype} and "
                        f"{ground_truth.dtype}")
    check_int(n_fft, "n_fft", minimum=2)
    check_int(n_mels, "n_mels", minimum=1)
    check_min_length(ground_truth, n_fft, "ground_truth", f"one STFT frame of n_fft={n_fft}")
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
    return _mel_spectrogram(x, sample_rate, n_fft, hop_length, n_fft, n_mels, 0.0, float(sample_rate // 2), 2.0,
                            True, True,
                            "reflect", None, "htk")


def _db(amplitude: torch.Tensor, floor_db: float) -> torch.Tensor:
    """:func:`~audiolosses.spectral.scale_to_db` (the same operations) for tensors already checked finite."""
    return 20.0 * torch.log10(amplitude.abs().clamp_min(10.0 ** (floor_db / 20.0)))


def relative_db_map(
    estimate: torch.Tensor,
    ground_truth: torch.Tensor,
    *,
    sample_rate: int = 24000,
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

    Same arguments as :func:`relative_volume_mel`. Returns ``[*, n_mels, frames]`` for inputs ``[*, time]``.
    """
    _check_inputs(estimate, ground_truth, n_fft, n_mels, 1, min_relative_volume, max_relative_volume)
    _check_settings(sample_rate, hop_length, min_activity_volume)
    return _relative_db(estimate, ground_truth, sample_rate, n_mels, n_fft, hop_length, min_relative_volume,
                        max_relative_volume, max_initial_gain, min_activity_volume, per_item)


def _check_settings(sample_rate, hop_length, min_activity_volume) -> None:
    check_sample_rate(sample_rate)
    check_int(hop_length, "hop_length", minimum=1)
    if not math.isfinite(float(min_activity_volume)):
        raise ValueError(f"min_activity_volume must be a finite number of dB, got {min_activity_volume}")


def _relative_db(estimate, ground_truth, sample_rate, n_mels, n_fft, hop_length, min_relative_volume,
                 max_relative_volume, max_initial_gain, min_activity_volume, per_item) -> torch.Tensor:
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


def relative_volume_mel(
    estimate: torch.Tensor,
    ground_truth: torch.Tensor,
    *,
    sample_rate: int = 24000,
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
        estimate: ``[time]``, ``[batch, time]`` or ``[batch, channels, time]`` (any ``[*, time]``).
        ground_truth: the reference, same shape and dtype as ``estimate``.
        sample_rate: sample rate (Hz) for the mel scale (default 24000).
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

    Returns:
        dict with ``"rvm"`` (mean over all bands) and ``"rvm_0"`` … ``"rvm_{k-1}"``: 0-dim tensors, or
        ``[batch]`` with ``per_item=True``. Lower is better; −25 is a perfect match at the defaults.

    Raises:
        TypeError: non-float inputs, or ``estimate`` and ``ground_truth`` of different dtypes.
        ValueError: mismatched shapes, NaN/Inf, fewer than ``n_fft`` samples, ``num_aggregated_bands`` >
            ``n_mels`` or not a valid chunking, ``min_relative_volume >= max_relative_volume``.
    """
    _check_inputs(estimate, ground_truth, n_fft, n_mels, num_aggregated_bands, min_relative_volume,
                  max_relative_volume)
    _check_settings(sample_rate, hop_length, min_activity_volume)
    relative_db = _relative_db(estimate, ground_truth, sample_rate, n_mels, n_fft, hop_length, min_relative_volume,
                               max_relative_volume, max_initial_gain, min_activity_volume, per_item)
    return _aggregate(relative_db, num_aggregated_bands, per_item)


class RelativeVolumeMel(nn.Module):
    """Relative Volume Mel as a module, with audiocraft's constructor arguments and defaults.

    ``forward(estimate, ground_truth)`` returns the dict of :func:`relative_volume_mel`.

    Args:
        sample_rate: sample rate (Hz) for the mel scale (default 24000).
        n_mels: mel bands (default 80).
        n_fft: STFT size (default 512).
        hop_length: STFT hop (default 128).
        min_relative_volume: lower clamp of the per-bin relative level, dB (default −25).
        max_relative_volume: upper clamp, dB (default +25).
        max_initial_gain: largest gain the RMS normalisation may apply, dB (default 25).
        min_activity_volume: floor of the reference's level, dB (default −25).
        num_aggregated_bands: number of frequency bands reported (default 4).
        per_item: normalise and score each item of the batch on its own (default ``False``, faithful).

    Like audiocraft's, it is a metric: use :class:`RelativeVolumeMelLoss` to train.
    """

    def __init__(self, sample_rate: int = 24000, n_mels: int = 80, n_fft: int = 512, hop_length: int = 128,
                 min_relative_volume: float = -25.0, max_relative_volume: float = 25.0,
                 max_initial_gain: float = 25.0, min_activity_volume: float = -25.0,
                 num_aggregated_bands: int = 4, per_item: bool = False):
        super().__init__()
        check_sample_rate(sample_rate)
        self.settings = dict(
            sample_rate=sample_rate, n_mels=n_mels, n_fft=n_fft, hop_length=hop_length,
            min_relative_volume=min_relative_volume, max_relative_volume=max_relative_volume,
            max_initial_gain=max_initial_gain, min_activity_volume=min_activity_volume,
            num_aggregated_bands=num_aggregated_bands, per_item=per_item,
        )

    def forward(self, estimate: torch.Tensor, ground_truth: torch.Tensor) -> dict[str, torch.Tensor]:
        return relative_volume_mel(estimate, ground_truth, **self.settings)

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


def relative_volume_mel_loss(
    estimate: torch.Tensor,
    ground_truth: torch.Tensor,
    *,
    sample_rate: int = 24000,
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
        estimate: ``[batch, time]`` or ``[batch, channels, time]`` (``[time]`` is one item).
        ground_truth: the reference, same shape and dtype.
        sample_rate: sample rate (Hz) for the mel scale (default 24000).
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

    Raises:
        TypeError: non-float inputs or mismatched dtypes.
        ValueError: as :func:`relative_volume_mel`, plus ``eps <= 0`` or an unknown ``reduction``.
    """
    _check_inputs(estimate, ground_truth, n_fft, n_mels, 1, min_relative_volume, max_relative_volume)
    _check_settings(sample_rate, hop_length, min_activity_volume)
    check_positive(eps, "eps")
    check_choice(reduction, "reduction", ("mean", "sum", "none"))
    gain = _gain(ground_truth, max_initial_gain, per_item=True)
    z_gt = (_mel(ground_truth / gain, sample_rate, n_mels, n_fft, hop_length) + eps).sqrt()
    z_est = (_mel(estimate / gain, sample_rate, n_mels, n_fft, hop_length) + eps).sqrt()
    delta_floor = float(db_to_scale(DELTA_FLOOR_DB))
    ref_floor = float(db_to_scale(min_activity_volume))
    delta_db = 10.0 * torch.log10((z_gt - z_est).pow(2) + delta_floor**2)
    ref_db = 10.0 * torch.log10(z_gt.pow(2) + ref_floor**2)
    relative_db = soft_clamp(delta_db - ref_db, min_relative_volume, max_relative_volume, softness)
    per_item = relative_db.flatten(start_dim=1).mean(dim=1) if relative_db.dim() > 2 else relative_db.mean()
    if reduction == "none":
        return per_item
    return per_item.sum() if reduction == "sum" else per_item.mean()


class RelativeVolumeMelLoss(nn.Module):
    """:func:`relative_volume_mel_loss` as a module (a trainable, gradient-safe RVM).

    Args:
        sample_rate: sample rate (Hz) for the mel scale (default 24000).
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
    """

    def __init__(self, sample_rate: int = 24000, n_mels: int = 80, n_fft: int = 512, hop_length: int = 128,
                 min_relative_volume: float = -25.0, max_relative_volume: float = 25.0,
                 max_initial_gain: float = 25.0, min_activity_volume: float = -25.0, eps: float = 1e-10,
                 softness: float = 1.0, reduction: str = "mean"):
        super().__init__()
        check_sample_rate(sample_rate)
        check_choice(reduction, "reduction", ("mean", "sum", "none"))
        self.settings = dict(
            sample_rate=sample_rate, n_mels=n_mels, n_fft=n_fft, hop_length=hop_length,
            min_relative_volume=min_relative_volume, max_relative_volume=max_relative_volume,
            max_initial_gain=max_initial_gain, min_activity_volume=min_activity_volume, eps=eps,
            softness=softness, reduction=reduction,
        )

    def forward(self, estimate: torch.Tensor, ground_truth: torch.Tensor) -> torch.Tensor:
        return relative_volume_mel_loss(estimate, ground_truth, **self.settings)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.settings.items())


# --------------------------------------------------------------------------------------------------
# An interactive figure for the chapter
# --------------------------------------------------------------------------------------------------


class RelativeVolumeMelExplorer(FigureExplorer):
    """Distort a reference (white noise at an SNR, then an ideal low-pass) and see what RVM reports.

    Left: the four band scores and the overall RVM; right: the clamped relative level of every mel bin.
    Live in Jupyter and on Colab; the static website shows the default settings.

    Args:
        reference: the clean signal, ``[time]`` or ``[channels, time]`` at ``sample_rate``.
        sample_rate: its sample rate (default 24000, RVM's).
        snr_db: initial SNR of the added white noise, dB (slider −10 … 50).
        cutoff_hz: initial low-pass cut-off (``None``: no filter; choices 500 … 8000 Hz).
        clamp_db: initial clamp range: relative levels are clamped to ``[−clamp_db, +clamp_db]`` (5 … 40).
        seed: seed of the noise, so a setting always shows the same figure.
    """

    CUTOFFS = (None, 500, 1000, 2000, 4000, 8000)

    def __init__(self, reference: torch.Tensor, sample_rate: int = 24000, *, snr_db: float = 20.0,
                 cutoff_hz: int | None = None, clamp_db: float = 25.0, seed: int = 0):
        import ipywidgets as widgets

        check_tensor(reference, "reference", ndim=(1, 2))
        check_sample_rate(sample_rate)
        check_choice(cutoff_hz, "cutoff_hz", self.CUTOFFS)
        check_min_length(reference, 512, "reference", "one STFT frame of n_fft=512")
        self.reference = reference if reference.dim() == 2 else reference[None]
        self.sample_rate = sample_rate
        self.seed = seed
        cutoffs = [("none", None)] + [(f"{c} Hz", c) for c in self.CUTOFFS[1:] if c < sample_rate / 2]
        super().__init__({
            "snr_db": widgets.FloatSlider(value=snr_db, min=-10, max=50, step=5, description="SNR (dB)",
                                          continuous_update=False),
            "cutoff_hz": widgets.Dropdown(options=cutoffs, value=cutoff_hz, description="low-pass"),
            "clamp_db": widgets.FloatSlider(value=clamp_db, min=5, max=40, step=5, description="clamp (dB)",
                                            continuous_update=False),
        })

    def estimate(self) -> torch.Tensor:
        """The distorted reference for the current settings (noise first, then the low-pass)."""
        generator = torch.Generator().manual_seed(self.seed)
        distorted = add_noise(self.reference, float(self.values["snr_db"]), generator=generator)
        cutoff = self.values["cutoff_hz"]
        return distorted if cutoff is None else low_pass(distorted, float(cutoff), self.sample_rate)

    def figure(self):
        """Band scores and the relative-dB image for the current settings."""
        import matplotlib.pyplot as plt

        clamp = float(self.values["clamp_db"])
        settings = dict(sample_rate=self.sample_rate, min_relative_volume=-clamp, max_relative_volume=clamp)
        estimate = self.estimate()
        scores = relative_volume_mel(estimate, self.reference, **settings)
        relative = relative_db_map(estimate, self.reference, **settings).mean(dim=0)
        fig, (bars, image) = plt.subplots(1, 2, figsize=(10.0, 3.4), gridspec_kw={"width_ratios": [1, 2.2]})
        band_scores = [float(scores[f"rvm_{k}"]) for k in range(4)]
        bars.bar(range(4), [s + clamp for s in band_scores], bottom=-clamp, color="tab:blue")
        bars.axhline(float(scores["rvm"]), color="tab:red", label=f"rvm = {float(scores['rvm']):.1f} dB")
        bars.set_xticks(range(4), ["rvm_0", "rvm_1", "rvm_2", "rvm_3"])
        bars.set_ylim(-clamp, clamp)
        bars.set_ylabel("relative level (dB)")
        bars.legend(loc="upper left")
        plot_spectrogram(relative, self.sample_rate, 128, ax=image, kind="db", y_axis="mel",
                         value_range=(-clamp, clamp), cmap="RdBu_r", title="relative level per mel bin")
        fig.tight_layout()
        return fig
