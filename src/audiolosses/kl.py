"""The KL divergence loss of a Gaussian VAE: closed form, reductions, and a small VAE on log-mel frames.

A variational autoencoder {Kingma & Welling 2014} encodes an input into a diagonal Gaussian
``q(z | x) = N(μ, σ²)`` and pulls it towards the prior ``N(0, 1)`` with the Kullback-Leibler divergence,
which for one latent dimension has the closed form

    KL(N(μ, σ²) ‖ N(0, 1)) = ½ (μ² + σ² − ln σ² − 1).

The seed (auralflow's ``kl_div_loss(mu, sigma)``) documents a *sum* of this over all elements, while its
implementation takes the *mean* over all elements; the usual VAE convention sums over the latent
dimensions and averages over the batch. The three differ by constant factors (the latent size, the batch
size), and a constant factor on the KL term is a change of the β that balances it against the
reconstruction term. :func:`kl_div_loss` follows the package's loss contract: one value per batch item,
reduced over the latent dimensions by ``latent_reduction`` (``"mean"``, upstream's, the default; ``"sum"``, the
KL of the item's whole posterior), then over the batch by ``reduction`` (``"mean"``, ``"sum"``, ``"none"``).
The three conventions are

- upstream's mean over all elements: the defaults;
- auralflow's documented sum: ``reduction="sum", latent_reduction="sum"``;
- the VAE convention (``"batchmean"``): ``latent_reduction="sum"``.

:func:`gaussian_kl` is the elementwise divergence itself.

Networks usually predict ``log σ²`` rather than σ: any real number is valid, the KL gradient with
respect to it is bounded for small variances, and nothing has to be kept positive.
:func:`kl_div_loss_logvar` is the same divergence in that parameterisation.

Two training devices against posterior collapse live here too: :func:`free_bits_kl`, the KL with a floor
per latent dimension {Kingma et al. 2016}, and :func:`kl_warmup_weight`, a β that warms up linearly from 0
{Bowman et al. 2016}.

The chapter's small experiment (a VAE on log-mel frames) lives in :mod:`audiolosses.experiments.vae`.

Notebook: book/06_kl_divergence.ipynb
"""

from __future__ import annotations

import torch
from torch import nn

from ._reduction import check_reduction, reduce_items
from ._validation import check_choice, check_int, check_positive, check_same_shape, check_tensor, values_checked

__all__ = [
    "LATENT_REDUCTIONS",
    "PARAMETERIZATIONS",
    "gaussian_kl",
    "kl_div_loss",
    "kl_div_loss_logvar",
    "GaussianKLDivLoss",
    "reparameterize",
    "free_bits_kl",
    "kl_warmup_weight",
]

#: How :func:`kl_div_loss` reduces the latent dimensions of one item: their mean (upstream) or their sum.
LATENT_REDUCTIONS: tuple[str, ...] = ("mean", "sum")

#: How an encoder's spread output is read, as σ itself (``"sigma"``) or as ln σ² (``"logvar"``).
PARAMETERIZATIONS: tuple[str, ...] = ("sigma", "logvar")


def _reduce(elementwise: torch.Tensor, reduction: str, latent_reduction: str) -> torch.Tensor:
    """Per item over the latent dimensions, then over the batch (both checked by the caller)."""
    if reduction == "mean" and latent_reduction == "mean":  # the mean of equal-sized items' means: one kernel
        return elementwise.mean()
    if reduction == "mean":  # the mean over items of their sums
        return elementwise.sum() / elementwise.shape[0]
    if reduction == "sum" and latent_reduction == "sum":
        return elementwise.sum()
    if elementwise.dim() == 1:  # [batch] of one latent dimension each
        per_item = elementwise
    elif latent_reduction == "sum":
        per_item = elementwise.flatten(start_dim=1).sum(dim=1)
    else:
        per_item = elementwise.flatten(start_dim=1).mean(dim=1)
    return reduce_items(per_item, reduction)


