"""The machinery shared by every chapter's self-checks: cases, comparison, clear failure messages.

A chapter's checks build a list of :class:`Case` (arguments, expected tensor, tolerances, hints that
recognise usual mistakes) and call :func:`run_cases`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

__all__ = ["ExerciseCheckError", "Case", "run_cases"]


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


def run_cases(check: str, fn: Callable[..., Any], cases: Sequence[Case]) -> bool:
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
