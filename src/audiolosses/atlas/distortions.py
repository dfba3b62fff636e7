"""Controlled, parameterised distortions with a severity axis (the :data:`DISTORTIONS` registry).

Part of :mod:`audiolosses.atlas`. Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real

import torch

from .. import audio
from .._validation import check_choice, check_int, check_positive, check_sample_rate, check_tensor
from ..spectral import hann_window
from .settings import SAMPLE_RATE

# --------------------------------------------------------------------------------------------------
# Distortions
# --------------------------------------------------------------------------------------------------


def _check_number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _check_waveform(waveform, name: str = "waveform") -> torch.Tensor:
    check_tensor(waveform, name, min_ndim=1)
    if waveform.shape[-1] == 0:
        raise ValueError(f"{name} is empty: shape {tuple(waveform.shape)}")
    return waveform


def apply_gain(waveform: torch.Tensor, gain_db: float) -> torch.Tensor:
    """Scale a waveform by a gain in dB, ``waveform · 10^(gain_db / 20)``.

    Args:
        waveform: Float tensor shaped ``[..., time]``.
        gain_db: Gain in dB (negative: quieter).

    Returns:
        torch.Tensor: The scaled waveform, same shape and dtype.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``gain_db`` not a number.
        ValueError: If ``waveform`` is empty or holds NaN/Inf, or ``gain_db`` is not finite.
    """
    _check_waveform(waveform)
    gain_db = _check_number(gain_db, "gain_db")
    return waveform * 10.0 ** (gain_db / 20.0)


def delay(waveform: torch.Tensor, samples: int) -> torch.Tensor:
    """Delay a waveform by whole samples, keeping its length (zeros in front, the tail cut off).

    Args:
        waveform: Float tensor shaped ``[..., time]``.
        samples: Delay in samples, ``0 <= samples < time``.

    Returns:
        torch.Tensor: ``y[..., n] = waveform[..., n - samples]`` (0 for ``n < samples``), same shape.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``samples`` not an int.
        ValueError: If ``samples`` is negative or not shorter than the waveform.
    """
    _check_waveform(waveform)
    check_int(samples, "samples", minimum=0)
    length = waveform.shape[-1]
    if samples >= length:
        raise ValueError(f"samples must be shorter than the waveform ({length} samples), got {samples}")
    if samples == 0:
        return waveform.clone()
    return torch.nn.functional.pad(waveform, (samples, 0))[..., :length]


def flip_polarity(waveform: torch.Tensor, flipped: bool = True) -> torch.Tensor:
    """Invert the polarity of a waveform (``-waveform``), the one-point severity axis ``flipped``.

    Args:
        waveform: Float tensor shaped ``[..., time]``.
        flipped: ``True`` (default) inverts; ``False`` returns a copy.

    Returns:
        torch.Tensor: ``-waveform`` (or a copy), same shape.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``flipped`` not a bool.
        ValueError: If ``waveform`` is empty or holds NaN/Inf.
    """
    _check_waveform(waveform)
    if not isinstance(flipped, bool):
        raise TypeError(f"flipped must be a bool, got {type(flipped).__name__}")
    return -waveform if flipped else waveform.clone()


def randomize_phase(
    waveform: torch.Tensor, amount: float, *, seed: int = 0, n_fft: int = 1024, hop_length: int = 256
) -> torch.Tensor:
    """Randomise the STFT phase and keep the STFT magnitude, then resynthesise.

    Every bin's phase is shifted by ``amount · π · u`` with ``u`` uniform in ``[-1, 1)`` (seeded), the
    magnitude is left as it is, and the result is inverted by overlap-add (periodic Hann window,
    ``center=True``). The modified STFT is no longer the STFT of any signal: overlapping frames with unrelated
    phases partly cancel (about −6 dB at ``amount = 1``), so each row is scaled back to its input RMS. The
    resynthesised sound's spectrum is then close to, not equal to, the original's; ``amount = 1`` makes every
    phase uniformly random.

    Args:
        waveform: Float tensor shaped ``[..., time]`` with at least ``n_fft // 2 + 1`` samples.
        amount: Phase noise in units of π, ``0 <= amount <= 1``.
        seed: Seed of a private generator (default 0); the global RNG is not touched.
        n_fft: FFT size (default 1024).
        hop_length: Hop in samples (default 256).

    Returns:
        torch.Tensor: The resynthesised waveform, same shape and dtype (``amount = 0`` gives the input back
        to rounding).

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or a setting has the wrong type.
        ValueError: If ``amount`` is outside ``[0, 1]``, the waveform is too short or holds NaN/Inf.
    """
    _check_waveform(waveform)
    amount = _check_number(amount, "amount")
    if not 0.0 <= amount <= 1.0:
        raise ValueError(f"amount must be in [0, 1] (units of pi), got {amount}")
    check_int(seed, "seed")
    check_int(n_fft, "n_fft", minimum=2)
    check_int(hop_length, "hop_length", minimum=1)
    if waveform.shape[-1] < n_fft // 2 + 1:
        raise ValueError(
            f"waveform is too short: {waveform.shape[-1]} samples, need at least {n_fft // 2 + 1} (n_fft={n_fft})"
        )
    shape = waveform.shape
    flat = waveform.reshape(-1, shape[-1])
    window = hann_window(n_fft, dtype=waveform.dtype)
    spectrum = torch.stft(flat, n_fft, hop_length, n_fft, window=window, center=True, return_complex=True)
    generator = torch.Generator().manual_seed(seed)
    uniform = torch.rand(spectrum.shape, generator=generator, dtype=torch.float64) * 2.0 - 1.0
    rotation = torch.polar(torch.ones_like(uniform), amount * math.pi * uniform).to(spectrum.dtype)
    out = torch.istft(spectrum * rotation, n_fft, hop_length, n_fft, window=window, center=True, length=shape[-1])
    # overlapping frames with unrelated phases add incoherently and lose level (about 6 dB at amount 1):
    # restore each row's RMS so that the distortion changes the phase, not the loudness
    rms_in, rms_out = flat.pow(2).mean(-1, keepdim=True).sqrt(), out.pow(2).mean(-1, keepdim=True).sqrt()
    out = torch.where(rms_out > 0, out * rms_in / rms_out.clamp_min(1e-30), out)
    return out.reshape(shape)


def _check_snr(snr_db) -> float:
    return _check_number(snr_db, "snr_db")


def add_white_noise(waveform: torch.Tensor, snr_db: float, *, seed: int = 0) -> torch.Tensor:
    """Add seeded white Gaussian noise at an exact SNR (:func:`audiolosses.audio.add_noise`).

    Args:
        waveform: Float tensor shaped ``[..., time]``, no silent row.
        snr_db: ``10·log10(mean(waveform²) / mean(noise²))`` per row, dB.
        seed: Seed of the noise (default 0).

    Returns:
        torch.Tensor: ``waveform + noise``, same shape and dtype.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``snr_db`` not a number.
        ValueError: If ``snr_db`` is not finite, or ``waveform`` holds NaN/Inf or a silent row.
    """
    _check_waveform(waveform)
    snr_db = _check_snr(snr_db)
    check_int(seed, "seed")
    return audio.add_noise(waveform, snr_db, generator=torch.Generator().manual_seed(seed))


def add_pink_noise(waveform: torch.Tensor, snr_db: float, *, seed: int = 0) -> torch.Tensor:
    """Add seeded pink (1/f) noise at an exact SNR (:func:`audiolosses.audio.colored_noise` and
    :func:`audiolosses.audio.mix_at_snr`).

    Args:
        waveform: Float tensor shaped ``[..., time]``, not silent.
        snr_db: ``10·log10(Σ waveform² / Σ noise²)`` per item (first axis), dB.
        seed: Seed of the noise (default 0); every row gets its own draw.

    Returns:
        torch.Tensor: ``waveform + noise``, same shape and dtype.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``snr_db`` not a number.
        ValueError: If ``snr_db`` is not finite, ``waveform`` holds NaN/Inf, is silent or shorter than 2
            samples.
    """
    _check_waveform(waveform)
    snr_db = _check_snr(snr_db)
    check_int(seed, "seed")
    if bool(waveform.pow(2).sum() == 0):
        raise ValueError("waveform is silent (all zeros): the SNR of silence is undefined")
    rows = waveform.reshape(-1, waveform.shape[-1])
    noise = torch.stack(
        [audio.colored_noise(rows.shape[-1], 1.0, seed=seed + i, dtype=waveform.dtype) for i in range(rows.shape[0])]
    ).reshape(waveform.shape)
    return audio.mix_at_snr(waveform, noise, snr_db)[0]


def _check_cutoff(cutoff_hz, sample_rate) -> float:
    check_sample_rate(sample_rate)
    cutoff_hz = check_positive(cutoff_hz, "cutoff_hz")
    if cutoff_hz >= sample_rate / 2:
        raise ValueError(f"cutoff_hz must be below sample_rate / 2 = {sample_rate / 2:g} Hz, got {cutoff_hz:g}")
    return cutoff_hz


def low_pass(waveform: torch.Tensor, cutoff_hz: float, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """Ideal zero-phase low-pass: remove every frequency above ``cutoff_hz`` (:func:`audiolosses.audio.low_pass`).

    Args:
        waveform: Float tensor shaped ``[..., time]``.
        cutoff_hz: Highest frequency kept, ``0 < cutoff_hz < sample_rate / 2``.
        sample_rate: Sample rate in Hz (default 22050).

    Returns:
        torch.Tensor: The filtered waveform, same shape and dtype.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``sample_rate`` not an int.
        ValueError: If ``cutoff_hz`` is outside ``(0, sample_rate / 2)`` or ``waveform`` holds NaN/Inf.
    """
    _check_waveform(waveform)
    cutoff_hz = _check_cutoff(cutoff_hz, sample_rate)
    return audio.low_pass(waveform, cutoff_hz, sample_rate)


def high_pass(waveform: torch.Tensor, cutoff_hz: float, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """Ideal zero-phase high-pass: remove every frequency below ``cutoff_hz`` (:func:`audiolosses.audio.high_pass`).

    Args:
        waveform: Float tensor shaped ``[..., time]``.
        cutoff_hz: Lowest frequency kept, ``0 < cutoff_hz < sample_rate / 2``.
        sample_rate: Sample rate in Hz (default 22050).

    Returns:
        torch.Tensor: The filtered waveform, same shape and dtype.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``sample_rate`` not an int.
        ValueError: If ``cutoff_hz`` is outside ``(0, sample_rate / 2)`` or ``waveform`` holds NaN/Inf.
    """
    _check_waveform(waveform)
    cutoff_hz = _check_cutoff(cutoff_hz, sample_rate)
    return audio.high_pass(waveform, cutoff_hz, sample_rate)


def hard_clip(waveform: torch.Tensor, threshold_db: float) -> torch.Tensor:
    """Hard-clip a waveform at a threshold relative to its own peak.

    Every row is clipped at ``±t`` with ``t = peak · 10^(threshold_db / 20)``, where ``peak`` is the row's
    largest absolute sample.

    Args:
        waveform: Float tensor shaped ``[..., time]``, no silent row.
        threshold_db: Clipping threshold in dB re. the peak, ``<= 0`` (0 leaves the waveform unchanged).

    Returns:
        torch.Tensor: ``clamp(waveform, -t, t)``, same shape and dtype.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``threshold_db`` not a number.
        ValueError: If ``threshold_db > 0`` or not finite, or a row is silent or holds NaN/Inf.
    """
    _check_waveform(waveform)
    threshold_db = _check_number(threshold_db, "threshold_db")
    if threshold_db > 0:
        raise ValueError(f"threshold_db must be <= 0 dB re. the peak, got {threshold_db}")
    peak = waveform.abs().amax(dim=-1, keepdim=True)
    if bool((peak == 0).any()):
        raise ValueError("waveform has a silent row (all zeros): it has no peak to clip relative to")
    threshold = peak * 10.0 ** (threshold_db / 20.0)
    return torch.maximum(torch.minimum(waveform, threshold), -threshold)


def quantize(waveform: torch.Tensor, bits: int) -> torch.Tensor:
    """Uniform mid-tread quantisation to ``bits`` bits over full scale ``[-1, 1)``.

    The step is ``Δ = 2 / 2^bits = 2^(1 - bits)``; every sample is rounded to the nearest multiple of
    ``Δ`` and the result is limited to the codes ``[-1, 1 - Δ]``, as a ``bits``-bit PCM file stores it.

    Args:
        waveform: Float tensor shaped ``[..., time]``, full scale ±1.
        bits: Bits per sample, 2 … 24.

    Returns:
        torch.Tensor: The quantised waveform, same shape and dtype.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``bits`` not an int.
        ValueError: If ``bits`` is outside 2 … 24 or ``waveform`` holds NaN/Inf.
    """
    _check_waveform(waveform)
    check_int(bits, "bits", minimum=2)
    if bits > 24:
        raise ValueError(f"bits must be at most 24, got {bits}")
    step = 2.0 ** (1 - bits)
    return (torch.round(waveform / step) * step).clamp(-1.0, 1.0 - step)


def dropout(waveform: torch.Tensor, duration_ms: float, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """Silence a short stretch of the waveform where it is loudest.

    The stretch is ``round(duration_ms · sample_rate / 1000)`` samples long and starts where the energy of
    a window of that length (summed over every row) is largest: the most audible place for a dropout.

    Args:
        waveform: Float tensor shaped ``[..., time]``.
        duration_ms: Length of the dropout in milliseconds, at least one sample and shorter than the clip.
        sample_rate: Sample rate in Hz (default 22050).

    Returns:
        torch.Tensor: A copy with the stretch set to 0, same shape and dtype.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``sample_rate`` not an int.
        ValueError: If the duration is under one sample or not shorter than the waveform.
    """
    _check_waveform(waveform)
    check_sample_rate(sample_rate)
    duration_ms = check_positive(duration_ms, "duration_ms")
    length = round(duration_ms * sample_rate / 1000.0)
    if length < 1 or length >= waveform.shape[-1]:
        raise ValueError(
            f"duration_ms must give between 1 and {waveform.shape[-1] - 1} samples at {sample_rate} Hz, "
            f"got {duration_ms} ms = {length} samples"
        )
    energy = waveform.detach().to(torch.float64).pow(2).reshape(-1, waveform.shape[-1]).sum(dim=0)
    window_energy = energy.unfold(0, length, 1).sum(dim=-1)
    start = int(window_energy.argmax())
    out = waveform.clone()
    out[..., start : start + length] = 0.0
    return out


@dataclass(frozen=True)
class Distortion:
    """One entry of the :data:`DISTORTIONS` registry.

    Attributes:
        name: The registry key.
        label: A short description for plots.
        unit: The severity's unit.
        grid: Severities, mild → severe.
        worse: ``"higher"`` if a larger severity value is worse, ``"lower"`` if a smaller one is.
        family: The distortion family used for the per-family correlations (:data:`FAMILIES`).
        function: ``function(waveform, severity, sample_rate, seed)`` → distorted waveform.
    """

    name: str
    label: str
    unit: str
    grid: tuple
    worse: str
    family: str
    function: Callable[[torch.Tensor, float, int, int], torch.Tensor]

    def __call__(self, waveform: torch.Tensor, severity, sample_rate: int = SAMPLE_RATE, seed: int = 0):
        """Apply the distortion: ``function(waveform, severity, sample_rate, seed)``.

        Args:
            waveform: Float tensor shaped ``[..., time]``.
            severity: The severity, in :attr:`unit`.
            sample_rate: Sample rate in Hz (default 22050).
            seed: Seed of the random distortions (default 0).

        Returns:
            torch.Tensor: The distorted waveform, same shape and dtype.
        """
        return self.function(waveform, severity, sample_rate, seed)


#: The distortion families, in the chapter's order.
FAMILIES: tuple[str, ...] = ("level", "time/phase", "noise", "filter", "nonlinear", "dropout")

#: name → :class:`Distortion`, in the chapter's order; every grid runs from mild to severe.
DISTORTIONS: dict[str, Distortion] = {
    d.name: d
    for d in (
        Distortion(
            "gain",
            "gain",
            "dB",
            (-0.5, -1.0, -3.0, -6.0, -12.0),
            "lower",
            "level",
            lambda x, s, sr, seed: apply_gain(x, s),
        ),
        Distortion(
            "polarity",
            "polarity flip",
            "flipped",
            (1,),
            "higher",
            "level",
            lambda x, s, sr, seed: flip_polarity(x, bool(s)),
        ),
        Distortion(
            "delay",
            "delay",
            "samples",
            (1, 4, 16, 64, 256),
            "higher",
            "time/phase",
            lambda x, s, sr, seed: delay(x, int(s)),
        ),
        Distortion(
            "phase",
            "phase randomisation",
            "x pi",
            (0.1, 0.25, 0.5, 1.0),
            "higher",
            "time/phase",
            lambda x, s, sr, seed: randomize_phase(x, s, seed=seed),
        ),
        Distortion(
            "white_noise",
            "white noise",
            "dB SNR",
            (40.0, 30.0, 20.0, 10.0, 0.0),
            "lower",
            "noise",
            lambda x, s, sr, seed: add_white_noise(x, s, seed=seed),
        ),
        Distortion(
            "pink_noise",
            "pink noise",
            "dB SNR",
            (40.0, 30.0, 20.0, 10.0, 0.0),
            "lower",
            "noise",
            lambda x, s, sr, seed: add_pink_noise(x, s, seed=seed),
        ),
        Distortion(
            "low_pass",
            "low-pass",
            "Hz",
            (8000.0, 4000.0, 2000.0, 1000.0, 500.0),
            "lower",
            "filter",
            lambda x, s, sr, seed: low_pass(x, s, sr),
        ),
        Distortion(
            "high_pass",
            "high-pass",
            "Hz",
            (100.0, 250.0, 500.0, 1000.0, 2000.0),
            "higher",
            "filter",
            lambda x, s, sr, seed: high_pass(x, s, sr),
        ),
        Distortion(
            "clipping",
            "hard clipping",
            "dB re. peak",
            (-1.0, -3.0, -6.0, -12.0, -20.0),
            "lower",
            "nonlinear",
            lambda x, s, sr, seed: hard_clip(x, s),
        ),
        Distortion(
            "quantization",
            "quantisation",
            "bits",
            (12, 10, 8, 6, 4),
            "lower",
            "nonlinear",
            lambda x, s, sr, seed: quantize(x, int(s)),
        ),
        Distortion(
            "dropout",
            "dropout",
            "ms",
            (5.0, 10.0, 20.0, 50.0, 100.0),
            "higher",
            "dropout",
            lambda x, s, sr, seed: dropout(x, s, sr),
        ),
    )
}


def distort(
    waveform: torch.Tensor, name: str, severity, sample_rate: int = SAMPLE_RATE, *, seed: int = 0
) -> torch.Tensor:
    """Apply the registry's distortion ``name`` at ``severity``.

    Args:
        waveform: Float tensor shaped ``[..., time]``.
        name: A key of :data:`DISTORTIONS`.
        severity: The severity in the distortion's unit (any value its function accepts, not only the grid's).
        sample_rate: Sample rate in Hz (default 22050).
        seed: Seed of the random distortions (noise, phase); default 0.

    Returns:
        torch.Tensor: The distorted waveform, same shape and dtype.

    Raises:
        ValueError: If ``name`` is unknown, or the distortion rejects the severity or the waveform.
        TypeError: On wrong argument types.
    """
    check_choice(name, "name", tuple(DISTORTIONS))
    check_sample_rate(sample_rate)
    return DISTORTIONS[name](waveform, severity, sample_rate, seed)
