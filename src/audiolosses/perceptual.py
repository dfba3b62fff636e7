"""A perceptually-inspired loss: a Bark-spaced FIR filter bank, half-wave rectification, log amplitude.

John Vinyard's ``PerceptualLoss`` (zounds) compares two sounds through a crude model of the ear
{Vinyard 2019}:

1. **Filter bank.** ``n_bands`` linear-phase FIR band-pass filters whose centres are evenly spaced on
   the Bark scale (``b = 6·asinh(f/600)``) and whose widths are one equivalent rectangular bandwidth
   (``ERB(f) = 0.108·f + 24.7`` Hz) {Glasberg and Moore 1990}. Each filter is designed by frequency
   sampling: a Gaussian bump is drawn across the band, the response is sampled on a dense grid, given
   a linear phase, inverse-FFT'd and windowed (Hamming).
2. **Half-wave rectification** (``relu``): the inner hair cells respond to one direction of motion only.
3. **Log amplitude** ``log(1 + k·x)``: loudness grows roughly logarithmically.
4. **Frequency weighting** (optional), multiplied in *after* the log. The original uses the A-weighting
   curve's dB values as linear multipliers (``1 + A − min A``), which this module reproduces as
   ``weighting="a_db_offset"``; ``"a_gain"`` uses the amplitude gain ``10^(A/20)`` instead.
5. **Distance** between the two flattened "auditory images": negative cosine similarity (the original;
   its minimum is −1, not 0), or the mean squared / absolute difference.

Filtering is the costly step (512 bands × 512 taps × 8705 frames for the original settings), so it is
done with one big FFT whenever that is cheaper than direct convolution; both paths give the same result
(:func:`filter_bank_apply`).

Shapes: waveforms ``[batch, channels, time]``, ``[batch, time]`` or ``[time]``; filter banks
``[n_bands, n_taps]``; auditory images ``[batch, channels, n_bands, frames]`` (leading axes as given).

Notebook: book/04_perceptual_loss.ipynb
"""

from __future__ import annotations

import functools
import math
import weakref

import torch
import torch.nn.functional as F
from torch import nn

from ._precision import float32_inside
from ._validation import (
    check_choice,
    check_int,
    check_min_length,
    check_positive,
    check_same_shape,
    check_sample_rate,
    check_tensor,
)
from .spectral import bark_to_hz, hz_to_bark

__all__ = [
    "hz_to_bark",
    "bark_to_hz",
    "erb",
    "bark_centres",
    "band_edges",
    "frequency_sampling_fir",
    "bark_filter_bank",
    "filter_bank_apply",
    "a_weighting_db",
    "band_weights",
    "auditory_image",
    "perceptual_loss",
    "PerceptualLoss",
    "ORIGINAL_SETTINGS",
    "DISTANCES",
    "WEIGHTINGS",
    "FILTER_METHODS",
]

#: Distances between auditory images, ``"cosine"`` (negative cosine similarity, the original), ``"mse"``, ``"l1"``.
DISTANCES = ("cosine", "mse", "l1")
#: Frequency weightings, none, the original's A-weighting dB values used as multipliers, or A-weighting as a gain.
WEIGHTINGS = (None, "a_db_offset", "a_gain")
#: How the bank is applied, pick the cheaper one (``"auto"``), FFT, or direct ``conv1d``.
FILTER_METHODS = ("auto", "fft", "direct")
REDUCTIONS = ("mean", "sum", "none")

#: The settings of John Vinyard's 2018 blog experiment (zounds ``PerceptualLoss`` as configured there):
#: 11025 Hz, 512 Bark bands from 1 Hz to Nyquist, 512 taps, stride 1, log factor 10, A-weighting (dB values
#: as multipliers), cosine distance. The filter design follows zounds as of March 2020 (the bump without its
#: end point); ``PerceptualLoss.blog_2018()`` adds ``bump_endpoint=True`` for the 2018 design.
ORIGINAL_SETTINGS: dict = {
    "sample_rate": 11025,
    "n_bands": 512,
    "n_taps": 512,
    "f_min": 1.0,
    "f_max": 11025 / 2,
    "stride": 1,
    "log_factor": 10.0,
    "weighting": "a_db_offset",
    "distance": "cosine",
}


# ----------------------------------------------------------------------------------------------------
# Scales and the filter bank
# ----------------------------------------------------------------------------------------------------


def erb(frequency) -> torch.Tensor:
    """Equivalent rectangular bandwidth of the auditory filter at ``frequency`` (Hz): ``0.108·f + 24.7``.

    This is Glasberg & Moore's ``24.7·(4.37·f/1000 + 1)`` written out (``24.7·4.37/1000 = 0.107939``,
    rounded to 0.108 as in zounds).

    Args:
        frequency: tensor or number, in Hz (>= 0).

    Returns:
        Tensor of the same shape, in Hz (float64 for a Python number).

    Raises:
        ValueError: if a frequency is negative, NaN or Inf.
    """
    if isinstance(frequency, (int, float)) and not isinstance(frequency, bool):
        frequency = torch.tensor(float(frequency), dtype=torch.float64)
    check_tensor(frequency, "frequency")
    if frequency.numel() and bool((frequency < 0).any()):
        raise ValueError("frequency must be >= 0 Hz")
    return 0.108 * frequency + 24.7


