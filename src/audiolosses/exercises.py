"""Self-checks for the exercises: run a learner's function on test inputs and say what is wrong.

Each ``check_*`` function takes your function, calls it on a handful of cases (edge cases included),
and compares the result with a reference. It prints one line and returns ``True`` when every case
passes; otherwise it raises :class:`ExerciseCheckError` whose message names the case, what was
expected, what came back and, where a usual mistake is recognisable, a hint.

Example::

    from audiolosses.exercises import check_hz_to_mel

    def my_hz_to_mel(f):
        return 2595 * torch.log10(1 + f / 700)

    check_hz_to_mel(my_hz_to_mel)   # prints "check_hz_to_mel: all 4 cases passed"

Notebook: book/01_sound_spectra_decibels.ipynb
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
import torchaudio

from . import spectral

__all__ = [
    "ExerciseCheckError",
    "check_scale_to_db",
    "check_frame_signal",
    "check_hz_to_mel",
    "check_mel_filterbank",
]


class ExerciseCheckError(AssertionError):
    """Raised by a ``check_*`` function when the learner's function gives a wrong result."""


@dataclass
class _Case:
    description: str
    args: tuple
    expected: torch.Tensor
    hints: Sequence[tuple[Callable[[torch.Tensor], bool], str]] = ()
    atol: float = 1e-5
    rtol: float = 1e-5


def _fail(check: str, case: _Case, problem: str) -> None:
    raise ExerciseCheckError(f"{check}: case '{case.description}' failed.\n{problem}")


def _run(check: str, fn: Callable[..., Any], cases: Sequence[_Case]) -> bool:
    if not callable(fn):
        raise TypeError(f"{check} expects your function, got {type(fn).__name__}")
    for case in cases:
        try:
            result = fn(*case.args)
        except NotImplementedError:
            raise ExerciseCheckError(f"{check}: your function raises NotImplementedError; fill in its body") from None
        except Exception as error:  # report the learner's error in the check's words
            raise ExerciseCheckError(
                f"{check}: case '{case.description}' raised {type(error).__name__}: {error}"
            ) from error
        if not isinstance(result, torch.Tensor):
            _fail(check, case, f"expected a torch.Tensor, got {type(result).__name__}")
        expected = case.expected
        if result.shape != expected.shape:
            hint = ""
            if result.dim() == 2 and result.shape == expected.shape[::-1]:
                hint = "\nHint: your result looks transposed."
            _fail(check, case, f"expected shape {tuple(expected.shape)}, got {tuple(result.shape)}.{hint}")
        result = result.detach().to(torch.float64)
        expected = expected.to(torch.float64)
        if not bool(torch.isfinite(result).all()):
            _fail(check, case, "the result contains NaN or Inf.")
        error = (result - expected).abs()
        tolerance = case.atol + case.rtol * expected.abs()
        if bool((error > tolerance).any()):
            worst = int(error.argmax())
            index = tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), expected.shape))
            problem = (
                f"at index {index}: expected {expected.flatten()[worst].item():.6g}, "
                f"got {result.flatten()[worst].item():.6g} (max abs error {error.max().item():.3g})."
            )
            for predicate, hint in case.hints:
                if predicate(result):
                    problem += f"\nHint: {hint}"
                    break
            _fail(check, case, problem)
    print(f"{check}: all {len(cases)} cases passed")
    return True


