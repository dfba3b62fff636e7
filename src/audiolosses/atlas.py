"""A loss response atlas: every waveform loss of the package against controlled distortions.

The atlas asks one question of every loss: *what does it notice?* A reference sound is damaged in
controlled, parameterised ways, each with a severity axis (the :data:`DISTORTIONS` registry):

- **level and time**: a gain (dB), a delay (samples), a polarity flip, a phase randomisation that keeps
  the STFT magnitude;
- **additive noise**: white and pink noise at a signal-to-noise ratio;
- **filtering**: an ideal low-pass and high-pass at a cut-off;
- **non-linear damage**: hard clipping at a threshold below the peak, quantisation to a number of bits;
- **a dropout**: a short stretch of silence where the sound is loudest.

:class:`LossSuite` evaluates the package's waveform losses on a (reference, distorted) pair with one
call: MSE and L1 on the samples, Relative Volume Mel (overall and its four bands, chapter 2), HiFi-GAN's
mel L1 (chapter 3), the perceptual loss with cosine and MSE distances (chapter 4), the multi-resolution
STFT loss of Parallel WaveGAN {Yamamoto et al. 2020} at auraloss's settings {Steinmetz and Reiss 2020}
(chapter 8) and the negative SI-SDR {Le Roux et al. 2019} (chapter 9). The component loss (chapter 5) scores a *mask* given the true speech and
noise, not a pair of waveforms, so it enters the atlas only through :func:`component_curve` (the ideal
mask of a noisy mixture against the SNR). The KL term (chapter 6) scores a latent distribution against a
prior and never sees audio, so it has no place here.

``python -m audiolosses.atlas --out <dir>`` computes the whole atlas for the example sounds, together
with two outside judges on the speech example, wide-band PESQ (ITU-T P.862.2, the ``pesq`` package) and
STOI {Taal et al. 2011} (the ``pystoi`` package), and writes ``atlas.json`` and a provenance
``README.md``; :func:`load_results` reads it back (by default the copy shipped in
``audiolosses/data/atlas/``).

Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import platform
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

import torch

from . import audio, component, hifigan, perceptual, rvm, sdr, stft_loss
from ._validation import check_choice, check_int, check_positive, check_sample_rate, check_tensor
from .spectral import hann_window

__all__ = [
    "SAMPLE_RATE",
    "RESULTS_DIR",
    "PERCEPTUAL_SETTINGS",
    "JUDGE_RATE",
    "LOSSES",
    "FAMILIES",
    "Distortion",
    "DISTORTIONS",
    "apply_gain",
    "delay",
    "flip_polarity",
    "randomize_phase",
    "add_white_noise",
    "add_pink_noise",
    "low_pass",
    "high_pass",
    "hard_clip",
    "quantize",
    "dropout",
    "distort",
    "LossSuite",
    "evaluate_losses",
    "judge",
    "component_curve",
    "compute_atlas",
    "write_results",
    "load_results",
    "normalized_response",
    "response_curves",
    "judge_correlations",
    "main",
]

#: Sample rate of the atlas in Hz, the example clips' own rate and HiFi-GAN's.
SAMPLE_RATE: int = 22050

#: Folder of the committed results (``atlas.json`` and its ``README.md``).
RESULTS_DIR: Path = Path(__file__).resolve().parent / "data" / "atlas"

#: The losses of :class:`LossSuite`, in the order the chapter shows them.
LOSSES: tuple[str, ...] = (
    "mse",
    "l1",
    "rvm",
    "rvm_0",
    "rvm_1",
    "rvm_2",
    "rvm_3",
    "hifigan_mel",
    "perceptual_cosine",
    "perceptual_mse",
    "mrstft",
    "si_sdr",
)

#: Settings of the perceptual loss in the atlas, the original's 11025 Hz and 512 taps but 128 Bark bands
#: and a stride of 4 samples (the original has 512 bands at stride 1), so that the atlas runs on a CPU.
PERCEPTUAL_SETTINGS: dict = dict(sample_rate=11025, n_bands=128, n_taps=512, stride=4)

#: The judges' sample rate in Hz (wide-band PESQ is defined at 16 kHz).
JUDGE_RATE: int = 16000

RESULTS_FILE = "atlas.json"
FORMAT_VERSION = 1


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


# --------------------------------------------------------------------------------------------------
# The losses, uniformly
# --------------------------------------------------------------------------------------------------


def _as_batch(waveform: torch.Tensor, name: str) -> torch.Tensor:
    check_tensor(waveform, name, ndim=(1, 2))
    waveform = waveform if waveform.dim() == 2 else waveform[None]
    return waveform[None]  # [1, channels, time]


class LossSuite:
    """Every waveform loss of the package, evaluated on a (reference, distorted) pair with one call.

    The losses (:data:`LOSSES`), each "lower is better":

    - ``mse``, ``l1``: mean squared and absolute sample difference;
    - ``rvm``, ``rvm_0`` … ``rvm_3``: :func:`audiolosses.rvm.relative_volume_mel`, overall and
      its four bands low → high, with the mel scale at the atlas's rate (its other settings as audiocraft's);
    - ``hifigan_mel``: :func:`audiolosses.hifigan.mel_loss`, HiFi-GAN's 22.05 kHz settings (the clips' rate);
    - ``perceptual_cosine``, ``perceptual_mse``: :class:`audiolosses.perceptual.PerceptualLoss` with both
      signals resampled to 11025 Hz and :data:`PERCEPTUAL_SETTINGS` (cosine: −cos, −1 is a perfect match);
    - ``mrstft``: :class:`audiolosses.stft_loss.MultiResolutionSTFTLoss` with auraloss 0.4.0's defaults
      (``.auraloss()``: FFT sizes 1024, 2048, 512; spectral convergence + log-magnitude L1), equal to
      ``auraloss.freq.MultiResolutionSTFTLoss()`` (chapter 8);
    - ``si_sdr``: :func:`audiolosses.sdr.si_sdr_loss`, the negative SI-SDR in dB (zero mean; chapter 9).

    Args:
        sample_rate: Sample rate of the pairs, Hz (default 22050; the HiFi-GAN mel loss requires 22050).
        dtype: Floating dtype of the pairs (default float32); float64 for the optimisation demos.

    Raises:
        ValueError: If ``sample_rate`` is not 22050 or ``dtype`` is not floating.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, dtype: torch.dtype = torch.float32):
        check_sample_rate(sample_rate, expected=SAMPLE_RATE)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise ValueError(f"dtype must be a floating torch dtype, got {dtype!r}")
        self.sample_rate, self.dtype = sample_rate, dtype
        self.perceptual = perceptual.PerceptualLoss(**PERCEPTUAL_SETTINGS, distance="cosine").to(dtype)
        self.perceptual_mse = perceptual.PerceptualLoss(**PERCEPTUAL_SETTINGS, distance="mse").to(dtype)
        self.mrstft = stft_loss.MultiResolutionSTFTLoss.auraloss().to(dtype)

    def _to_perceptual_rate(self, x: torch.Tensor) -> torch.Tensor:
        return audio.resample(x, self.sample_rate, PERCEPTUAL_SETTINGS["sample_rate"])

    def loss(self, name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """A differentiable loss function for one of :data:`LOSSES`, for gradient descent.

        Args:
            name: One of :data:`LOSSES`.

        Returns:
            Callable: ``loss(estimate, reference)`` → 0-dim tensor, for ``[batch, channels, time]`` inputs at the
            suite's rate and dtype (the faithful RVM has NaN and zero gradients, chapter 2; use
            :func:`audiolosses.rvm.relative_volume_mel_loss` to train with RVM).

        Raises:
            ValueError: If ``name`` is not one of :data:`LOSSES`.
        """
        check_choice(name, "name", LOSSES)
        sr = self.sample_rate
        if name == "mse":
            return lambda est, ref: (est - ref).pow(2).mean()
        if name == "l1":
            return lambda est, ref: (est - ref).abs().mean()
        if name.startswith("rvm"):
            return lambda est, ref: rvm.relative_volume_mel(est, ref, sample_rate=sr)[name]
        if name == "hifigan_mel":
            return lambda est, ref: hifigan.mel_loss(est, ref, sample_rate=sr)
        if name == "mrstft":
            return lambda est, ref: self.mrstft(est, ref)
        if name == "si_sdr":
            return lambda est, ref: sdr.si_sdr_loss(est, ref)
        module = self.perceptual if name == "perceptual_cosine" else self.perceptual_mse
        return lambda est, ref: module(self._to_perceptual_rate(est), self._to_perceptual_rate(ref))

    def __call__(self, distorted: torch.Tensor, reference: torch.Tensor) -> dict[str, float]:
        """Every loss of :data:`LOSSES` for one pair, the estimate first (as :meth:`loss` and every loss).

        Args:
            distorted: The estimate, ``[time]`` or ``[channels, time]`` float tensor at the suite's rate and dtype.
            reference: The reference, same shape and dtype.

        Returns:
            dict[str, float]: loss name → value.

        Raises:
            TypeError: If an input is not a floating-point tensor of the suite's dtype.
            ValueError: If the shapes differ, an input holds NaN/Inf or is shorter than 2048 samples (the
                longest STFT window).
        """
        ref, est = _as_batch(reference, "reference"), _as_batch(distorted, "distorted")
        if ref.shape != est.shape:
            raise ValueError(
                f"reference and distorted must have the same shape, got {tuple(reference.shape)} "
                f"and {tuple(distorted.shape)}"
            )
        for tensor, label in ((ref, "reference"), (est, "distorted")):
            if tensor.dtype != self.dtype:
                raise TypeError(f"{label} must be {self.dtype} (the suite's dtype), got {tensor.dtype}")
        if ref.shape[-1] < 2048:
            raise ValueError(f"reference is too short: {ref.shape[-1]} samples, need at least 2048 (n_fft 2048)")
        with torch.no_grad():
            values = {"mse": (est - ref).pow(2).mean(), "l1": (est - ref).abs().mean()}
            values.update(rvm.relative_volume_mel(est, ref, sample_rate=self.sample_rate))
            values["hifigan_mel"] = hifigan.mel_loss(est, ref, sample_rate=self.sample_rate)
            ref_low, est_low = self._to_perceptual_rate(ref), self._to_perceptual_rate(est)
            image_ref, image_est = self.perceptual.features(ref_low), self.perceptual.features(est_low)
            values["perceptual_cosine"] = self.perceptual.distance_between(image_est, image_ref)
            values["perceptual_mse"] = self.perceptual_mse.distance_between(image_est, image_ref)
            values["mrstft"] = self.mrstft(est, ref)
            values["si_sdr"] = sdr.si_sdr_loss(est, ref)
        return {name: float(values[name]) for name in LOSSES}


_SUITES: dict = {}


def evaluate_losses(reference: torch.Tensor, distorted: torch.Tensor) -> dict[str, float]:
    """Every loss of :data:`LOSSES` for one pair at 22050 Hz (a cached :class:`LossSuite` per dtype).

    Args:
        reference: ``[time]`` or ``[channels, time]`` float tensor at 22050 Hz.
        distorted: The estimate, same shape and dtype.

    Returns:
        dict[str, float]: loss name → value.

    Raises:
        TypeError: If an input is not a floating-point tensor, or the two dtypes differ.
        ValueError: If the shapes differ, an input holds NaN/Inf or is shorter than 2048 samples.
    """
    check_tensor(reference, "reference", ndim=(1, 2))
    if reference.dtype not in _SUITES:
        _SUITES[reference.dtype] = LossSuite(dtype=reference.dtype)
    return _SUITES[reference.dtype](distorted, reference)


def judge(reference: torch.Tensor, distorted: torch.Tensor, sample_rate: int = SAMPLE_RATE) -> dict[str, float]:
    """Wide-band PESQ and STOI of a distorted sound against its reference, both at 16 kHz.

    Both signals are resampled to 16 kHz (:func:`audiolosses.audio.resample`) and passed as float64 to
    ``pesq.pesq(16000, ref, deg, "wb")`` (ITU-T P.862.2; MOS-LQO, about 1.0 … 4.6, higher is better) and
    ``pystoi.stoi(ref, deg, 16000)`` (0 … 1, higher is better).

    Args:
        reference: ``[time]`` or ``[1, time]`` mono float tensor.
        distorted: Same shape.
        sample_rate: Their sample rate in Hz (default 22050).

    Returns:
        dict[str, float]: ``{"pesq": ..., "stoi": ...}``.

    Raises:
        TypeError: If an input is not a floating-point tensor.
        ValueError: If the inputs are not mono, differ in shape, or hold NaN/Inf; PESQ's own errors
            (e.g. no speech detected) propagate.
    """
    from pesq import pesq
    from pystoi import stoi

    check_tensor(reference, "reference", ndim=(1, 2))
    check_tensor(distorted, "distorted", ndim=(1, 2))
    check_sample_rate(sample_rate)
    if reference.shape != distorted.shape:
        raise ValueError(
            f"reference and distorted must have the same shape, got {tuple(reference.shape)} "
            f"and {tuple(distorted.shape)}"
        )
    if reference.dim() == 2 and reference.shape[0] != 1:
        raise ValueError(f"reference must be mono ([time] or [1, time]), got shape {tuple(reference.shape)}")
    ref = audio.resample(reference.reshape(-1).double(), sample_rate, JUDGE_RATE).numpy()
    deg = audio.resample(distorted.reshape(-1).double(), sample_rate, JUDGE_RATE).numpy()
    return {"pesq": float(pesq(JUDGE_RATE, ref, deg, "wb")), "stoi": float(stoi(ref, deg, JUDGE_RATE))}


def component_curve(
    speech: torch.Tensor,
    snrs_db: Sequence[float],
    *,
    alpha: float = 0.5,
    seed: int = 0,
    n_fft: int = 1024,
    hop_length: int = 256,
) -> dict[str, list[float]]:
    """Where the component loss sits in the atlas: the loss of masks for a noisy mixture, against the SNR.

    The component loss scores a mask given the true speech and noise magnitudes, not a pair of waveforms.
    For white noise mixed with ``speech`` at each SNR, this returns the two-component loss
    (:func:`audiolosses.component.component_loss` with ``beta=0``) of the ideal Wiener mask
    (:func:`audiolosses.component.ideal_mask`, ``kind="wiener"``) and of the "do nothing" mask (all ones).

    Args:
        speech: ``[time]`` or ``[1, time]`` float tensor.
        snrs_db: SNRs in dB.
        alpha: Noise weight of the two-component loss (default 0.5, the paper's code).
        seed: Seed of the noise (default 0).
        n_fft, hop_length: STFT settings (default 1024, 256).

    Returns:
        dict[str, list[float]]: ``"snr_db"``, ``"ideal_mask"``, ``"no_mask"``.

    Raises:
        TypeError: If ``speech`` is not a floating-point tensor or ``snrs_db`` not a sequence of numbers.
        ValueError: If ``speech`` is silent, too short for ``n_fft`` or holds NaN/Inf, or an SNR is not finite.
    """
    check_tensor(speech, "speech", ndim=(1, 2))
    if isinstance(snrs_db, (str, bytes)) or not isinstance(snrs_db, Sequence) or len(snrs_db) == 0:
        raise TypeError("snrs_db must be a non-empty sequence of numbers")
    snrs = [_check_number(s, "snrs_db[i]") for s in snrs_db]
    row = speech.reshape(1, -1)
    if bool(row.pow(2).sum() == 0):
        raise ValueError("speech is silent (all zeros): the SNR of a mixture with silence is undefined")
    noise = audio.colored_noise(row.shape[-1], 0.0, seed=seed, dtype=row.dtype)[None]
    ideal, nothing = [], []
    for snr in snrs:
        _, scaled = audio.mix_at_snr(row, noise, snr)
        mags = component.enhancement_magnitudes(row, scaled, n_fft, hop_length)
        mask = component.ideal_mask(mags["speech"], mags["noise"], "wiener")
        ideal.append(float(component.component_loss(mask, mags["speech"], mags["noise"], alpha=alpha, beta=None)))
        ones = torch.ones_like(mask)
        nothing.append(float(component.component_loss(ones, mags["speech"], mags["noise"], alpha=alpha, beta=None)))
    return {"snr_db": snrs, "ideal_mask": ideal, "no_mask": nothing}


# --------------------------------------------------------------------------------------------------
# The whole atlas: compute, write, load
# --------------------------------------------------------------------------------------------------


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _unrelated_noise(reference: torch.Tensor, seed: int) -> torch.Tensor:
    noise = torch.randn(reference.shape, generator=torch.Generator().manual_seed(seed), dtype=reference.dtype)
    return noise * reference.pow(2).mean().sqrt() / noise.pow(2).mean().sqrt()


def compute_atlas(
    sounds: Sequence[str] | None = None,
    distortions: Sequence[str] | None = None,
    *,
    max_severities: int | None = None,
    seconds: float | None = None,
    judge_sound: str = "speech",
    seed: int = 0,
    progress: bool = False,
) -> dict:
    """Compute the atlas: every loss for every (sound, distortion, severity), and the judges on speech.

    Args:
        sounds: Example names (default: all of :func:`audiolosses.audio.list_examples`).
        distortions: Keys of :data:`DISTORTIONS` (default: all).
        max_severities: Keep only the first (mildest) ``n`` severities of each grid (default: all).
        seconds: Cut every clip to its first ``seconds`` (default: whole clips, at most 2 s).
        judge_sound: The sound judged by PESQ and STOI, if it is among ``sounds`` (default ``"speech"``).
        seed: Seed of the noise and phase distortions and of the anchor noise (default 0).
        progress: Print one line per sound to stderr.

    Returns:
        dict: The results (see :func:`load_results` for the layout).

    Raises:
        ValueError: On an unknown sound or distortion, ``max_severities < 1`` or a clip shorter than 2048
            samples after cutting.
    """
    sounds = audio.list_examples() if sounds is None else list(sounds)
    distortions = list(DISTORTIONS) if distortions is None else list(distortions)
    for sound in sounds:
        check_choice(sound, "sounds[i]", audio.EXAMPLES)
    for name in distortions:
        check_choice(name, "distortions[i]", tuple(DISTORTIONS))
    if max_severities is not None:
        check_int(max_severities, "max_severities", minimum=1)
    if seconds is not None:
        seconds = check_positive(seconds, "seconds")
    check_int(seed, "seed")
    suite = LossSuite()
    grids = {name: list(DISTORTIONS[name].grid[:max_severities]) for name in distortions}
    results: dict = {
        "format_version": FORMAT_VERSION,
        "sample_rate": SAMPLE_RATE,
        "losses": list(LOSSES),
        "sounds": sounds,
        "distortions": {
            name: {
                "label": DISTORTIONS[name].label,
                "unit": DISTORTIONS[name].unit,
                "grid": grids[name],
                "worse": DISTORTIONS[name].worse,
                "family": DISTORTIONS[name].family,
            }
            for name in distortions
        },
        "identity": {},
        "anchor": {},
        "values": {},
        "judges": {},
        "seed": seed,
        "settings": {"perceptual": dict(PERCEPTUAL_SETTINGS), "judge_rate": JUDGE_RATE, "seconds": seconds},
    }
    for sound in sounds:
        if progress:
            print(f"atlas: {sound}", file=sys.stderr, flush=True)
        reference, _ = audio.load_example(sound)
        if seconds is not None:
            reference = reference[:, : round(seconds * SAMPLE_RATE)]
        results["identity"][sound] = {k: _round(v) for k, v in suite(reference, reference).items()}
        anchor = _unrelated_noise(reference, seed + 7)
        results["anchor"][sound] = {k: _round(v) for k, v in suite(anchor, reference).items()}
        per_sound: dict = {}
        judged: dict = {}
        for name in distortions:
            rows = {loss: [] for loss in LOSSES}
            judge_rows = {"pesq": [], "stoi": []}
            for severity in grids[name]:
                distorted = distort(reference, name, severity, SAMPLE_RATE, seed=seed)
                for loss, value in suite(distorted, reference).items():
                    rows[loss].append(_round(value))
                if sound == judge_sound:
                    for key, value in judge(reference, distorted).items():
                        judge_rows[key].append(_round(value))
            per_sound[name] = rows
            judged[name] = judge_rows
        results["values"][sound] = per_sound
        if sound == judge_sound:
            results["judges"] = {
                "sound": sound,
                "identity": {k: _round(v) for k, v in judge(reference, reference).items()},
                "values": judged,
            }
            results["component"] = component_curve(reference, [40.0, 30.0, 20.0, 10.0, 0.0, -10.0], seed=seed)
            results["component"] = {k: [_round(v) for v in vs] for k, vs in results["component"].items()}
    return results


def _machine() -> str:
    import os

    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"torch {torch.__version__}"
    )


