"""The machinery shared by every chapter's self-checks: cases, comparison, clear failure messages.

A chapter's checks build a list of :class:`Case` (arguments, expected tensor, tolerances, hints that
recognise usual mistakes) and call :func:`run_cases`.

``None`` means "not attempted yet": the reader notebooks (``notebooks/``) check every exercise with
``check_y(globals().get("my_name"))``, which passes ``None`` until the reader has defined ``my_name``.
:func:`run_cases` then prints one friendly line naming what to define and returns ``False``; it never
raises for it. It recognises ``None`` both as its own ``fn`` and as the answer the public ``check_*``
function was called with (a check may wrap the answer in a helper before calling :func:`run_cases`).
A check that must look at the answer before building its cases can start with
``if not_attempted("check_y", answer): return False``. A check whose answer is one predicted number passes
it through :func:`predicted_number`, so every chapter accepts the same forms (a Python or NumPy number,
a one-element tensor) and words the same message for anything else.
"""

from __future__ import annotations

import linecache
import math
import numbers
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

__all__ = ["ExerciseCheckError", "NotANumberError", "Case", "run_cases", "not_attempted", "predicted_number"]

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/audiolosses: frames there are not the reader's
# The name a check cell asks for: check_y(globals().get("my_name")), else check_y(my_name).
_ASKED_NAME = (
    re.compile(r"globals\(\)\.get\(\s*[\"'](\w+)[\"']"),
    re.compile(r"check\w*\(\s*([A-Za-z_]\w*)\s*[,)]"),
)


class ExerciseCheckError(AssertionError):
    """Raised by a ``check_*`` function when the learner's function gives a wrong result."""


@dataclass
class Case:
    """One test case: ``fn(*args)`` must match ``expected`` within ``atol + rtol·|expected|``.

    ``hints`` are (predicate on the learner's result, message) pairs; the first that matches a wrong
    result is shown.
    """

    description: str
    args: tuple
    expected: torch.Tensor
    hints: Sequence[tuple[Callable[[torch.Tensor], bool], str]] = ()
    atol: float = 1e-5
    rtol: float = 1e-5


def _fail(check: str, case: Case, problem: str) -> None:
    raise ExerciseCheckError(f"{check}: case '{case.description}' failed.\n{problem}")


def _in_package(frame) -> bool:
    try:
        return Path(frame.f_code.co_filename).resolve().is_relative_to(_PACKAGE_DIR)
    except (OSError, ValueError):
        return False


def _entry_frame():
    """The outermost frame inside the package: the public ``check_*`` function the reader called."""
    frame, entry = sys._getframe(1), None
    while frame is not None and _in_package(frame):
        entry, frame = frame, frame.f_back
    return entry, frame


def _asked_name(caller, check: str) -> str | None:
    """The name the calling statement passes (the reader's cell), read from its source when available.

    The call may span lines (a long check call is wrapped), so after the frame's own line the lines
    around it are searched for a call of ``check``, then for any check call.
    """
    if caller is None:
        return None

    def text(first: int, last: int) -> str:
        lines = range(max(1, first), last + 1)
        return " ".join(linecache.getline(caller.f_code.co_filename, n, caller.f_globals).strip() for n in lines)

    line = caller.f_lineno
    named = re.compile(rf"\b{re.escape(check)}\(\s*(?:globals\(\)\.get\(\s*[\"'](\w+)[\"']|([A-Za-z_]\w*)\s*[,)])")
    # The statement starting on this line (wrapped calls continue below it), then one ending on it.
    for window in (text(line, line), text(line, line + 3), text(line - 3, line)):
        match = named.search(window)
        if match:
            return match.group(1) or match.group(2)
        for pattern in _ASKED_NAME:
            match = pattern.search(window)
            if match:
                return match.group(1)
    return None


def _entry_answer_is_none(entry) -> bool:
    """Whether the public check function was called with ``None`` as its first argument."""
    if entry is None or entry.f_code.co_argcount == 0:
        return False
    first = entry.f_code.co_varnames[0]
    return first in entry.f_locals and entry.f_locals[first] is None


def not_attempted(check: str, answer: Any = None) -> bool:
    """If ``answer`` is ``None``, print that the exercise is not attempted yet (naming what to define)
    and return ``True``; otherwise return ``False`` and print nothing. Never raises."""
    if answer is not None:
        return False
    _, caller = _entry_frame()
    name = _asked_name(caller, check)
    what = f"`{name}`" if name else "what the exercise asks for"
    print(f"{check}: not attempted yet (define {what}, then run this check again)")
    return True


class NotANumberError(ExerciseCheckError, TypeError):
    """Raised when a prediction that should be one number is not one (also a :class:`TypeError`)."""


def predicted_number(check: str, value: Any) -> Callable[[], torch.Tensor] | None:
    """A predicted number as the zero-argument function :func:`run_cases` calls; ``None`` stays ``None``.

    Accepts any real number (Python or NumPy, not ``bool``) or a one-element tensor, and returns a
    function giving it as a float64 scalar tensor; raises :class:`NotANumberError` otherwise.
    """
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise NotANumberError(f"{check}: expected a single number, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise NotANumberError(
            f"{check}: expected a number, got {type(value).__name__} {value!r}: a prediction must be a number,"
            " one finite number such as 0.5"
        )
    number = float(value)
    if not math.isfinite(number):
        raise NotANumberError(f"{check}: expected a finite number, got {number}")
    return lambda: torch.tensor(number, dtype=torch.float64)


def run_cases(check: str, fn: Callable[..., Any], cases: Sequence[Case]) -> bool:
    """Run ``fn`` on every case; print one line and return ``True`` when all pass.

    Raises :class:`ExerciseCheckError` naming the first failing case (with a hint when one matches).
    ``fn=None``, or a public check called with ``None``, means "not attempted yet": one printed line,
    ``False`` returned, nothing raised.
    """
    entry, _ = _entry_frame()
    if fn is None or _entry_answer_is_none(entry):
        not_attempted(check, None)
        return False
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
    print(f"{check}: " + ("the case passed" if len(cases) == 1 else f"all {len(cases)} cases passed"))
    return True
