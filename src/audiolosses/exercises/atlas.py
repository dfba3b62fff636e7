"""Self-checks for chapter 7: quantisation to a number of bits, a normalised loss response, Spearman's ρ,
a bootstrap interval's width with half the data, and which losses notice a longer reverberation.

Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch

from .. import atlas, audio
from ._core import Case, ExerciseCheckError, not_attempted, predicted_number, run_cases

__all__ = [
    "check_quantize",
    "check_normalized_response",
    "check_spearman",
    "check_gain_response",
    "check_interval_width",
    "REVERB_FAMILIES",
    "reverb",
    "reverb_growth",
    "check_reverb_growth",
]


def check_quantize(fn: Callable[[torch.Tensor, int], torch.Tensor]) -> bool:
    """Check ``fn(waveform, bits)`` → the waveform on the ``bits``-bit grid of full scale ``[-1, 1)``.

    The step is ``2^(1 - bits)``; samples are rounded to the nearest step and limited to the codes
    ``[-1, 1 - step]``, as :func:`audiolosses.atlas.quantize <audiolosses.atlas.distortions.quantize>` does.
    """
    generator = torch.Generator().manual_seed(7)
    ramp = torch.linspace(-0.9, 0.9, 41, dtype=torch.float64)
    noise = 0.5 * torch.randn(2, 300, generator=generator, dtype=torch.float64)
    full_scale = torch.tensor([-1.0, -0.99, 0.0, 0.99, 1.0], dtype=torch.float64)

    def hints_for(x, bits):
        step = 2.0 ** (1 - bits)
        return [
            (
                lambda r: torch.allclose(r, (torch.round(x / (step / 2)) * step / 2).clamp(-1, 1 - step / 2)),
                "the step is 2 / 2^bits = 2^(1 - bits): full scale spans 2 (from -1 to +1), not 1.",
            ),
            (
                lambda r: torch.allclose(r, torch.floor(x / step) * step),
                "round to the *nearest* step (torch.round), not down (floor): the error must stay within half a step.",
            ),
            (
                lambda r: torch.allclose(r, torch.round(x / step) * step),
                "limit the result to the codes [-1, 1 - step]: +1.0 itself is not a code of a two's-complement file.",
            ),
        ]

    cases = [
        Case("a ramp, 3 bits", (ramp, 3), atlas.quantize(ramp, 3), hints=hints_for(ramp, 3), atol=1e-12, rtol=0),
        Case(
            "noise [2, 300], 4 bits",
            (noise, 4),
            atlas.quantize(noise, 4),
            hints=hints_for(noise, 4),
            atol=1e-12,
            rtol=0,
        ),
        Case(
            "full-scale samples, 8 bits",
            (full_scale, 8),
            atlas.quantize(full_scale, 8),
            hints=hints_for(full_scale, 8),
            atol=1e-12,
            rtol=0,
        ),
    ]
    return run_cases("check_quantize", fn, cases)


def check_normalized_response(fn: Callable[[torch.Tensor, float, float], torch.Tensor]) -> bool:
    """Check ``fn(values, identity, anchor)`` → values mapped so that ``identity`` → 0 and ``anchor`` → 1."""
    rvm_like = torch.tensor([-25.0, -20.0, -10.0, 0.0, 13.0], dtype=torch.float64)
    cosine_like = torch.tensor([-1.0, -0.99, -0.5, -0.1], dtype=torch.float64)
    mse_like = torch.tensor([0.0, 1e-4, 0.01, 0.05], dtype=torch.float64)

    def expected(values, identity, anchor):
        return torch.tensor(atlas.normalized_response(values.tolist(), identity, anchor), dtype=torch.float64)

    def hints_for(values, identity, anchor):
        return [
            (
                lambda r: torch.allclose(r, values / anchor),
                "subtract the identity value first: a perfect match must map to 0, and RVM's perfect score is -25.",
            ),
            (
                lambda r: torch.allclose(r, (values - identity) / anchor),
                "divide by (anchor - identity), the distance between the two reference points, not by the anchor.",
            ),
            (
                lambda r: torch.allclose(r, (values - values.min()) / (values.max() - values.min())),
                "min-max scaling depends on the grid; use the two fixed reference points, identity and anchor.",
            ),
        ]

    cases = [
        Case(
            "RVM-like values, identity -25, anchor 13",
            (rvm_like, -25.0, 13.0),
            expected(rvm_like, -25.0, 13.0),
            hints=hints_for(rvm_like, -25.0, 13.0),
        ),
        Case(
            "cosine-like values, identity -1, anchor -0.13",
            (cosine_like, -1.0, -0.13),
            expected(cosine_like, -1.0, -0.13),
            hints=hints_for(cosine_like, -1.0, -0.13),
        ),
        Case(
            "MSE-like values, identity 0, anchor 0.025",
            (mse_like, 0.0, 0.025),
            expected(mse_like, 0.0, 0.025),
            hints=hints_for(mse_like, 0.0, 0.025),
        ),
    ]
    return run_cases("check_normalized_response", fn, cases)


def _scipy_spearman(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    from scipy.stats import spearmanr

    return torch.tensor(float(spearmanr(x.numpy(), y.numpy()).statistic), dtype=torch.float64)


def check_spearman(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(x, y)`` → Spearman's rank correlation (0-dim tensor), ties given their average rank.

    The expected values come from ``scipy.stats.spearmanr``.
    """
    generator = torch.Generator().manual_seed(11)
    x = torch.randn(30, generator=generator, dtype=torch.float64)
    monotone = x.pow(3) + 0.1 * x  # any increasing function of x: rank correlation 1
    noisy = x + torch.randn(30, generator=generator, dtype=torch.float64)
    ties_x = torch.tensor([1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0], dtype=torch.float64)
    ties_y = torch.tensor([2.0, 1.0, 3.0, 3.0, 5.0, 4.0, 6.0, 7.0], dtype=torch.float64)

    def pearson(a, b):
        a, b = a - a.mean(), b - b.mean()
        return (a * b).sum() / (a.pow(2).sum() * b.pow(2).sum()).sqrt()

    def ordinal(v):
        ranks = torch.empty_like(v)
        ranks[v.argsort(stable=True)] = torch.arange(len(v), dtype=v.dtype)
        return ranks

    def rank_difference_shortcut(a, b):  # 1 - 6·Σd²/(n(n² - 1)) on average ranks: exact only without ties
        from scipy.stats import rankdata

        d = torch.tensor(rankdata(a.numpy()) - rankdata(b.numpy()), dtype=torch.float64)
        n = len(a)
        return 1 - 6 * d.pow(2).sum() / (n * (n * n - 1))

    cases = [
        Case(
            "a monotone but non-linear relation",
            (x, monotone),
            _scipy_spearman(x, monotone),
            hints=[
                (
                    lambda r: torch.allclose(r, pearson(x, monotone)),
                    "that is Pearson's correlation of the values; Spearman correlates their ranks.",
                )
            ],
        ),
        Case("a noisy relation", (x, noisy), _scipy_spearman(x, noisy)),
        Case("a decreasing relation", (x, -monotone), _scipy_spearman(x, -monotone)),
        Case(
            "tied values",
            (ties_x, ties_y),
            _scipy_spearman(ties_x, ties_y),
            hints=[
                (
                    lambda r: torch.allclose(r, pearson(ordinal(ties_x), ordinal(ties_y))),
                    "tied values must share the average of their ranks (2, 2, 2 at ranks 1, 2, 3 all get 2).",
                ),
                (
                    lambda r: torch.allclose(r, rank_difference_shortcut(ties_x, ties_y)),
                    "the shortcut 1 - 6·Σd²/(n(n² - 1)) holds only without ties; with ties, take Pearson's "
                    "correlation of the average ranks.",
                ),
            ],
        ),
    ]
    return run_cases("check_spearman", fn, cases)


