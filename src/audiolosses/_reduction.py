"""The one meaning of ``reduction`` for losses that score each batch item.

A loss computes one value per batch item (shape ``[batch]``); ``reduction`` then says what the caller gets:

- ``"mean"``: the mean over the batch (0-dim), the usual training objective;
- ``"sum"``: the sum over the batch (0-dim);
- ``"none"``: the per-item values themselves (``[batch]``), e.g. to weight items or to log them.

Losses written after this module follow it; see ``CONTRIBUTING.md`` for the whole contract.
"""

from __future__ import annotations

import torch

from ._validation import check_choice

__all__ = ["REDUCTIONS", "check_reduction", "reduce_items"]

#: The reductions every per-item loss accepts.
REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction) -> str:
    """Check that ``reduction`` is ``"mean"``, ``"sum"`` or ``"none"``; return it."""
    check_choice(reduction, "reduction", REDUCTIONS)
    return reduction


def reduce_items(per_item: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce a ``[batch]`` tensor of per-item losses as ``reduction`` says (checked by the caller)."""
    if reduction == "mean":
        return per_item.mean()
    if reduction == "sum":
        return per_item.sum()
    return per_item