def _package_versions() -> str:
    from importlib import metadata

    versions = []
    for package in ("torch", "torchaudio", "auraloss", "pesq", "pystoi", "scipy"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return ", ".join(versions)


def write_results(results: Mapping, out: str | Path, *, command: str | None = None) -> Path:
    """Write ``atlas.json`` and a provenance ``README.md`` into the folder ``out`` (created if missing).

    Args:
        results: The dict of :func:`compute_atlas`.
        out: Output folder.
        command: The command line to record (default: this process's).

    Returns:
        pathlib.Path: The path of ``atlas.json``.

    Raises:
        TypeError: If ``results`` is not a mapping holding the atlas's keys.
    """
    if not isinstance(results, Mapping) or "values" not in results:
        raise TypeError("results must be the dict returned by compute_atlas")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    command = command or "python -m audiolosses.atlas " + " ".join(sys.argv[1:])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    stored = dict(results)
    stored["provenance"] = {"command": command, "machine": _machine(), "date": now, "packages": _package_versions()}
    path = out / RESULTS_FILE
    path.write_text(json.dumps(stored, indent=1) + "\n")
    sounds = ", ".join(results["sounds"])
    (out / "README.md").write_text(
        "# Loss atlas results\n\n"
        f"`{RESULTS_FILE}` holds every loss of `audiolosses.atlas.LOSSES` for every distortion of "
        f"`audiolosses.atlas.DISTORTIONS` and severity, for the example sounds ({sounds}), with wide-band PESQ "
        "and STOI for the speech example and the component-loss curve. It is read by "
        "`audiolosses.atlas.load_results()` and chapter 7 (`book/07_loss_atlas.ipynb`).\n\n"
        "Provenance (written by the command itself):\n\n"
        f"- command: `{command}`\n"
        f"- machine: {_machine()}\n"
        f"- date: {now}\n"
        f"- packages: {_package_versions()}\n"
        "- judges: wide-band PESQ and STOI at 16 kHz on the speech example\n\n"
        "Regenerate it with the same command; values are rounded to 6 significant digits.\n"
    )
    return path


def load_results(path: str | Path | None = None) -> dict:
    """Read an atlas results file.

    Layout: ``"losses"``, ``"sounds"``, ``"distortions"`` (name → label, unit, grid, worse, family),
    ``"values"[sound][distortion][loss]`` (one value per severity of the grid), ``"identity"[sound][loss]``
    (the loss of the reference against itself), ``"anchor"[sound][loss]`` (against an unrelated white noise of
    the reference's RMS), ``"judges"`` (``"sound"``, ``"identity"``, ``"values"[distortion]["pesq"|"stoi"]``),
    ``"component"`` (:func:`component_curve`), ``"settings"`` and ``"provenance"``.

    Args:
        path: ``atlas.json`` or the folder holding it (default: the committed results in
            ``audiolosses/data/atlas/``).

    Returns:
        dict: The results.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If the file is not an atlas results file of this format.
    """
    path = RESULTS_DIR if path is None else Path(path)
    if path.is_dir():
        path = path / RESULTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no atlas results at {path}; run python -m audiolosses.atlas --out <dir>")
    results = json.loads(path.read_text())
    if not isinstance(results, dict) or results.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path} is not an atlas results file of format version {FORMAT_VERSION}")
    return results