def _option(check: str, value, options: tuple[str, ...]) -> Callable[[], torch.Tensor] | None:
    """An option string as a function returning its index among ``options`` (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip().lower()  # "Spectral " is the same choice as "spectral"
    if value not in options:
        raise ExerciseCheckError(f"{check}: choose one of {', '.join(map(repr, options))}; got {value!r}")
    return lambda: torch.tensor(float(options.index(value)), dtype=torch.float64)


def _stored_gain_response(results: dict, gain_db: float) -> float:
    """MSE's normalised response to a gain, from the committed atlas, averaged over the sounds."""
    index = results["distortions"]["gain"]["grid"].index(gain_db)
    responses = [
        atlas.normalized_response(
            [results["values"][sound]["gain"]["mse"][index]],
            results["identity"][sound]["mse"],
            results["anchor"][sound]["mse"],
        )[0]
        for sound in results["sounds"]
    ]
    return sum(responses) / len(responses)


def check_gain_response(prediction: float | None) -> bool:
    """Check a derived value: MSE's normalised response to a gain of −12 dB.

    With ``g = 10^(−12/20)`` the error ``(g − 1)·x`` has energy ``(1 − g)²·E``, the anchor (an unrelated
    noise of the same RMS) about ``2E``, so the response is ``(1 − g)²/2 ≈ 0.28``. The expected value is
    the committed atlas's, averaged over the five sounds; a prediction within 0.01 of it passes.
    """
    if not_attempted("check_gain_response", prediction):  # print nothing that gives the answer away
        return False
    measured = _stored_gain_response(atlas.load_results(), -12.0)
    g = 10 ** (-12 / 20)
    hints = [
        (
            lambda r: bool(abs(r - (1 - g) ** 2) < 0.02),
            "the anchor's MSE is about 2E, not E: an unrelated noise of the same RMS adds its own energy to "
            "the reference's.",
        ),
        (
            lambda r: bool(abs(r - (1 - g) / 2) < 0.02 or abs(r - (1 - g)) < 0.02),
            "MSE squares the error: the error (g - 1)·x has energy (1 - g)^2·E.",
        ),
        (
            lambda r: bool(abs(r - (1 - 10 ** (-12 / 10)) ** 2 / 2) < 0.02),
            "a gain in dB scales the amplitude by 10^(dB/20), not 10^(dB/10).",
        ),
    ]
    case = Case(
        "MSE's normalised response to a gain of -12 dB",
        (),
        torch.tensor(measured, dtype=torch.float64),
        hints=hints,
        atol=0.01,
        rtol=0.0,
    )
    passed = run_cases("check_gain_response", predicted_number("check_gain_response", prediction), [case])
    print(f"stored atlas, mean over the sounds: {measured:.3f}; (1 - g)^2 / 2 = {(1 - g) ** 2 / 2:.3f}")
    return passed


