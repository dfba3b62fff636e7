"""Component loss for mask-based speech enhancement, and the helpers of the enhancement setting.

A mask-based enhancer predicts a gain ``M`` in ``[0, 1]`` for every time-frequency bin of a noisy mixture
``X = S + N`` and outputs ``M·|X|`` with the mixture's phase. The *component loss* of Xu et al.
(arXiv:1908.05087) scores the mask by what it does to each component separately. With ``S`` the target
(clean speech) magnitude and ``R`` the residual (noise) magnitude, and auralflow's names:

- **filtered target** ``M·S``: the speech that passes the mask;
- **filtered residual** ``M·R``: the noise that passes the mask;
- **unit residual** ``R_b / ‖R_b‖`` (and the *unit filtered residual* ``(M·R)_b / ‖(M·R)_b‖``): each batch
  item's residual scaled to norm 1, the norm running over every axis except the batch axis;
- ``n = mask.numel()``: the number of bins in the whole batch.

The three components, summed over all bins and items:

- speech distortion ``E_s = Σ (M·S − S)²``,
- noise attenuation ``E_n = Σ (M·R)²``,
- noise quality ``E_q = Σ_b ‖ (M·R)_b/‖(M·R)_b‖ − R_b/‖R_b‖ ‖²`` (does the remaining noise keep its
  spectral shape?),

and the loss is ``[(1 − α − β)·E_s + α·E_n + β·E_q] / n``. With ``β = 0`` it is the two-component loss
``[(1 − α)·E_s + α·E_n] / n``, whose per-bin minimiser is the parametric Wiener gain
``M* = (1 − α)S² / ((1 − α)S² + αR²)`` (:func:`parametric_wiener_mask`).

Choices this package makes, where the upstream implementation (auralflow) differs:

- Any shape with a leading batch axis works (``[batch, freq, frames]``, ``[batch, freq, frames, channels]``
  ...); upstream's ``torch.linalg.norm`` over three axes crashes on auralflow's documented 4-D example.
- The unit normalisation divides by ``sqrt(‖x‖² + eps²)``: an all-zero mask or residual gives a finite
  loss and finite gradients (upstream: NaN).
- Weights are validated (``α, β ≥ 0``, ``α + β ≤ 1``) instead of being silently rescaled by ``α + β``.
- auralflow's defaults ``α = 0.2, β = 0.8`` are kept for compatibility, but note that they make the speech
  weight ``1 − 0.2 − 0.8 = 0``: the best mask is then silence. Chapter 5 measures this; pass your own
  weights (the paper's code uses ``α = 0.5`` for two components, ``α = 0.1, β = 0.8`` for three).

Notebook: book/05_component_loss.ipynb
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._reduction import check_reduction, reduce_items
from ._validation import (
    check_choice,
    check_int,
    check_positive,
    check_same_shape,
    check_tensor,
    values_checked,
)
from .spectral import hann_window, scale_to_db, stft, stft_magnitude

__all__ = [
    "component_loss",
    "ComponentLoss",
    "loss_components",
    "component_weights",
    "parametric_wiener_mask",
    "ideal_mask",
    "enhancement_magnitudes",
    "apply_mask",
    "speech_distortion_db",
    "noise_attenuation_db",
    "train_free_mask",
]

REDUCTIONS = ("mean", "sum", "none")
MASK_KINDS = ("binary", "ratio", "wiener")
# Weights are compared with a little slack so that e.g. alpha=0.7, beta=0.3 (sum 0.9999999999999999 or
# 1.0000000000000002 in binary floating point) is accepted.
_WEIGHT_SLACK = 1e-9


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


def component_weights(alpha: float = 0.2, beta: float | None = 0.8) -> tuple[float, float, float]:
    """Validate the weights and return ``(speech_weight, alpha, beta)`` with ``speech_weight = 1 − α − β``.

    Args:
        alpha: weight of the noise-attenuation term, in ``[0, 1]`` (default 0.2, auralflow's).
        beta: weight of the noise-quality term, in ``[0, 1 − α]`` (default 0.8, auralflow's); ``None`` or
            ``0`` gives the two-component loss.

    Returns:
        ``(1 − α − β, α, β)`` as floats (``β = 0.0`` for ``None``). The speech weight is never negative:
        a sum within ``1e-9`` above 1 counts as exactly 1.

    Raises:
        TypeError: a weight is not a real number.
        ValueError: a weight is negative or not finite, or ``α + β > 1`` (the upstream code silently
            rescales both by their sum; here it is an error, because it changes the loss you asked for).
    """
    alpha = check_positive(alpha, "alpha", allow_zero=True)
    beta = 0.0 if beta is None else check_positive(beta, "beta", allow_zero=True)
    total = alpha + beta
    if total > 1.0 + _WEIGHT_SLACK:
        raise ValueError(
            f"alpha + beta must be <= 1 (the speech term's weight is 1 - alpha - beta), got alpha={alpha}, "
            f"beta={beta} (sum {total:g}); choose weights that sum to at most 1"
        )
    return max(0.0, 1.0 - alpha - beta), alpha, beta


def _check_loss_inputs(mask, target, residual, allow_unbounded_mask: bool) -> None:
    check_tensor(mask, "mask", min_ndim=2)
    check_tensor(target, "target", min_ndim=2)
    check_tensor(residual, "residual", min_ndim=2)
    check_same_shape(mask, target, "mask", "target")
    check_same_shape(mask, residual, "mask", "residual")
    if mask.numel() == 0:
        raise ValueError(f"mask is empty: shape {tuple(mask.shape)}")
    if not values_checked():
        return
    if not allow_unbounded_mask:
        low, high = (float(v) for v in mask.detach().aminmax())
        if low < 0 or high > 1:
            raise ValueError(
                f"mask must lie in [0, 1] (a gain per bin), got values in [{low:.4g}, {high:.4g}]; "
                f"pass allow_unbounded_mask=True for masks that may amplify"
            )
    if float(target.detach().min()) < 0:
        raise ValueError("target must be a magnitude (>= 0 everywhere); got negative values")


def _unit(x: torch.Tensor, eps: float) -> torch.Tensor:
    """Scale each batch item to norm 1: ``x_b / sqrt(‖x_b‖² + eps²)`` (norm over every non-batch axis)."""
    dims = tuple(range(1, x.dim()))
    return x / (x.pow(2).sum(dim=dims, keepdim=True) + eps**2).sqrt()


# --------------------------------------------------------------------------------------------------
# The loss
# --------------------------------------------------------------------------------------------------


def loss_components(
    mask: torch.Tensor,
    target: torch.Tensor,
    residual: torch.Tensor,
    *,
    eps: float = 1e-8,
    allow_unbounded_mask: bool = False,
) -> dict[str, torch.Tensor]:
    """The three unweighted components of the component loss, per batch item (summed over their bins).

    Args:
        mask: ``[batch, ...]`` gains, in ``[0, 1]`` unless ``allow_unbounded_mask``.
        target: ``[batch, ...]`` target (clean speech) magnitude ``S``, ``>= 0``, same shape.
        residual: ``[batch, ...]`` residual (noise) magnitude ``R``, same shape. Negative values are
            allowed (auralflow passes ``|X| − |S|``).
        eps: the unit normalisation divides by ``sqrt(‖x‖² + eps²)`` (default 1e-8).
        allow_unbounded_mask: accept masks outside ``[0, 1]`` (default ``False``).

    Returns:
        dict of ``[batch]`` tensors: ``"speech_distortion"`` ``Σ(M·S − S)²``, ``"noise_attenuation"``
        ``Σ(M·R)²`` and ``"noise_quality"`` ``‖unit(M·R) − unit(R)‖²``.

    Raises:
        TypeError: an input is not a floating-point tensor.
        ValueError: fewer than 2 axes, mismatched shapes, NaN/Inf, mask outside ``[0, 1]``, negative
            target, ``eps <= 0``.
    """
    _check_loss_inputs(mask, target, residual, allow_unbounded_mask)
    eps = check_positive(eps, "eps")
    dims = tuple(range(1, mask.dim()))
    filtered_target = mask * target
    filtered_residual = mask * residual
    return {
        "speech_distortion": (filtered_target - target).pow(2).sum(dim=dims),
        "noise_attenuation": filtered_residual.pow(2).sum(dim=dims),
        "noise_quality": (_unit(filtered_residual, eps) - _unit(residual, eps)).pow(2).sum(dim=dims),
    }


def component_loss(
    mask: torch.Tensor,
    target: torch.Tensor,
    residual: torch.Tensor,
    *,
    alpha: float = 0.2,
    beta: float | None = 0.8,
    eps: float = 1e-8,
    allow_unbounded_mask: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    """The component loss of Xu et al. (arXiv:1908.05087), in auralflow's API.

    ``loss = [(1 − α − β)·Σ(M·S − S)² + α·Σ(M·R)² + β·Σ_b‖unit(M·R)_b − unit(R)_b‖²] / n`` with
    ``n = mask.numel()`` and ``unit(x)_b = x_b / sqrt(‖x_b‖² + eps²)`` (see the module docstring for the
    names). ``beta=None`` or ``0`` gives the two-component loss ``[(1 − α)·E_s + α·E_n] / n``.

    Args:
        mask: ``[batch, ...]`` predicted gains ``M`` (e.g. ``[batch, freq, frames]`` or auralflow's
            ``[batch, freq, frames, channels]``), in ``[0, 1]`` unless ``allow_unbounded_mask``.
        target: target (clean speech) magnitude ``S``, same shape, ``>= 0``.
        residual: residual (noise) magnitude ``R``, same shape; the true noise magnitude ``|N|`` is
            recommended, ``|X| − |S|`` (upstream's choice, possibly negative) is accepted.
        alpha: weight of noise attenuation (default 0.2, auralflow's).
        beta: weight of noise quality (default 0.8, auralflow's; ``None``/``0``: two components). With the
            defaults the speech weight ``1 − α − β`` is exactly 0.
        eps: stabiliser of the unit normalisation (default 1e-8): all-zero masks or residuals give a finite
            loss and gradient.
        allow_unbounded_mask: accept masks outside ``[0, 1]`` (default ``False``).
        reduction: over the per-item values (each item's weighted sum divided by its own number of bins):
            ``"mean"`` (default; equal to auralflow's division by ``n = mask.numel()``), ``"sum"`` or
            ``"none"`` (``[batch]``).

    Shape:
        mask, target, residual: ``[batch, ...]`` (at least 2 axes), all the same shape.
        output: 0-dim, or ``[batch]`` with ``reduction="none"``.

    Returns:
        A 0-dim tensor, or ``[batch]`` for ``reduction="none"``; differentiable with respect to all inputs.
        Every term is per item (the unit normalisation too), so sharding a batch across processes under
        ``DistributedDataParallel`` gives the gradients of the whole batch.

    Raises:
        TypeError: non-float inputs or weights that are not numbers.
        ValueError: mismatched shapes, fewer than 2 axes, NaN/Inf, mask outside ``[0, 1]``, negative
            target, negative weights or ``α + β > 1``, unknown ``reduction``.

    Example::

        >>> mask = torch.rand(2, 257, 40)
        >>> speech, noise = torch.rand(2, 257, 40), torch.rand(2, 257, 40)
        >>> component_loss(mask, speech, noise, alpha=0.1, beta=0.8).shape
        torch.Size([])

    Notebook: book/05_component_loss.ipynb
    """
    speech_weight, alpha, beta = component_weights(alpha, beta)
    check_reduction(reduction)
    parts = loss_components(mask, target, residual, eps=eps, allow_unbounded_mask=allow_unbounded_mask)
    per_item = (
        speech_weight * parts["speech_distortion"] + alpha * parts["noise_attenuation"] + beta * parts["noise_quality"]
    )
    return reduce_items(per_item / (mask.numel() // mask.shape[0]), reduction)


class ComponentLoss(nn.Module):
    """:func:`component_loss` as a module: ``forward(mask, target, residual)``.

    Args:
        alpha: weight of the noise-attenuation term (default 0.2, auralflow's).
        beta: weight of the noise-quality term (default 0.8, auralflow's); ``None`` or 0 for the
            two-component loss. ``alpha + beta`` must be at most 1.
        eps: stabiliser of the unit normalisation (default 1e-8).
        allow_unbounded_mask: accept masks outside ``[0, 1]`` (default ``False``).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``, as :func:`component_loss`.

    Shape:
        mask, target, residual: ``[batch, ...]``, the same shape; output: 0-dim, or ``[batch]``.

    Example::

        >>> loss = ComponentLoss(alpha=0.5, beta=None)
        >>> value = loss(torch.rand(2, 257, 40), torch.rand(2, 257, 40), torch.rand(2, 257, 40))

    Notebook: book/05_component_loss.ipynb

    Raises:
        TypeError: a weight or setting of the wrong type, at construction.
        ValueError: invalid weights (negative, ``alpha + beta > 1``) or settings, at construction.
    """

    def __init__(
        self,
        *,
        alpha: float = 0.2,
        beta: float | None = 0.8,
        eps: float = 1e-8,
        allow_unbounded_mask: bool = False,
        reduction: str = "mean",
    ):
        super().__init__()
        component_weights(alpha, beta)
        check_positive(eps, "eps")
        check_reduction(reduction)
        self.alpha, self.beta, self.eps = alpha, beta, eps
        self.allow_unbounded_mask, self.reduction = allow_unbounded_mask, reduction

    def forward(self, mask: torch.Tensor, target: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return component_loss(
            mask,
            target,
            residual,
            alpha=self.alpha,
            beta=self.beta,
            eps=self.eps,
            allow_unbounded_mask=self.allow_unbounded_mask,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        return (
            f"alpha={self.alpha}, beta={self.beta}, eps={self.eps}, "
            f"allow_unbounded_mask={self.allow_unbounded_mask}, reduction={self.reduction!r}"
        )


# --------------------------------------------------------------------------------------------------
# Masks
# --------------------------------------------------------------------------------------------------


def _check_magnitudes(target, residual, target_name="target", residual_name="residual"):
    check_tensor(target, target_name)
    check_tensor(residual, residual_name)
    check_same_shape(target, residual, target_name, residual_name)


def parametric_wiener_mask(
    target: torch.Tensor, residual: torch.Tensor, alpha: float, *, eps: float = 1e-12
) -> torch.Tensor:
    """The per-bin minimiser of the two-component loss: ``M* = (1 − α)S² / ((1 − α)S² + αR²)``.

    Setting the derivative of ``(1 − α)(M·S − S)² + α(M·R)²`` with respect to ``M`` to zero gives it;
    ``α = 0.5`` is the ordinary Wiener gain ``S² / (S² + R²)``.

    Args:
        target: speech magnitude ``S``, any shape.
        residual: noise magnitude ``R``, same shape.
        alpha: noise-attenuation weight, in ``[0, 1]``.
        eps: added to the denominator (default 1e-12), so bins where ``S = R = 0`` get gain 0.

    Returns:
        Gains in ``[0, 1]``, same shape.
    """
    _check_magnitudes(target, residual)
    _, alpha, _ = component_weights(alpha, None)
    check_positive(eps, "eps")
    speech = (1.0 - alpha) * target.pow(2)
    return speech / (speech + alpha * residual.pow(2) + eps)


def ideal_mask(
    speech: torch.Tensor, noise: torch.Tensor, kind: str = "ratio", *, threshold_db: float = 0.0, eps: float = 1e-12
) -> torch.Tensor:
    """An ideal (oracle) mask computed from the true speech and noise magnitudes.

    - ``"binary"`` (IBM): 1 where the local SNR ``20·log10(S/N)`` exceeds ``threshold_db``, else 0;
    - ``"ratio"`` (IRM): ``sqrt(S² / (S² + N²))``;
    - ``"wiener"``: ``S² / (S² + N²)`` (the two-component optimum for ``α = 0.5``).

    Args:
        speech: speech magnitude ``|S|``, any shape, ``>= 0``.
        noise: noise magnitude ``|N|``, same shape, ``>= 0``.
        kind: ``"binary"``, ``"ratio"`` (default) or ``"wiener"``.
        threshold_db: local-SNR threshold of the binary mask (default 0 dB).
        eps: added to denominators (default 1e-12): silent bins get gain 0.

    Returns:
        Gains in ``[0, 1]``, same shape and dtype as ``speech``.
    """
    _check_magnitudes(speech, noise, "speech", "noise")
    check_choice(kind, "kind", MASK_KINDS)
    check_positive(eps, "eps")
    if bool((speech < 0).any()) or bool((noise < 0).any()):
        raise ValueError("speech and noise must be magnitudes (>= 0 everywhere)")
    if kind == "binary":
        if not math.isfinite(float(threshold_db)):
            raise ValueError(f"threshold_db must be finite, got {threshold_db}")
        local_snr_db = scale_to_db(speech) - scale_to_db(noise)
        return (local_snr_db > threshold_db).to(speech.dtype)
    wiener = speech.pow(2) / (speech.pow(2) + noise.pow(2) + eps)
    return wiener.sqrt() if kind == "ratio" else wiener


# --------------------------------------------------------------------------------------------------
# The enhancement setting: mixtures, spectra, resynthesis, measures
# --------------------------------------------------------------------------------------------------


def enhancement_magnitudes(
    speech: torch.Tensor, noise: torch.Tensor, n_fft: int = 1024, hop_length: int = 256
) -> dict[str, torch.Tensor]:
    """STFT magnitudes of the speech, the noise and their mixture (Hann window, ``center=True``).

    Args:
        speech: ``[..., time]`` clean speech.
        noise: ``[..., time]`` noise, same shape (already scaled to the wanted SNR).
        n_fft: FFT size (default 1024).
        hop_length: hop (default 256).

    Returns:
        dict with ``"speech"`` ``|S|``, ``"noise"`` ``|N|``, ``"mixture"`` ``|X|`` (``X = S + N``) and
        ``"difference"`` ``|X| − |S|`` (upstream's residual, can be negative), each ``[..., freq, frames]``.
    """
    check_tensor(speech, "speech", min_ndim=1)
    check_tensor(noise, "noise", min_ndim=1)
    check_same_shape(speech, noise, "speech", "noise")
    magnitudes = {
        "speech": stft_magnitude(speech, n_fft, hop_length),
        "noise": stft_magnitude(noise, n_fft, hop_length),
        "mixture": stft_magnitude(speech + noise, n_fft, hop_length),
    }
    magnitudes["difference"] = magnitudes["mixture"] - magnitudes["speech"]
    return magnitudes


def apply_mask(mask: torch.Tensor, mixture: torch.Tensor, n_fft: int = 1024, hop_length: int = 256) -> torch.Tensor:
    """Apply a magnitude mask to a mixture and resynthesise with the mixture's phase.

    ``y = ISTFT(M · X)`` where ``X = STFT(mixture)``: the mask scales each bin's magnitude and leaves its
    phase (``M`` is real and non-negative for masks in ``[0, 1]``). Overlap-add with the same periodic Hann
    window inverts the STFT exactly when ``M = 1``.

    Args:
        mask: ``[..., freq, frames]`` real gains, ``freq = n_fft // 2 + 1``.
        mixture: ``[..., time]`` waveform the mask was computed for.
        n_fft: FFT size (default 1024).
        hop_length: hop (default 256).

    Returns:
        ``[..., time]`` enhanced waveform, same length as ``mixture``.
    """
    check_tensor(mask, "mask", min_ndim=2)
    check_tensor(mixture, "mixture", min_ndim=1)
    spectrum = stft(mixture, n_fft, hop_length)
    check_same_shape(mask, spectrum.real, "mask", "the mixture's STFT")
    window = hann_window(n_fft, device=mixture.device, dtype=mixture.dtype)
    masked = (mask * spectrum).reshape(-1, *spectrum.shape[-2:])
    waveform = torch.istft(masked, n_fft, hop_length, n_fft, window=window, center=True, length=mixture.shape[-1])
    return waveform.reshape(mixture.shape)


def speech_distortion_db(mask: torch.Tensor, speech: torch.Tensor) -> torch.Tensor:
    """Speech distortion of a mask, ``10·log10(Σ(M·S − S)² / ΣS²)`` in dB (lower is better).

    Args:
        mask: gains, any shape with a leading batch axis (``[batch, ...]``).
        speech: speech magnitude ``S``, same shape.

    Returns:
        ``[batch]`` tensor in dB (−∞ is floored at −120 dB): 0 dB means the speech is entirely removed.
    """
    check_tensor(mask, "mask", min_ndim=2)
    check_tensor(speech, "speech", min_ndim=2)
    check_same_shape(mask, speech, "mask", "speech")
    dims = tuple(range(1, mask.dim()))
    ratio = (mask * speech - speech).pow(2).sum(dims) / speech.pow(2).sum(dims).clamp_min(1e-30)
    return 10.0 * torch.log10(ratio.clamp_min(1e-12))


def noise_attenuation_db(mask: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Noise attenuation of a mask, ``10·log10(ΣN² / Σ(M·N)²)`` in dB (higher removes more noise).

    Args:
        mask: gains, any shape with a leading batch axis (``[batch, ...]``).
        noise: noise magnitude ``N``, same shape.

    Returns:
        ``[batch]`` tensor in dB (capped at 120 dB for an all-zero mask).
    """
    check_tensor(mask, "mask", min_ndim=2)
    check_tensor(noise, "noise", min_ndim=2)
    check_same_shape(mask, noise, "mask", "noise")
    dims = tuple(range(1, mask.dim()))
    ratio = noise.pow(2).sum(dims) / (mask * noise).pow(2).sum(dims).clamp_min(1e-30)
    return 10.0 * torch.log10(ratio.clamp(max=1e12))


def train_free_mask(
    target: torch.Tensor,
    residual: torch.Tensor,
    alpha: float = 0.5,
    beta: float | None = None,
    *,
    steps: int = 300,
    lr: float = 0.05,
    bounded: bool = False,
    seed: int = 0,
) -> tuple[torch.Tensor, list[float]]:
    """Fit one free gain per bin to minimise :func:`component_loss` with Adam, for a fixed ``S`` and ``R``.

    This is the component loss with nothing between it and the mask: what the loss *wants*, free of any
    network. By default ``M`` itself is trained, unconstrained (``allow_unbounded_mask=True``): for the
    two-component loss each bin is then a quadratic whose minimum, the parametric Wiener gain, lies in
    ``[0, 1]``. ``bounded=True`` parametrises ``M = sigmoid(logits)`` instead, which keeps the mask in
    ``[0, 1]`` but converges slowly where the optimum is 0 or 1 (the logits must run off to infinity).

    Bins whose speech and noise are both tiny barely move from their initial value: their gradient is far
    below Adam's epsilon. Compare masks on the bins that carry energy.

    Args:
        target: ``[batch, ...]`` speech magnitude ``S``.
        residual: ``[batch, ...]`` noise magnitude ``R``, same shape.
        alpha, beta: loss weights, as in :func:`component_loss` (default 0.5 and ``None``: two components).
        steps: Adam steps (default 300).
        lr: learning rate (default 0.05).
        bounded: keep the mask in ``[0, 1]`` with a sigmoid (default ``False``: train the gains directly).
        seed: seed of the initial mask (default 0): uniform in ``[0.25, 0.75]``.

    Returns:
        ``(mask, losses)``: the trained mask (detached, same shape) and the loss after every step.
    """
    check_tensor(target, "target", min_ndim=2)
    check_tensor(residual, "residual", min_ndim=2)
    check_same_shape(target, residual, "target", "residual")
    component_weights(alpha, beta)
    check_int(steps, "steps", minimum=1)
    lr = check_positive(lr, "lr")
    generator = torch.Generator().manual_seed(check_int(seed, "seed"))
    start = (0.25 + 0.5 * torch.rand(target.shape, generator=generator, dtype=target.dtype)).to(target.device)
    parameter = (torch.logit(start) if bounded else start).requires_grad_(True)
    optimizer = torch.optim.Adam([parameter], lr=lr)
    losses = []
    for _ in range(steps):
        mask = torch.sigmoid(parameter) if bounded else parameter
        loss = component_loss(mask, target, residual, alpha=alpha, beta=beta, allow_unbounded_mask=not bounded)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    mask = torch.sigmoid(parameter) if bounded else parameter
    return mask.detach(), losses