def check_scale_to_db(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(amplitude, floor_db)`` → ``20·log10(max(|amplitude|, 10^(floor_db/20)))``."""
    amplitudes = torch.tensor([1.0, 0.5, 0.1, 2.0, 1e-3], dtype=torch.float64)
    with_silence = torch.tensor([0.0, 1e-9, 1.0], dtype=torch.float64)
    negative = torch.tensor([-0.5, -1.0, 0.25], dtype=torch.float64)

    def natural_log(result):
        return torch.allclose(result[:2], 20 * torch.log(amplitudes[:2].clamp_min(1e-12)), atol=1e-3)

    cases = [
        _Case("amplitudes 1, 0.5, 0.1, 2, 0.001 (floor -120 dB)", (amplitudes, -120.0),
              spectral.scale_to_db(amplitudes, -120.0),
              hints=[(lambda r: torch.allclose(r, spectral.power_to_db(amplitudes, -120.0), atol=1e-3),
                      "that is 10·log10, the rule for power; an amplitude uses 20·log10."),
                     (natural_log, "use log10, not the natural log.")]),
        _Case("silence is clamped at the floor (-80 dB)", (with_silence, -80.0),
              spectral.scale_to_db(with_silence, -80.0),
              hints=[(lambda r: bool(r[0] < -80.5), "clamp the amplitude at 10^(floor_db/20) before the log.")]),
        _Case("negative samples use their magnitude", (negative, -120.0), spectral.scale_to_db(negative, -120.0)),
        _Case("a 2-D batch keeps its shape", (amplitudes.reshape(1, 5).repeat(2, 1), -60.0),
              spectral.scale_to_db(amplitudes.reshape(1, 5).repeat(2, 1), -60.0)),
    ]
    return _run("check_scale_to_db", fn, cases)


def check_frame_signal(fn: Callable[[torch.Tensor, int, int], torch.Tensor]) -> bool:
    """Check ``fn(waveform, frame_length, hop_length)`` → frames ``[..., n_frames, frame_length]`` (no padding)."""
    ramp = torch.arange(10, dtype=torch.float64)
    ramp12 = torch.arange(12, dtype=torch.float64)
    generator = torch.Generator().manual_seed(0)
    batch = torch.randn(2, 1, 50, generator=generator, dtype=torch.float64)
    cases = [
        _Case("12 samples, frames of 4, hop 2", (ramp12, 4, 2), ramp12.unfold(-1, 4, 2)),
        _Case("10 samples, frames of 4, hop 3 (one sample left over)", (ramp, 4, 3), ramp.unfold(-1, 4, 3)),
        _Case("hop equal to the frame length (no overlap)", (ramp, 5, 5), ramp.unfold(-1, 5, 5)),
        _Case("a [2, 1, 50] batch, frames of 16, hop 8", (batch, 16, 8), batch.unfold(-1, 16, 8)),
    ]
    return _run("check_frame_signal", fn, cases)


def check_hz_to_mel(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(frequency_hz)`` → HTK mels ``2595·log10(1 + f/700)``."""
    freqs = torch.tensor([0.0, 700.0, 1000.0, 8000.0], dtype=torch.float64)
    grid = torch.linspace(0, 22050, 9, dtype=torch.float64)
    cases = [
        _Case("0, 700, 1000 and 8000 Hz", (freqs,), spectral.hz_to_mel(freqs, "htk"), atol=1e-3,
              hints=[(lambda r: torch.allclose(r, spectral.hz_to_mel(freqs, "slaney"), atol=1e-2),
                      "that is the Slaney scale; this exercise asks for the HTK formula."),
                     (lambda r: torch.allclose(r, 2595.0 * torch.log1p(freqs / 700), atol=1e-2),
                      "with 2595 the logarithm is log10; the natural-log form is 1127·ln(1 + f/700).")]),
        _Case("1000 Hz is close to 1000 mel", (torch.tensor([1000.0], dtype=torch.float64),),
              spectral.hz_to_mel(torch.tensor([1000.0], dtype=torch.float64), "htk"), atol=1e-3),
        _Case("a grid up to 22050 Hz", (grid,), spectral.hz_to_mel(grid, "htk"), atol=1e-3),
        _Case("float32 input", (grid.float(),), spectral.hz_to_mel(grid, "htk"), atol=1e-2),
    ]
    return _run("check_hz_to_mel", fn, cases)


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
        cases.append(_Case(
            f"n_freqs={n_freqs}, {f_min:g}-{f_max:g} Hz, n_mels={n_mels}, sample_rate={sample_rate}",
            (n_freqs, f_min, f_max, n_mels, sample_rate), expected, atol=1e-4, rtol=0.0,
            hints=[(lambda r: bool((r < 0).any()), "the triangles must be clamped at 0 outside their band."),
                   (lambda r: float(r.max()) < 0.5,
                    "your filters look area-normalised; this exercise wants triangles with peak 1."),
                   (lambda r: True, "place n_mels + 2 points evenly in mels between f_min and f_max, convert "
                                    "them back to Hz, and use FFT bin frequencies linspace(0, sample_rate // 2, "
                                    "n_freqs).")],
        ))
    return _run("check_mel_filterbank", fn, cases)
