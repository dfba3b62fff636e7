"""Spectral building blocks: decibels, frames, the STFT, mel and Bark scales.

Every loss in the course is built from these few operations, so they are written out from their
formulas rather than borrowed: chapter 1 derives each of them and checks it against torchaudio.

Shapes follow torchaudio: waveforms are ``[..., time]`` (usually ``[batch, channels, time]``),
spectrograms are ``[..., freq, frames]`` and a filter bank is ``[n_freqs, n_filters]`` so that
``spec.transpose(-1, -2) @ bank`` applies it.

Notebook: book/01_sound_spectra_decibels.ipynb
"""

from __future__ import annotations

import functools
import math

import torch

from ._validation import check_choice, check_int, check_min_length, check_positive, check_tensor

__all__ = [
    "scale_to_db",
    "db_to_scale",
    "power_to_db",
    "db_to_power",
    "frame_signal",
    "hann_window",
    "stft",
    "stft_magnitude",
    "fft_frequencies",
    "hz_to_mel",
    "mel_to_hz",
    "mel_filter_bank",
    "mel_spectrogram",
    "hz_to_bark",
    "bark_to_hz",
]

MEL_SCALES = ("htk", "slaney")
MEL_NORMS = (None, "slaney")


def _as_float_tensor(x, name: str) -> torch.Tensor:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return torch.tensor(float(x), dtype=torch.float64)
    return check_tensor(x, name)


# ----------------------------------------------------------------------------------------------------
# Decibels
# ----------------------------------------------------------------------------------------------------


def scale_to_db(amplitude, floor_db: float = -120.0) -> torch.Tensor:
    """Convert an amplitude (a linear scale factor) to decibels: ``20·log10(max(|a|, 10^(floor/20)))``.

    Args:
        amplitude: tensor of any shape (or a Python number). Negative values are allowed; their
            magnitude is used, so a waveform sample of -0.5 is -6.02 dB like +0.5.
        floor_db: the smallest value returned, in dB (default -120 dB). It keeps silence finite:
            ``log10(0)`` would be ``-inf``.

    Returns:
        Tensor of the same shape, in dB.
    """
    amplitude = _as_float_tensor(amplitude, "amplitude")
    floor_db = float(floor_db)
    if not math.isfinite(floor_db):
        raise ValueError(f"floor_db must be a finite number of dB, got {floor_db}")
    floor = 10.0 ** (floor_db / 20.0)
    return 20.0 * torch.log10(amplitude.abs().clamp_min(floor))


def db_to_scale(db) -> torch.Tensor:
    """Convert decibels to an amplitude scale factor: ``10^(dB/20)`` (so -6.02 dB → 0.5).

    Args:
        db: tensor of any shape (or a Python number), in dB.

    Returns:
        Tensor of the same shape.
    """
    db = _as_float_tensor(db, "db")
    return torch.pow(10.0, db / 20.0)


def power_to_db(power, floor_db: float = -120.0) -> torch.Tensor:
    """Convert a power (energy) value to decibels: ``10·log10(max(p, 10^(floor/10)))``.

    Power is amplitude squared, so ``power_to_db(a**2) == scale_to_db(a)``.

    Args:
        power: non-negative tensor of any shape (or a Python number).
        floor_db: the smallest value returned, in dB (default -120 dB).

    Returns:
        Tensor of the same shape, in dB.

    Raises:
        ValueError: if ``power`` has negative entries (a power cannot be negative).
    """
    power = _as_float_tensor(power, "power")
    if power.numel() and bool((power < 0).any()):
        raise ValueError("power must be non-negative (did you pass an amplitude? use scale_to_db)")
    floor = 10.0 ** (float(floor_db) / 10.0)
    return 10.0 * torch.log10(power.clamp_min(floor))


def db_to_power(db) -> torch.Tensor:
    """Convert decibels to a power ratio: ``10^(dB/10)`` (so 3.01 dB → 2.0)."""
    db = _as_float_tensor(db, "db")
    return torch.pow(10.0, db / 10.0)


