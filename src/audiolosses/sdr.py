"""SNR, SI-SDR and SD-SDR: waveform ratios in decibels, and the negative SI-SDR loss.

For an estimate ``ŝ`` of a target ``s`` (one channel, ``T`` samples), Le Roux et al. 2019 ("SDR –
half-baked or well done?") compare three ratios:

- **SNR** ``10·log10(‖s‖² / ‖s − ŝ‖²)``: the error is everything that differs, level included.
- **SI-SDR** (scale-invariant): project the estimate onto the target, ``α = ⟨ŝ, s⟩ / ‖s‖²``
  (the ``α`` that minimises ``‖ŝ − α·s‖²``), then ``10·log10(‖α·s‖² / ‖ŝ − α·s‖²)``. Any gain on
  the estimate (or on the target) leaves it unchanged; it equals ``10·log10(ρ² / (1 − ρ²))`` with
  ``ρ`` the cosine between ``ŝ`` and ``s``.
- **SD-SDR** (scale-dependent): the same projected target in the numerator, but the error of the
  unscaled estimate in the denominator, ``10·log10(‖α·s‖² / ‖s − ŝ‖²)`` = SNR + ``10·log10(α²)``.
  A wrong level costs, and SD-SDR ≤ SI-SDR always.

``zero_mean=True`` (the default, as in the paper and auraloss) first removes each signal's mean over
time, so a DC offset is ignored. ``eps`` (default ``1e-8``) enters as in auraloss:
``α = ⟨ŝ, s⟩ / (‖s‖² + eps)`` and ``ratio = numerator / (denominator + eps) + eps``, so a perfect
estimate gives a large finite value (not ``+inf``) and a silent estimate gives ``10·log10(eps)``
= −80 dB with a zero gradient.

**Silent targets are rejected.** When a target channel carries no more energy than ``eps`` (after
the mean removal) it has no direction to project onto and SI-SDR is undefined. The reference
implementations each return something different (auraloss: a constant −80 dB with a zero gradient;
torchmetrics: a value that rewards a silent estimate; auralflow: NaN), so this module raises a
``ValueError`` naming the item and channel instead of picking one silently. Drop silent items from
the batch (or lower ``eps`` for genuinely quiet signals, e.g. float64 test data).

**Shapes and reduction.** The metrics take ``[..., time]`` and return one value per channel,
``[...]``. The losses take ``[batch, channels, time]`` (or ``[batch, time]``, one channel), compute
one SI-SDR per channel, **average it over the channels of each item** and negate it: one loss value
per batch item, which ``reduction`` (``"mean"``, ``"sum"``, ``"none"``) then reduces over the batch.
With ``"mean"`` this equals auraloss's ``SISDRLoss`` (mean over batch and channels); with ``"none"``
you get ``[batch]`` (auraloss: ``[batch, channels]``).

auralflow ships a different SI-SDR loss, rendered faithfully as :func:`auralflow_si_sdr_loss` and
:class:`AuralflowSISDRLoss` so its quirks can be measured: no mean removal, one scale per channel but
the energies summed over channels *and* time before the ratio, no guard against silence, and a
``best_perm`` option that swaps estimate and target (it does not permute sources).

Notebook: book/09_si_sdr.ipynb
"""

from __future__ import annotations

import torch
from torch import nn

from ._reduction import check_reduction, reduce_items
from ._validation import check_min_length, check_positive, check_same_shape, check_tensor, values_checked

__all__ = [
    "snr",
    "si_sdr",
    "sd_sdr",
    "project_onto_target",
    "si_sdr_loss",
    "SISDRLoss",
    "sd_sdr_loss",
    "SDSDRLoss",
    "auralflow_si_sdr_loss",
    "AuralflowSISDRLoss",
]

#: Default ``eps``, as in auraloss's ``SISDRLoss``.
DEFAULT_EPS = 1e-8


# --------------------------------------------------------------------------------------------------
# Validation and the shared computation
# --------------------------------------------------------------------------------------------------


def _check_pair(input, target, zero_mean: bool, eps, *, loss: bool) -> float:
    if loss:
        check_tensor(input, "input", ndim=(2, 3))
        check_tensor(target, "target", ndim=(2, 3))
    else:
        check_tensor(input, "input", min_ndim=1)
        check_tensor(target, "target", min_ndim=1)
    check_same_shape(input, target, "input", "target")
    if input.dtype != target.dtype:
        raise TypeError(f"input and target must have the same dtype, got {input.dtype} and {target.dtype}")
    if input.device != target.device:
        raise ValueError(f"input and target must be on the same device, got {input.device} and {target.device}")
    if not isinstance(zero_mean, bool):
        raise TypeError(f"zero_mean must be a bool, got {type(zero_mean).__name__}")
    check_min_length(
        target,
        2 if zero_mean else 1,
        "target",
        "with zero_mean=True one sample minus its mean is always silent" if zero_mean else "one sample",
    )
    return check_positive(eps, "eps", allow_zero=True)


