"""The multi-resolution STFT loss of Parallel WaveGAN, and auraloss's options around it.

Per resolution (an FFT size, a hop and a window length), with ``|X|`` and ``|Y|`` the STFT magnitudes of the
prediction and of the target:

- **spectral convergence** ``‖ |Y| − |X| ‖_F / ‖ |Y| ‖_F``: the error's energy relative to the target's,
  dominated by the loudest bins;
- **log STFT magnitude** ``mean | log|Y| − log|X| |``: the error in every bin on a log (decibel-like)
  scale, so quiet bins count as much as loud ones.

The loss is their (weighted) sum, averaged over several resolutions: Parallel WaveGAN
{Yamamoto et al. 2020} uses FFT sizes 1024/2048/512, hops 120/240/50 and Hann windows of 600/1200/240 samples. auraloss
{Steinmetz & Reiss 2020} implements the same loss (``auraloss.freq.MultiResolutionSTFTLoss``) and adds
options, all available here: a linear-magnitude term, a (naive) phase term, an L2 distance, other windows,
a mel-scaled magnitude, an A-weighting pre-filter and a scale-invariant target.

Choices and differences, stated once:

- **The magnitude guard.** ``|X| = sqrt(max(re² + im², eps))``: the clamp keeps ``log`` and the gradient of
  ``sqrt`` finite in silence. Parallel WaveGAN's code uses ``eps = 1e-7``, auraloss ``1e-8`` (so the log
  floor is −8.06 or −9.21). The default here is Parallel WaveGAN's.
- **One value per item.** Both upstream codes take *one* Frobenius norm over the whole batch, so an item's
  spectral convergence depends on its batch-mates. Here, by default (``per_item=True``), each batch item
  gets its own ratio ``‖ |Y_b| − |X_b| ‖_F / ‖ |Y_b| ‖_F`` (the norms run over the item's channels, bins
  and frames), and ``reduction="mean"`` averages the items. ``per_item=False`` reproduces the upstream
  batch-wide ratio exactly: every item's value then contains the same batch-wide spectral convergence.
  The log and linear terms are means, so both conventions give the same batch mean for them. The batch-wide
  ratio couples the items: under ``DistributedDataParallel`` each process takes the norm of its own shard, and
  the averaged gradients differ from one process on the whole batch; per item they agree
  (``tests/test_distributed.py``).
- **torch.autocast.** The loss runs in float32 (autocast off inside, half-precision inputs cast up).
- **Speed.** All resolutions run in one pass whose backward is written out (the gradient of each term
  with respect to the STFT, then the adjoint of the STFT: an inverse real FFT and an overlap-add), computed
  together with the loss when a gradient is needed. Only a waveform-sized gradient is kept for ``backward``
  instead of every intermediate spectrogram. It is differentiable once (no gradient of the gradient).

Notebook: book/08_multi_resolution_stft.ipynb
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ._precision import float32_inside
from ._reduction import check_reduction, reduce_items
from ._validation import (
    check_choice,
    check_int,
    check_min_length,
    check_positive,
    check_same_shape,
    check_sample_rate,
    check_tensor,
)
from .spectral import hz_to_mel, mel_to_hz

__all__ = [
    "PARALLEL_WAVEGAN_RESOLUTIONS",
    "WINDOWS",
    "loss_magnitude",
    "spectral_convergence",
    "log_stft_magnitude_loss",
    "stft_loss",
    "STFTLoss",
    "multi_resolution_stft_loss",
    "MultiResolutionSTFTLoss",
    "stft_loss_terms",
    "slaney_mel_bank",
    "a_weighting_fir",
]

#: Parallel WaveGAN's three resolutions, each ``(fft_size, hop_size, win_length)``.
PARALLEL_WAVEGAN_RESOLUTIONS = ((1024, 120, 600), (2048, 240, 1200), (512, 50, 240))

#: The windows auraloss accepts (torch's window functions, periodic, torch's default parameters).
WINDOWS = ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window")

DISTANCES = ("L1", "L2")
SCALES = (None, "mel")

#: Taps of the A-weighting FIR pre-filter (auraloss's ``FIRFilter(filter_type="aw")``).
A_WEIGHTING_TAPS = 101


# --------------------------------------------------------------------------------------------------
# Building blocks, written with plain torch operations (the notebook derives these)
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _window(name: str, length: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``getattr(torch, name)(length)`` (periodic, torch's defaults), built once per setting."""
    return getattr(torch, name)(length, dtype=dtype, device=device)