# ----------------------------------------------------------------------------------------------------
# Frames, windows, STFT
# ----------------------------------------------------------------------------------------------------


def frame_signal(waveform: torch.Tensor, frame_length: int, hop_length: int) -> torch.Tensor:
    """Cut a signal into overlapping frames (no padding: trailing samples that do not fill a frame are dropped).

    Args:
        waveform: ``[..., time]`` floating tensor.
        frame_length: samples per frame.
        hop_length: samples between the starts of consecutive frames.

    Returns:
        ``[..., n_frames, frame_length]`` with ``n_frames = 1 + (time - frame_length) // hop_length``.
        It is a view: no samples are copied.
    """
    check_tensor(waveform, "waveform", min_ndim=1)
    check_int(frame_length, "frame_length", minimum=1)
    check_int(hop_length, "hop_length", minimum=1)
    check_min_length(waveform, frame_length, "waveform", f"one frame of frame_length={frame_length}")
    return waveform.unfold(-1, frame_length, hop_length)


@functools.lru_cache(maxsize=64)
def _cached_hann(length: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    n = torch.arange(length, dtype=torch.float64)
    window = 0.5 - 0.5 * torch.cos(2.0 * math.pi * n / length)
    return window.to(device=device, dtype=dtype)


def hann_window(length: int, *, device=None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The periodic Hann window ``w[n] = 0.5 − 0.5·cos(2πn/N)``, ``n = 0 … N−1`` (as ``torch.hann_window``).

    "Periodic" means it is one period of a cosine: the sample that would close it (``n = N``) is left
    out, so overlapping windows at hop N/2 or N/4 add up to a constant.
    """
    check_int(length, "length", minimum=1)
    return _cached_hann(length, torch.device(device or "cpu"), dtype)


def _stft_settings(n_fft, hop_length, win_length):
    check_int(n_fft, "n_fft", minimum=2)
    win_length = n_fft if win_length is None else check_int(win_length, "win_length", minimum=1)
    if win_length > n_fft:
        raise ValueError(f"win_length must be <= n_fft={n_fft}, got {win_length}")
    hop_length = win_length // 2 if hop_length is None else check_int(hop_length, "hop_length", minimum=1)
    return hop_length, win_length


def _check_stft_args(waveform, n_fft, hop_length, win_length, center, pad_mode):
    """Check :func:`stft`'s settings against ``waveform`` (long enough); return ``(hop_length, win_length)``."""
    hop_length, win_length = _stft_settings(n_fft, hop_length, win_length)
    check_choice(pad_mode, "pad_mode", ("reflect", "constant", "replicate", "circular"))
    needed = n_fft // 2 + 1 if center and pad_mode == "reflect" else (1 if center else n_fft)
    check_min_length(waveform, needed, "waveform", f"n_fft={n_fft} with center={center}")
    return hop_length, win_length


def stft(
    waveform: torch.Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    *,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
) -> torch.Tensor:
    """Short-time Fourier transform with a periodic Hann window, torchaudio's conventions.

    Args:
        waveform: ``[..., time]`` floating tensor.
        n_fft: FFT size; gives ``n_fft // 2 + 1`` frequency bins.
        hop_length: samples between frames (default ``win_length // 2``, as torchaudio).
        win_length: Hann window length, centred in the ``n_fft`` frame (default ``n_fft``).
        center: pad ``n_fft // 2`` samples on both sides so frame ``t`` is centred on sample ``t·hop``.
        pad_mode: padding used when ``center`` (default ``"reflect"``).
        normalized: divide by ``sqrt(Σ w²)``, so white noise of variance σ² has expected power σ² in every
            bin regardless of the window (torchaudio's ``normalized=True``).

    Returns:
        Complex tensor ``[..., n_fft // 2 + 1, n_frames]``.
    """
    check_tensor(waveform, "waveform", min_ndim=1)
    hop_length, win_length = _check_stft_args(waveform, n_fft, hop_length, win_length, center, pad_mode)
    return _stft(waveform, n_fft, hop_length, win_length, center, pad_mode, normalized)


def _stft(waveform, n_fft, hop_length, win_length, center, pad_mode, normalized) -> torch.Tensor:
    """:func:`stft` on checked arguments (``hop_length`` and ``win_length`` resolved)."""
    window = _cached_hann(win_length, waveform.device, waveform.dtype)
    shape = waveform.shape
    spec = torch.stft(
        waveform.reshape(-1, shape[-1]),
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=window,
        center=center,
        pad_mode=pad_mode,
        normalized=False,
        onesided=True,
        return_complex=True,
    )
    if normalized:
        spec = spec / window.pow(2).sum().sqrt()
    return spec.reshape(shape[:-1] + spec.shape[-2:])


def stft_magnitude(
    waveform: torch.Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    *,
    power: float = 1.0,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
) -> torch.Tensor:
    """``|STFT|^power``: magnitude (``power=1``, default) or power (``power=2``) spectrogram.

    Same arguments as :func:`stft`; returns a real tensor ``[..., n_fft // 2 + 1, n_frames]``. Equal to
    ``torchaudio.transforms.Spectrogram`` with the same settings.
    """
    check_positive(power, "power")
    spec = stft(waveform, n_fft, hop_length, win_length, center=center, pad_mode=pad_mode, normalized=normalized)
    magnitude = spec.abs()
    return magnitude if power == 1.0 else magnitude.pow(power)


def fft_frequencies(n_fft: int, sample_rate: int) -> torch.Tensor:
    """Centre frequency in Hz of each one-sided FFT bin: ``k · sample_rate / n_fft``, ``k = 0 … n_fft//2``."""
    check_int(n_fft, "n_fft", minimum=2)
    check_int(sample_rate, "sample_rate", minimum=1)
    return torch.arange(n_fft // 2 + 1, dtype=torch.float64) * sample_rate / n_fft


# ----------------------------------------------------------------------------------------------------
# Mel scale
# ----------------------------------------------------------------------------------------------------

# Slaney's (Auditory Toolbox) mel: linear below 1 kHz (3 mels per 200 Hz), logarithmic above it.
_SLANEY_HZ_PER_MEL = 200.0 / 3.0
_SLANEY_BREAK_HZ = 1000.0
_SLANEY_BREAK_MEL = _SLANEY_BREAK_HZ / _SLANEY_HZ_PER_MEL  # 15 mels
_SLANEY_LOG_STEP = math.log(6.4) / 27.0  # 27 mel steps per factor 6.4 in frequency


def hz_to_mel(frequency, mel_scale: str = "htk") -> torch.Tensor:
    """Convert Hz to mels.

    ``"htk"``: ``m = 2595·log10(1 + f/700)`` (O'Shaughnessy 1987; torchaudio's default).
    ``"slaney"``: linear ``f / (200/3)`` below 1 kHz, ``15 + ln(f/1000)/(ln 6.4/27)`` above
    (Slaney's Auditory Toolbox; librosa's default, used by HiFi-GAN).

    Args:
        frequency: tensor or number, in Hz (>= 0).
        mel_scale: ``"htk"`` (default) or ``"slaney"``.
    """
    check_choice(mel_scale, "mel_scale", MEL_SCALES)
    f = _as_float_tensor(frequency, "frequency")
    if f.numel() and bool((f < 0).any()):
        raise ValueError("frequency must be >= 0 Hz")
    if mel_scale == "htk":
        return 2595.0 * torch.log10(1.0 + f / 700.0)
    linear = f / _SLANEY_HZ_PER_MEL
    logarithmic = _SLANEY_BREAK_MEL + torch.log(f.clamp_min(_SLANEY_BREAK_HZ) / _SLANEY_BREAK_HZ) / _SLANEY_LOG_STEP
    return torch.where(f >= _SLANEY_BREAK_HZ, logarithmic, linear)


def mel_to_hz(mels, mel_scale: str = "htk") -> torch.Tensor:
    """Inverse of :func:`hz_to_mel` for the same ``mel_scale``."""
    check_choice(mel_scale, "mel_scale", MEL_SCALES)
    m = _as_float_tensor(mels, "mels")
    if mel_scale == "htk":
        return 700.0 * (torch.pow(10.0, m / 2595.0) - 1.0)
    linear = m * _SLANEY_HZ_PER_MEL
    logarithmic = _SLANEY_BREAK_HZ * torch.exp(_SLANEY_LOG_STEP * (m - _SLANEY_BREAK_MEL))
    return torch.where(m >= _SLANEY_BREAK_MEL, logarithmic, linear)


def mel_filter_bank(
    n_freqs: int,
    f_min: float,
    f_max: float,
    n_mels: int,
    sample_rate: int,
    norm: str | None = None,
    mel_scale: str = "htk",
    *,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Triangular mel filter bank, built from the formulas (same argument order as torchaudio).

    ``n_mels + 2`` points are spaced evenly in mels between ``f_min`` and ``f_max``; filter ``m`` rises
    linearly from point ``m`` to point ``m+1`` and falls back to zero at point ``m+2`` (peak 1). With
    ``norm="slaney"`` each triangle is scaled by ``2 / (f_{m+2} − f_m)`` so it has unit area: wide
    high-frequency bands no longer collect more energy than narrow low ones.

    The FFT bins sit at ``linspace(0, sample_rate // 2, n_freqs)``, exactly as
    ``torchaudio.functional.melscale_fbanks`` does (for an odd sample rate such as 11025 Hz this is
    ``5512`` Hz at the top, half a hertz below the true Nyquist frequency; the result stays identical
    to torchaudio's).

    Args:
        n_freqs: number of one-sided FFT bins (``n_fft // 2 + 1``).
        f_min: lowest frequency (Hz), >= 0.
        f_max: highest frequency (Hz), > f_min.
        n_mels: number of filters.
        sample_rate: sample rate (Hz).
        norm: ``None`` (peak 1, default) or ``"slaney"`` (unit area).
        mel_scale: ``"htk"`` (default) or ``"slaney"``.
        dtype: dtype the bank is computed in (default float32, which reproduces torchaudio's rounding;
            float64 for a more exact bank).

    Returns:
        ``[n_freqs, n_mels]`` tensor: apply it as ``spec.transpose(-1, -2) @ bank``.
    """
    _check_bank_settings(n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale)
    bank = _cached_mel_filter_bank(
        n_freqs, float(f_min), float(f_max), n_mels, sample_rate, norm, mel_scale, dtype=dtype
    )
    return bank.clone()


def _check_bank_settings(n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale) -> None:
    check_int(n_freqs, "n_freqs", minimum=2)
    check_int(n_mels, "n_mels", minimum=1)
    check_int(sample_rate, "sample_rate", minimum=1)
    check_positive(f_min, "f_min", allow_zero=True)
    check_positive(f_max, "f_max")
    if f_max <= f_min:
        raise ValueError(f"f_max must be greater than f_min, got f_min={f_min}, f_max={f_max}")
    check_choice(norm, "norm", MEL_NORMS)
    check_choice(mel_scale, "mel_scale", MEL_SCALES)


@functools.lru_cache(maxsize=64)
def _cached_mel_filter_bank(
    n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale, device=None, dtype=torch.float32
) -> torch.Tensor:
    """The bank for one setting, built once per (setting, device, dtype). Callers must not modify it."""
    if device is not None:
        bank = _cached_mel_filter_bank(n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale, dtype=dtype)
        return bank.to(device)
    bin_freqs = torch.linspace(0, sample_rate // 2, n_freqs, dtype=dtype)
    mel_min = float(hz_to_mel(f_min, mel_scale))  # the end points in double precision, as torchaudio
    mel_max = float(hz_to_mel(f_max, mel_scale))
    mel_points = torch.linspace(mel_min, mel_max, n_mels + 2, dtype=dtype)
    hz_points = mel_to_hz(mel_points, mel_scale)
    left, centre, right = hz_points[:-2], hz_points[1:-1], hz_points[2:]
    f = bin_freqs[:, None]
    rising = (f - left) / (centre - left)
    falling = (right - f) / (right - centre)
    bank = torch.minimum(rising, falling).clamp_min(0.0)
    if norm == "slaney":
        bank = bank * (2.0 / (right - left))
    return bank


def mel_spectrogram(
    waveform: torch.Tensor,
    sample_rate: int,
    n_fft: int = 400,
    hop_length: int | None = None,
    win_length: int | None = None,
    n_mels: int = 128,
    f_min: float = 0.0,
    f_max: float | None = None,
    *,
    power: float = 2.0,
    normalized: bool = False,
    center: bool = True,
    pad_mode: str = "reflect",
    norm: str | None = None,
    mel_scale: str = "htk",
) -> torch.Tensor:
    """Mel spectrogram ``bankᵀ · |STFT|^power``, equal to ``torchaudio.transforms.MelSpectrogram``.

    Defaults are torchaudio's. The filter bank and the window are built once per setting, device and
    dtype and then reused.

    Args:
        waveform: ``[..., time]`` floating tensor.
        sample_rate: sample rate (Hz).
        n_fft, hop_length, win_length, center, pad_mode, normalized: as in :func:`stft`.
        n_mels: number of mel bands (default 128).
        f_min, f_max: frequency range of the bank (default 0 Hz to ``sample_rate // 2``, torchaudio's
            default: 5512 Hz for 11025 Hz audio).
        power: 2 (default) for a power mel spectrogram, 1 for magnitude.
        norm, mel_scale: as in :func:`mel_filter_bank`.

    Returns:
        ``[..., n_mels, n_frames]`` tensor.
    """
    check_tensor(waveform, "waveform", min_ndim=1)
    check_int(sample_rate, "sample_rate", minimum=1)
    f_max = float(sample_rate // 2) if f_max is None else f_max  # torchaudio's default (integer division)
    check_positive(power, "power")
    hop_length, win_length = _check_stft_args(waveform, n_fft, hop_length, win_length, center, pad_mode)
    _check_bank_settings(n_fft // 2 + 1, f_min, f_max, n_mels, sample_rate, norm, mel_scale)
    return _mel_spectrogram(
        waveform,
        sample_rate,
        n_fft,
        hop_length,
        win_length,
        n_mels,
        float(f_min),
        float(f_max),
        power,
        normalized,
        center,
        pad_mode,
        norm,
        mel_scale,
    )


def _mel_spectrogram(
    waveform,
    sample_rate,
    n_fft,
    hop_length,
    win_length,
    n_mels,
    f_min,
    f_max,
    power,
    normalized,
    center,
    pad_mode,
    norm,
    mel_scale,
) -> torch.Tensor:
    """:func:`mel_spectrogram` on checked arguments: the same operations, no input checks (for callers that
    have checked their inputs once already)."""
    magnitude = _stft(waveform, n_fft, hop_length, win_length, center, pad_mode, normalized).abs()
    spec = magnitude if power == 1.0 else magnitude.pow(power)
    bank = _cached_mel_filter_bank(
        n_fft // 2 + 1, f_min, f_max, n_mels, sample_rate, norm, mel_scale, spec.device, spec.dtype
    )
    return (spec.transpose(-1, -2) @ bank).transpose(-1, -2)


# ----------------------------------------------------------------------------------------------------
# Bark scale
# ----------------------------------------------------------------------------------------------------


def hz_to_bark(frequency) -> torch.Tensor:
    """Convert Hz to Bark with ``b = 6·asinh(f/600)``, the form of Hermansky's PLP (1990).

    (Schroeder, Atal and Hall's 1979 formula is the similar ``7·asinh(f/650)``.)

    It is smooth and invertible; it follows the shape of Zwicker's critical-band scale but runs up to
    about 2 Bark below it above 1 kHz. It is the form the perceptual loss of chapter 4 uses.
    """
    f = _as_float_tensor(frequency, "frequency")
    return 6.0 * torch.asinh(f / 600.0)


def bark_to_hz(bark) -> torch.Tensor:
    """Inverse of :func:`hz_to_bark`: ``f = 600·sinh(b/6)``."""
    b = _as_float_tensor(bark, "bark")
    return 600.0 * torch.sinh(b / 6.0)
