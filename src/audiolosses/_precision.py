"""Losses that need float32 under ``torch.autocast``.

Under autocast, matrix products and convolutions run in float16/bfloat16. A spectral loss made of a mel
matrix product, a logarithm and small differences between two such spectra loses most of its digits that
way. :func:`float32_inside` runs a loss with autocast switched off for the inputs' device and half-precision
tensor arguments cast to float32, so the loss (and its gradient, which autograd casts back to the input's
dtype) is computed in float32. float32 and float64 inputs are left as they are.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import torch

__all__ = ["float32_inside"]

_F = TypeVar("_F", bound=Callable)
_LOW = (torch.float16, torch.bfloat16)


def _up(value):
    if isinstance(value, torch.Tensor) and value.dtype in _LOW:
        return value.float()
    return value


def float32_inside(function: _F) -> _F:
    """Decorate a loss: autocast off inside it, float16/bfloat16 tensor arguments cast to float32."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        device = next((a.device.type for a in args if isinstance(a, torch.Tensor)), "cpu")
        if not torch.is_autocast_enabled(device) and not any(
            isinstance(a, torch.Tensor) and a.dtype in _LOW for a in args
        ):
            return function(*args, **kwargs)
        with torch.autocast(device_type=device, enabled=False):
            return function(*(_up(a) for a in args), **{k: _up(v) for k, v in kwargs.items()})

    return wrapper  # type: ignore[return-value]