def _check_mu_and_spread(mu, spread, spread_name: str, reduction: str, latent_reduction: str = "mean") -> None:
    # the common valid call in a few attribute reads (a KL term is cheap: the checks must be cheaper still);
    # anything unusual takes the full path below, which names the problem
    if (
        isinstance(mu, torch.Tensor)
        and isinstance(spread, torch.Tensor)
        and mu.is_floating_point()
        and mu.dtype == spread.dtype
        and mu.shape == spread.shape
        and mu.dim() >= 1
        and mu.numel() > 0
        and reduction in ("mean", "sum", "none")
        and latent_reduction in LATENT_REDUCTIONS
    ):
        if values_checked():
            check_tensor(mu, "mu")
            check_tensor(spread, spread_name)
        return
    check_tensor(mu, "mu", min_ndim=1)
    check_tensor(spread, spread_name, min_ndim=1)
    check_same_shape(mu, spread, "mu", spread_name)
    if mu.dtype != spread.dtype:
        raise TypeError(f"mu and {spread_name} must have the same dtype, got {mu.dtype} and {spread.dtype}")
    check_reduction(reduction)
    check_choice(latent_reduction, "latent_reduction", LATENT_REDUCTIONS)
    if mu.numel() == 0:
        raise ValueError(f"mu and {spread_name} must not be empty, got shape {tuple(mu.shape)}")


def gaussian_kl(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """The elementwise KL(N(μ, σ²) ‖ N(0, 1)) = ``½ (μ² + σ² − 2 ln σ − 1)``, shaped like ``mu`` (no reduction).

    Equal to ``torch.distributions.kl_divergence(Normal(mu, sigma), Normal(0, 1))``.

    Shape:
        mu, sigma: any shape (at least 1-D), the same for both; output: that shape.

    Example::

        >>> gaussian_kl(torch.zeros(3), torch.ones(3))
        tensor([0., 0., 0.])
    """
    _check_mu_and_spread(mu, sigma, "sigma", "none")
    _check_sigma(sigma)
    return _elementwise_sigma(mu, sigma)


def _check_sigma(sigma: torch.Tensor) -> None:
    if values_checked() and bool((sigma <= 0).any()):
        raise ValueError(
            f"sigma must be > 0 everywhere (a standard deviation), got a minimum of {sigma.min().item():.3g}; "
            "predict log-variance and use kl_div_loss_logvar, or keep sigma positive with softplus/exp"
        )


def _elementwise_sigma(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    return 0.5 * (mu.pow(2) + sigma.pow(2) - 2.0 * torch.log(sigma) - 1.0)


def kl_div_loss(
    mu: torch.Tensor, sigma: torch.Tensor, *, reduction: str = "mean", latent_reduction: str = "mean"
) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) in closed form, per batch item, then reduced over the batch.

    Per element ``½ (μ² + σ² − 2 ln σ − 1)``: auralflow's ``ln σ²`` written as ``2 ln σ``, which stays finite
    for a tiny σ whose square underflows to 0 in float32.

    Args:
        mu: ``[batch, *latent]`` means of the approximate posterior (any shape with a leading batch
            dimension; ``[batch, latent_dim]`` in a VAE), float32 or float64.
        sigma: standard deviations, same shape and dtype as ``mu``, every entry > 0.
        reduction: over the batch: ``"mean"`` (default), ``"sum"`` or ``"none"`` (``[batch]``).
        latent_reduction: over each item's latent dimensions: ``"mean"`` (default; with ``reduction="mean"``
            the mean over all elements, as the upstream implementation and
            ``torch.distributions.kl_divergence(...).mean()``) or ``"sum"`` (the KL of the item's whole
            diagonal Gaussian: with ``reduction="mean"`` the VAE convention, ``"batchmean"``, ``latent_size``
            times upstream's value; with ``reduction="sum"`` auralflow's documented formula).

    Shape:
        mu, sigma: ``[batch, *latent]``; output: 0-dim, or ``[batch]`` with ``reduction="none"``.

    Returns:
        A 0-dim tensor (or ``[batch]`` for ``"none"``) in nats, ≥ 0, differentiable in ``mu`` and ``sigma``.
        Per item, so sharding a batch across processes (``DistributedDataParallel``) changes nothing.

    Example::

        >>> mu, sigma = torch.zeros(4, 8), torch.ones(4, 8)
        >>> kl_div_loss(mu, sigma, latent_reduction="sum")
        tensor(0.)

    Raises:
        TypeError: if ``mu`` or ``sigma`` is not a floating-point tensor, or their dtypes differ.
        ValueError: if the shapes differ, a tensor is empty or 0-dim, holds NaN/Inf, ``sigma`` has an entry
            ≤ 0, or ``reduction`` is unknown.

    Paper: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014, appendix B.

    Notebook: book/06_kl_divergence.ipynb
    """
    _check_mu_and_spread(mu, sigma, "sigma", reduction, latent_reduction)
    _check_sigma(sigma)
    return _reduce(_elementwise_sigma(mu, sigma), reduction, latent_reduction)


def kl_div_loss_logvar(
    mu: torch.Tensor, logvar: torch.Tensor, *, reduction: str = "mean", latent_reduction: str = "mean"
) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) with the spread given as ``logvar = ln σ²``: ``½ (μ² + e^logvar − logvar − 1)``.

    Equal to ``kl_div_loss(mu, exp(logvar / 2), reduction=..., latent_reduction=...)``. The gradient with respect to ``logvar`` is
    ``½ (e^logvar − 1)``, bounded below by ``−½`` however small the variance, where the gradient with respect
    to σ, ``σ − 1/σ``, grows without bound as σ → 0.

    Args:
        mu: ``[batch, *latent]`` means (any shape with a leading batch dimension), float32 or float64.
        logvar: log-variances ``ln σ²``, same shape and dtype as ``mu``, any finite values.
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` over the batch, as in :func:`kl_div_loss`.
        latent_reduction: ``"mean"`` (default) or ``"sum"`` over each item's latent dimensions.

    Shape:
        mu, logvar: ``[batch, *latent]``; output: 0-dim, or ``[batch]`` with ``reduction="none"``.

    Example::

        >>> kl_div_loss_logvar(torch.zeros(4, 8), torch.zeros(4, 8), reduction="none")
        tensor([0., 0., 0., 0.])

    Returns:
        A 0-dim tensor (or ``[batch]`` for ``"none"``) in nats, ≥ 0 (``+inf`` only if ``e^logvar``
        overflows, i.e. ``logvar`` > 88 in float32).

    Raises:
        TypeError: if ``mu`` or ``logvar`` is not a floating-point tensor, or their dtypes differ.
        ValueError: if the shapes differ, a tensor is empty or 0-dim, holds NaN/Inf, or ``reduction`` is
            unknown.

    Paper: Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014, appendix B.

    Notebook: book/06_kl_divergence.ipynb
    """
    _check_mu_and_spread(mu, logvar, "logvar", reduction, latent_reduction)
    elementwise = 0.5 * (mu.pow(2) + torch.exp(logvar) - logvar - 1.0)
    return _reduce(elementwise, reduction, latent_reduction)


