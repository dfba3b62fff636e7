"""Self-checks for chapter 3: HiFi-GAN's discriminator loss, the optimal discriminator, feature matching,
the mel front end and the balance of the generator's terms.

Two kinds of check: ``check_discriminator_loss``, ``check_best_discriminator_loss``, ``check_feature_loss`` and
``check_hifigan_mel`` take the learner's function; ``check_lsgan_optimal_score``,
``check_undecided_discriminator_loss`` and ``check_mel_share`` take a predicted number and compare it with the value the package computes.

Notebook: book/03_hifigan_losses.ipynb
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch

from .. import audio, hifigan, spectral
from ._core import Case, ExerciseCheckError, predicted_number, run_cases

__all__ = [
    "check_discriminator_loss",
    "check_best_discriminator_loss",
    "check_lsgan_optimal_score",
    "check_undecided_discriminator_loss",
    "check_feature_loss",
    "check_hifigan_mel",
    "check_mel_share",
]


def _near(target: float, tol: float):
    return lambda result: abs(float(result) - target) <= tol


def _outputs(seed: int, shapes) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=generator, dtype=torch.float64) for shape in shapes]


def _close(a: torch.Tensor, b: torch.Tensor, tol: float = 1e-6) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a.to(torch.float64), b.to(torch.float64), atol=tol, rtol=1e-6))


def check_discriminator_loss(fn: Callable[[list, list], torch.Tensor]) -> bool:
    """Check ``fn(real_outputs, fake_outputs)`` → ``Σ_k [mean((1 − D_k(y))²) + mean(D_k(ŷ)²)]`` (a 0-dim tensor)."""
    shapes = [(2, 7), (2, 3), (2, 11), (2, 5), (2, 2)]
    cases = []
    for description, seed, count in (
        ("five sub-discriminators of different sizes", 0, 5),
        ("three sub-discriminators", 1, 3),
        ("a single sub-discriminator", 2, 1),
    ):
        real, fake = _outputs(seed, shapes[:count]), _outputs(seed + 10, shapes[:count])
        swapped = sum(torch.mean(r**2) + torch.mean((1 - g) ** 2) for r, g in zip(real, fake))
        summed = sum(torch.sum((1 - r) ** 2) + torch.sum(g**2) for r, g in zip(real, fake))
        averaged = hifigan.discriminator_loss(real, fake)[0] / count
        cross_entropy = sum(
            torch.nn.functional.binary_cross_entropy_with_logits(r, torch.ones_like(r))
            + torch.nn.functional.binary_cross_entropy_with_logits(g, torch.zeros_like(g))
            for r, g in zip(real, fake)
        )
        hints = [
            (
                functools.partial(_close, b=swapped),
                "the targets are swapped: real audio is pushed to 1, generated to 0.",
            ),
            (functools.partial(_close, b=summed), "use the mean within each sub-discriminator, not the sum."),
            (
                functools.partial(_close, b=cross_entropy),
                "that is the cross-entropy loss; HiFi-GAN uses least squares.",
            ),
        ]
        if count > 1:
            hints.append(
                (functools.partial(_close, b=averaged), "sum over the sub-discriminators; do not average them.")
            )
        cases.append(
            Case(
                description, (real, fake), hifigan.discriminator_loss(real, fake)[0], hints=hints, atol=1e-8, rtol=1e-8
            )
        )
    return run_cases("check_discriminator_loss", fn, cases)


def _fmaps(seed: int) -> list[list[torch.Tensor]]:
    shapes = [[(1, 4, 20), (1, 8, 10), (1, 8, 5), (1, 1, 5)], [(1, 4, 7, 3), (1, 8, 3, 3), (1, 1, 3, 3)]]
    generator = torch.Generator().manual_seed(seed)
    return [[torch.randn(s, generator=generator, dtype=torch.float64) for s in disc] for disc in shapes]


def check_feature_loss(fn: Callable[[list, list], torch.Tensor]) -> bool:
    """Check ``fn(fmap_r, fmap_g)`` → ``L_FM = Σ_k Σ_l mean|D_k^l(y) − D_k^l(ŷ)|`` (a 0-dim tensor, no weight).

    The reference is :func:`audiolosses.hifigan.feature_loss <audiolosses.hifigan.losses.feature_loss>` with
    ``weight=1``; its default ``weight=2`` is λ_fm·L_FM, what HiFi-GAN's own ``feature_loss`` returns.
    """
    cases = []
    for description, seed in (("two sub-discriminators, 4 and 3 layers", 0), ("another draw", 1)):
        fmap_r, fmap_g = _fmaps(seed), _fmaps(seed + 10)
        expected = hifigan.feature_loss(fmap_r, fmap_g, weight=1.0)
        without_last = hifigan.feature_loss([d[:-1] for d in fmap_r], [d[:-1] for d in fmap_g], weight=1.0)
        squared = sum(torch.mean((a - b) ** 2) for da, db in zip(fmap_r, fmap_g) for a, b in zip(da, db))
        averaged = expected / sum(len(d) for d in fmap_r)
        hints = [
            (
                functools.partial(_close, b=2 * expected),
                "that is λ_fm · L_FM (what HiFi-GAN's own feature_loss returns, with λ_fm = 2 inside); "
                "L_FM itself has no weight: λ_fm multiplies it once, in the generator's total.",
            ),
            (functools.partial(_close, b=without_last), "include every feature map, the final score map too."),
            (
                functools.partial(_close, b=2 * without_last),
                "include every feature map (the final score map too), and leave λ_fm out of L_FM.",
            ),
            (functools.partial(_close, b=squared), "use the absolute difference (L1), not the square."),
            (
                functools.partial(_close, b=averaged),
                "sum over layers and sub-discriminators; average only within a map.",
            ),
        ]
        cases.append(Case(description, (fmap_r, fmap_g), expected, hints=hints, atol=1e-8, rtol=1e-8))
    return run_cases("check_feature_loss", fn, cases)


def check_hifigan_mel(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(y)`` → HiFi-GAN's log-mel ``[batch, 80, T // 256]`` of ``y`` ``[batch, T]`` at 22050 Hz (full band).

    The reference is :func:`audiolosses.hifigan.mel_spectrogram <audiolosses.hifigan.mel.mel_spectrogram>` with its
    defaults.
    """
    generator = torch.Generator().manual_seed(0)
    noise = 0.3 * torch.randn(2, 4096, generator=generator, dtype=torch.float64)
    time = torch.arange(8192, dtype=torch.float64) / 22050
    tones = (0.5 * torch.sin(2 * torch.pi * 440 * time) + 0.01 * torch.sin(2 * torch.pi * 7000 * time))[None]
    quiet = torch.cat(
        [
            0.2 * torch.randn(1, 2048, generator=generator, dtype=torch.float64),
            torch.zeros(1, 2048, dtype=torch.float64),
        ],
        dim=-1,
    )

    def hints_for(y):
        padded = torch.nn.functional.pad(y[:, None], (384, 384), mode="reflect")[:, 0]
        magnitude = spectral.stft_magnitude(padded, 1024, 256, center=False)
        bank = spectral.mel_filter_bank(
            513, 0.0, 11025.0, 80, 22050, norm="slaney", mel_scale="slaney", dtype=torch.float64
        )
        power = torch.log(torch.clamp(bank.T @ magnitude.pow(2), min=1e-5))
        log10 = torch.log10(torch.clamp(bank.T @ magnitude, min=1e-5))
        htk = spectral.mel_filter_bank(513, 0.0, 11025.0, 80, 22050, dtype=torch.float64)
        htk_mel = torch.log(torch.clamp(htk.T @ magnitude, min=1e-5))
        band_8k = hifigan.mel_spectrogram(y, sample_rate=22050, f_max=8000.0)
        return [
            (functools.partial(_close, b=power, tol=1e-3), "use the magnitude |X|, not the power |X|²."),
            (functools.partial(_close, b=log10, tol=1e-3), "use the natural log, not log10."),
            (
                functools.partial(_close, b=htk_mel, tol=1e-3),
                "use the Slaney mel scale with Slaney area norm (norm='slaney', mel_scale='slaney'), not HTK.",
            ),
            (
                functools.partial(_close, b=band_8k, tol=1e-3),
                "the loss mel is full band: fmax = sampling_rate / 2, not the 8 kHz of the conditioning mel.",
            ),
        ]

    cases = [
        Case(description, (y,), hifigan.mel_spectrogram(y, sample_rate=22050), hints=hints_for(y), atol=1e-4, rtol=1e-4)
        for description, y in (
            ("white noise, a batch of 2 × 4096 samples", noise),
            ("a 440 Hz tone plus a quiet 7 kHz tone, 8192 samples", tones),
            ("noise then silence (the log floor)", quiet),
        )
    ]

    def with_frame_hint(y):
        result = fn(y)
        if isinstance(result, torch.Tensor) and result.dim() >= 1:
            frames, expected = result.shape[-1], y.shape[-1] // 256
            if frames == expected + 1:
                raise ExerciseCheckError(
                    f"expected {expected} frames (T / hop), got {frames}.\n"
                    "Hint: that is center=True's count; pad (n_fft - hop) / 2 = 384 samples on each side "
                    "(reflect) and call the STFT with center=False."
                )
            if frames == (y.shape[-1] - 1024) // 256 + 1:
                raise ExerciseCheckError(
                    f"expected {expected} frames (T / hop), got {frames}.\n"
                    "Hint: reflect-pad (n_fft - hop) / 2 = 384 samples on each side before the STFT."
                )
        return result

    return run_cases("check_hifigan_mel", with_frame_hint, cases)