def _check_band_settings(n_bands, sample_rate, f_min, f_max):
    check_int(n_bands, "n_bands", minimum=1)
    check_sample_rate(sample_rate)
    check_positive(f_min, "f_min", allow_zero=True)
    check_positive(f_max, "f_max")
    nyquist = sample_rate / 2
    if f_max > nyquist:
        raise ValueError(f"f_max must be <= the Nyquist frequency {nyquist} Hz, got {f_max}")
    if n_bands > 1 and not f_min < f_max:
        raise ValueError(f"f_max must be greater than f_min, got f_min={f_min}, f_max={f_max}")


def bark_centres(n_bands: int, f_min: float, f_max: float, *, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Band centres evenly spaced in Bark between ``f_min`` and ``f_max`` (both included).

    Args:
        n_bands: number of bands (>= 1; one band sits at ``f_min``).
        f_min: lowest centre (Hz, >= 0).
        f_max: highest centre (Hz, > ``f_min``).
        dtype: dtype of the result (default float64).

    Returns:
        ``[n_bands]`` centre frequencies in Hz.
    """
    check_int(n_bands, "n_bands", minimum=1)
    check_positive(f_min, "f_min", allow_zero=True)
    check_positive(f_max, "f_max")
    barks = torch.linspace(
        float(hz_to_bark(float(f_min))), float(hz_to_bark(float(f_max))), n_bands, dtype=torch.float64
    )
    return bark_to_hz(barks).to(dtype)


def band_edges(
    n_bands: int, sample_rate: int, f_min: float, f_max: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Centre, lower and upper edge of each band: ``centre ± ERB(centre)/2``, clipped to ``[0, Nyquist]``.

    Args:
        n_bands: number of bands.
        sample_rate: sample rate (Hz).
        f_min, f_max: lowest and highest centre (Hz); ``f_max <= sample_rate / 2``.

    Returns:
        ``(centres, lower, upper)``, each ``[n_bands]`` float64, in Hz.

    Raises:
        ValueError: bad settings (``f_max`` above Nyquist, ``f_min >= f_max``, ...).
    """
    _check_band_settings(n_bands, sample_rate, f_min, f_max)
    centres = bark_centres(n_bands, f_min, f_max)
    half_width = erb(centres) / 2
    nyquist = sample_rate / 2
    return centres, (centres - half_width).clamp(0.0, nyquist), (centres + half_width).clamp(0.0, nyquist)


def _interp(x: torch.Tensor, xp: torch.Tensor, fp: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear interpolation like ``numpy.interp``, batched over leading axes.

    ``xp`` is non-decreasing along its last axis (a point may repeat: a jump); ``x`` has the same leading axes.
    """
    index = torch.searchsorted(xp.contiguous(), x.contiguous(), right=True).clamp(1, xp.shape[-1] - 1)
    x0, x1 = xp.gather(-1, index - 1), xp.gather(-1, index)
    y0, y1 = fp.gather(-1, index - 1), fp.gather(-1, index)
    span = x1 - x0
    weight = torch.where(span > 0, (x - x0) / torch.where(span > 0, span, torch.ones_like(span)), torch.ones_like(x))
    return y0 + weight.clamp(0, 1) * (y1 - y0)


def _hamming(n_taps: int) -> torch.Tensor:
    """The symmetric Hamming window (``scipy.signal.get_window('hamming', N, fftbins=False)``)."""
    if n_taps == 1:
        return torch.ones(1, dtype=torch.float64)
    n = torch.arange(n_taps, dtype=torch.float64)
    return 0.54 - 0.46 * torch.cos(2 * math.pi * n / (n_taps - 1))


def frequency_sampling_fir(
    n_taps: int, frequencies: torch.Tensor, gains: torch.Tensor, *, n_freqs: int | None = None
) -> torch.Tensor:
    """Design one linear-phase FIR filter by frequency sampling (the method of ``scipy.signal.firwin2``).

    The desired amplitude response, given at ``frequencies`` (as fractions of Nyquist, from 0 to 1) and
    interpolated linearly, is sampled on ``n_freqs`` evenly spaced points from 0 to Nyquist, multiplied
    by the linear phase ``exp(−jπ·ν·(N−1)/2)`` (a delay of half the filter), inverse-FFT'd and the first
    ``n_taps`` samples are kept and multiplied by a Hamming window.

    Args:
        n_taps: filter length ``N`` (>= 1). With an even ``N`` the response must be 0 at Nyquist.
        frequencies: ``[P]`` non-decreasing, from 0 to 1 (fractions of Nyquist). A point may repeat once
            (a jump).
        gains: ``[P]`` desired amplitude at each point.
        n_freqs: grid size (default ``1 + 2^ceil(log2(N))``, as firwin2).

    Returns:
        ``[n_taps]`` float64 filter taps (symmetric: linear phase).

    Raises:
        ValueError: bad ``n_taps``, frequencies not starting at 0 / ending at 1 / decreasing, mismatched
            lengths, or a non-zero gain at Nyquist with an even ``n_taps``.
    """
    check_int(n_taps, "n_taps", minimum=1)
    frequencies = check_tensor(frequencies, "frequencies", ndim=1).to(torch.float64)
    gains = check_tensor(gains, "gains", ndim=1).to(torch.float64)
    check_same_shape(frequencies, gains, "frequencies", "gains")
    if len(frequencies) < 2 or frequencies[0] != 0 or frequencies[-1] != 1:
        raise ValueError("frequencies must start at 0 and end at 1 (fractions of Nyquist)")
    if bool((frequencies.diff() < 0).any()):
        raise ValueError("frequencies must be non-decreasing")
    if n_taps % 2 == 0 and gains[-1] != 0:
        raise ValueError("gains must be 0 at Nyquist for an even n_taps (a type II filter has a zero there)")
    if n_freqs is not None:
        check_int(n_freqs, "n_freqs", minimum=2)
    return _design(n_taps, frequencies[None], gains[None], n_freqs)[0]


def _design(n_taps: int, frequencies: torch.Tensor, gains: torch.Tensor, n_freqs: int | None) -> torch.Tensor:
    """Frequency-sampling design of ``[B]`` filters from ``[B, P]`` specifications (already validated)."""
    if n_freqs is None:
        n_freqs = 1 + 2 ** math.ceil(math.log2(n_taps)) if n_taps > 1 else 2
    grid = torch.linspace(0.0, 1.0, n_freqs, dtype=torch.float64)
    response = _interp(grid.expand(frequencies.shape[0], -1), frequencies, gains)
    phase = torch.exp(-1j * math.pi * grid * (n_taps - 1) / 2)  # a delay of (N - 1)/2 samples: linear phase
    impulse = torch.fft.irfft(response * phase, n=2 * (n_freqs - 1))
    return impulse[..., :n_taps] * _hamming(n_taps)


def _gaussian(n_points: int, std: float) -> torch.Tensor:
    """``scipy.signal.windows.gaussian(n_points, std)``: ``exp(−½((n − (M−1)/2)/std)²)``."""
    n = torch.arange(n_points, dtype=torch.float64) - (n_points - 1) / 2
    return torch.exp(-0.5 * (n / std) ** 2)


@functools.lru_cache(maxsize=32)
def _cached_bank(
    n_bands, n_taps, sample_rate, f_min, f_max, shape_points, shape_std, bump_endpoint=False
) -> torch.Tensor:
    _, lower, upper = band_edges(n_bands, sample_rate, f_min, f_max)
    nyquist = sample_rate / 2
    shape = _gaussian(shape_points, shape_std).expand(n_bands, -1)
    # zounds since March 2020 excludes the upper edge (numpy linspace(..., endpoint=False)); zounds of 2018
    # included it. A point repeated at Nyquist (a band clipped there) is a jump, as firwin2 treats it.
    steps = torch.arange(shape_points, dtype=torch.float64) / (
        shape_points - 1 if bump_endpoint and shape_points > 1 else shape_points
    )
    start, stop = (lower / nyquist)[:, None], (upper / nyquist)[:, None]
    points = start + (stop - start) * steps  # [n_bands, shape_points]
    zeros, ones = torch.zeros(n_bands, 1, dtype=torch.float64), torch.ones(n_bands, 1, dtype=torch.float64)
    # ramp up from silence at 0 Hz; a band that touches 0 Hz starts on its own bump instead (repeating the
    # point 0 Hz would make the ramp a jump, which scipy's firwin2 rejects)
    first_frequency = torch.where(start > 0, zeros, points[:, :1])
    first_gain = torch.where(start > 0, zeros, shape[:, :1])
    frequencies = torch.cat([first_frequency, points, ones], dim=1)
    gains = torch.cat([first_gain, shape, zeros], dim=1)
    return _design(n_taps, frequencies, gains, None)


def bark_filter_bank(
    n_bands: int = 512,
    n_taps: int = 512,
    sample_rate: int = 11025,
    f_min: float = 1.0,
    f_max: float | None = None,
    *,
    shape_points: int = 100,
    shape_std: float = 3.0,
    bump_endpoint: bool = False,
    dtype: torch.dtype = torch.float32,
    device=None,
) -> torch.Tensor:
    """A bank of linear-phase FIR band-pass filters, centres evenly spaced in Bark, one ERB wide.

    Band ``i`` spans ``centre_i ± ERB(centre_i)/2`` (clipped to ``[0, Nyquist]``). Across it, the desired
    response is a Gaussian bump (``shape_points`` samples of a Gaussian of standard deviation
    ``shape_std`` samples, the first at the lower edge, the last one step below the upper edge), with
    straight ramps to 0 at 0 Hz and at Nyquist, as in zounds' ``fir_filter_bank`` since its change of
    March 2020 (commit a9a97b3, "Fixes for breaking numpy changes"). With ``bump_endpoint=True`` the last
    point sits on the upper edge instead, as in zounds from March 2018 to March 2020, the version John
    Vinyard's 2018 blog experiment ran on: the bump is then stretched by ``shape_points / (shape_points
    − 1)``, and because the narrow bump falls between the design grid's points differently, the bands'
    peak gains differ (by more than 1 dB in 126 of the 512 bands at the original settings). Each filter is then
    designed by :func:`frequency_sampling_fir`. A band whose lower edge is clipped to 0 Hz (the
    original's first band, centred at 1 Hz) is handled: its response simply starts on its bump, where
    ``scipy.signal.firwin2`` would reject the repeated 0.

    The bank is built once per setting (cached); a copy in the requested dtype/device is returned.

    Args:
        n_bands: number of bands (default 512).
        n_taps: taps per filter (default 512). At 11025 Hz, 512 taps last 46 ms: the filters' frequency
            resolution is about ``sample_rate / n_taps`` ≈ 22 Hz, so neighbouring low bands overlap.
        sample_rate: sample rate in Hz (default 11025).
        f_min: centre of the lowest band, Hz (default 1).
        f_max: centre of the highest band, Hz (default Nyquist, ``sample_rate / 2``).
        shape_points: points of the Gaussian bump across a band (default 100).
        shape_std: its standard deviation, in points (default 3: a narrow peak at the band's middle).
        bump_endpoint: put the bump's last point on the band's upper edge (zounds of 2018) instead of one
            step below it (default ``False``: zounds since 2020).
        dtype: dtype of the result (default float32).
        device: device of the result (default CPU).

    Returns:
        ``[n_bands, n_taps]`` tensor of filter taps.

    Raises:
        ValueError: ``n_taps < 1``, ``n_bands < 1``, ``f_max`` above Nyquist, ``f_min >= f_max``.
        TypeError: a setting of the wrong type (e.g. a float ``n_taps``).
    """
    check_int(n_taps, "n_taps", minimum=1)
    check_sample_rate(sample_rate)
    f_max = sample_rate / 2 if f_max is None else f_max
    _check_band_settings(n_bands, sample_rate, f_min, f_max)
    check_int(shape_points, "shape_points", minimum=1)
    check_positive(shape_std, "shape_std")
    if not isinstance(bump_endpoint, bool):
        raise TypeError(f"bump_endpoint must be True or False, got {bump_endpoint!r}")
    bank = _cached_bank(
        n_bands, n_taps, sample_rate, float(f_min), float(f_max), shape_points, float(shape_std), bump_endpoint
    )
    return bank.to(device=device, dtype=dtype)


# ----------------------------------------------------------------------------------------------------
# Applying the bank
# ----------------------------------------------------------------------------------------------------


def _fft_size(length: int) -> int:
    """The smallest size >= ``length`` of the form ``m·2^k`` with ``m`` in 1, 3, 5, 9, 15 (fast FFT sizes)."""
    best = None
    for odd in (1, 3, 5, 9, 15):
        size = odd
        while size < length:
            size *= 2
        best = size if best is None else min(best, size)
    return best


def _direct_cost(n_bands, n_taps, length, stride):
    return n_bands * n_taps * ((length + n_taps) // stride + 1)


def _fft_cost(n_bands, n_taps, length):
    size = _fft_size(length + n_taps + 1)
    return 3 * (n_bands + 1) * size * math.log2(size) + 4 * n_bands * size


def filter_bank_apply(
    waveform: torch.Tensor, bank: torch.Tensor, *, stride: int = 1, method: str = "auto"
) -> torch.Tensor:
    """Filter ``waveform`` with every filter of ``bank`` as zounds does: ``conv1d(x, bank, stride, padding=n_taps)``.

    ``conv1d`` is a cross-correlation with zero padding of ``n_taps`` samples on both sides, so a signal of
    ``T`` samples gives ``(T + n_taps) // stride + 1`` frames (8705 for 8192 samples and 512 taps): the
    first and last frame are always 0. The FFT path computes the same full correlation with one FFT of
    the signal and of the (time-reversed) filters, a product and one inverse FFT per band, then takes
    every ``stride``-th frame: about ``n_bands · N·log N`` operations instead of ``n_bands · n_taps · T``.
    Outputs below the FFT's round-off floor (``eps·‖x‖·max ‖h‖`` per item) are set to exact zeros, so
    that on stretches of exact zeros (padding, digital silence) both paths give zeros and, after the
    ReLU, the same gradients.

    Args:
        waveform: ``[..., time]`` floating tensor with ``time >= 1``.
        bank: ``[n_bands, n_taps]`` filters, same dtype and device as ``waveform``.
        stride: hop between frames (default 1).
        method: ``"auto"`` (default: the cheaper of the two by an operation count), ``"fft"`` or ``"direct"``.

    Returns:
        ``[..., n_bands, frames]``.

    Raises:
        ValueError: bad shapes, stride or method.
        TypeError: non-float tensors, or a bank of another dtype or device.
    """
    check_tensor(waveform, "waveform", min_ndim=1)
    check_tensor(bank, "bank", ndim=2)
    check_min_length(waveform, 1, "waveform", "one sample")
    check_int(stride, "stride", minimum=1)
    check_choice(method, "method", FILTER_METHODS)
    if bank.dtype != waveform.dtype or bank.device != waveform.device:
        raise TypeError(
            f"bank must have the dtype and device of waveform ({waveform.dtype}, {waveform.device}), "
            f"got {bank.dtype}, {bank.device}"
        )
    n_bands, n_taps = bank.shape
    leading, length = waveform.shape[:-1], waveform.shape[-1]
    signal = waveform.reshape(-1, 1, length)
    if method == "auto":
        cheaper_fft = _fft_cost(n_bands, n_taps, length) < _direct_cost(n_bands, n_taps, length, stride)
        method = "fft" if cheaper_fft else "direct"
    if method == "direct":
        features = F.conv1d(signal, bank[:, None, :], stride=stride, padding=n_taps)
    else:
        frames = length + n_taps + 1  # the full correlation (length + n_taps - 1 lags) and conv1d's two zero frames
        size = _fft_size(frames)
        spectrum = torch.fft.rfft(signal, n=size)  # [N, 1, F]
        features = torch.fft.irfft(spectrum * _bank_spectrum(bank, size), n=size)[..., :frames:stride]
        features = _drop_round_off(features, signal, bank)
    return features.reshape(*leading, n_bands, features.shape[-1])


def _drop_round_off(features: torch.Tensor, signal: torch.Tensor, bank: torch.Tensor) -> torch.Tensor:
    """Set FFT-path outputs below the FFT's round-off floor to exact zeros, as ``conv1d`` gives them.

    Where the signal is exactly zero over a filter's span (zero padding, digital silence), ``conv1d``
    returns exact zeros but the FFT path returns round-off of either sign, about ``eps·‖x‖·‖h‖`` or less
    (measured: at most a fifth of ``eps·‖x‖·max_b ‖h_b‖``). A ReLU passes the positive ones, with a full
    gradient, so without this floor the two paths give different gradients on such stretches. Below the
    floor the FFT cannot tell a value's sign anyway, so zeroing it changes the forward value only within
    round-off and makes the gradients agree.
    """
    with torch.no_grad():
        floor = torch.finfo(features.dtype).eps * signal.flatten(1).norm(dim=1) * bank.norm(dim=1).max()
    return torch.where(features.abs() > floor[:, None, None], features, features.new_zeros(()))


_SPECTRUM_CACHE: dict = {}


def _bank_spectrum(bank: torch.Tensor, size: int) -> torch.Tensor:
    """``rfft`` of the time-reversed filters delayed by one sample, cached while ``bank`` lives unchanged.

    Convolving with the reversed filter is correlating with the filter; the one-sample delay puts
    conv1d's leading all-zero frame in front, so the inverse FFT's first ``length + n_taps + 1`` samples
    are exactly conv1d's output (``size`` leaves room, so nothing wraps around). The cache holds a weak
    reference to the bank and its version counter, so a modified or freed bank is never served stale.
    """
    if bank.requires_grad:
        return torch.fft.rfft(F.pad(bank.flip(-1), (1, 0)), n=size)
    key = (id(bank), size)
    entry = _SPECTRUM_CACHE.get(key)
    if entry is not None and entry[0]() is bank and entry[1] == bank._version:
        return entry[2]
    spectrum = torch.fft.rfft(F.pad(bank.flip(-1), (1, 0)), n=size)
    if len(_SPECTRUM_CACHE) > 32:
        _SPECTRUM_CACHE.clear()
    _SPECTRUM_CACHE[key] = (
        weakref.ref(bank, lambda _ref, key=key: _SPECTRUM_CACHE.pop(key, None)),
        bank._version,
        spectrum,
    )
    return spectrum


# ----------------------------------------------------------------------------------------------------
# Weighting
# ----------------------------------------------------------------------------------------------------


def a_weighting_db(frequency) -> torch.Tensor:
    """The A-weighting curve in dB (IEC 61672), as zounds computes it: ``2 + 20·log10(R_A(f))``.

    ``R_A(f) = 12194²·f⁴ / ((f² + 20.6²)·sqrt((f² + 107.7²)(f² + 737.9²))·(f² + 12194²))``; zounds writes
    12200 for 12194 and adds 2 dB (so 1 kHz sits near 0 dB).

    Args:
        frequency: tensor or number, Hz (> 0; 0 Hz is −inf dB).

    Returns:
        Tensor of the same shape, dB.
    """
    if isinstance(frequency, (int, float)) and not isinstance(frequency, bool):
        frequency = torch.tensor(float(frequency), dtype=torch.float64)
    check_tensor(frequency, "frequency")
    if frequency.numel() and bool((frequency <= 0).any()):
        raise ValueError("frequency must be > 0 Hz (the A-weighting is -inf dB at 0 Hz)")
    f2 = frequency.to(torch.float64) ** 2
    ratio = (12200.0**2) * f2**2 / ((f2 + 20.6**2) * torch.sqrt((f2 + 107.7**2) * (f2 + 737.9**2)) * (f2 + 12200.0**2))
    return (2.0 + 20 * torch.log10(ratio)).to(frequency.dtype)


def band_weights(centres: torch.Tensor, weighting: str | None) -> torch.Tensor:
    """One multiplier per band for ``weighting`` (see :data:`WEIGHTINGS`).

    Args:
        centres: ``[n_bands]`` centre frequencies, Hz (> 0 for the A-weightings).
        weighting: ``None`` (all ones), ``"a_db_offset"`` (zounds: ``1 + A − min A``, dB values used as
            linear multipliers, range 1 … ≈151 for 512 bands from 1 Hz) or ``"a_gain"`` (``10^(A/20)``).

    Returns:
        ``[n_bands]`` float64 multipliers.
    """
    check_tensor(centres, "centres", ndim=1)
    check_choice(weighting, "weighting", WEIGHTINGS)
    centres = centres.to(torch.float64)
    if weighting is None:
        return torch.ones_like(centres)
    a_db = a_weighting_db(centres)
    if weighting == "a_db_offset":
        return 1.0 + (a_db - a_db.min())
    return torch.pow(10.0, a_db / 20.0)


# ----------------------------------------------------------------------------------------------------
# The loss
# ----------------------------------------------------------------------------------------------------


def _check_waveform(x: torch.Tensor, name: str) -> None:
    check_tensor(x, name, ndim=(1, 2, 3))
    check_min_length(x, 1, name, "one sample")


def auditory_image(
    waveform: torch.Tensor,
    bank: torch.Tensor,
    *,
    stride: int = 1,
    log_factor: float = 10.0,
    weights: torch.Tensor | None = None,
    method: str = "auto",
) -> torch.Tensor:
    """The model's "auditory image": filter bank → half-wave rectification → ``log(1 + k·x)`` → weights.

    Args:
        waveform: ``[..., time]``.
        bank: ``[n_bands, n_taps]`` (e.g. :func:`bark_filter_bank`), dtype/device of ``waveform``.
        stride: hop between frames (default 1).
        log_factor: ``k`` in ``log(1 + k·x)`` (natural log; default 10).
        weights: ``[n_bands]`` multipliers applied after the log (default none).
        method: as in :func:`filter_bank_apply`.

    Returns:
        ``[..., n_bands, frames]``, all entries >= 0.
    """
    check_positive(log_factor, "log_factor")
    features = filter_bank_apply(waveform, bank, stride=stride, method=method)
    features = torch.log1p(log_factor * torch.relu(features))
    if weights is not None:
        check_tensor(weights, "weights", ndim=1)
        if weights.shape[0] != bank.shape[0]:
            raise ValueError(f"weights must have n_bands={bank.shape[0]} entries, got {weights.shape[0]}")
        features = features * weights.to(features)[:, None]
    return features


def _distance(input_features: torch.Tensor, target_features: torch.Tensor, distance: str, reduction: str):
    batch = input_features.shape[0] if input_features.dim() > 2 else 1
    a, b = input_features.reshape(batch, -1), target_features.reshape(batch, -1)
    if distance == "cosine":  # written out: fewer passes over the (large) images than F.cosine_similarity
        dot = torch.einsum("bi,bi->b", a, b)
        # clamp before the square root: sqrt(0) has an infinite derivative, and a silent image (digital
        # silence in, an all-zero auditory image out) would turn it into NaN gradients
        norm_product = torch.sqrt((torch.einsum("bi,bi->b", a, a) * torch.einsum("bi,bi->b", b, b)).clamp_min(1e-16))
        per_item = -dot / norm_product
    elif distance == "mse":
        per_item = (a - b).pow(2).mean(dim=1)
    else:
        per_item = (a - b).abs().mean(dim=1)
    if reduction == "none":
        return per_item
    return per_item.mean() if reduction == "mean" else per_item.sum()


def perceptual_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    sample_rate: int,
    n_bands: int = 512,
    n_taps: int = 512,
    f_min: float = 1.0,
    f_max: float | None = None,
    stride: int = 1,
    log_factor: float = 10.0,
    weighting: str | None = "a_db_offset",
    distance: str = "cosine",
    reduction: str = "mean",
    method: str = "auto",
) -> torch.Tensor:
    """Functional form of :class:`PerceptualLoss` (defaults: the original experiment's settings).

    Builds the filter bank on every call: build a :class:`PerceptualLoss` once to train with.

    Args:
        input: ``[batch, channels, time]``, ``[batch, time]`` or ``[time]``.
        target: same shape and dtype as ``input``.
        sample_rate: sample rate of the audio in Hz (required; the original experiment's is 11025).
        n_bands, n_taps, f_min, f_max, stride, log_factor, weighting, distance, reduction, method:
            as in :class:`PerceptualLoss`.

    Shape:
        input, target: ``[batch, channels, time]``, ``[batch, time]`` or ``[time]``; output: 0-dim, or
        ``[batch]`` with ``reduction="none"``.

    Returns:
        0-dim tensor, or ``[batch]`` with ``reduction="none"``.

    Example::

        >>> x = torch.randn(2, 1, 4096)
        >>> loss = perceptual_loss(x, x.flip(-1), sample_rate=11025, n_bands=32, n_taps=64)
        >>> loss.shape
        torch.Size([])

    Notebook: book/04_perceptual_loss.ipynb
    """
    module = PerceptualLoss(
        sample_rate=sample_rate,
        n_bands=n_bands,
        n_taps=n_taps,
        f_min=f_min,
        f_max=f_max,
        stride=stride,
        log_factor=log_factor,
        weighting=weighting,
        distance=distance,
        reduction=reduction,
        method=method,
    )
    return module.to(
        device=input.device if isinstance(input, torch.Tensor) else None,
        dtype=input.dtype if isinstance(input, torch.Tensor) and input.is_floating_point() else None,
    )(input, target)


class PerceptualLoss(nn.Module):
    """Vinyard's perceptually-inspired loss: Bark FIR bank → ReLU → ``log(1 + k·x)`` → weighting → distance.

    Defaults are the original experiment's settings (:data:`ORIGINAL_SETTINGS`); ``PerceptualLoss.original()``
    builds exactly those. The filter bank and the band weights are registered buffers: they follow
    ``.to(device/dtype)`` and are saved in ``state_dict``.

    Args:
        sample_rate: sample rate of the audio, Hz (required; ``original()`` uses the experiment's 11025).
        n_bands: filter-bank bands (default 512).
        n_taps: taps per FIR filter (default 512).
        f_min: centre of the lowest band, Hz (default 1).
        f_max: centre of the highest band, Hz (default Nyquist).
        stride: hop between the bank's output frames (zounds' ``lap``; default 1: every sample).
        log_factor: ``k`` in ``log(1 + k·x)`` (default 10).
        weighting: ``"a_db_offset"`` (default, the original: A-weighting dB values as multipliers),
            ``"a_gain"`` or ``None``.
        distance: ``"cosine"`` (default: ``−cos(image_in, image_target)`` per item, minimum −1),
            ``"mse"`` or ``"l1"``.
        reduction: ``"mean"`` (default) or ``"sum"`` over the batch, or ``"none"`` (``[batch]``).
        method: filtering by ``"auto"`` (default: FFT when cheaper), ``"fft"`` or ``"direct"`` conv1d;
            both give the same values and gradients (up to round-off), also on stretches of exact zeros.
        bump_endpoint: the filter design of zounds of 2018 (``True``) or since 2020 (default ``False``);
            see :func:`bark_filter_bank`.

    A silent input or target (an all-zero auditory image) gives a finite loss and finite gradients: the
    cosine distance is then 0, as in zounds, whose ``F.cosine_similarity`` clamps the norms.

    Under ``torch.autocast`` the loss runs in float32 (autocast off inside, half-precision inputs cast up):
    the bank's convolution and the log compression need float32's digits.

    Shape:
        input, target: ``[batch, channels, time]``, ``[batch, time]`` or ``[time]`` (one item); each item
        (first axis) is flattened into one vector before the distance. Output: 0-dim, or ``[batch]`` with
        ``reduction="none"``. Every distance is per item, so a batch sharded across processes
        (``DistributedDataParallel``) gives the gradients of the whole batch.

    Example::

        >>> loss = PerceptualLoss(sample_rate=16000, n_bands=64, n_taps=128)
        >>> x = torch.randn(2, 1, 4096, requires_grad=True)
        >>> loss(x, torch.randn(2, 1, 4096)).backward()

    Notebook: book/04_perceptual_loss.ipynb
    """

    def __init__(
        self,
        *,
        sample_rate: int,
        n_bands: int = 512,
        n_taps: int = 512,
        f_min: float = 1.0,
        f_max: float | None = None,
        stride: int = 1,
        log_factor: float = 10.0,
        weighting: str | None = "a_db_offset",
        distance: str = "cosine",
        reduction: str = "mean",
        method: str = "auto",
        bump_endpoint: bool = False,
    ):
        super().__init__()
        check_int(stride, "stride", minimum=1)
        check_positive(log_factor, "log_factor")
        check_choice(weighting, "weighting", WEIGHTINGS)
        check_choice(distance, "distance", DISTANCES)
        check_choice(reduction, "reduction", REDUCTIONS)
        check_choice(method, "method", FILTER_METHODS)
        bank = bark_filter_bank(n_bands, n_taps, sample_rate, f_min, f_max, bump_endpoint=bump_endpoint)
        f_max = sample_rate / 2 if f_max is None else f_max
        centres = bark_centres(n_bands, f_min, f_max)
        if weighting is not None and float(centres[0]) <= 0:
            raise ValueError("f_min must be > 0 Hz with an A-weighting (it is -inf dB at 0 Hz)")
        self.sample_rate, self.n_bands, self.n_taps = sample_rate, n_bands, n_taps
        self.f_min, self.f_max, self.stride, self.log_factor = float(f_min), float(f_max), stride, float(log_factor)
        self.weighting, self.distance, self.reduction, self.method = weighting, distance, reduction, method
        self.bump_endpoint = bump_endpoint
        self.register_buffer("bank", bank)
        self.register_buffer("weights", band_weights(centres, weighting).float())
        self.register_buffer("centres", centres.float())

    @classmethod
    def original(cls, **overrides) -> PerceptualLoss:
        """The blog experiment's settings (:data:`ORIGINAL_SETTINGS`) on zounds' filter design as of 2020.

        This is the loss chapter 4's experiment trained with. Its bank follows zounds after March 2020 (the
        Gaussian bump without its end point); the blog's own run in July 2018 used the earlier design, see
        :meth:`blog_2018`. Keyword arguments override single settings.
        """
        return cls(**{**ORIGINAL_SETTINGS, **overrides})

    @classmethod
    def blog_2018(cls, **overrides) -> PerceptualLoss:
        """The blog experiment's settings on zounds' filter design of 2018 (``bump_endpoint=True``).

        zounds' ``fir_filter_bank`` placed the bump's last point on each band's upper edge until March 2020;
        the blog experiment (July 2018) ran on that version. Keyword arguments override single settings.
        """
        return cls(**{**ORIGINAL_SETTINGS, "bump_endpoint": True, **overrides})

    def extra_repr(self) -> str:
        return (
            f"sample_rate={self.sample_rate}, n_bands={self.n_bands}, n_taps={self.n_taps}, "
            f"f_min={self.f_min}, f_max={self.f_max}, stride={self.stride}, log_factor={self.log_factor}, "
            f"weighting={self.weighting!r}, distance={self.distance!r}, reduction={self.reduction!r}"
            + (", bump_endpoint=True" if self.bump_endpoint else "")
        )

    def features(self, waveform: torch.Tensor) -> torch.Tensor:
        """The auditory image of ``waveform`` ``[..., time]`` → ``[..., n_bands, frames]``."""
        _check_waveform(waveform, "waveform")
        if waveform.dtype != self.bank.dtype or waveform.device != self.bank.device:
            raise TypeError(
                f"waveform ({waveform.dtype}, {waveform.device}) must match the loss's buffers "
                f"({self.bank.dtype}, {self.bank.device}); call .to() on the loss"
            )
        weights = None if self.weighting is None else self.weights
        return auditory_image(
            waveform, self.bank, stride=self.stride, log_factor=self.log_factor, weights=weights, method=self.method
        )

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The distance between the auditory images of ``input`` and ``target`` (see the class docstring)."""
        return self._forward(input, target)

    @float32_inside
    def _forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        _check_waveform(input, "input")
        _check_waveform(target, "target")
        check_same_shape(input, target, "input", "target")
        if input.dtype != target.dtype:
            raise TypeError(f"input and target must have the same dtype, got {input.dtype} and {target.dtype}")
        return _distance(self.features(input), self.features(target), self.distance, self.reduction)

    def distance_between(self, input_image: torch.Tensor, target_image: torch.Tensor) -> torch.Tensor:
        """The loss from two auditory images (:meth:`features`), e.g. a target's image computed once.

        Args:
            input_image, target_image: ``[..., n_bands, frames]`` of the same shape.

        Returns:
            As :meth:`forward`.
        """
        check_tensor(input_image, "input_image", min_ndim=2, finite=False)  # images of checked waveforms: skip
        check_tensor(target_image, "target_image", min_ndim=2, finite=False)  # a full pass over 4.5M values
        check_same_shape(input_image, target_image, "input_image", "target_image")
        return _distance(input_image, target_image, self.distance, self.reduction)