class GaussianKLDivLoss(nn.Module):
    """KL(N(μ, σ²) ‖ N(0, 1)) as a module: ``forward(mu, spread)``.

    Not to be confused with ``torch.nn.KLDivLoss``, which compares two discrete distributions given as
    log-probabilities.

    Args:
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` over the batch; see :func:`kl_div_loss`.
        latent_reduction: ``"mean"`` (default, upstream's) or ``"sum"`` (the VAE convention) over each
            item's latent dimensions.
        parameterization: ``"sigma"`` (default: ``spread`` is σ > 0, as auralflow) or ``"logvar"``
            (``spread`` is ln σ², see :func:`kl_div_loss_logvar`).

    Shape:
        mu, spread: ``[batch, *latent]``; output: 0-dim, or ``[batch]`` with ``reduction="none"``.

    Example::

        >>> loss = GaussianKLDivLoss(latent_reduction="sum", parameterization="logvar")
        >>> loss(torch.zeros(4, 8), torch.zeros(4, 8))
        tensor(0.)

    Notebook: book/06_kl_divergence.ipynb
    """

    def __init__(self, *, reduction: str = "mean", latent_reduction: str = "mean", parameterization: str = "sigma"):
        super().__init__()
        check_reduction(reduction)
        check_choice(latent_reduction, "latent_reduction", LATENT_REDUCTIONS)
        check_choice(parameterization, "parameterization", PARAMETERIZATIONS)
        self.reduction = reduction
        self.latent_reduction = latent_reduction
        self.parameterization = parameterization

    def forward(self, mu: torch.Tensor, spread: torch.Tensor) -> torch.Tensor:
        loss = kl_div_loss_logvar if self.parameterization == "logvar" else kl_div_loss
        return loss(mu, spread, reduction=self.reduction, latent_reduction=self.latent_reduction)

    def extra_repr(self) -> str:
        return (
            f"reduction={self.reduction!r}, latent_reduction={self.latent_reduction!r}, "
            f"parameterization={self.parameterization!r}"
        )


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw ``z = μ + σ·ε`` with ``σ = exp(logvar / 2)`` and ``ε ~ N(0, 1)``: differentiable in μ and logvar.

    Args:
        mu: means, any shape, float32 or float64.
        logvar: log-variances, same shape and dtype.
        generator: optional ``torch.Generator`` for reproducible noise.

    Returns:
        A sample shaped like ``mu``.

    Raises:
        TypeError, ValueError: as :func:`kl_div_loss_logvar` for bad ``mu``/``logvar``.

    Notebook: book/06_kl_divergence.ipynb
    """
    _check_mu_and_spread(mu, logvar, "logvar", "mean")
    noise = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * noise


def free_bits_kl(
    mu: torch.Tensor, spread: torch.Tensor, *, free_bits: float, parameterization: str = "logvar"
) -> torch.Tensor:
    """The KL with "free bits": ``Σ_d max(λ, mean_b KL_bd)``, a floor of ``λ`` nats per latent dimension.

    Kingma et al. (2016, "Improved variational inference with inverse autoregressive flow") average each
    latent dimension's KL over the batch and replace it by ``λ`` where it falls below ``λ``: below the
    floor the term is constant, so its gradient is zero and the encoder may spend up to ``λ`` nats on a
    dimension for free; above it the term is the ordinary KL. (They group dimensions; here every
    dimension is its own group.) With ``free_bits=0`` the result is the ``"batchmean"`` KL,
    ``kl_div_loss(..., latent_reduction="sum")``. The smallest value it can take is ``D·λ`` for ``D``
    latent dimensions.

    The batch average couples the items of a batch, so there is no per-item (``"none"``) form.

    Args:
        mu: ``[batch, *latent]`` means (the latent dimensions are flattened), float32 or float64.
        spread: ``ln σ²`` (default) or σ, same shape and dtype as ``mu``.
        free_bits: the floor ``λ`` per latent dimension, in nats, ≥ 0 (keyword-only, required).
        parameterization: ``"logvar"`` (default: ``spread`` is ln σ²) or ``"sigma"`` (``spread`` is σ > 0).

    Shape:
        mu, spread: ``[batch, *latent]`` (a 1-D ``[batch]`` is one latent dimension); output: 0-dim.

    Returns:
        A 0-dim tensor in nats, ≥ ``D·free_bits``, differentiable in ``mu`` and ``spread`` (zero gradient
        through the dimensions held at the floor).

    Example::

        >>> free_bits_kl(torch.zeros(4, 8), torch.zeros(4, 8), free_bits=0.25)
        tensor(2.)

    Raises:
        TypeError: if a tensor is not floating point, the dtypes differ, or ``free_bits`` is not a number.
        ValueError: if the shapes differ, a tensor is empty, 0-dim or holds NaN/Inf, σ has an entry ≤ 0,
            ``free_bits`` is negative or not finite, or ``parameterization`` is unknown.

    Paper: Kingma, Salimans, Jozefowicz, Chen, Sutskever & Welling, NeurIPS 2016, appendix C.8.

    Notebook: book/06_kl_divergence.ipynb
    """
    check_choice(parameterization, "parameterization", PARAMETERIZATIONS)
    floor = check_positive(free_bits, "free_bits", allow_zero=True)
    if parameterization == "logvar":
        _check_mu_and_spread(mu, spread, "logvar", "mean")
        elementwise = 0.5 * (mu.pow(2) + torch.exp(spread) - spread - 1.0)
    else:
        _check_mu_and_spread(mu, spread, "sigma", "mean")
        _check_sigma(spread)
        elementwise = _elementwise_sigma(mu, spread)
    per_dimension = elementwise.reshape(elementwise.shape[0], -1).mean(dim=0)
    return per_dimension.clamp_min(floor).sum()


def kl_warmup_weight(step: int, *, warmup_steps: int, beta: float = 1.0) -> float:
    """KL annealing: the weight of the KL term at ``step``, rising linearly from 0 to ``beta``.

    ``beta · min(1, step / warmup_steps)`` (Bowman et al. 2016, "Generating sentences from a continuous
    space"): the first steps train an almost plain autoencoder, whose codes carry information before the
    KL term starts to pull them towards the prior. ``warmup_steps=0`` means no warm-up (always ``beta``).

    Args:
        step: the training step, counted from 0 (int ≥ 0).
        warmup_steps: steps to reach ``beta`` (int ≥ 0, keyword-only).
        beta: the final weight (≥ 0, default 1).

    Returns:
        The weight, a Python float in ``[0, beta]``.

    Example::

        >>> [kl_warmup_weight(step, warmup_steps=4, beta=2.0) for step in range(6)]
        [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]

    Raises:
        TypeError: if ``step`` or ``warmup_steps`` is not an int, or ``beta`` is not a number.
        ValueError: if ``step`` or ``warmup_steps`` is negative, or ``beta`` is negative or not finite.

    Notebook: book/06_kl_divergence.ipynb
    """
    check_int(step, "step", minimum=0)
    check_int(warmup_steps, "warmup_steps", minimum=0)
    beta = check_positive(beta, "beta", allow_zero=True)
    if warmup_steps == 0 or step >= warmup_steps:
        return beta
    return beta * step / warmup_steps
