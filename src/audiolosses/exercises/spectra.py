"""Self-checks for chapter 1: sampling and aliasing, the DFT's bins and windows, log magnitudes, framing.

The chapter's exercises use :func:`check_alias_frequency`, :func:`check_half_bin_peak_db`,
:func:`check_hann_main_lobe`, :func:`check_log_magnitude_l1` and :func:`check_frame_signal`; the
checks of earlier editions (decibels, the mel scale, the mel filter bank) stay available.

Notebook: book/01_sound_spectra_decibels.ipynb
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import torch
import torchaudio

from .. import spectral, stft_loss
from ._core import Case, run_cases

__all__ = [
    "check_alias_frequency",
    "check_half_bin_peak_db",
    "check_hann_main_lobe",
    "check_log_magnitude_l1",
    "check_scale_to_db",
    "check_frame_signal",
    "check_hz_to_mel",
    "check_mel_filterbank",
]


def check_scale_to_db(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(amplitude, floor_db)`` → ``20·log10(max(|amplitude|, 10^(floor_db/20)))``."""
    amplitudes = torch.tensor([1.0, 0.5, 0.1, 2.0, 1e-3], dtype=torch.float64)
    with_silence = torch.tensor([0.0, 1e-9, 1.0], dtype=torch.float64)
    negative = torch.tensor([-0.5, -1.0, 0.25], dtype=torch.float64)

    def natural_log(result):
        return torch.allclose(result[:2], 20 * torch.log(amplitudes[:2].clamp_min(1e-12)), atol=1e-3)

    cases = [
        Case(
            "amplitudes 1, 0.5, 0.1, 2, 0.001 (floor -120 dB)",
            (amplitudes, -120.0),
            spectral.scale_to_db(amplitudes, -120.0),
            hints=[
                (
                    lambda r: torch.allclose(r, spectral.power_to_db(amplitudes, -120.0), atol=1e-3),
                    "that is 10·log10, the rule for power; an amplitude uses 20·log10.",
                ),
                (natural_log, "use log10, not the natural log."),
            ],
        ),
        Case(
            "silence is clamped at the floor (-80 dB)",
            (with_silence, -80.0),
            spectral.scale_to_db(with_silence, -80.0),
            hints=[(lambda r: bool(r[0] < -80.5), "clamp the amplitude at 10^(floor_db/20) before the log.")],
        ),
        Case("negative samples use their magnitude", (negative, -120.0), spectral.scale_to_db(negative, -120.0)),
        Case(
            "a 2-D batch keeps its shape",
            (amplitudes.reshape(1, 5).repeat(2, 1), -60.0),
            spectral.scale_to_db(amplitudes.reshape(1, 5).repeat(2, 1), -60.0),
        ),
    ]
    return run_cases("check_scale_to_db", fn, cases)


def check_frame_signal(fn: Callable[[torch.Tensor, int, int], torch.Tensor]) -> bool:
    """Check ``fn(waveform, frame_length, hop_length)`` → frames ``[..., n_frames, frame_length]`` (no padding)."""
    ramp = torch.arange(10, dtype=torch.float64)
    ramp12 = torch.arange(12, dtype=torch.float64)
    generator = torch.Generator().manual_seed(0)
    batch = torch.randn(2, 1, 50, generator=generator, dtype=torch.float64)
    cases = [
        Case("12 samples, frames of 4, hop 2", (ramp12, 4, 2), ramp12.unfold(-1, 4, 2)),
        Case("10 samples, frames of 4, hop 3 (one sample left over)", (ramp, 4, 3), ramp.unfold(-1, 4, 3)),
        Case("hop equal to the frame length (no overlap)", (ramp, 5, 5), ramp.unfold(-1, 5, 5)),
        Case("a [2, 1, 50] batch, frames of 16, hop 8", (batch, 16, 8), batch.unfold(-1, 16, 8)),
    ]
    return run_cases("check_frame_signal", fn, cases)


