"""Self-checks for chapter 1: decibels, framing, the mel scale and the mel filter bank.

Notebook: book/01_sound_spectra_decibels.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torchaudio

from .. import spectral
from ._core import Case, run_cases

__all__ = ["check_scale_to_db", "check_frame_signal", "check_hz_to_mel", "check_mel_filterbank"]


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
