"""Self-checks for chapter 5: the two-component loss, its Wiener optimum, the noise-quality term and two
predictions (the noise-quality term of a mask of ones; where the optimum moves when α and β change).

Notebook: book/05_component_loss.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._core import Case, ExerciseCheckError, predicted_number, run_cases

__all__ = [
    "check_two_component_loss",
    "check_parametric_wiener_mask",
    "check_noise_quality",
    "check_noise_quality_of_ones",
    "check_equal_bin_gain",
    "check_signal_approximation_mask",
]


def _inputs(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    mask = torch.rand(shape, generator=generator, dtype=torch.float64)
    target = 2.0 * torch.rand(shape, generator=generator, dtype=torch.float64)
    residual = torch.rand(shape, generator=generator, dtype=torch.float64)
    return mask, target, residual


def _two_component(mask, target, residual, alpha):
    speech = (mask * target - target).pow(2).sum()
    noise = (mask * residual).pow(2).sum()
    return ((1 - alpha) * speech + alpha * noise) / mask.numel()


def check_two_component_loss(fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(mask, target, residual, alpha)`` → ``[(1 − α)·Σ(M·S − S)² + α·Σ(M·R)²] / mask.numel()``."""
    cases = []
    for description, shape, alpha, seed in [
        ("a [2, 6, 5] batch, alpha 0.3", (2, 6, 5), 0.3, 0),
        ("auralflow's 4-D layout [2, 9, 4, 1], alpha 0.5", (2, 9, 4, 1), 0.5, 1),
        ("alpha 0: speech distortion only", (3, 4, 4), 0.0, 2),
        ("alpha 0.8", (1, 10, 3), 0.8, 3),
    ]:
        mask, target, residual = _inputs(shape, seed)
        expected = _two_component(mask, target, residual, alpha)
        speech = (mask * target - target).pow(2).sum()
        noise = (mask * residual).pow(2).sum()
        n = mask.numel()
        hints = [
            (
                lambda r, e=expected, n=n: torch.allclose(r, e * n, rtol=1e-6),
                "divide the weighted sum by n = mask.numel() (auralflow's normalisation).",
            ),
            (
                lambda r, s=speech, z=noise, a=alpha, n=n: torch.allclose(r, (a * s + (1 - a) * z) / n, rtol=1e-6),
                "the weights are swapped: alpha multiplies the noise term, 1 - alpha the speech term.",
            ),
            (
                lambda r, m=mask, t=target, res=residual, a=alpha, n=n: torch.allclose(
                    r, ((1 - a) * ((m - 1) ** 2).sum() + a * (m * res).pow(2).sum()) / n, rtol=1e-6
                ),
                "the speech term is Σ(M·S − S)², the target's magnitude is part of it.",
            ),
            (
                lambda r, s=speech, z=noise, a=alpha, n=n: torch.allclose(r, (s + a * z) / n, rtol=1e-6),
                "the speech term is weighted by 1 - alpha.",
            ),
        ]
        cases.append(Case(description, (mask, target, residual, alpha), expected, hints=hints, atol=1e-9, rtol=1e-6))
    return run_cases("check_two_component_loss", fn, cases)