def _width_ratio(results: dict, n_items: int) -> float:
    """Mean over the whole losses and both judges of (interval width with ``n_items``) / (with all)."""
    whole = [loss for loss in results["losses"] if not loss.startswith("rvm_")]
    full = atlas.bootstrap_correlations(results)
    fewer = atlas.bootstrap_correlations(results, n_items=n_items)
    ratios = [
        (fewer[key][loss]["all"][1] - fewer[key][loss]["all"][0])
        / (full[key][loss]["all"][1] - full[key][loss]["all"][0])
        for key in ("pesq", "stoi")
        for loss in whole
    ]
    return sum(ratios) / len(ratios)


def check_interval_width(prediction: float | None) -> bool:
    """Check a predicted ratio: the 95 % bootstrap interval's width with half the damaged versions
    (``n_items=25``) over its width with all 50, averaged over the whole losses and both judges.

    The expected value is measured with :func:`~audiolosses.atlas.reading.bootstrap_correlations` on the committed
    atlas; a prediction within 0.15 of it passes. The spread of an average shrinks as 1/√n, so half the
    items widen the interval by about √2.
    """
    if not_attempted("check_interval_width", prediction):  # print nothing that gives the answer away
        return False
    measured = _measured_width_ratio()
    hints = [
        (lambda r: bool(r < 1), "fewer items make an estimate *less* certain: the interval gets wider, not narrower."),
        (lambda r: bool(abs(r - 1) < 0.1), "the width does depend on the number of items: less data, wider interval."),
        (
            lambda r: bool(r > 1.75),
            "the spread of an estimate shrinks as 1/sqrt(n), not 1/n: halving n widens it by sqrt(2), not 2.",
        ),
    ]
    case = Case(
        "width with 25 of the 50 damaged versions / width with all 50",
        (),
        torch.tensor(measured, dtype=torch.float64),
        hints=hints,
        atol=0.15,
        rtol=0.0,
    )
    passed = run_cases("check_interval_width", predicted_number("check_interval_width", prediction), [case])
    print(f"measured: {measured:.2f} (sqrt(2) = {math.sqrt(2):.2f}): the spread shrinks as 1/sqrt(n)")
    return passed