def check_hz_to_mel(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(frequency_hz)`` → HTK mels ``2595·log10(1 + f/700)``."""
    freqs = torch.tensor([0.0, 700.0, 1000.0, 8000.0], dtype=torch.float64)
    grid = torch.linspace(0, 22050, 9, dtype=torch.float64)
    cases = [
        Case(
            "0, 700, 1000 and 8000 Hz",
            (freqs,),
            spectral.hz_to_mel(freqs, "htk"),
            atol=1e-3,
            hints=[
                (
                    lambda r: torch.allclose(r, spectral.hz_to_mel(freqs, "slaney"), atol=1e-2),
                    "that is the Slaney scale; this exercise asks for the HTK formula.",
                ),
                (
                    lambda r: torch.allclose(r, 2595.0 * torch.log1p(freqs / 700), atol=1e-2),
                    "with 2595 the logarithm is log10; the natural-log form is 1127·ln(1 + f/700).",
                ),
            ],
        ),
        Case(
            "1000 Hz is close to 1000 mel",
            (torch.tensor([1000.0], dtype=torch.float64),),
            spectral.hz_to_mel(torch.tensor([1000.0], dtype=torch.float64), "htk"),
            atol=1e-3,
        ),
        Case("a grid up to 22050 Hz", (grid,), spectral.hz_to_mel(grid, "htk"), atol=1e-3),
        Case("float32 input", (grid.float(),), spectral.hz_to_mel(grid, "htk"), atol=1e-2),
    ]
    return run_cases("check_hz_to_mel", fn, cases)


def check_mel_filterbank(fn: Callable[[int, float, float, int, int], torch.Tensor]) -> bool:
    """Check ``fn(n_freqs, f_min, f_max, n_mels, sample_rate)`` → HTK triangular bank ``[n_freqs, n_mels]``, peak 1.

    The reference is ``torchaudio.functional.melscale_fbanks`` (HTK scale, no normalisation).
    """
    settings = [
        (201, 0.0, 8000.0, 40, 16000),
        (257, 0.0, 12000.0, 80, 24000),
        (513, 50.0, 8000.0, 64, 22050),
    ]
    cases = []
    for n_freqs, f_min, f_max, n_mels, sample_rate in settings:
        expected = torchaudio.functional.melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate)
        cases.append(
            Case(
                f"n_freqs={n_freqs}, {f_min:g}-{f_max:g} Hz, n_mels={n_mels}, sample_rate={sample_rate}",
                (n_freqs, f_min, f_max, n_mels, sample_rate),
                expected,
                atol=1e-4,
                rtol=0.0,
                hints=[
                    (lambda r: bool((r < 0).any()), "the triangles must be clamped at 0 outside their band."),
                    (
                        lambda r: float(r.max()) < 0.5,
                        "your filters look area-normalised; this exercise wants triangles with peak 1.",
                    ),
                    (
                        lambda r: True,
                        "place n_mels + 2 points evenly in mels between f_min and f_max, convert "
                        "them back to Hz, and use FFT bin frequencies linspace(0, sample_rate // 2, "
                        "n_freqs).",
                    ),
                ],
            )
        )
    return run_cases("check_mel_filterbank", fn, cases)


def _returns_tensor(fn):
    """Wrap a function that may return a number (Python or NumPy) so that its result is a float64 tensor.

    Anything that is not callable (``None`` when nothing is defined yet, a value given by mistake) is
    passed through unchanged, so :func:`run_cases` reports it in its own words.
    """
    if not callable(fn):
        return fn

    def wrapped(*args):
        result = fn(*args)
        if isinstance(result, torch.Tensor):
            return result.detach().to(torch.float64).reshape(())
        # Any real number: Python's, or a NumPy scalar such as np.int64 or np.float32.
        if isinstance(result, bool) or not isinstance(result, numbers.Real):
            raise TypeError(f"expected a number, got {type(result).__name__}")
        return torch.tensor(float(result), dtype=torch.float64)

    return wrapped


def measured_alias_frequency(frequency: float, sample_rate: int) -> float:
    """The frequency (Hz) of the strongest bin when a cosine of ``frequency`` Hz is sampled at ``sample_rate``.

    One second of samples, so the DFT's bins are exactly 1 Hz apart: an integer frequency lands on a bin.
    """
    n = torch.arange(sample_rate, dtype=torch.float64)
    samples = torch.cos(2 * math.pi * frequency * n / sample_rate)
    return float(torch.fft.rfft(samples).abs().argmax())  # bin k sits at k · sample_rate / N = k Hz


def check_alias_frequency(fn: Callable[[float, int], float]) -> bool:
    """Check ``fn(frequency, sample_rate)`` → the frequency (Hz) a tone appears at once it is sampled.

    The expected value is measured: the tone is sampled for one second and the strongest bin of its DFT
    read off (bins 1 Hz apart). Your answer must agree within 0.5 Hz.
    """
    settings = [
        (1000.0, 8000, "below the Nyquist frequency"),
        (5000.0, 8000, "between the Nyquist frequency and the sample rate"),
        (13000.0, 8000, "above the sample rate"),
        (15000.0, 22050, "15 kHz at 22050 Hz"),
        (44540.0, 44100, "the sample rate plus 440 Hz"),
        (70000.0, 16000, "more than four times the sample rate"),
        (12000.0, 24000, "exactly the Nyquist frequency"),
    ]
    cases = []
    for frequency, sample_rate, what in settings:
        unfolded = frequency - sample_rate * math.floor(frequency / sample_rate)

        def near(value):
            return lambda r: abs(float(r) - value) < 0.5

        cases.append(
            Case(
                f"{frequency:g} Hz sampled at {sample_rate} Hz ({what})",
                (frequency, sample_rate),
                torch.tensor(measured_alias_frequency(frequency, sample_rate), dtype=torch.float64),
                atol=0.5,
                rtol=0.0,
                hints=[
                    (
                        near(frequency) if frequency > sample_rate / 2 else (lambda r: False),
                        "a sampled tone cannot sound above the Nyquist frequency sample_rate / 2: "
                        "its samples equal those of a lower tone.",
                    ),
                    (
                        (lambda r: float(r) < 0),
                        "a frequency you hear is not negative: cos(-x) = cos(x), so -f sounds as +f.",
                    ),
                    (
                        near(unfolded) if unfolded > sample_rate / 2 else (lambda r: False),
                        "removing whole multiples of the sample rate is half of it: a tone between "
                        "sample_rate / 2 and sample_rate still folds back, to sample_rate - f.",
                    ),
                    (
                        near(frequency - sample_rate) if frequency > sample_rate else (lambda r: False),
                        "subtracting the sample rate once is not enough here: remove every whole "
                        "multiple of it, then fold around sample_rate / 2.",
                    ),
                ],
            )
        )
    return run_cases("check_alias_frequency", _returns_tensor(fn), cases)


def measured_half_bin_peak_db(window: torch.Tensor) -> float:
    """Peak level (dB) of a cosine halfway between two bins, relative to one on a bin, both with ``window``.

    The tones sit at bins ``N/4`` and ``N/4 + 1/2`` of an ``N``-point frame (far from 0 Hz and Nyquist,
    so the tone's mirror image at negative frequencies hardly adds to the peak).
    """
    window = window.to(torch.float64)
    size = window.shape[-1]
    n = torch.arange(size, dtype=torch.float64)
    bin_index = size // 4

    def peak(offset):
        tone = torch.cos(2 * math.pi * (bin_index + offset) * n / size)
        return torch.fft.rfft(tone * window).abs().max()

    return float(20 * torch.log10(peak(0.5) / peak(0.0)))


def check_half_bin_peak_db(fn: Callable[[torch.Tensor], float]) -> bool:
    """Check ``fn(window)`` → the level (dB, ≤ 0) of the spectral peak of a tone exactly between two bins,
    relative to the peak of the same tone on a bin, for a window ``[N]``.

    The expected value is measured with tones (``measured_half_bin_peak_db``); within 0.02 dB.
    """
    windows = {
        "a rectangular window of 1024": torch.ones(1024, dtype=torch.float64),
        "a periodic Hann window of 512": torch.hann_window(512, dtype=torch.float64),
        "a Hamming window of 512": torch.hamming_window(512, dtype=torch.float64),
        "a Blackman window of 256": torch.blackman_window(256, dtype=torch.float64),
        "a triangular window of 400": 1 - (torch.arange(400, dtype=torch.float64) - 200).abs() / 200,
    }
    cases = []
    for description, window in windows.items():
        n = torch.arange(window.shape[-1], dtype=torch.float64)
        ratio = float((window * torch.exp(-1j * math.pi * n / window.shape[-1])).sum().abs() / window.sum())

        def near(value):
            return lambda r: abs(float(r) - value) < 0.05

        cases.append(
            Case(
                description,
                (window.clone(),),
                torch.tensor(measured_half_bin_peak_db(window), dtype=torch.float64),
                atol=0.02,
                rtol=0.0,
                hints=[
                    (near(ratio), "that is the amplitude ratio; the exercise asks for it in dB."),
                    (near(10 * math.log10(ratio)), "a spectrum's magnitude is an amplitude: 20·log10, not 10·log10."),
                    (
                        near(-20 * math.log10(ratio)),
                        "the peak between bins is lower than on a bin: the answer is negative.",
                    ),
                    (
                        lambda r: float(r) < -6.5,
                        "the peak falls half a bin from the tone: evaluate the window's transform "
                        "W(ν) = Σ w_n e^(-2πiνn/N) at ν = 1/2 and divide by W(0) = Σ w_n.",
                    ),
                ],
            )
        )
    return run_cases("check_half_bin_peak_db", _returns_tensor(fn), cases)


def measured_hann_main_lobe_hz(n_fft: int, sample_rate: int) -> float:
    """Null-to-null width (Hz) of the main lobe of a periodic Hann window of ``n_fft`` samples.

    The window's transform is evaluated on a grid 64 times finer than the bins (a zero-padded FFT) and
    its first null above 0 Hz located; the main lobe spans from minus that frequency to plus it.
    """
    oversample = 64
    window = torch.hann_window(n_fft, dtype=torch.float64)
    response = torch.fft.rfft(window, n=oversample * n_fft).abs()
    falling = response[1:] >= response[:-1]  # True where the response stops falling
    first_null = int(falling.to(torch.int64).argmax())
    return 2 * first_null * sample_rate / (oversample * n_fft)


def check_hann_main_lobe(fn: Callable[[int, int], float]) -> bool:
    """Check ``fn(n_fft, sample_rate)`` → the null-to-null width (Hz) of a Hann window's main lobe.

    The expected value is measured (``measured_hann_main_lobe_hz``); within 1 % or 0.5 Hz.
    """
    cases = []
    for n_fft, sample_rate in [(1024, 22050), (256, 16000), (4096, 44100), (600, 24000)]:
        bin_hz = sample_rate / n_fft

        def near(value):
            return lambda r: abs(float(r) - value) < 0.01 * value

        cases.append(
            Case(
                f"n_fft={n_fft} at {sample_rate} Hz",
                (n_fft, sample_rate),
                torch.tensor(measured_hann_main_lobe_hz(n_fft, sample_rate), dtype=torch.float64),
                atol=0.5,
                rtol=0.01,
                hints=[
                    (
                        near(2 * bin_hz),
                        "2 bins is the main lobe of the rectangular window (its transform vanishes at "
                        "every other bin), or half the Hann lobe. The Hann window adds two copies of it "
                        "shifted by one bin: at which bin do all three vanish? Give null to null.",
                    ),
                    (near(bin_hz), "one bin is the spacing of the DFT's bins, not the width of a lobe."),
                    (lambda r: float(r) < 1.0, "the answer is in Hz: one bin is sample_rate / n_fft Hz."),
                ],
            )
        )
    return run_cases("check_hann_main_lobe", _returns_tensor(fn), cases)


def measured_log_magnitude_l1(gain: float) -> float:
    """The log STFT magnitude loss (natural log, mean absolute difference) between ``gain · x`` and ``x``.

    ``x`` is one second of white noise at 16 kHz; the STFT is 512 points, hop 128, Hann window, and the
    loss is :func:`audiolosses.stft_loss.log_stft_magnitude_loss` (chapter 8's term).
    """
    generator = torch.Generator().manual_seed(1)
    target = 0.1 * torch.randn(16000, generator=generator, dtype=torch.float64)
    target_mag = spectral.stft_magnitude(target, 512, 128).clamp_min(1e-12)
    input_mag = spectral.stft_magnitude(gain * target, 512, 128).clamp_min(1e-12)
    return float(stft_loss.log_stft_magnitude_loss(input_mag, target_mag))


def check_log_magnitude_l1(fn: Callable[[float], float]) -> bool:
    """Check ``fn(gain)`` → the log STFT magnitude loss between ``gain · x`` and ``x``, for any signal ``x``.

    The expected value is measured on white noise (``measured_log_magnitude_l1``); within 1e-3.
    """
    cases = []
    for gain in (2.0, 0.5, 10.0, 1.0, 0.1, 1.5):

        def near(value):
            return lambda r: abs(float(r) - value) < 1e-3

        cases.append(
            Case(
                f"gain {gain:g}",
                (gain,),
                torch.tensor(measured_log_magnitude_l1(gain), dtype=torch.float64),
                atol=1e-3,
                rtol=0.0,
                hints=[
                    (
                        near(abs(20 * math.log10(gain))) if gain != 1 else (lambda r: False),
                        "that is the change in dB; this loss uses the natural log of the magnitude.",
                    ),
                    (
                        near(abs(2 * math.log(gain))) if gain != 1 else (lambda r: False),
                        "that is the change of the log power; the loss takes the log of the magnitude, "
                        "which a gain g multiplies by g, not g².",
                    ),
                    (near(math.log(gain)) if gain < 1 else (lambda r: False), "an L1 distance is never negative."),
                    (
                        near(abs(gain - 1)) if gain != 1 else (lambda r: False),
                        "|g - 1| is the relative change of the linear magnitude; take logs first.",
                    ),
                ],
            )
        )
    return run_cases("check_log_magnitude_l1", _returns_tensor(fn), cases)