def check_parametric_wiener_mask(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(target, residual, alpha)`` → ``(1 − α)S² / ((1 − α)S² + αR²)``, the two-component optimum."""
    cases = []
    for description, shape, alpha, seed in [
        ("a [2, 5, 4] batch, alpha 0.5 (the Wiener gain)", (2, 5, 4), 0.5, 4),
        ("alpha 0.2 (keep more speech)", (1, 8, 3), 0.2, 5),
        ("alpha 0.9 (remove more noise)", (3, 4, 2), 0.9, 6),
    ]:
        _, target, residual = _inputs(shape, seed)
        target = target + 0.05  # no 0/0 bins: the check is about the formula
        residual = residual + 0.05
        speech = (1 - alpha) * target**2
        expected = speech / (speech + alpha * residual**2)
        hints = [
            (
                lambda r, t=target, res=residual, a=alpha: torch.allclose(
                    r, a * t**2 / (a * t**2 + (1 - a) * res**2), rtol=1e-5
                ),
                "the weights are swapped: (1 - alpha) belongs to the speech power S².",
            ),
            (
                lambda r, t=target, res=residual, a=alpha: torch.allclose(
                    r, (1 - a) * t / ((1 - a) * t + a * res), rtol=1e-5
                ),
                "square the magnitudes: the loss is quadratic, so its optimum is a ratio of powers.",
            ),
            (
                lambda r, t=target, res=residual: torch.allclose(r, t**2 / (t**2 + res**2), rtol=1e-5),
                "that is the ordinary Wiener gain; weight S² by 1 - alpha and R² by alpha.",
            ),
        ]
        cases.append(Case(description, (target, residual, alpha), expected, hints=hints, atol=1e-7, rtol=1e-6))
    return run_cases("check_parametric_wiener_mask", fn, cases)


def _unit(x, eps):
    dims = tuple(range(1, x.dim()))
    return x / (x.pow(2).sum(dim=dims, keepdim=True) + eps**2).sqrt()


def _quality(mask, residual, eps=1e-8):
    dims = tuple(range(1, mask.dim()))
    return (_unit(mask * residual, eps) - _unit(residual, eps)).pow(2).sum(dim=dims)


def _check_finite_on_zero_mask(fn, description, mask, residual):
    """run_cases reports NaN without a hint; an all-zero mask deserves one, so look first."""
    try:
        result = fn(mask, residual, 1e-8)
    except Exception:  # run_cases reports the learner's error in its own words
        return
    if isinstance(result, torch.Tensor) and not bool(torch.isfinite(result).all()):
        raise ExerciseCheckError(
            f"check_noise_quality: case '{description}' failed.\nthe result contains NaN or Inf.\n"
            "Hint: an all-zero mask has norm 0: add eps, e.g. x / sqrt(‖x‖² + eps²)."
        )


def check_noise_quality(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(mask, residual, eps)`` → ``[batch]``: ``‖(M·R)_b/‖(M·R)_b‖ − R_b/‖R_b‖‖²`` per item.

    Norms run over every axis but the first; ``eps`` keeps an all-zero mask finite (either
    ``x / sqrt(‖x‖² + eps²)`` or ``x / (‖x‖ + eps)`` is accepted).
    """
    cases = []
    for description, shape, seed, zero_mask in [
        ("a [3, 6, 5] batch", (3, 6, 5), 7, False),
        ("the 4-D layout [2, 5, 4, 1]", (2, 5, 4, 1), 8, False),
        ("an all-zero mask for the first item", (2, 4, 4), 9, True),
    ]:
        mask, _, residual = _inputs(shape, seed)
        if zero_mask:
            mask[0] = 0.0
        expected = _quality(mask, residual)
        if zero_mask:
            _check_finite_on_zero_mask(fn, description, mask, residual)
        hints = [
            (
                lambda r, m=mask, res=residual: (
                    r.numel() == m.shape[0]
                    and torch.allclose(
                        r, ((m * res) / (m * res).norm() - res / res.norm()).pow(2).flatten(1).sum(1), atol=1e-6
                    )
                ),
                "normalise each batch item by its own norm, not by the norm of the whole batch.",
            ),
            (
                lambda r, m=mask, res=residual: torch.allclose(r, (m * res - res).pow(2).flatten(1).sum(1), atol=1e-6),
                "scale both the filtered residual and the residual to unit norm before subtracting.",
            ),
        ]
        cases.append(Case(description, (mask, residual, 1e-8), expected, hints=hints, atol=1e-6, rtol=1e-5))
    return run_cases("check_noise_quality", fn, cases)


def _check_prediction(check: str, value, case: Case) -> bool:
    """Run one predicted number through the shared machinery (``None``: not attempted yet)."""
    return run_cases(check, predicted_number(check, value), [case])


def check_noise_quality_of_ones(my_noise_quality_of_ones) -> bool:
    """Check a predicted number: the noise-quality term ``E_q`` of a mask of ones (any residual ≠ 0).

    ``(1·R)/‖1·R‖ = R/‖R‖``: the unit filtered residual equals the unit residual, so ``E_q = 0`` (up
    to the tiny ``eps`` in the norms). The same holds for any constant gain ``g > 0``: the term is blind
    to the level of the noise that gets through, only its shape counts.
    """
    hints = [
        (
            lambda r: bool(abs(r - 1.0) < 0.05),
            "1 is the all-zero mask's value; with M = 1 the filtered residual is the residual itself.",
        ),
        (
            lambda r: bool(abs(r - 2.0) < 0.05) or bool(abs(r - 4.0) < 0.05),
            "2 - 2 cos θ is largest for opposite vectors; the mask of ones leaves them identical (θ = 0).",
        ),
        (
            lambda r: bool(r < 0),
            "a squared norm cannot be negative.",
        ),
    ]
    case = Case(
        "E_q for M = 1",
        (),
        torch.tensor(0.0, dtype=torch.float64),
        hints=[(p, m + " E_q = ‖R/‖R‖ − R/‖R‖‖² = 0.") for p, m in hints],
        atol=1e-6,
        rtol=0.0,
    )
    return _check_prediction("check_noise_quality_of_ones", my_noise_quality_of_ones, case)


def check_equal_bin_gain(my_equal_bin_gain) -> bool:
    """Check a predicted gain: the free-mask optimum of ``L₃`` with ``α = 0.1, β = 0.6`` in a bin with
    ``S = R``.

    With ``E_q`` negligible, ``L₃ ∝ (1 − α − β)E_s + αE_n = (1 − β)[(1 − α_eff)E_s + α_eff·E_n]`` with
    ``α_eff = α / (1 − β) = 0.25``; where ``S = R`` the parametric Wiener gain is ``1 − α_eff = 0.75``.
    Accepted within 0.01.
    """
    hints = [
        (
            lambda r: bool(abs(r - 0.9) < 0.01),
            "0.9 = 1 − α ignores β: the speech weight is 1 − α − β, so β also shifts the balance.",
        ),
        (
            lambda r: bool(abs(r - 0.5) < 0.01),
            "0.5 is the ordinary Wiener gain for S = R (α_eff = 0.5); here α_eff = α / (1 − β).",
        ),
        (
            lambda r: bool(abs(r - 0.25) < 0.01),
            "0.25 is α_eff itself; the gain where S = R is (1 − α_eff)S² / ((1 − α_eff)S² + α_eff S²).",
        ),
        (
            lambda r: bool(abs(r - 0.3) < 0.01) or bool(abs(r - 0.75**0.5) < 0.01),
            "divide the speech weight 1 − α − β by the sum of the two weights, (1 − α − β) + α.",
        ),
    ]
    case = Case(
        "gain where S = R, alpha 0.1, beta 0.6",
        (),
        torch.tensor(0.75, dtype=torch.float64),
        hints=hints,
        atol=0.01,
        rtol=0.0,
    )
    return _check_prediction("check_equal_bin_gain", my_equal_bin_gain, case)


def check_signal_approximation_mask(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(target, mixture)`` → ``S / |X|``: the per-bin minimiser of ``(M·|X| − S)²``.

    The signal-approximation loss compares the masked mixture with the speech; its derivative
    ``2|X|(M·|X| − S)`` vanishes at ``M = S / |X|``, which exceeds 1 wherever speech and noise partly
    cancel (``|X| < S``).
    """
    cases = []
    for description, shape, seed in [
        ("a [2, 5, 4] batch", (2, 5, 4), 10),
        ("bins where the mixture is quieter than the speech", (1, 6, 3), 11),
    ]:
        mask, target, residual = _inputs(shape, seed)
        target = target + 0.05
        mixture = target + residual - 0.3  # some bins below the speech: partial cancellation
        mixture = mixture.abs() + 0.05
        expected = target / mixture
        hints = [
            (
                lambda r, t=target, x=mixture: torch.allclose(r, t**2 / x**2, rtol=1e-5),
                "the loss is quadratic in M but the error is M·|X| − S: one power of |X| cancels.",
            ),
            (
                lambda r, t=target, x=mixture: torch.allclose(r, (t / x).clamp(max=1.0), rtol=1e-5),
                "nothing bounds this optimum: where |X| < S the best gain is above 1 (do not clip).",
            ),
            (
                lambda r, t=target, x=mixture: torch.allclose(r, x / t, rtol=1e-5),
                "the fraction is upside down: M·|X| should equal S.",
            ),
        ]
        cases.append(Case(description, (target, mixture), expected, hints=hints, atol=1e-7, rtol=1e-6))
    return run_cases("check_signal_approximation_mask", fn, cases)
