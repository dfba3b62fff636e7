"""Chapter 5's experiment: a tiny mask network trained with the component loss.

A frame-wise MLP (:class:`MaskNet`) reads standardised log-magnitude frames of a noisy mixture
(:func:`log_magnitude_features`) and outputs one gain in ``(0, 1)`` per frequency bin;
:func:`train_mask_network` fits it with :func:`audiolosses.component.component_loss` (full batch, Adam,
a few seconds on a CPU). :func:`excess_over_optimum` measures how far a mask is from the free-mask optimum
in the loss's own terms: for the two-component loss the excess is exactly an energy-weighted squared
distance to the parametric Wiener gain, which is why training pulls a network towards that gain.

Notebook: book/05_component_loss.ipynb
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from .._validation import check_int, check_positive, check_same_shape, check_tensor
from ..component import component_loss, component_weights, parametric_wiener_mask

__all__ = [
    "log_magnitude_features",
    "MaskNet",
    "MaskTrainingResult",
    "train_mask_network",
    "excess_over_optimum",
]


def log_magnitude_features(mixture: torch.Tensor, *, floor: float = 1e-5) -> torch.Tensor:
    """Standardised log-magnitude of a mixture: the mask network's input.

    ``z = (log(|X| + floor) − mean) / std``, with the mean and standard deviation taken over every bin of
    each batch item, so a louder or quieter recording gives the same features.

    Args:
        mixture: ``[batch, freq, frames]`` mixture magnitude ``|X|`` (``>= 0``).
        floor: added before the logarithm (default ``1e-5``), so silent bins stay finite.

    Returns:
        ``[batch, freq, frames]`` features, same dtype.

    Raises:
        TypeError: ``mixture`` is not a floating-point tensor.
        ValueError: wrong number of axes, NaN/Inf, negative values, ``floor <= 0``.

    Notebook: book/05_component_loss.ipynb
    """
    check_tensor(mixture, "mixture", ndim=3)
    floor = check_positive(floor, "floor")
    if bool((mixture < 0).any()):
        raise ValueError("mixture must be a magnitude (>= 0 everywhere); got negative values")
    logs = torch.log(mixture + floor)
    mean = logs.mean(dim=(1, 2), keepdim=True)
    std = logs.std(dim=(1, 2), keepdim=True).clamp_min(1e-12)
    return (logs - mean) / std


class MaskNet(nn.Module):
    """A frame-wise MLP mask estimator: one log-magnitude frame in, one gain per bin out.

    ``mask[:, :, t] = sigmoid(W₂·relu(W₁·z[:, :, t] + b₁) + b₂)``: every frame is processed on its own
    (no context), so the network sees only the mixture, never the speech and noise separately.

    Args:
        num_bins: frequency bins per frame (``n_fft // 2 + 1``).
        hidden: width of the hidden layer (default 64).
        seed: seed of the initial weights (default 0); the global random state is left untouched.

    Shape:
        input: ``[batch, freq, frames]`` features (:func:`log_magnitude_features`); output: the same
        shape, gains in ``(0, 1)``.

    Example::

        >>> net = MaskNet(513, hidden=32)
        >>> net(torch.randn(1, 513, 10)).shape
        torch.Size([1, 513, 10])

    Notebook: book/05_component_loss.ipynb
    """

    def __init__(self, num_bins: int, *, hidden: int = 64, seed: int = 0):
        super().__init__()
        self.num_bins = check_int(num_bins, "num_bins", minimum=1)
        self.hidden = check_int(hidden, "hidden", minimum=1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(check_int(seed, "seed"))
            self.layers = nn.Sequential(nn.Linear(num_bins, hidden), nn.ReLU(), nn.Linear(hidden, num_bins))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        check_tensor(features, "features", ndim=3)
        if features.shape[1] != self.num_bins:
            raise ValueError(
                f"features must have {self.num_bins} frequency bins (axis 1), got shape {tuple(features.shape)}"
            )
        return torch.sigmoid(self.layers(features.transpose(1, 2))).transpose(1, 2)


@dataclass
class MaskTrainingResult:
    """What :func:`train_mask_network` returns.

    Attributes:
        net: the trained :class:`MaskNet` (in evaluation mode).
        mask: ``[batch, freq, frames]`` its mask on the training mixture (detached).
        losses: the component loss before every Adam step.
        alpha, beta: the loss weights it was trained with.
    """

    net: MaskNet
    mask: torch.Tensor
    losses: list[float] = field(default_factory=list)
    alpha: float = 0.5
    beta: float = 0.0


def train_mask_network(
    mixture: torch.Tensor,
    target: torch.Tensor,
    residual: torch.Tensor,
    *,
    alpha: float,
    beta: float | None = None,
    hidden: int = 64,
    steps: int = 300,
    lr: float = 3e-3,
    seed: int = 0,
) -> MaskTrainingResult:
    """Train a :class:`MaskNet` on one mixture with :func:`~audiolosses.component.component_loss`.

    Full batch: every step sees all frames of every item. The network reads only the mixture's
    features; the loss sees the speech ``S`` and residual ``R`` (as in training a real enhancer).

    Args:
        mixture: ``[batch, freq, frames]`` mixture magnitude ``|X|``.
        target: speech magnitude ``S``, same shape.
        residual: residual (noise) magnitude ``R``, same shape.
        alpha, beta: loss weights, as in :func:`~audiolosses.component.component_loss` (keyword
            only; ``beta=None`` or 0: the two-component loss).
        hidden: hidden width (default 64).
        steps: Adam steps (default 300).
        lr: learning rate (default 3e-3).
        seed: seed of the initial weights (default 0).

    Returns:
        :class:`MaskTrainingResult`. The network has the dtype of ``mixture`` (train in float64 for
        results that repeat to many digits on any CPU).

    Raises:
        TypeError, ValueError: invalid tensors (shape, dtype, NaN) or settings.

    Notebook: book/05_component_loss.ipynb
    """
    check_tensor(mixture, "mixture", ndim=3)
    check_tensor(target, "target", ndim=3)
    check_tensor(residual, "residual", ndim=3)
    check_same_shape(mixture, target, "mixture", "target")
    check_same_shape(mixture, residual, "mixture", "residual")
    _, alpha, beta = component_weights(alpha, beta)
    check_int(steps, "steps", minimum=1)
    lr = check_positive(lr, "lr")
    features = log_magnitude_features(mixture)
    net = MaskNet(mixture.shape[1], hidden=hidden, seed=seed).to(mixture.device, mixture.dtype)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = component_loss(net(features), target, residual, alpha=alpha, beta=beta)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    net.eval()
    with torch.no_grad():
        mask = net(features)
    return MaskTrainingResult(net=net, mask=mask, losses=losses, alpha=alpha, beta=beta)


def excess_over_optimum(
    mask: torch.Tensor, target: torch.Tensor, residual: torch.Tensor, *, alpha: float
) -> dict[str, torch.Tensor]:
    """How far a mask is from the two-component optimum, in the loss's own terms.

    Per bin, ``ℓ(M) = (1 − α)(M − 1)²S² + αM²R²`` is a parabola in ``M``, so
    ``ℓ(M) = ℓ(M*) + c·(M − M*)²`` with ``c = (1 − α)S² + αR²`` and ``M*`` the parametric Wiener gain.
    Summed and divided by ``n``, the loss of any mask is the loss of the optimum plus an energy-weighted
    squared distance to it: minimising the loss *is* a weighted regression onto ``M*``.

    Args:
        mask: ``[batch, ...]`` gains.
        target: speech magnitude ``S``, same shape.
        residual: residual magnitude ``R``, same shape.
        alpha: noise weight of the two-component loss.

    Returns:
        dict of 0-dim tensors: ``"loss"`` (the two-component loss of ``mask``), ``"floor"`` (the loss of
        ``M*``), ``"weighted_distance"`` ``Σ c·(M − M*)² / n`` (equal to loss − floor) and ``"optimum"``
        is the ``M*`` tensor itself (same shape as ``mask``).

    Notebook: book/05_component_loss.ipynb
    """
    check_tensor(mask, "mask", min_ndim=2)
    check_same_shape(mask, target, "mask", "target")
    check_same_shape(mask, residual, "mask", "residual")
    _, alpha, _ = component_weights(alpha, None)
    optimum = parametric_wiener_mask(target, residual, alpha)
    weight = (1 - alpha) * target.pow(2) + alpha * residual.pow(2)
    kwargs = {"alpha": alpha, "beta": None, "allow_unbounded_mask": True}
    return {
        "loss": component_loss(mask, target, residual, **kwargs),
        "floor": component_loss(optimum, target, residual, **kwargs),
        "weighted_distance": (weight * (mask - optimum).pow(2)).sum() / mask.numel(),
        "optimum": optimum,
    }
