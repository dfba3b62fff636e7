"""Input checks shared by every public function.

Each check raises ``TypeError`` (wrong kind of object or dtype) or ``ValueError`` (wrong shape, value,
length) with a message that names the argument and states what was expected, so a learner sees
``waveform must be a floating-point tensor, got torch.int16`` rather than a NaN three calls later.

Two kinds of checks, with different costs:

- **Structure** (type, dtype, rank, shape, settings): read from tensor metadata, no device synchronisation.
  Always on.
- **Values** (NaN/Inf, ranges such as a mask in ``[0, 1]`` or ``sigma > 0``): they read the data, so on a GPU
  each one waits for the device, and under ``torch.compile`` each one would break the graph. On by default,
  switched off globally with :func:`set_validate_values` (compare
  ``torch.distributions.Distribution.set_default_validate_args``) or for a block with
  :func:`validate_values`, and always skipped while ``torch.compile`` traces.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import torch

__all__ = [
    "set_validate_values",
    "get_validate_values",
    "validate_values",
    "values_checked",
    "check_tensor",
    "check_same_shape",
    "check_positive",
    "check_sample_rate",
    "check_min_length",
    "check_choice",
    "check_int",
]


_VALIDATE_VALUES = True


def set_validate_values(value: bool) -> None:
    """Switch the value checks (NaN/Inf, ranges) of every loss on (default) or off, process-wide.

    Structural checks (types, dtypes, shapes, settings) stay on either way: they cost no synchronisation.
    Turn value checks off in a training loop once the pipeline is known to be sound.

    Example::

        >>> import audiolosses
        >>> audiolosses.set_validate_values(False)  # train at full speed
        >>> audiolosses.set_validate_values(True)   # back to the default
    """
    if not isinstance(value, bool):
        raise TypeError(f"value must be a bool, got {type(value).__name__}")
    global _VALIDATE_VALUES
    _VALIDATE_VALUES = value


def get_validate_values() -> bool:
    """Whether value checks are switched on (see :func:`set_validate_values`)."""
    return _VALIDATE_VALUES


class validate_values:  # noqa: N801 - used like a function, as torch.no_grad
    """Within the block, value checks are on (``True``) or off (``False``); the previous state is restored.

    A small class rather than a generator, so entering and leaving costs well under a microsecond.

    Example::

        >>> import audiolosses, torch
        >>> with audiolosses.validate_values(False):
        ...     loss = audiolosses.SISDRLoss()(torch.randn(2, 1, 800), torch.randn(2, 1, 800))
    """

    __slots__ = ("value", "previous")

    def __init__(self, value: bool):
        if not isinstance(value, bool):
            raise TypeError(f"value must be a bool, got {type(value).__name__}")
        self.value = value
        self.previous = True

    def __enter__(self) -> None:
        global _VALIDATE_VALUES
        self.previous = _VALIDATE_VALUES
        _VALIDATE_VALUES = self.value

    def __exit__(self, *exc_info) -> None:
        global _VALIDATE_VALUES
        _VALIDATE_VALUES = self.previous


def values_checked() -> bool:
    """Whether a value check should run now: switched on, and not inside a ``torch.compile`` trace."""
    return _VALIDATE_VALUES and not torch.compiler.is_compiling()


def _all_finite(x: torch.Tensor) -> bool:
    """Whether every element is finite, in one reduction for the usual case.

    A NaN or an infinity anywhere makes the sum NaN or infinite, so a finite sum proves every element finite
    (one pass, no boolean copy). Only a non-finite sum (bad values, or an overflow of huge finite ones) needs
    the exact element-wise test.
    """
    with torch.no_grad():
        if bool(torch.isfinite(x.sum())):
            return True
        return bool(torch.isfinite(x).all())


def check_tensor(
    x,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    min_ndim: int | None = None,
    floating: bool = True,
    finite: bool = True,
) -> torch.Tensor:
    """Check that ``x`` is a tensor with an allowed rank, a floating dtype and finite values.

    Returns ``x`` unchanged so the check can be used inline.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if floating and not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor (float32 or float64), got {x.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.dim() not in allowed:
            shapes = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {shapes}, got shape {tuple(x.shape)}")
    if min_ndim is not None and x.dim() < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimensions, got shape {tuple(x.shape)}")
    if finite and x.numel() > 0 and values_checked() and not _all_finite(x):
        raise ValueError(f"{name} contains NaN or Inf values")
    return x


def check_same_shape(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Check that two tensors have identical shapes."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Check that a scalar is a finite real number > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        expected = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {expected}, got {value}")
    return float(value)


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """Check that ``value`` is an int (not a bool), optionally at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_sample_rate(sample_rate, name: str = "sample_rate", *, expected: int | None = None) -> int:
    """Check a sample rate: a positive int, and equal to ``expected`` when one is given."""
    check_int(sample_rate, name, minimum=1)
    if expected is not None and sample_rate != expected:
        raise ValueError(f"{name} must be {expected} Hz, got {sample_rate} Hz; resample the audio first")
    return sample_rate


def check_min_length(x: torch.Tensor, length: int, name: str, what: str) -> None:
    """Check that the last (time) axis of ``x`` holds at least ``length`` samples."""
    if x.shape[-1] < length:
        raise ValueError(
            f"{name} is too short: {x.shape[-1]} samples along the last axis, need at least {length} ({what})"
        )


def check_choice(value, name: str, choices: Sequence) -> None:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