@functools.lru_cache(maxsize=1)
def _measured_width_ratio() -> float:
    results = atlas.load_results()  # the committed atlas: the same value on every call
    return _width_ratio(results, len(_versions(results)) // 2)


def _versions(results: dict) -> list[tuple[str, int]]:
    return [(name, i) for name, spec in results["distortions"].items() for i in range(len(spec["grid"]))]


#: The loss families of ``check_reverb_growth``.
REVERB_FAMILIES: dict[str, tuple[str, ...]] = {
    "sample-wise": ("mse", "l1", "si_sdr"),
    "spectral": ("rvm", "hifigan_mel", "mrstft"),
    "perceptual": ("perceptual_cosine", "perceptual_mse"),
}


def reverb(waveform: torch.Tensor, rt60: float, sample_rate: int = atlas.SAMPLE_RATE, *, seed: int = 0) -> torch.Tensor:
    """A synthetic room: the dry sound plus a decaying noise tail of the same energy, at the input's RMS.

    The impulse response is 1 at lag 0 followed by ``rt60·sample_rate`` samples of seeded Gaussian noise
    under an envelope that falls by 60 dB over ``rt60`` seconds (``exp(−6.91·n / N)``, since
    ln(10³) ≈ 6.91), scaled so that the tail holds as much energy as the direct sound. The convolution is
    cut to the input's length and the result scaled back to the input's RMS, so only the reverberation's
    *duration* changes with ``rt60``.

    Args:
        waveform: ``[..., time]`` float tensor (not silent).
        rt60: Reverberation time in seconds (> 0).
        sample_rate: In Hz (default 22050).
        seed: Seed of the noise tail (default 0).

    Returns:
        torch.Tensor: Same shape and dtype.
    """
    length = max(2, round(rt60 * sample_rate))
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(length - 1, generator=generator, dtype=torch.float64)
    tail = noise * torch.exp(-6.91 * torch.arange(1, length, dtype=torch.float64) / length)
    response = torch.cat([torch.ones(1, dtype=torch.float64), tail / tail.pow(2).sum().sqrt()])
    x = waveform.double()
    size = x.shape[-1] + length
    wet = torch.fft.irfft(torch.fft.rfft(x, size) * torch.fft.rfft(response, size), size)[..., : x.shape[-1]]
    return (wet * x.pow(2).mean().sqrt() / wet.pow(2).mean().sqrt()).to(waveform.dtype)


@functools.lru_cache(maxsize=4)
def _reverb_growth(sound: str, short: float, long: float) -> tuple[tuple[str, float], ...]:
    results = atlas.load_results()
    clip = audio.load_example(sound)[0][:, : atlas.SAMPLE_RATE]
    suite = atlas.LossSuite()
    identity, anchor = results["identity"][sound], results["anchor"][sound]
    responses = []
    for rt60 in (short, long):
        values = suite(reverb(clip, rt60), clip)
        responses.append({loss: (values[loss] - identity[loss]) / (anchor[loss] - identity[loss]) for loss in values})
    return tuple(
        (family, sum(responses[1][loss] - responses[0][loss] for loss in losses) / len(losses))
        for family, losses in REVERB_FAMILIES.items()
    )


def reverb_growth(sound: str = "speech", short: float = 0.1, long: float = 1.0) -> dict[str, float]:
    """Each family's mean growth of the normalised response from a ``short`` to a ``long`` reverb.

    The first second of ``sound``, ``reverb`` at both times, every loss of
    :class:`~audiolosses.atlas.suite.LossSuite`, normalised with the committed atlas's identity and anchor.
    """
    return dict(_reverb_growth(sound, float(short), float(long)))


def check_reverb_growth(prediction: str | None) -> bool:
    """Check which family of losses (``"sample-wise"``, ``"spectral"`` or ``"perceptual"``) grows the most
    when a reverberation of fixed energy gets longer (RT60 0.1 s → 1 s, ``reverb_growth``)."""
    if not_attempted("check_reverb_growth", prediction):  # print nothing that gives the answer away
        return False
    options = tuple(REVERB_FAMILIES)
    growth = reverb_growth()
    measured = max(growth, key=growth.get)
    hints = [
        (
            lambda r: bool(r == options.index("sample-wise")),
            "the tail's energy is the same at every RT60, and a sample-wise loss sees only that energy (the tail "
            "is unrelated to the dry samples it lands on): its response barely moves.",
        ),
        (
            lambda r: bool(r == options.index("perceptual")),
            "the perceptual losses compare band signals sample by sample, with no pooling over time (chapter 4): "
            "like MSE they see the tail's energy, which is the same at every RT60.",
        ),
    ]
    case = Case(
        "the family whose response grows the most from RT60 0.1 s to 1 s "
        + "("
        + ", ".join(f"{i} = {name}" for i, name in enumerate(options))
        + ")",
        (),
        torch.tensor(float(options.index(measured)), dtype=torch.float64),
        hints=hints,
        atol=0.0,
        rtol=0.0,
    )
    passed = run_cases("check_reverb_growth", _option("check_reverb_growth", prediction, options), [case])
    print("growth of the normalised response: " + ", ".join(f"{f} {g:+.2f}" for f, g in growth.items()))
    return passed