# --------------------------------------------------------------------------------------------------
# Reading the atlas
# --------------------------------------------------------------------------------------------------


def normalized_response(values: Sequence[float], identity: float, anchor: float) -> list[float]:
    """Map loss values onto a common scale: 0 = the reference itself, 1 = an unrelated noise at its level.

    ``r = (value − identity) / (anchor − identity)``.

    Args:
        values: Loss values.
        identity: The loss of the reference against itself.
        anchor: The loss of the reference against an unrelated noise of the same RMS.

    Returns:
        list[float]: The normalised values (can exceed 1, or go below 0).

    Raises:
        TypeError: If a value is not a number.
        ValueError: If ``anchor == identity`` (the loss cannot tell the anchor from the reference).
    """
    identity = _check_number(identity, "identity")
    anchor = _check_number(anchor, "anchor")
    if anchor == identity:
        raise ValueError("anchor must differ from identity: the loss does not tell the anchor from the reference")
    return [(_check_number(v, "values[i]") - identity) / (anchor - identity) for v in values]


def response_curves(results: Mapping, sound: str) -> dict[str, dict[str, list[float]]]:
    """Every loss's normalised response curve (:func:`normalized_response`) for one sound.

    Args:
        results: As returned by :func:`load_results`.
        sound: One of ``results["sounds"]``.

    Returns:
        dict: ``[distortion][loss]`` → normalised values, one per severity.

    Raises:
        ValueError: If ``sound`` is not in the results.
    """
    check_choice(sound, "sound", results["sounds"])
    identity, anchor = results["identity"][sound], results["anchor"][sound]
    return {
        name: {loss: normalized_response(rows[loss], identity[loss], anchor[loss]) for loss in results["losses"]}
        for name, rows in results["values"][sound].items()
    }