def _centre(x: torch.Tensor, zero_mean: bool) -> torch.Tensor:
    return x - x.mean(dim=-1, keepdim=True) if zero_mean else x


def _target_energy(target: torch.Tensor, eps: float) -> torch.Tensor:
    """``‖s‖²`` per channel (``[..., 1]``); raises when a channel is silent (energy <= eps)."""
    energy = _dot(target, target)
    if not values_checked():
        return energy
    with torch.no_grad():
        silent = energy.squeeze(-1) <= eps
        if bool(silent.any()):
            index = tuple(int(i) for i in silent.nonzero()[0])
            raise ValueError(
                f"target is silent at index {index}: energy {float(energy.squeeze(-1)[index]):.3g} <= eps={eps:g} "
                "(after the mean removal, with zero_mean=True); SI-SDR is undefined without a target direction "
                "to project onto: drop silent items from the batch, or lower eps for very quiet signals"
            )
    return energy


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``Σ_t a·b`` over the last axis, kept as a trailing axis of size 1 (``[..., 1]``)."""
    return (a * b).sum(dim=-1, keepdim=True)


def _projection(input: torch.Tensor, target: torch.Tensor, eps: float):
    """``α`` (``[..., 1]``) and the target energy, on centred, checked signals."""
    energy = _target_energy(target, eps)
    alpha = _dot(input, target) / (energy + eps)
    return alpha, energy


def _ratio_db(numerator: torch.Tensor, denominator: torch.Tensor, eps: float) -> torch.Tensor:
    return 10.0 * torch.log10(numerator / (denominator + eps) + eps)


def _si_sdr(input, target, eps):
    alpha, energy = _projection(input, target, eps)
    residual = input - alpha * target
    return _ratio_db((alpha.square() * energy).squeeze(-1), _dot(residual, residual).squeeze(-1), eps)


def _sd_sdr(input, target, eps):
    alpha, energy = _projection(input, target, eps)
    error = target - input
    return _ratio_db((alpha.square() * energy).squeeze(-1), _dot(error, error).squeeze(-1), eps)


def _snr(input, target, eps):
    energy = _target_energy(target, eps).squeeze(-1)
    error = target - input
    return _ratio_db(energy, _dot(error, error).squeeze(-1), eps)


_METRICS = {"si_sdr": _si_sdr, "sd_sdr": _sd_sdr, "snr": _snr}


def _metric(kind, input, target, zero_mean, eps, *, loss: bool):
    eps = _check_pair(input, target, zero_mean, eps, loss=loss)
    return _METRICS[kind](_centre(input, zero_mean), _centre(target, zero_mean), eps)


# --------------------------------------------------------------------------------------------------
# The metrics
# --------------------------------------------------------------------------------------------------


def snr(
    input: torch.Tensor, target: torch.Tensor, *, zero_mean: bool = False, eps: float = DEFAULT_EPS
) -> torch.Tensor:
    """Signal-to-noise ratio in dB, ``10·log10(‖s‖² / (‖s − ŝ‖² + eps) + eps)``, per channel.

    Args:
        input: the estimate ``ŝ``, ``[..., time]``.
        target: the reference ``s``, same shape, dtype and device.
        zero_mean: remove each signal's mean over time first (default ``False``, as torchmetrics'
            ``signal_noise_ratio``).
        eps: guard against a zero error (default ``1e-8``); also the energy at or below which a
            target counts as silent.

    Shape:
        input, target: ``[..., time]``, the same shape; output: ``[...]``, one value per channel.

    Returns:
        ``[...]``: one value per channel (the input's shape without the time axis). Higher is better.

    Raises:
        TypeError: non-float tensors, different dtypes, ``zero_mean`` not a bool.
        ValueError: different shapes or devices, NaN/Inf, a silent target channel.

    Example::

        >>> s = torch.randn(2, 1, 16000)
        >>> snr(s + 0.1 * torch.randn(2, 1, 16000), s).shape
        torch.Size([2, 1])
    """
    return _metric("snr", input, target, zero_mean, eps, loss=False)


def si_sdr(
    input: torch.Tensor, target: torch.Tensor, *, zero_mean: bool = True, eps: float = DEFAULT_EPS
) -> torch.Tensor:
    """Scale-invariant SDR in dB (Le Roux et al. 2019), per channel.

    ``α = ⟨ŝ, s⟩ / (‖s‖² + eps)``, then ``10·log10(‖α·s‖² / (‖ŝ − α·s‖² + eps) + eps)``, after removing
    each signal's mean when ``zero_mean``. Multiplying ``input`` (or ``target``) by any non-zero gain
    leaves it unchanged, a negative gain included.

    Args:
        input: the estimate ``ŝ``, ``[..., time]``.
        target: the reference ``s``, same shape, dtype and device.
        zero_mean: remove each signal's mean over time first (default ``True``, as the paper and
            auraloss; torchmetrics' default is ``False``).
        eps: guard of the projection and of the ratio (default ``1e-8``, auraloss's); a target channel
            whose energy is at most ``eps`` is rejected as silent.

    Shape:
        input, target: ``[..., time]``, the same shape; output: ``[...]``, one value per channel.

    Returns:
        ``[...]``: one value per channel. Higher is better.

    Raises:
        TypeError: non-float tensors, different dtypes, ``zero_mean`` not a bool.
        ValueError: different shapes or devices, NaN/Inf, a silent target channel, a single sample
            with ``zero_mean=True``.

    Example::

        >>> s = torch.randn(4, 2, 8000, dtype=torch.float64)
        >>> e = s + 0.1 * torch.randn_like(s)
        >>> torch.allclose(si_sdr(3.0 * e, s), si_sdr(-0.5 * e, s))  # any gain: the same score
        True

    Notebook: book/09_si_sdr.ipynb
    """
    return _metric("si_sdr", input, target, zero_mean, eps, loss=False)


def sd_sdr(
    input: torch.Tensor, target: torch.Tensor, *, zero_mean: bool = True, eps: float = DEFAULT_EPS
) -> torch.Tensor:
    """Scale-dependent SDR in dB (Le Roux et al. 2019), per channel: SNR + ``10·log10(α²)``.

    ``10·log10(‖α·s‖² / (‖s − ŝ‖² + eps) + eps)`` with the same ``α`` as :func:`si_sdr` (and the same
    formula as auraloss's ``SDSDRLoss``). A wrong level lowers it; it never exceeds SI-SDR.

    Args:
        input: the estimate ``ŝ``, ``[..., time]``.
        target: the reference ``s``, same shape, dtype and device.
        zero_mean: remove each signal's mean over time first (default ``True``).
        eps: as in :func:`si_sdr` (default ``1e-8``).

    Shape:
        input, target: ``[..., time]``, the same shape; output: ``[...]``, one value per channel.

    Returns:
        ``[...]``: one value per channel. Higher is better.

    Raises:
        As :func:`si_sdr`.

    Example::

        >>> s = torch.randn(1, 1, 8000, dtype=torch.float64)
        >>> round(float(sd_sdr(0.5 * s, s)), 2)  # half the level: a perfect SI-SDR, an SD-SDR of 0 dB
        0.0

    Notebook: book/09_si_sdr.ipynb
    """
    return _metric("sd_sdr", input, target, zero_mean, eps, loss=False)


def project_onto_target(
    input: torch.Tensor, target: torch.Tensor, *, zero_mean: bool = True, eps: float = DEFAULT_EPS
) -> dict[str, torch.Tensor]:
    """Split the estimate into the scaled target and the rest: ``ŝ = α·s + e`` (the SI-SDR geometry).

    Args:
        input: the estimate ``ŝ``, ``[..., time]``.
        target: the reference ``s``, same shape, dtype and device.
        zero_mean: remove each signal's mean over time first (default ``True``).
        eps: as in :func:`si_sdr`.

    Returns:
        dict with ``"scale"`` (``α``, ``[...]``), ``"scaled_target"`` (``α·s``, ``[..., time]``),
        ``"distortion"`` (``e = ŝ − α·s``, orthogonal to ``s``) and ``"cosine"`` (``ρ``, ``[...]``,
        the cosine between ``ŝ`` and ``s``), all of the centred signals when ``zero_mean``.
    """
    eps = _check_pair(input, target, zero_mean, eps, loss=False)
    input, target = _centre(input, zero_mean), _centre(target, zero_mean)
    alpha, energy = _projection(input, target, eps)
    norms = (energy * _dot(input, input)).sqrt().squeeze(-1)
    cosine = _dot(input, target).squeeze(-1) / norms.clamp_min(torch.finfo(input.dtype).tiny)
    return {
        "scale": alpha.squeeze(-1),
        "scaled_target": alpha * target,
        "distortion": input - alpha * target,
        "cosine": cosine,
    }


# --------------------------------------------------------------------------------------------------
# The losses
# --------------------------------------------------------------------------------------------------


def _loss(kind, input, target, zero_mean, eps, reduction):
    check_reduction(reduction)
    values = _metric(kind, input, target, zero_mean, eps, loss=True)
    per_item = -(values.mean(dim=-1) if values.dim() == 2 else values)
    return reduce_items(per_item, reduction)


def si_sdr_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    zero_mean: bool = True,
    eps: float = DEFAULT_EPS,
    reduction: str = "mean",
) -> torch.Tensor:
    """Negative SI-SDR as a loss: one value per item (the mean over its channels), reduced over the batch.

    Args:
        input: the estimate, ``[batch, channels, time]`` or ``[batch, time]`` (one channel).
        target: the reference, same shape, dtype and device; no channel may be silent.
        zero_mean: remove each signal's mean first (default ``True``).
        eps: as in :func:`si_sdr` (default ``1e-8``).
        reduction: ``"mean"`` (default) or ``"sum"`` over the batch, or ``"none"`` (``[batch]``).

    Shape:
        input, target: ``[batch, channels, time]`` or ``[batch, time]``; output: 0-dim, or ``[batch]`` with
        ``reduction="none"``.

    Returns:
        0-dim tensor, or ``[batch]`` with ``reduction="none"``. Lower is better (−SI-SDR in dB).

    Example::

        >>> s = torch.randn(8, 1, 24000)
        >>> estimate = (s + 0.1 * torch.randn_like(s)).requires_grad_()
        >>> si_sdr_loss(estimate, s).backward()

    Notebook: book/09_si_sdr.ipynb
    """
    return _loss("si_sdr", input, target, zero_mean, eps, reduction)


def sd_sdr_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    zero_mean: bool = True,
    eps: float = DEFAULT_EPS,
    reduction: str = "mean",
) -> torch.Tensor:
    """Negative SD-SDR as a loss, with the conventions of :func:`si_sdr_loss`; it also penalises a wrong level.

    Args:
        input, target, zero_mean, eps, reduction: as in :func:`si_sdr_loss`.

    Shape:
        input, target: ``[batch, channels, time]`` or ``[batch, time]``; output: 0-dim, or ``[batch]``.

    Returns:
        0-dim tensor, or ``[batch]`` with ``reduction="none"``.

    Example::

        >>> x = torch.randn(2, 1, 8000)
        >>> float(sd_sdr_loss(x, x)) < -70
        True

    Notebook: book/09_si_sdr.ipynb
    """
    return _loss("sd_sdr", input, target, zero_mean, eps, reduction)


class SISDRLoss(nn.Module):
    """Negative SI-SDR loss (Le Roux et al. 2019), with auraloss's constructor arguments and defaults.

    ``forward(input, target)`` computes one SI-SDR per channel, averages it over the channels of each
    batch item, negates it and reduces over the batch (see :func:`si_sdr_loss`). With the defaults it
    equals ``auraloss.time.SISDRLoss()``.

    Args:
        zero_mean: remove each signal's mean over time before projecting (default ``True``).
        eps: ``1e-8`` (default) guards the projection and the ratio, as in auraloss; a target channel
            with energy at most ``eps`` raises a ``ValueError`` (SI-SDR of silence is undefined).
        reduction: ``"mean"`` (default) or ``"sum"`` of the per-item losses, or ``"none"``: ``[batch]``.

    Shape:
        input, target: ``[batch, channels, time]`` or ``[batch, time]``; output 0-dim, or ``[batch]``
        with ``reduction="none"``.

    Example::

        >>> loss = SISDRLoss()
        >>> s = torch.randn(4, 1, 16000)
        >>> loss(0.5 * s, s) < -80  # any gain is a perfect estimate
        tensor(True)

    Notebook: book/09_si_sdr.ipynb
    """

    def __init__(self, *, zero_mean: bool = True, eps: float = DEFAULT_EPS, reduction: str = "mean"):
        super().__init__()
        if not isinstance(zero_mean, bool):
            raise TypeError(f"zero_mean must be a bool, got {type(zero_mean).__name__}")
        self.zero_mean = zero_mean
        self.eps = check_positive(eps, "eps", allow_zero=True)
        self.reduction = check_reduction(reduction)

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return si_sdr_loss(input, target, zero_mean=self.zero_mean, eps=self.eps, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"zero_mean={self.zero_mean}, eps={self.eps:g}, reduction={self.reduction!r}"


class SDSDRLoss(SISDRLoss):
    """Negative SD-SDR loss (Le Roux et al. 2019); like :class:`SISDRLoss` but a wrong level costs.

    With the defaults it equals ``auraloss.time.SDSDRLoss()``.

    Args:
        zero_mean: remove each signal's mean over time before projecting (default ``True``).
        eps: as in :class:`SISDRLoss` (default ``1e-8``).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` (``[batch]``).

    Shape:
        As :class:`SISDRLoss`: ``[batch, channels, time]`` or ``[batch, time]``; output 0-dim or ``[batch]``.

    Example::

        >>> loss = SDSDRLoss()
        >>> x = torch.randn(2, 1, 8000)
        >>> float(loss(0.5 * x, x)) > float(SISDRLoss()(0.5 * x, x))  # the wrong level costs
        True

    Notebook: book/09_si_sdr.ipynb
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return sd_sdr_loss(input, target, zero_mean=self.zero_mean, eps=self.eps, reduction=self.reduction)


# --------------------------------------------------------------------------------------------------
# auralflow's SI-SDR loss, as written upstream
# --------------------------------------------------------------------------------------------------


def auralflow_si_sdr_loss(estimate: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """auralflow's ``si_sdr_loss(estimate, target)``, rendered faithfully (quirks included).

    Upstream (``auralflow/losses/losses.py``): ``α = Σ_t ŝ·s / Σ_t s²`` per channel (no mean removal,
    no eps); ``e = ŝ − α·s``; then the energies of ``α·s`` and ``e`` are **summed over channels and
    time** (``dim=(1, 2)``) before one ratio per item; ``−mean_b 10·log10(ratio)``. A silent target
    channel gives NaN, a perfect estimate ``-inf``. For one channel it equals :func:`si_sdr_loss` with
    ``zero_mean=False, eps=0``; for several channels the loudest channel dominates the ratio.

    Only the inputs are checked (shape, dtype, finite values); the computation is upstream's.

    Args:
        estimate: ``[batch, channels, time]``.
        target: same shape and dtype.

    Returns:
        The batch mean of −10·log10(ratio), a 0-dim tensor.
    """
    check_tensor(estimate, "estimate", ndim=3)
    check_tensor(target, "target", ndim=3)
    check_same_shape(estimate, target, "estimate", "target")
    if estimate.dtype != target.dtype:
        raise TypeError(f"estimate and target must have the same dtype, got {estimate.dtype} and {target.dtype}")
    alpha = (estimate * target).sum(dim=-1, keepdim=True) / (target**2).sum(dim=-1, keepdim=True)
    error_target = alpha * target
    error_residual = estimate - error_target
    signal_term = (error_target**2).sum(dim=(1, 2))
    distortion_term = (error_residual**2).sum(dim=(1, 2))
    return -(10 * torch.log10(signal_term / distortion_term)).mean(dim=0)


class AuralflowSISDRLoss(nn.Module):
    """auralflow's ``SISDRLoss(best_perm=True)``, rendered faithfully.

    ``forward(estimate, target)`` returns :func:`auralflow_si_sdr_loss`; with ``best_perm`` it also
    computes the loss with estimate and target **swapped** and returns whichever is smaller (compared
    with ``.item()``, ties keep the unswapped one), as upstream does. That is not a permutation over
    sources: for one channel SI-SDR is symmetric (it depends only on the cosine between the two
    signals), so both values agree up to rounding; for several channels they differ and the smaller
    loss is picked, a choice no source assignment explains.

    Args:
        best_perm: also try the swapped arguments and keep the smaller loss (default ``True``, upstream's).

    Shape:
        estimate, target: ``[batch, channels, time]``; output 0-dim.
    """

    def __init__(self, *, best_perm: bool = True):
        super().__init__()
        if not isinstance(best_perm, bool):
            raise TypeError(f"best_perm must be a bool, got {type(best_perm).__name__}")
        self.best_perm = best_perm

    def forward(self, estimate: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss = auralflow_si_sdr_loss(estimate, target)
        if self.best_perm:
            swapped = auralflow_si_sdr_loss(target, estimate)
            loss = min(loss, swapped, key=lambda value: value.item())
        return loss

    def extra_repr(self) -> str:
        return f"best_perm={self.best_perm}"


# --------------------------------------------------------------------------------------------------
# Explorer
# --------------------------------------------------------------------------------------------------


def _delayed(signal: torch.Tensor, delay: int) -> torch.Tensor:
    """``signal`` delayed by ``delay`` samples (zeros shifted in, the end dropped)."""
    if delay == 0:
        return signal
    return torch.cat([signal.new_zeros(*signal.shape[:-1], delay), signal[..., :-delay]], dim=-1)