# --------------------------------------------------------------------------------------------------
# The best discriminator loss and an undecided discriminator
# --------------------------------------------------------------------------------------------------


def _best_discriminator_loss(p_data: torch.Tensor, p_generated: torch.Tensor) -> torch.Tensor:
    # min over D of Σ_x p_data·(D − 1)² + p_generated·D², reached at D* = p_data / (p_data + p_generated)
    total = p_data + p_generated
    reached = total > 0
    d_star = p_data[reached] / total[reached]
    return (p_data[reached] * (d_star - 1) ** 2 + p_generated[reached] * d_star**2).sum()


def check_best_discriminator_loss(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(p_data, p_generated)`` → the smallest expected loss of one HiFi-GAN sub-discriminator.

    For discrete distributions (1-D tensors of probabilities over the same outcomes), the minimum over every
    discriminator of ``Σ_x p_data(x)·(D(x) − 1)² + p_generated(x)·D(x)²``, a 0-dim tensor. The reference puts
    the optimal discriminator ``D* = p_data / (p_data + p_generated)`` into the loss; outcomes that neither
    distribution produces contribute nothing.
    """
    generator = torch.Generator().manual_seed(5)
    p_data = torch.rand(12, generator=generator, dtype=torch.float64) + 0.05
    p_generated = torch.rand(12, generator=generator, dtype=torch.float64) + 0.05
    p_data, p_generated = p_data / p_data.sum(), p_generated / p_generated.sum()
    disjoint_data = torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=torch.float64)
    disjoint_generated = torch.tensor([0.0, 0.0, 0.4, 0.6], dtype=torch.float64)
    gaps_data = torch.tensor([0.3, 0.0, 0.3, 0.4, 0.0], dtype=torch.float64)
    gaps_generated = torch.tensor([0.1, 0.0, 0.5, 0.0, 0.4], dtype=torch.float64)

    def hints_for(pd, pg):
        total = pd + pg
        reached = total > 0
        pd, pg, total = pd[reached], pg[reached], total[reached]
        return [
            (
                functools.partial(_close, b=(pg**2 / total).sum()),
                "that is the generator's criterion C(G) of section 3.1; put D* into the discriminator's loss.",
            ),
            (
                functools.partial(_close, b=torch.tensor(0.5, dtype=torch.float64)),
                "that is the loss of an undecided discriminator (D = 1/2 everywhere); D* adapts to each "
                "outcome: D* = p_data / (p_data + p_generated).",
            ),
            (
                functools.partial(_close, b=(pd * pg / total).sum() / 2),
                "that is half of it (LSGAN's factors 1/2); HiFi-GAN's loss has no 1/2 in front of the expectations.",
            ),
            (
                functools.partial(_close, b=(pd * pg).sum()),
                "simplify p_data·(D* − 1)² + p_generated·D*² carefully: it is p_data·p_generated / (p_data + "
                "p_generated) at each outcome.",
            ),
        ]

    cases = [
        Case(description, (pd, pg), _best_discriminator_loss(pd, pg), hints=hints_for(pd, pg), atol=1e-9, rtol=1e-9)
        for description, pd, pg in (
            ("two distributions over 12 outcomes", p_data, p_generated),
            ("a perfect generator (p_generated = p_data)", p_data, p_data.clone()),
            ("distributions that never produce the same outcome", disjoint_data, disjoint_generated),
            ("outcomes that neither distribution produces", gaps_data, gaps_generated),
        )
    ]
    return run_cases("check_best_discriminator_loss", fn, cases)


def _trained_score(p_data: float, p_generated: float, a: float, b: float, steps: int = 200) -> float:
    """The least-squares discriminator's best score at one point, found by gradient descent (no formula)."""
    score = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([score], lr=0.5)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = p_data * (score - b) ** 2 + p_generated * (score - a) ** 2
        loss.backward()
        optimizer.step()
    return score.item()


def check_lsgan_optimal_score(prediction) -> bool:
    """Check a predicted number: the optimal score with LSGAN's labels a = −1, b = 1 where p_data = 3·p_g.

    The expected value is found by gradient descent on ``p_data·(D − b)² + p_g·(D − a)²`` at that point (with
    ``p_data = 3/4``, ``p_g = 1/4``); a prediction within 0.01 passes.
    """
    expected = _trained_score(0.75, 0.25, -1.0, 1.0)
    hints = [
        (_near(0.75, 0.01), "that is the optimum with HiFi-GAN's labels a = 0, b = 1; here a = −1."),
        (_near(-0.5, 0.01), "the labels are swapped: p_data weighs the real label b = 1, p_g the label a = −1."),
        (_near(0.0, 0.01), "(a + b) / 2 is the optimum only where both kinds of audio are equally likely."),
        (_near(3.0, 0.01), "D* is a weighted average of the labels: divide by p_data + p_g."),
        (_near(2.0, 0.01), "D* is a weighted average of the labels: divide by p_data + p_g."),
    ]
    case = Case(
        "labels a = −1, b = 1; p_data = 3 p_g",
        (),
        torch.tensor(expected, dtype=torch.float64),
        hints=hints,
        atol=0.01,
        rtol=0.0,
    )
    return run_cases("check_lsgan_optimal_score", predicted_number("check_lsgan_optimal_score", prediction), [case])


@functools.lru_cache(maxsize=1)
def _score_shapes() -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The score-map shapes of HiFi-GAN's MPD and MSD on one second of audio (small width: shapes only)."""
    audio_in = torch.zeros(1, 1, 22050)
    shapes = []
    with torch.no_grad():
        for name, discriminator in (
            ("MPD", hifigan.MultiPeriodDiscriminator(width=1 / 64)),
            ("MSD", hifigan.MultiScaleDiscriminator(width=1 / 64)),
        ):
            shapes += [(name, tuple(score.shape)) for score in discriminator(audio_in, audio_in)[0]]
    return tuple(shapes)


def check_undecided_discriminator_loss(prediction) -> bool:
    """Check a predicted number: HiFi-GAN's whole discriminator loss (MPD + MSD) when every score is ½.

    The expected value is measured: score maps of the shapes HiFi-GAN's MPD and MSD return, all filled with
    ½ (what the optimal discriminator outputs where real and generated audio are equally likely), passed to
    :func:`audiolosses.hifigan.discriminator_loss <audiolosses.hifigan.losses.discriminator_loss>`.
    """
    shapes = _score_shapes()
    half = [torch.full(shape, 0.5, dtype=torch.float64) for _, shape in shapes]
    expected = hifigan.discriminator_loss(half, half)[0]
    count = len(shapes)
    periods = sum(name == "MPD" for name, _ in shapes)
    scales = count - periods
    hints = [
        (
            _near(expected.item() / 2, 0.01),
            "that is half of it: each sub-discriminator has a real term (1 − ½)² and a generated term (½)².",
        ),
        (_near(expected.item() / count, 0.01), f"sum over the {count} sub-discriminators; do not average them."),
        (_near(0.5 * periods, 0.01), f"the MSD's {scales} scale discriminators count too."),
        (_near(0.5 * scales, 0.01), f"the MPD's {periods} period discriminators count too."),
        (
            _near(1.0, 0.01),
            f"count sub-discriminators, not the two discriminators: {periods} periods + {scales} scales.",
        ),
        (_near(2 * expected.item(), 0.01), "square the distances: (1 − ½)² = ¼, not ½."),
        (_near(0.0, 0.01), "an undecided discriminator is half-way between its targets 0 and 1, not at them."),
    ]
    case = Case(f"{periods} period + {scales} scale sub-discriminators, every score ½", (), expected, hints=hints)
    return run_cases(
        "check_undecided_discriminator_loss", predicted_number("check_undecided_discriminator_loss", prediction), [case]
    )


# --------------------------------------------------------------------------------------------------
# The balance of the generator's terms
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _chapter_terms() -> dict[str, float]:
    """The unweighted adversarial, feature-matching and mel terms of the chapter's example (section 3.2).

    The same construction as the chapter: 8192 samples of the speech clip, a muffled and noisy copy as the
    generated audio, MPD and MSD at width 1/16, everything seeded with 0 (the caller's random state is kept).
    """
    speech, sample_rate = audio.load_example("speech")
    y = speech[:, 20480 : 20480 + 8192].unsqueeze(0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        muffled = torch.nn.functional.avg_pool1d(y, 5, stride=1, padding=2)
        y_fake = muffled + 0.02 * torch.randn_like(y)
        torch.manual_seed(0)
        mpd = hifigan.MultiPeriodDiscriminator(width=1 / 16)
        msd = hifigan.MultiScaleDiscriminator(width=1 / 16)
        with torch.no_grad():
            _, parts = hifigan.generator_objective(y_fake, y, [mpd(y, y_fake), msd(y, y_fake)], sample_rate=sample_rate)
    return {name: parts[name].item() for name in ("adversarial", "feature_matching", "mel")}


def _mel_share(terms: dict[str, float], lambda_fm: float, lambda_mel: float) -> float:
    weights = {"adversarial": 1.0, "feature_matching": lambda_fm, "mel": lambda_mel}
    values = {name: weights[name] * terms[name] for name in terms}
    return 100.0 * values["mel"] / sum(values.values())


def check_mel_share(prediction) -> bool:
    """Check a predicted number: the mel term's share of the generator's loss, in %, at λ_fm = 2, λ_mel = 10.

    The terms are those of the chapter's example (section 3.2, measured again here); a prediction within 1.5
    percentage points of ``100 · λ_mel·L_mel / (L_adv + λ_fm·L_FM + λ_mel·L_mel)`` passes.
    """
    terms = _chapter_terms()
    expected = _mel_share(terms, 2.0, 10.0)
    unweighted = _mel_share(terms, 1.0, 1.0)
    paper = _mel_share(terms, 2.0, 45.0)
    adversarial_share = (
        100.0 * terms["adversarial"] / (terms["adversarial"] + 2.0 * terms["feature_matching"] + 10.0 * terms["mel"])
    )
    hints = [
        (_near(expected / 100.0, 0.015), "give a percentage (0 to 100), not a fraction."),
        (_near(paper, 1.5), "that is the share at the paper's λ_mel = 45; the question asks for λ_mel = 10."),
        (_near(unweighted, 1.5), "weight the terms first: the mel term enters the total as λ_mel · L_mel."),
        (_near(adversarial_share, 1.5), "that is the adversarial term's share; the question asks for the mel term's."),
        (
            _near(100.0 - expected, 1.5),
            "that is everything but the mel term; the question asks for the mel term's share.",
        ),
    ]
    case = Case(
        "λ_fm = 2, λ_mel = 10 on the chapter's example",
        (),
        torch.tensor(expected, dtype=torch.float64),
        hints=hints,
        atol=1.5,
        rtol=0.0,
    )
    return run_cases("check_mel_share", predicted_number("check_mel_share", prediction), [case])