def _spearman(x: list[float], y: list[float]) -> float | None:
    from scipy.stats import spearmanr

    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None  # undefined: too few points or a constant series
    return float(spearmanr(x, y).statistic)


def judge_correlations(results: Mapping) -> dict[str, dict[str, dict[str, float | None]]]:
    """Spearman rank correlation of each loss with PESQ and with STOI on the judged sound.

    The sign is chosen so that **+1 means full agreement**: the correlation of ``−loss`` (lower loss is
    better) with the judge (higher is better). ``"all"`` pools every distorted signal; each family of
    :data:`FAMILIES` pools its distortions. A correlation is ``None`` where it is undefined: fewer than
    three points, or a constant loss or judge (a loss blind to the whole family).

    Args:
        results: As returned by :func:`load_results` (with ``"judges"``).

    Returns:
        dict: ``[judge][loss][group]`` → ρ or ``None``, ``judge`` in ``("pesq", "stoi")`` and ``group`` in
        ``("all", *FAMILIES)`` (families absent from the results are left out).

    Raises:
        ValueError: If the results hold no judged sound.
    """
    judges = results.get("judges") or {}
    if "sound" not in judges:
        raise ValueError("results hold no PESQ/STOI values: compute the atlas with the speech example")
    sound = judges["sound"]
    families = [f for f in FAMILIES if any(d["family"] == f for d in results["distortions"].values())]
    out: dict = {}
    for key in ("pesq", "stoi"):
        out[key] = {}
        for loss in results["losses"]:
            out[key][loss] = {}
            for group in ("all", *families):
                names = [n for n, d in results["distortions"].items() if group == "all" or d["family"] == group]
                xs = [-v for n in names for v in results["values"][sound][n][loss]]
                ys = [v for n in names for v in judges["values"][n][key]]
                out[key][loss][group] = _spearman(xs, ys)
    return out


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def _csv(text: str) -> list[str]:
    return [item for item in text.split(",") if item]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m audiolosses.atlas --out <dir> [--sounds a,b] [--distortions x,y] [--max-severities n]
    [--seconds s]``: compute the atlas and write ``atlas.json`` and ``README.md`` into ``<dir>``.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        int: 0 on success.
    """
    parser = argparse.ArgumentParser(prog="python -m audiolosses.atlas", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder (the committed copy: src/audiolosses/data/atlas)")
    parser.add_argument("--sounds", type=_csv, default=None, help="comma-separated example names (default: all)")
    parser.add_argument("--distortions", type=_csv, default=None, help="comma-separated distortions (default: all)")
    parser.add_argument("--max-severities", type=int, default=None, help="keep the n mildest severities")
    parser.add_argument("--seconds", type=float, default=None, help="cut the clips to their first seconds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same float rounding on any machine
    try:
        results = compute_atlas(
            args.sounds,
            args.distortions,
            max_severities=args.max_severities,
            seconds=args.seconds,
            seed=args.seed,
            progress=True,
        )
    finally:
        torch.set_num_threads(threads)
    command = "python -m audiolosses.atlas " + " ".join(sys.argv[1:] if argv is None else argv)
    path = write_results(results, args.out, command=command)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
