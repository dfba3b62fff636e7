"""Self-checks for chapter 6: the Gaussian KL divergence, its reductions, two Gaussians, the reparameterisation,
the free-bits floor and what a collapsed decoder outputs.

Notebook: book/06_kl_divergence.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.distributions import Normal, kl_divergence

from ._core import Case, ExerciseCheckError, predicted_number, run_cases

__all__ = [
    "check_kl_standard_normal",
    "check_kl_batchmean",
    "check_kl_two_gaussians",
    "check_reparameterize",
    "check_free_bits_floor",
    "check_collapsed_output",
    "COLLAPSE_OPTIONS",
]


def _posterior(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    mu = torch.randn(shape, generator=generator, dtype=torch.float64)
    sigma = torch.rand(shape, generator=generator, dtype=torch.float64) * 1.5 + 0.2
    return mu, sigma


def _elementwise_kl(mu, sigma):
    return kl_divergence(Normal(mu, sigma), Normal(torch.zeros_like(mu), torch.ones_like(sigma)))


def check_kl_standard_normal(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(mu, sigma)`` → elementwise ``KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − ln σ² − 1)``, same shape."""
    mu, sigma = _posterior((4, 6), 0)
    prior_mu, prior_sigma = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    shifted = torch.tensor([1.0, -2.0, 0.0], dtype=torch.float64)
    narrow = torch.tensor([1.0, 1.0, 0.1], dtype=torch.float64)

    def hints(m, s):
        return [
            (lambda r: torch.allclose(r, 2 * _elementwise_kl(m, s), atol=1e-6), "you forgot the factor ½."),
            (
                lambda r: torch.allclose(r, 0.5 * (m**2 + s**2 - s.log() - 1), atol=1e-6),
                "the log term is ln σ² = 2 ln σ, not ln σ.",
            ),
            (
                lambda r: (
                    torch.allclose(r, 0.5 * (m**2 + s - s.log() - 1), atol=1e-6)
                    or torch.allclose(r, 0.5 * (m**2 + s - 2 * s.log() - 1), atol=1e-6)
                ),
                "the variance term is σ², the square of the standard deviation you were given.",
            ),
            (
                lambda r: torch.allclose(r, 0.5 * (m**2 + s**2 - 2 * s.log()), atol=1e-6),
                "the −1 is missing: KL must be exactly 0 when μ = 0 and σ = 1.",
            ),
        ]

    cases = [
        Case(
            "the prior itself (mu = 0, sigma = 1) gives 0",
            (prior_mu, prior_sigma),
            torch.zeros(3, dtype=torch.float64),
            hints=[
                (
                    lambda r: torch.allclose(r, torch.full((3,), 0.5, dtype=r.dtype)),
                    "the −1 is missing: KL must be exactly 0 when μ = 0 and σ = 1.",
                )
            ],
        ),
        Case(
            "shifted means: KL = mu²/2 when sigma = 1",
            (shifted, prior_sigma),
            _elementwise_kl(shifted, prior_sigma),
            hints=hints(shifted, prior_sigma),
        ),
        Case(
            "a narrow posterior (sigma = 0.1)",
            (prior_mu, narrow),
            _elementwise_kl(prior_mu, narrow),
            hints=hints(prior_mu, narrow),
        ),
        Case("a [4, 6] batch keeps its shape", (mu, sigma), _elementwise_kl(mu, sigma), hints=hints(mu, sigma)),
    ]
    return run_cases("check_kl_standard_normal", fn, cases)