def loss_magnitude(
    waveform: torch.Tensor,
    fft_size: int = 1024,
    hop_size: int = 120,
    win_length: int = 600,
    *,
    window: str = "hann_window",
    eps: float = 1e-7,
) -> torch.Tensor:
    """The guarded STFT magnitude both upstream losses use: ``sqrt(max(re² + im², eps))``.

    The STFT is ``torch.stft`` with a periodic window of ``win_length`` samples centred in each
    ``fft_size`` frame, ``center=True`` and reflect padding (torch's defaults, as both upstream codes).

    Args:
        waveform: ``[..., time]`` floating tensor, at least ``fft_size // 2 + 1`` samples.
        fft_size: FFT size (default 1024); gives ``fft_size // 2 + 1`` bins.
        hop_size: samples between frames (default 120).
        win_length: window length, at most ``fft_size`` (default 600).
        window: one of :data:`WINDOWS` (default ``"hann_window"``).
        eps: floor of the squared magnitude (default 1e-7, Parallel WaveGAN's; auraloss uses 1e-8).

    Returns:
        ``[..., fft_size // 2 + 1, frames]`` magnitudes, at least ``sqrt(eps)``.
    """
    check_tensor(waveform, "waveform", min_ndim=1)
    _check_resolution(fft_size, hop_size, win_length)
    check_choice(window, "window", WINDOWS)
    check_positive(eps, "eps")
    check_min_length(waveform, fft_size // 2 + 1, "waveform", f"reflect padding of fft_size={fft_size}")
    shape = waveform.shape
    spec = torch.stft(
        waveform.reshape(-1, shape[-1]),
        fft_size,
        hop_size,
        win_length,
        _window(window, win_length, waveform.dtype, waveform.device),
        center=True,
        pad_mode="reflect",
        return_complex=True,
    )
    magnitude = torch.sqrt(torch.clamp(spec.real**2 + spec.imag**2, min=eps))
    return magnitude.reshape(shape[:-1] + magnitude.shape[-2:])


def _check_magnitudes(input_mag, target_mag):
    check_tensor(input_mag, "input_mag", min_ndim=2)
    check_tensor(target_mag, "target_mag", min_ndim=2)
    check_same_shape(input_mag, target_mag, "input_mag", "target_mag")


def spectral_convergence(
    input_mag: torch.Tensor, target_mag: torch.Tensor, *, per_item: bool = True, reduction: str = "mean"
) -> torch.Tensor:
    """Spectral convergence ``‖ |Y| − |X| ‖_F / ‖ |Y| ‖_F`` of two magnitude spectrograms.

    Args:
        input_mag: predicted magnitudes ``[batch, ..., freq, frames]`` (a 2-D ``[freq, frames]`` is one item).
        target_mag: target magnitudes, same shape; must not be all zero for an item.
        per_item: ``True`` (default): one ratio per batch item, norms over all its other axes.
            ``False``: one ratio over the whole batch (both upstream codes), repeated for every item.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` (``[batch]``).

    Returns:
        0-dim tensor, or ``[batch]`` with ``reduction="none"``.
    """
    _check_magnitudes(input_mag, target_mag)
    check_reduction(reduction)
    if input_mag.dim() == 2:
        input_mag, target_mag = input_mag[None], target_mag[None]
    dims = tuple(range(1, input_mag.dim()))
    if per_item:
        ratio = torch.linalg.vector_norm(target_mag - input_mag, dim=dims) / torch.linalg.vector_norm(
            target_mag, dim=dims
        )
    else:
        ratio = (torch.linalg.vector_norm(target_mag - input_mag) / torch.linalg.vector_norm(target_mag)).expand(
            input_mag.shape[0]
        )
    return reduce_items(ratio, reduction)


def log_stft_magnitude_loss(
    input_mag: torch.Tensor, target_mag: torch.Tensor, *, distance: str = "L1", reduction: str = "mean"
) -> torch.Tensor:
    """The log STFT magnitude loss ``mean | log|Y| − log|X| |`` (``distance="L2"``: the mean square).

    Args:
        input_mag: predicted magnitudes ``[batch, ..., freq, frames]``, positive (use :func:`loss_magnitude`).
        target_mag: target magnitudes, same shape, positive.
        distance: ``"L1"`` (default) or ``"L2"``.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` (``[batch]``, each item's mean).

    Returns:
        0-dim tensor, or ``[batch]`` with ``reduction="none"``.
    """
    _check_magnitudes(input_mag, target_mag)
    check_choice(distance, "distance", DISTANCES)
    check_reduction(reduction)
    if bool((input_mag <= 0).any()) or bool((target_mag <= 0).any()):
        raise ValueError(
            "input_mag and target_mag must be positive (their logarithm is taken); guard them "
            "with a floor, as loss_magnitude does"
        )
    if input_mag.dim() == 2:
        input_mag, target_mag = input_mag[None], target_mag[None]
    difference = torch.log(target_mag) - torch.log(input_mag)
    per_element = difference.abs() if distance == "L1" else difference.square()
    return reduce_items(per_element.flatten(1).mean(dim=1), reduction)


# --------------------------------------------------------------------------------------------------
# Filter banks and the A-weighting pre-filter
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _slaney_mel_bank(sample_rate: int, fft_size: int, n_mels: int) -> torch.Tensor:
    freqs = torch.arange(fft_size // 2 + 1, dtype=torch.float64) * (sample_rate / fft_size)
    mel_points = torch.linspace(
        float(hz_to_mel(0.0, "slaney")), float(hz_to_mel(sample_rate / 2, "slaney")), n_mels + 2, dtype=torch.float64
    )
    edges = mel_to_hz(mel_points, "slaney")
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - left) / (centre - left)
    falling = (right - freqs) / (right - centre)
    bank = torch.minimum(rising, falling).clamp_min(0.0) * (2.0 / (right - left))
    empty = (bank.sum(dim=1) == 0).nonzero().flatten().tolist()
    if empty:
        raise ValueError(
            f"n_bins={n_mels} is too many mel bands for fft_size={fft_size} at sample_rate={sample_rate}: "
            f"band(s) {empty[:5]} cover no FFT bin, so their magnitude would be 0 and its log -inf; use fewer "
            f"bands or a larger fft_size"
        )
    return bank


def slaney_mel_bank(
    sample_rate: int, fft_size: int, n_mels: int, *, dtype: torch.dtype = torch.float64, device=None
) -> torch.Tensor:
    """librosa's default mel filter bank (Slaney's mel scale, unit-area triangles), built from the formulas.

    This is the bank auraloss's ``scale="mel"`` uses (``librosa.filters.mel(sr=sample_rate,
    n_fft=fft_size, n_mels=n_mels)``): ``n_mels + 2`` points evenly spaced in Slaney mels from 0 Hz to
    ``sample_rate / 2``, triangles over the FFT bin frequencies ``k · sample_rate / fft_size``, each scaled
    by ``2 / (f_right − f_left)``. Computed in float64 (librosa too, before returning float32).

    Args:
        sample_rate: sample rate (Hz).
        fft_size: FFT size; the bank has ``fft_size // 2 + 1`` columns.
        n_mels: number of bands (rows).
        dtype: dtype of the result (default float64).
        device: device of the result.

    Returns:
        ``[n_mels, fft_size // 2 + 1]``: apply it as ``bank @ magnitude``.

    Raises:
        ValueError: if a band covers no FFT bin (too many bands for the FFT size).
    """
    check_sample_rate(sample_rate)
    check_int(fft_size, "fft_size", minimum=2)
    check_int(n_mels, "n_mels", minimum=1)
    return _slaney_mel_bank(sample_rate, fft_size, n_mels).to(device=device, dtype=dtype)


def _a_weighting_magnitude(frequency: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """|H(f)| of the analog A-weighting filter (IEC 61672 poles) after the bilinear transform at ``sample_rate``."""
    f1, f2, f3, f4, gain_1k_db = 20.598997, 107.65265, 737.86223, 12194.217, 1.9997
    # the bilinear transform s = 2·fs·(z − 1)/(z + 1) maps the digital frequency f to Ω = 2·fs·tan(π f / fs)
    omega = 2.0 * sample_rate * torch.tan(math.pi * frequency / sample_rate)
    w1, w2, w3, w4 = (2.0 * math.pi * f for f in (f1, f2, f3, f4))
    o2 = omega**2
    numerator = w4**2 * 10.0 ** (gain_1k_db / 20.0) * o2**2
    denominator = (o2 + w4**2) * (o2 + w1**2) * torch.sqrt((o2 + w3**2) * (o2 + w2**2))
    return numerator / denominator


@functools.lru_cache(maxsize=16)
def _a_weighting_fir(sample_rate: int, n_taps: int) -> torch.Tensor:
    # The target: |H| on 512 frequencies 0, fs/1024, ..., as auraloss samples it, read as 256 bands
    # (f_0, f_1), (f_2, f_3), ... with a linear target inside each band and no constraint in the gaps.
    grid = torch.arange(512, dtype=torch.float64) * (sample_rate / 2 / 512)
    desired = _a_weighting_magnitude(grid, sample_rate).view(-1, 2)
    bands = (grid / (sample_rate / 2)).view(-1, 2)  # 1 = Nyquist
    # A symmetric FIR of 2M + 1 taps has the real response A(f) = Σ_k a_k cos(π k f), k = 0..M. Least squares
    # over the bands: Q a = b with Q_kn = ∫ cos(πkf) cos(πnf) df and b_k = ∫ D(f) cos(πkf) df.
    half = (n_taps - 1) // 2
    k = torch.arange(2 * half + 1, dtype=torch.float64)[:, None, None]

    def integral_of_cos(m):  # ∫ cos(π m f) df over each band, summed: [f · sinc(m f)] from f_lo to f_hi
        antiderivative = bands * torch.sinc(bands * m)
        return (antiderivative[..., 1] - antiderivative[..., 0]).sum(-1)

    q = integral_of_cos(k)  # q(m) for m = 0 .. 2M
    index = torch.arange(half + 1)
    q_matrix = 0.5 * (q[(index[:, None] - index[None, :]).abs()] + q[index[:, None] + index[None, :]])
    slope = (desired[:, 1] - desired[:, 0]) / (bands[:, 1] - bands[:, 0])
    intercept = desired[:, 0] - slope * bands[:, 0]
    n = k[: half + 1]
    # ∫ (slope·f + intercept) cos(π n f) df = (slope·f + intercept)·f·sinc(n f) + slope·cos(π n f)/(π n)²  (n > 0)
    #                                       = slope·f²/2 + intercept·f                                   (n = 0)
    antiderivative = (slope[:, None] * bands + intercept[:, None]) * bands * torch.sinc(bands * n)
    correction = torch.where(
        n == 0,
        -slope[:, None] * bands**2 / 2,
        slope[:, None] * torch.cos(math.pi * n * bands) / (math.pi * n.clamp_min(1)) ** 2,
    )
    b = antiderivative + correction
    b = (b[..., 1] - b[..., 0]).sum(-1)
    a = torch.linalg.solve(q_matrix, b)
    return torch.cat([a[1:].flip(0) / 2, a[:1], a[1:] / 2])


def a_weighting_fir(
    sample_rate: int, *, n_taps: int = A_WEIGHTING_TAPS, dtype: torch.dtype = torch.float64, device=None
) -> torch.Tensor:
    """A linear-phase FIR that follows the A-weighting curve: auraloss's ``FIRFilter(filter_type="aw")``.

    The analog A-weighting filter (IEC 61672: poles at 20.6 Hz twice, 107.7 Hz, 737.9 Hz and 12194 Hz
    twice, +2.0 dB so that 1 kHz is at 0 dB) is taken to ``sample_rate`` with the bilinear transform; its
    magnitude on 512 frequencies from 0 to just below Nyquist is then fitted, in the least-squares sense, by
    a symmetric FIR of ``n_taps`` taps (what ``scipy.signal.firls`` computes; written out here).

    Args:
        sample_rate: sample rate (Hz).
        n_taps: number of taps, odd (default 101, auraloss's).
        dtype: dtype of the result (default float64; auraloss stores float32 taps).
        device: device of the result.

    Returns:
        ``[n_taps]`` taps (symmetric), to apply with ``F.conv1d(x, taps.view(1, 1, -1), padding=n_taps // 2)``.
    """
    check_sample_rate(sample_rate)
    check_int(n_taps, "n_taps", minimum=3)
    if n_taps % 2 == 0:
        raise ValueError(f"n_taps must be odd (a symmetric filter with a centre tap), got {n_taps}")
    return _a_weighting_fir(sample_rate, n_taps).to(device=device, dtype=dtype)


# --------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settings:
    resolutions: tuple  # ((fft_size, hop_size, win_length), ...)
    window: str
    w_sc: float
    w_log_mag: float
    w_lin_mag: float
    w_phs: float
    mag_distance: str
    eps: float
    scale: str | None
    n_bins: int | None
    sample_rate: int | None
    perceptual_weighting: bool
    scale_invariance: bool
    per_item: bool


def _check_resolution(fft_size, hop_size, win_length, suffix=""):
    check_int(fft_size, "fft_size" + suffix, minimum=2)
    check_int(hop_size, "hop_size" + suffix, minimum=1)
    check_int(win_length, "win_length" + suffix, minimum=1)
    if win_length > fft_size:
        raise ValueError(f"win_length{suffix} must be <= fft_size{suffix}={fft_size}, got {win_length}")


def _as_int_list(values, name):
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty list of ints, got {values!r}")
    return tuple(values)


def _settings(
    fft_sizes,
    hop_sizes,
    win_lengths,
    *,
    window,
    w_sc,
    w_log_mag,
    w_lin_mag,
    w_phs,
    mag_distance,
    eps,
    scale,
    n_bins,
    sample_rate,
    perceptual_weighting,
    scale_invariance,
    per_item,
) -> _Settings:
    fft_sizes = _as_int_list(fft_sizes, "fft_sizes")
    hop_sizes = _as_int_list(hop_sizes, "hop_sizes")
    win_lengths = _as_int_list(win_lengths, "win_lengths")
    if not len(fft_sizes) == len(hop_sizes) == len(win_lengths):
        raise ValueError(
            f"fft_sizes, hop_sizes and win_lengths must have the same length, got {len(fft_sizes)}, "
            f"{len(hop_sizes)} and {len(win_lengths)}"
        )
    for i, (fft_size, hop_size, win_length) in enumerate(zip(fft_sizes, hop_sizes, win_lengths)):
        _check_resolution(fft_size, hop_size, win_length, f"[{i}]" if len(fft_sizes) > 1 else "")
    check_choice(window, "window", WINDOWS)
    weights = {"w_sc": w_sc, "w_log_mag": w_log_mag, "w_lin_mag": w_lin_mag, "w_phs": w_phs}
    for name, value in weights.items():
        check_positive(value, name, allow_zero=True)
    if not any(float(v) > 0 for v in weights.values()):
        raise ValueError("at least one of w_sc, w_log_mag, w_lin_mag, w_phs must be > 0 (all terms are off)")
    check_choice(mag_distance, "mag_distance", DISTANCES)
    check_positive(eps, "eps")
    check_choice(scale, "scale", SCALES)
    for name, value in (
        ("perceptual_weighting", perceptual_weighting),
        ("scale_invariance", scale_invariance),
        ("per_item", per_item),
    ):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {value!r}")
    if scale == "mel":
        if n_bins is None:
            raise ValueError("scale='mel' needs n_bins, the number of mel bands")
        check_int(n_bins, "n_bins", minimum=1)
        if sample_rate is None:
            raise ValueError("scale='mel' needs sample_rate: the mel scale depends on it")
        check_sample_rate(sample_rate)
        for fft_size in fft_sizes:
            slaney_mel_bank(sample_rate, fft_size, n_bins)  # raises if a band is empty
    elif n_bins is not None:
        raise ValueError("n_bins is only used with scale='mel'")
    if perceptual_weighting:
        if sample_rate is None:
            raise ValueError("perceptual_weighting=True needs sample_rate: the A-weighting filter depends on it")
        check_sample_rate(sample_rate)
    if sample_rate is not None and scale is None and not perceptual_weighting:
        check_sample_rate(sample_rate)  # accepted (for a uniform call site) but nothing depends on it
    return _Settings(
        tuple(zip(fft_sizes, hop_sizes, win_lengths)),
        window,
        float(w_sc),
        float(w_log_mag),
        float(w_lin_mag),
        float(w_phs),
        mag_distance,
        float(eps),
        scale,
        n_bins,
        sample_rate,
        perceptual_weighting,
        scale_invariance,
        per_item,
    )


def _check_inputs(input, target, settings: _Settings):
    check_tensor(input, "input", ndim=(1, 2, 3))
    check_tensor(target, "target", ndim=(1, 2, 3))
    check_same_shape(input, target, "input", "target")
    if input.dtype != target.dtype:
        raise TypeError(f"input and target must have the same dtype, got {input.dtype} and {target.dtype}")
    if input.device != target.device:
        raise ValueError(f"input and target must be on the same device, got {input.device} and {target.device}")
    longest = max(fft_size for fft_size, _, _ in settings.resolutions)
    check_min_length(input, longest // 2 + 1, "input", f"reflect padding of the largest fft_size={longest}")


# --------------------------------------------------------------------------------------------------
# The fused computation: every resolution, the loss and (when needed) its gradient, in one pass
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _extended_window(name: str, length: int, extended: int, dtype: torch.dtype, device: torch.device):
    window = torch.zeros(extended, dtype=dtype, device=device)
    window[:length] = _window(name, length, dtype, device)
    return window


def _stft_adjoint(
    grad_spec: torch.Tensor, fft_size: int, hop_size: int, win_length: int, window_name: str, length: int
) -> torch.Tensor:
    """The gradient with respect to the waveform ``[rows, length]`` of ``Re Σ conj(G)·STFT(x)``.

    ``grad_spec`` (``G``, complex ``[rows, frames, bins]``) is the gradient with respect to
    ``torch.stft(x, ..., center=True, pad_mode="reflect").transpose(1, 2)``, with the bins that appear twice
    in the full spectrum (all but DC and Nyquist) already halved. Each frame's gradient is
    ``Re Σ_k G_k e^{2πikn/N}``, an inverse real FFT; times the window; overlap-added at the frame positions
    (as ``ceil(win / hop)`` shifted sums); then the reflect padding is folded back onto the signal.
    """
    rows, frames, _ = grad_spec.shape
    framed = torch.fft.irfft(grad_spec, n=fft_size, dim=-1, norm="forward")  # [rows, frames, fft_size]
    offset = (fft_size - win_length) // 2
    shifts = -(-win_length // hop_size)
    extended = shifts * hop_size  # the window, zero-extended to a whole number of hops
    if offset + extended <= fft_size:
        windowed = framed[..., offset : offset + extended] * _extended_window(
            window_name, win_length, extended, framed.dtype, framed.device
        )
    else:
        windowed = F.pad(
            framed[..., offset : offset + win_length] * _window(window_name, win_length, framed.dtype, framed.device),
            (0, extended - win_length),
        )
    del framed
    blocks = windowed.view(rows, frames, shifts, hop_size)
    overlap_added = blocks.new_zeros(rows, frames + shifts - 1, hop_size)
    for shift in range(shifts):
        overlap_added[:, shift : shift + frames] += blocks[:, :, shift]
    overlap_added = overlap_added.view(rows, -1)
    pad = fft_size // 2
    padded_length = length + 2 * pad
    used = min(overlap_added.shape[1], padded_length - offset)
    padded = overlap_added.new_zeros(rows, padded_length)
    padded[:, offset : offset + used] = overlap_added[:, :used]
    grad = padded[:, pad : pad + length].clone()
    grad[:, 1 : pad + 1] += padded[:, :pad].flip(-1)
    grad[:, length - 1 - pad : length - 1] += padded[:, pad + length :].flip(-1)
    return grad


def _item_sums(per_row: torch.Tensor, items: int) -> torch.Tensor:
    """Sum a ``[rows]`` tensor over each item's channels: ``[items]``."""
    return per_row.view(items, -1).sum(dim=1)


def _per_row(per_item: torch.Tensor, rows: int) -> torch.Tensor:
    """Repeat a ``[items]`` (or ``[1]``) tensor for each row: ``[rows, 1, 1]``."""
    if per_item.shape[0] == 1:
        return per_item.view(1, 1, 1)
    return per_item.repeat_interleave(rows // per_item.shape[0])[:, None, None]


def _distance(difference: torch.Tensor, distance: str):
    """Per-row sum over (frames, bins) of ``|d|`` (L1) or ``d²`` (L2), and its derivative (overwrites ``d``)."""
    if distance == "L1":
        value = difference.abs().sum(dim=(1, 2))
        return value, difference.sign_()
    value = difference.square().sum(dim=(1, 2))
    return value, difference.mul_(2.0)


def _add(store: dict, part: str, value: torch.Tensor, alpha: float = 1.0) -> None:
    if store.get(part) is None:
        store[part] = value if alpha == 1.0 else value.mul_(alpha)
    else:
        store[part].add_(value, alpha=alpha)


def _resolution(x, y, items, resolution, settings: _Settings, gradients: dict, weight: float):
    """One resolution: its terms (unweighted, ``[items]`` each) and, for the signals in ``gradients``, its
    weighted gradient added to the accumulators there (see :class:`_MultiResolutionSTFT`).

    Spectrograms are kept as ``[rows, frames, bins]`` (the memory order ``torch.stft`` produces).
    """
    fft_size, hop_size, win_length = resolution
    rows, length = x.shape
    eps = settings.eps
    wanted = [name for name in ("input", "target") if name in gradients]
    window = _window(settings.window, win_length, x.dtype, x.device)
    spec, magnitude, passes, raw_power = {}, {}, {}, {}
    for name, signal in (("input", x), ("target", y)):
        spec[name] = torch.stft(
            signal, fft_size, hop_size, win_length, window, center=True, pad_mode="reflect", return_complex=True
        ).transpose(1, 2)
        squares = torch.view_as_real(spec[name]).square()
        power = squares[..., 0] + squares[..., 1]
        del squares
        if name in wanted and float(power.min()) < eps:
            passes[name] = power >= eps  # where the clamp lets the gradient through (torch's clamp: >=)
        if settings.w_phs and name in wanted:
            raw_power[name] = power.clone()
        magnitude[name] = power.clamp_(min=eps).sqrt_()
    phase_difference = None
    if settings.w_phs:
        phase_difference = torch.angle(spec["input"]) - torch.angle(spec["target"])
    if not wanted:
        spec.clear()
    bank = None
    if settings.scale == "mel":
        bank = slaney_mel_bank(settings.sample_rate, fft_size, settings.n_bins, dtype=x.dtype, device=x.device)
        estimate = torch.matmul(magnitude["input"], bank.T)
        target_scaled = torch.matmul(magnitude["target"], bank.T)
    else:
        estimate, target_scaled = magnitude["input"], magnitude["target"]
    alpha = None
    reference = target_scaled
    if settings.scale_invariance:
        target_energy = target_scaled.square().sum(dim=(1, 2))
        alpha = (estimate * target_scaled).sum(dim=(1, 2)) / target_energy
        reference = target_scaled * alpha[:, None, None]
    count = (rows // items) * estimate.shape[1] * estimate.shape[2]  # elements per item
    want_input = "input" in wanted
    # the reference depends on the input too when it is rescaled (scale invariance)
    want_reference = "target" in wanted or (want_input and alpha is not None)
    terms = {}
    # gradients with respect to `estimate` and `reference` for a unit weight of each item's value ("item"), and
    # of the batch-wide spectral convergence ("shared"), which is in every item's value
    grad_est, grad_ref = {}, {}
    if settings.w_sc:
        difference = estimate - reference
        error_energy = torch.linalg.vector_norm(difference, dim=(1, 2)).square()
        reference_energy = torch.linalg.vector_norm(reference, dim=(1, 2)).square()
        if settings.per_item:
            error, norm, part = (
                _item_sums(error_energy, items).sqrt(),
                _item_sums(reference_energy, items).sqrt(),
                "item",
            )
        else:
            error, norm, part = error_energy.sum().sqrt()[None], reference_energy.sum().sqrt()[None], "shared"
        sc = error / norm
        terms["spectral_convergence"] = sc if settings.per_item else sc.expand(items)
        if wanted:
            # d(‖d‖/‖r‖)/d(estimate) = d / (‖d‖·‖r‖)  (0 where ‖d‖ = 0, as torch's norm);
            # d/d(reference) = −d / (‖d‖·‖r‖) − sc·r / ‖r‖²
            scale = _per_row(torch.where(error > 0, settings.w_sc / (error * norm), torch.zeros_like(error)), rows)
            if want_reference:
                _add(grad_ref, part, reference * _per_row(-settings.w_sc * sc / norm**2, rows))
                grad_ref[part].addcmul_(difference, scale, value=-1.0)
            if want_input:
                _add(grad_est, part, difference.mul_(scale))
        del difference
    if settings.w_lin_mag:
        value, slope = _distance(estimate - reference, settings.mag_distance)
        terms["linear_magnitude"] = _item_sums(value, items) / count
        if want_reference:
            _add(grad_ref, "item", slope.clone() if want_input else slope, alpha=-settings.w_lin_mag / count)
        if want_input:
            _add(grad_est, "item", slope, alpha=settings.w_lin_mag / count)
        del slope
    if settings.w_log_mag:
        log_ratio = torch.div(estimate, reference).log_()  # log|X| − log|Y| in one logarithm
        value, slope = _distance(log_ratio, settings.mag_distance)
        terms["log_magnitude"] = _item_sums(value, items) / count
        if want_reference:
            _add(grad_ref, "item", slope / reference, alpha=-settings.w_log_mag / count)
        if want_input:
            if grad_est.get("item") is None:
                grad_est["item"] = slope.div_(estimate).mul_(settings.w_log_mag / count)
            else:
                grad_est["item"].addcdiv_(slope, estimate, value=settings.w_log_mag / count)
        del slope, log_ratio
    phase_grad = {}
    if settings.w_phs:
        phase_count = (rows // items) * phase_difference.shape[1] * phase_difference.shape[2]
        terms["phase"] = _item_sums(phase_difference.square().sum(dim=(1, 2)), items) / phase_count
        slope = phase_difference.mul_(2.0 * settings.w_phs / phase_count)
        for name, sign in (("input", 1.0), ("target", -1.0)):
            if name in wanted:
                # d angle(X) / dX in torch's convention: i·X / |X|² (0 where X = 0)
                p = raw_power[name]
                phase_grad[name] = torch.where(p > 0, sign * slope / p, torch.zeros_like(p))
    if not wanted:
        return terms
    factors = gradients["factors"]
    if factors["item"] is not None:  # mean or sum: one factor per part, known now: combine the parts
        groups = {"all": ({}, {})}
        for part, factor in factors.items():
            if grad_est.get(part) is not None:
                _add(groups["all"][0], "all", grad_est[part], alpha=factor)
            if grad_ref.get(part) is not None:
                _add(groups["all"][1], "all", grad_ref[part], alpha=factor)
        groups = {"all": (groups["all"][0].get("all"), groups["all"][1].get("all"))}
        phase_factor = factors["item"]
    else:
        groups = {
            part: (grad_est.get(part), grad_ref.get(part))
            for part in ("item", "shared")
            if grad_est.get(part) is not None or grad_ref.get(part) is not None
        }
        phase_factor = 1.0
    bins = magnitude["input"].shape[2]
    nyquist = bins - 1 if fft_size % 2 == 0 else bins
    for group, (g_est, g_ref) in groups.items():
        # back from `estimate`/`reference` to the two magnitudes: through the scale invariance and the bank
        g_mag = {"input": g_est, "target": g_ref}
        if alpha is not None:
            if g_ref is None:
                g_ref = torch.zeros_like(target_scaled)
            # reference = α·t with α = Σ e·t / Σ t²: dα/de = t / Σt², dα/dt = (e − 2α·t) / Σt²
            through_alpha = ((g_ref * target_scaled).sum(dim=(1, 2)) / target_energy)[:, None, None]
            if want_input:
                g_mag["input"] = (
                    target_scaled * through_alpha
                    if g_est is None
                    else g_est.addcmul_(target_scaled, through_alpha.expand_as(target_scaled))
                )
            if "target" in wanted:
                g_mag["target"] = (
                    g_ref * alpha[:, None, None]
                    + (estimate - 2.0 * alpha[:, None, None] * target_scaled) * through_alpha
                )
        for name in wanted:
            g = g_mag[name]
            if g is None:
                g = torch.zeros_like(magnitude[name])
            elif bank is not None:
                g = torch.matmul(g, bank)
            # d sqrt(max(p, eps)) / dX = X / |X| where p >= eps (else 0); bins other than DC and Nyquist are
            # halved for the inverse real FFT of the adjoint
            g = g.div_(magnitude[name])
            if name in passes:
                g.mul_(passes[name])
            g[..., 1:nyquist] *= 0.5
            grad_spec = spec[name] if len(groups) == 1 and name not in phase_grad else spec[name].clone()
            parts = torch.view_as_real(grad_spec)
            if name in phase_grad and group in ("all", "item"):
                # magnitude part X·g plus phase part i·X·h: (re, im) → (re·g − im·h, im·g + re·h)
                h = phase_grad[name] * phase_factor
                h[..., 1:nyquist] *= 0.5
                real, imag = parts[..., 0].clone(), parts[..., 1].clone()
                parts[..., 0] = real * g - imag * h
                parts[..., 1] = imag * g + real * h
            else:
                parts[..., 0].mul_(g)
                parts[..., 1].mul_(g)
            gradients[name][group].add_(
                _stft_adjoint(grad_spec, fft_size, hop_size, win_length, settings.window, length), alpha=weight
            )
    return terms


class _MultiResolutionSTFT(torch.autograd.Function):
    """Values per item (or reduced) of the MR-STFT loss; the gradient is computed in ``forward``."""

    @staticmethod
    def forward(ctx, x, y, items, settings, reduction):
        rows, length = x.shape
        want = [
            name for name, needed in (("input", ctx.needs_input_grad[0]), ("target", ctx.needs_input_grad[1])) if needed
        ]
        gradients = {}
        if want:
            if reduction == "none":
                # each item's value has its own factor (grad_output[b]); the batch-wide spectral convergence
                # is in every item's value, so it gets the sum of the factors: kept apart until backward
                factors = {"item": None, "shared": None}
                groups = ("item", "shared") if not settings.per_item else ("item",)
            else:
                per = 1.0 / items if reduction == "mean" else 1.0
                factors = {"item": per, "shared": per * items}
                groups = ("all",)
            gradients["factors"] = factors
            for name in want:
                gradients[name] = {group: x.new_zeros(rows, length) for group in groups}
        weight = 1.0 / len(settings.resolutions)
        total = x.new_zeros(items)
        weights = {
            "spectral_convergence": settings.w_sc,
            "log_magnitude": settings.w_log_mag,
            "linear_magnitude": settings.w_lin_mag,
            "phase": settings.w_phs,
        }
        for resolution in settings.resolutions:
            terms = _resolution(x, y, items, resolution, settings, gradients, weight)
            for name, value in terms.items():
                total += weights[name] * weight * value
        ctx.saved = {name: gradients[name] for name in want}
        ctx.reduction, ctx.items, ctx.rows = reduction, items, rows
        return reduce_items(total, reduction)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        grads = []
        for name in ("input", "target"):
            saved = ctx.saved.get(name)
            if saved is None:
                grads.append(None)
                continue
            if "all" in saved:
                grads.append(saved["all"] * grad_output)
                continue
            per_row = grad_output.repeat_interleave(ctx.rows // ctx.items)[:, None]
            grad = saved["item"] * per_row
            if "shared" in saved:
                grad += saved["shared"] * grad_output.sum()
            grads.append(grad)
        return grads[0], grads[1], None, None, None


def _prefilter(signal: torch.Tensor, sample_rate: int) -> torch.Tensor:
    taps = a_weighting_fir(sample_rate, dtype=torch.float32)
    taps = taps.to(device=signal.device, dtype=signal.dtype).view(1, 1, -1)
    return F.conv1d(signal[:, None], taps, padding=taps.shape[-1] // 2)[:, 0]


@float32_inside
def _run(input, target, settings: _Settings, reduction: str):
    check_reduction(reduction)
    _check_inputs(input, target, settings)
    items = 1 if input.dim() == 1 else input.shape[0]
    x = input.reshape(-1, input.shape[-1])
    y = target.reshape(-1, target.shape[-1])
    if settings.perceptual_weighting:
        x, y = _prefilter(x, settings.sample_rate), _prefilter(y, settings.sample_rate)
    return _MultiResolutionSTFT.apply(x, y, items, settings, reduction)


_COMMON_ARGS = """
        window: one of :data:`WINDOWS` (default ``"hann_window"``, both upstream codes).
        w_sc: weight of the spectral convergence term (default 1).
        w_log_mag: weight of the log STFT magnitude term (default 1).
        w_lin_mag: weight of the linear STFT magnitude term ``mean | |Y| − |X| |`` (default 0, auraloss's option).
        w_phs: weight of auraloss's phase term ``mean (∠X − ∠Y)²`` (default 0; it compares wrapped angles, so
            it jumps by 2π: shown for completeness, not recommended).
        mag_distance: ``"L1"`` (default) or ``"L2"`` for the log and linear magnitude terms.
        eps: floor of the squared magnitude, ``|X| = sqrt(max(re² + im², eps))`` (default 1e-7, Parallel
            WaveGAN's; auraloss uses 1e-8).
        scale: ``None`` (default, linear frequency) or ``"mel"``: every term then compares ``bank @ |X|``
            with librosa's default (Slaney) mel bank of ``n_bins`` bands (:func:`slaney_mel_bank`), as auraloss.
        n_bins: number of mel bands (only with ``scale="mel"``).
        sample_rate: sample rate (Hz); required with ``scale="mel"`` or ``perceptual_weighting=True``, unused
            otherwise.
        perceptual_weighting: filter both signals with the A-weighting FIR of :func:`a_weighting_fir` first
            (default ``False``), as auraloss.
        scale_invariance: compare with ``α·|Y|``, ``α = Σ|X||Y| / Σ|Y|²`` computed per signal (per row of
            ``[batch·channels, time]``), as auraloss (default ``False``). auraloss's own version only runs
            with one signal per batch (its broadcast fails otherwise); this one works for any batch.
        per_item: ``True`` (default): spectral convergence per batch item. ``False``: one batch-wide ratio,
            as both upstream codes (then every item's value contains it, and items are coupled).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` (one value per batch item)."""

_SHAPE = """
    Shape:
        - input: ``[batch, channels, time]``; ``[batch, time]`` (one channel) and ``[time]`` (one item) are
          accepted too. At least ``max(fft_size) // 2 + 1`` samples (reflect padding).
        - target: same shape, dtype and device as ``input``.
        - output: 0-dim, or ``[batch]`` with ``reduction="none"`` (``[1]`` for a 1-D input)."""


def multi_resolution_stft_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    fft_sizes: Sequence[int] = (1024, 2048, 512),
    hop_sizes: Sequence[int] = (120, 240, 50),
    win_lengths: Sequence[int] = (600, 1200, 240),
    window: str = "hann_window",
    w_sc: float = 1.0,
    w_log_mag: float = 1.0,
    w_lin_mag: float = 0.0,
    w_phs: float = 0.0,
    mag_distance: str = "L1",
    eps: float = 1e-7,
    scale: str | None = None,
    n_bins: int | None = None,
    sample_rate: int | None = None,
    perceptual_weighting: bool = False,
    scale_invariance: bool = False,
    per_item: bool = True,
    reduction: str = "mean",
) -> torch.Tensor:
    """The multi-resolution STFT loss: the STFT loss of each resolution, averaged over the resolutions.

    Per resolution and item: ``w_sc·SC + w_log_mag·mean|log|Y| − log|X|| (+ the optional terms)``, with
    ``SC = ‖ |Y| − |X| ‖_F / ‖ |Y| ‖_F``. Defaults: Parallel WaveGAN's (Yamamoto et al. 2020) three
    resolutions, its magnitude guard ``eps = 1e-7``, and spectral convergence per item.

    To reproduce ``auraloss.freq.MultiResolutionSTFTLoss(...)`` exactly pass ``eps=1e-8, per_item=False``
    (or use :meth:`MultiResolutionSTFTLoss.auraloss`); Parallel WaveGAN's ``sc_loss + mag_loss``:
    ``per_item=False`` (:meth:`MultiResolutionSTFTLoss.parallel_wavegan`).

    Args:
        input: the prediction.
        target: the reference.
        fft_sizes: FFT size of each resolution (default 1024, 2048, 512).
        hop_sizes: hop of each resolution (default 120, 240, 50).
        win_lengths: window length of each resolution, at most its FFT size (default 600, 1200, 240).@COMMON@
    @SHAPE@

    Returns:
        The loss (see ``reduction``).

    Raises:
        TypeError: non-tensor or non-float inputs, different dtypes, settings of the wrong type.
        ValueError: different shapes or devices, NaN/Inf, too-short signals, invalid settings (e.g.
            ``scale="mel"`` without ``sample_rate``, too many mel bands for an FFT size).

    Example::

        >>> y = torch.randn(4, 1, 24000)
        >>> y_hat = y + 0.1 * torch.randn(4, 1, 24000)
        >>> multi_resolution_stft_loss(y_hat, y).shape
        torch.Size([])

    Notebook: book/08_multi_resolution_stft.ipynb
    """
    settings = _settings(
        fft_sizes,
        hop_sizes,
        win_lengths,
        window=window,
        w_sc=w_sc,
        w_log_mag=w_log_mag,
        w_lin_mag=w_lin_mag,
        w_phs=w_phs,
        mag_distance=mag_distance,
        eps=eps,
        scale=scale,
        n_bins=n_bins,
        sample_rate=sample_rate,
        perceptual_weighting=perceptual_weighting,
        scale_invariance=scale_invariance,
        per_item=per_item,
    )
    return _run(input, target, settings, reduction)


def stft_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    fft_size: int = 1024,
    hop_size: int = 120,
    win_length: int = 600,
    **settings,
) -> torch.Tensor:
    """The STFT loss at one resolution: ``w_sc·SC + w_log_mag·mean|log|Y| − log|X||`` (+ optional terms).

    Defaults: Parallel WaveGAN's first resolution (FFT 1024, hop 120, window 600). auraloss's
    ``STFTLoss()`` defaults are FFT 1024, hop 256, window 1024, ``eps=1e-8`` with the batch-wide ratio:
    :meth:`STFTLoss.auraloss`.

    Args:
        input: the prediction.
        target: the reference.
        fft_size: FFT size (default 1024).
        hop_size: hop (default 120).
        win_length: window length, at most ``fft_size`` (default 600).
        **settings: the keyword settings of :func:`multi_resolution_stft_loss` (``window``, ``w_sc``,
            ``w_log_mag``, ``w_lin_mag``, ``w_phs``, ``mag_distance``, ``eps``, ``scale``, ``n_bins``,
            ``sample_rate``, ``perceptual_weighting``, ``scale_invariance``, ``per_item``, ``reduction``).
    @SHAPE@

    Example::

        >>> y = torch.randn(2, 1, 8000)
        >>> stft_loss(y + 0.1 * torch.randn(2, 1, 8000), y, reduction="none").shape
        torch.Size([2])

    Notebook: book/08_multi_resolution_stft.ipynb
    """
    for name in ("fft_sizes", "hop_sizes", "win_lengths"):
        if name in settings:
            raise TypeError(f"stft_loss takes one resolution: use fft_size/hop_size/win_length, not {name}")
    return multi_resolution_stft_loss(
        input, target, fft_sizes=(fft_size,), hop_sizes=(hop_size,), win_lengths=(win_length,), **settings
    )


def stft_loss_terms(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    fft_sizes: Sequence[int] = (1024, 2048, 512),
    hop_sizes: Sequence[int] = (120, 240, 50),
    win_lengths: Sequence[int] = (600, 1200, 240),
    **settings,
) -> dict[str, torch.Tensor]:
    """The unweighted terms of :func:`multi_resolution_stft_loss`, each averaged over the resolutions.

    For looking inside the loss (no gradient). Takes the same settings; a term is reported when its weight
    is > 0 (so ``w_lin_mag=1`` adds ``"linear_magnitude"``).

    Returns:
        dict ``"spectral_convergence"``, ``"log_magnitude"`` (and ``"linear_magnitude"``, ``"phase"``) →
        ``[batch]`` tensors (with ``per_item=False`` the spectral convergence is the batch-wide value,
        repeated).
    """
    if "reduction" in settings:
        raise TypeError("stft_loss_terms returns one value per item and term; it takes no reduction")
    checked = _settings(fft_sizes, hop_sizes, win_lengths, **{**_DEFAULTS, **settings})
    _check_inputs(input, target, checked)
    items = 1 if input.dim() == 1 else input.shape[0]
    with torch.no_grad():
        x = input.reshape(-1, input.shape[-1])
        y = target.reshape(-1, target.shape[-1])
        if checked.perceptual_weighting:
            x, y = _prefilter(x, checked.sample_rate), _prefilter(y, checked.sample_rate)
        totals = {}
        for resolution in checked.resolutions:
            for name, value in _resolution(x, y, items, resolution, checked, {}, 1.0).items():
                totals[name] = totals.get(name, 0.0) + value / len(checked.resolutions)
    return totals


_DEFAULTS = dict(
    window="hann_window",
    w_sc=1.0,
    w_log_mag=1.0,
    w_lin_mag=0.0,
    w_phs=0.0,
    mag_distance="L1",
    eps=1e-7,
    scale=None,
    n_bins=None,
    sample_rate=None,
    perceptual_weighting=False,
    scale_invariance=False,
    per_item=True,
)


class MultiResolutionSTFTLoss(nn.Module):
    """:func:`multi_resolution_stft_loss` as a module: ``forward(input, target)``.

    Settings are checked once, here. Named configurations: :meth:`parallel_wavegan` and :meth:`auraloss`.

    Args:
        fft_sizes: FFT size of each resolution (default 1024, 2048, 512: Parallel WaveGAN's).
        hop_sizes: hop of each resolution (default 120, 240, 50).
        win_lengths: window length of each resolution (default 600, 1200, 240).@COMMON@
    @SHAPE@

    Example::

        >>> loss = MultiResolutionSTFTLoss.auraloss()   # == auraloss.freq.MultiResolutionSTFTLoss()
        >>> y = torch.randn(4, 1, 24000)
        >>> loss(y + 0.1 * torch.randn(4, 1, 24000), y).shape
        torch.Size([])

    Notebook: book/08_multi_resolution_stft.ipynb
    """

    def __init__(
        self,
        *,
        fft_sizes: Sequence[int] = (1024, 2048, 512),
        hop_sizes: Sequence[int] = (120, 240, 50),
        win_lengths: Sequence[int] = (600, 1200, 240),
        window: str = "hann_window",
        w_sc: float = 1.0,
        w_log_mag: float = 1.0,
        w_lin_mag: float = 0.0,
        w_phs: float = 0.0,
        mag_distance: str = "L1",
        eps: float = 1e-7,
        scale: str | None = None,
        n_bins: int | None = None,
        sample_rate: int | None = None,
        perceptual_weighting: bool = False,
        scale_invariance: bool = False,
        per_item: bool = True,
        reduction: str = "mean",
    ):
        super().__init__()
        self.settings = _settings(
            fft_sizes,
            hop_sizes,
            win_lengths,
            window=window,
            w_sc=w_sc,
            w_log_mag=w_log_mag,
            w_lin_mag=w_lin_mag,
            w_phs=w_phs,
            mag_distance=mag_distance,
            eps=eps,
            scale=scale,
            n_bins=n_bins,
            sample_rate=sample_rate,
            perceptual_weighting=perceptual_weighting,
            scale_invariance=scale_invariance,
            per_item=per_item,
        )
        self.reduction = check_reduction(reduction)

    @classmethod
    def parallel_wavegan(cls, **overrides) -> MultiResolutionSTFTLoss:
        """Parallel WaveGAN's loss as its code computes it: ``sc_loss + mag_loss`` of its
        ``MultiResolutionSTFTLoss`` (three resolutions, ``eps=1e-7``, batch-wide spectral convergence)."""
        return cls(**{"eps": 1e-7, "per_item": False, **overrides})

    @classmethod
    def auraloss(cls, **overrides) -> MultiResolutionSTFTLoss:
        """``auraloss.freq.MultiResolutionSTFTLoss()`` (auraloss 0.4): the same resolutions, ``eps=1e-8``,
        batch-wide spectral convergence. Pass auraloss's options as keywords (e.g. ``w_lin_mag=1``)."""
        return cls(**{"eps": 1e-8, "per_item": False, **overrides})

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return _run(input, target, self.settings, self.reduction)

    def extra_repr(self) -> str:
        s = self.settings
        fft, hop, win = zip(*s.resolutions)
        text = f"fft_sizes={list(fft)}, hop_sizes={list(hop)}, win_lengths={list(win)}"
        for name, default in _DEFAULTS.items():
            value = getattr(s, name)
            if value != default:
                text += f", {name}={value!r}"
        return text + f", reduction={self.reduction!r}"


class STFTLoss(MultiResolutionSTFTLoss):
    """:func:`stft_loss` as a module: one resolution, ``forward(input, target)``.

    Args:
        fft_size: FFT size (default 1024).
        hop_size: hop (default 120).
        win_length: window length, at most ``fft_size`` (default 600).@COMMON@
    @SHAPE@

    Example::

        >>> loss = STFTLoss.auraloss()   # == auraloss.freq.STFTLoss()
        >>> y = torch.randn(2, 1, 8000)
        >>> loss(y + 0.1 * torch.randn(2, 1, 8000), y).shape
        torch.Size([])

    Notebook: book/08_multi_resolution_stft.ipynb
    """

    def __init__(self, *, fft_size: int = 1024, hop_size: int = 120, win_length: int = 600, **settings):
        super().__init__(fft_sizes=(fft_size,), hop_sizes=(hop_size,), win_lengths=(win_length,), **settings)

    @classmethod
    def parallel_wavegan(cls, **overrides) -> STFTLoss:
        """Parallel WaveGAN's ``STFTLoss()`` (FFT 1024, hop 120, window 600, ``eps=1e-7``, batch-wide ratio),
        ``sc_loss + mag_loss``."""
        return cls(**{"eps": 1e-7, "per_item": False, **overrides})

    @classmethod
    def auraloss(cls, **overrides) -> STFTLoss:
        """``auraloss.freq.STFTLoss()`` (auraloss 0.4): FFT 1024, hop 256, window 1024, ``eps=1e-8``,
        batch-wide spectral convergence."""
        return cls(
            **{"fft_size": 1024, "hop_size": 256, "win_length": 1024, "eps": 1e-8, "per_item": False, **overrides}
        )


for _documented in (multi_resolution_stft_loss, stft_loss, MultiResolutionSTFTLoss, STFTLoss):
    # the shared argument and shape sections, written once above
    _documented.__doc__ = _documented.__doc__.replace("@COMMON@", _COMMON_ARGS).replace("@SHAPE@", _SHAPE.rstrip("\n"))
del _documented