def check_kl_batchmean(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(mu, sigma)`` (``[batch, latent_dim]``) → a 0-dim KL: sum over latent dims, mean over the batch."""
    cases = []
    for shape, seed in (((4, 6), 1), ((8, 2), 2), ((1, 16), 3)):
        mu, sigma = _posterior(shape, seed)
        elementwise = _elementwise_kl(mu, sigma)
        cases.append(
            Case(
                f"mu and sigma shaped {list(shape)}",
                (mu, sigma),
                elementwise.sum(dim=1).mean(),
                hints=[
                    (
                        lambda r, e=elementwise: torch.allclose(r, e.mean()),
                        "that is the mean over every element (the reduction in auralflow's code); sum over the "
                        "latent dimensions, then average over the batch.",
                    ),
                    (
                        lambda r, e=elementwise: torch.allclose(r, e.sum()),
                        "that is the sum over everything (the formula in auralflow's README); divide by the "
                        "batch size.",
                    ),
                    (
                        lambda r, e=elementwise: torch.allclose(r, e.mean(dim=1).sum()),
                        "the axes are swapped: sum over dim 1 (latent), average over dim 0 (batch).",
                    ),
                ],
            )
        )
    return run_cases("check_kl_batchmean", fn, cases)


def check_kl_two_gaussians(
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
) -> bool:
    """Check ``fn(mu_q, sigma_q, mu_p, sigma_p)`` → elementwise ``KL(N(μq, σq²) ‖ N(μp, σp²))``.

    The reference is ``torch.distributions.kl_divergence``.
    """
    cases = []
    settings = [
        ("p is the standard normal", (3,), 4, True),
        ("q and p both arbitrary, [5, 4]", (5, 4), 5, False),
        ("q and p both arbitrary, [2, 3, 2]", (2, 3, 2), 6, False),
    ]
    for description, shape, seed, standard_p in settings:
        mu_q, sigma_q = _posterior(shape, seed)
        if standard_p:
            mu_p, sigma_p = torch.zeros(shape, dtype=torch.float64), torch.ones(shape, dtype=torch.float64)
        else:
            mu_p, sigma_p = _posterior(shape, seed + 100)
        expected = kl_divergence(Normal(mu_q, sigma_q), Normal(mu_p, sigma_p))
        reversed_kl = kl_divergence(Normal(mu_p, sigma_p), Normal(mu_q, sigma_q))
        forgot_scale = 0.5 * ((mu_q - mu_p) ** 2 + sigma_q**2 - torch.log(sigma_q**2) - 1)
        cases.append(
            Case(
                description,
                (mu_q, sigma_q, mu_p, sigma_p),
                expected,
                hints=[
                    (
                        lambda r, e=reversed_kl: torch.allclose(r, e),
                        "that is KL(p ‖ q): KL is not symmetric, the expectation runs over q, the first argument.",
                    ),
                    (
                        lambda r, e=forgot_scale: torch.allclose(r, e),
                        "you kept the standard-normal formula: divide by σp² and add ln σp².",
                    ),
                ],
            )
        )
    return run_cases("check_kl_two_gaussians", fn, cases)


def check_reparameterize(fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(mu, logvar, noise)`` → ``μ + exp(logvar / 2) · noise`` (noise is the given ε ~ N(0, 1))."""
    cases = []
    for shape, seed in (((4,), 7), ((3, 5), 8)):
        generator = torch.Generator().manual_seed(seed)
        mu = torch.randn(shape, generator=generator, dtype=torch.float64)
        logvar = torch.randn(shape, generator=generator, dtype=torch.float64)
        noise = torch.randn(shape, generator=generator, dtype=torch.float64)
        cases.append(
            Case(
                f"mu, logvar and noise shaped {list(shape)}",
                (mu, logvar, noise),
                mu + torch.exp(0.5 * logvar) * noise,
                hints=[
                    (
                        lambda r, m=mu, lv=logvar, n=noise: torch.allclose(r, m + lv.exp() * n),
                        "exp(logvar) is the variance; scale the noise by the standard deviation exp(logvar / 2).",
                    ),
                    (
                        lambda r, m=mu, lv=logvar, n=noise: torch.allclose(r, m + lv * n),
                        "logvar is ln σ², not σ: exponentiate half of it.",
                    ),
                    (
                        lambda r, m=mu, n=noise: torch.allclose(r, m + n),
                        "the noise must be scaled by σ = exp(logvar / 2).",
                    ),
                ],
            )
        )
    zeros = torch.zeros(3, dtype=torch.float64)
    noise = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    cases.append(Case("logvar = 0 means sigma = 1: z = mu + noise", (zeros + 1.0, zeros, noise), 1.0 + noise))
    return run_cases("check_reparameterize", fn, cases)


def check_free_bits_floor(predicted: float) -> bool:
    """Check a predicted number: the smallest value ``kl.free_bits_kl`` can return for a ``[16, 8]`` batch
    (16 frames, 8 latent dimensions) with ``free_bits=0.5``, in nats.

    The reference is computed by the package: ``kl.free_bits_kl`` at the codes that give its smallest
    value; tolerance 1e-6. The hints name the usual mistakes.
    """
    from ..kl import free_bits_kl

    batch, latent, floor = 16, 8, 0.5
    expected = free_bits_kl(
        torch.zeros(batch, latent, dtype=torch.float64),
        torch.zeros(batch, latent, dtype=torch.float64),
        free_bits=floor,
    )
    hints = [
        (
            lambda r: abs(r.item()) < 1e-9,
            "the KL of a code equal to the prior is 0, but free bits replace every dimension's KL below 0.5 nats "
            "by 0.5: the floor is the least the term can be.",
        ),
        (
            lambda r: abs(r.item() - floor) < 1e-6,
            "0.5 nats is the floor of ONE latent dimension; the term sums the floors of all 8.",
        ),
        (
            lambda r: abs(r.item() - batch * latent * floor) < 1e-6,
            "the floor applies to each dimension's KL averaged over the batch, not to every frame: "
            "the batch size does not multiply it.",
        ),
        (
            lambda r: abs(r.item() - floor / latent) < 1e-6 or abs(r.item() - floor / batch) < 1e-6,
            "free bits do not divide the floor: λ is a floor per dimension, and the dimensions are summed.",
        ),
    ]
    case = Case("a [16, 8] batch of codes with free_bits = 0.5", (), expected, hints=hints, atol=1e-6, rtol=0.0)
    return run_cases("check_free_bits_floor", predicted_number("check_free_bits_floor", predicted), [case])


#: The options of the "collapsed decoder under squared error" exercise.
COLLAPSE_OPTIONS: tuple[str, ...] = ("median", "mean", "zeros", "random frame")


def check_collapsed_output(choice: str) -> bool:
    """Check the option chosen (one of ``COLLAPSE_OPTIONS``): what a collapsed VAE decoder outputs for
    every input when its reconstruction loss is the squared error instead of L1, on the chapter's
    standardised log-mel frames.

    The check explains the answer; the chapter's solution shows it numerically.
    """
    picked = choice.strip().lower() if isinstance(choice, str) else None
    hints = [
        (
            lambda r: picked == "median",
            "the median is the best constant under L1 (the chapter's loss); the squared error is minimised by "
            "a different statistic: set the derivative of Σ(x − c)² with respect to c to zero.",
        ),
        (
            lambda r: picked == "random frame",
            "the decoder is deterministic and sees no information about the input: it outputs the same frame for "
            "every input, the constant c that minimises Σ(x − c)² over the data set.",
        ),
    ]
    case = Case("the constant frame that minimises the summed squared error", (), torch.tensor(1.0), hints=hints)
    if choice is None:
        return run_cases("check_collapsed_output", None, [case])
    if picked not in COLLAPSE_OPTIONS:
        options = ", ".join(repr(option) for option in COLLAPSE_OPTIONS)
        raise ExerciseCheckError(f"check_collapsed_output: choose one of {options}, got {choice!r}")
    passed = run_cases(
        "check_collapsed_output", lambda: torch.tensor(1.0 if picked in ("mean", "zeros") else 0.0), [case]
    )
    print(
        "Right: the constant c minimising Σ(x − c)² is the per-band mean, and on standardised\n"
        "frames the mean is the all-zero frame, so 'mean' and 'zeros' are the same answer here."
    )
    return passed
