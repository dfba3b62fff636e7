"""Self-checks for chapter 3: HiFi-GAN's discriminator loss, feature matching and mel front end.

Notebook: book/03_hifigan_losses.ipynb
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch

from .. import hifigan, spectral
from ._core import Case, ExerciseCheckError, run_cases

__all__ = ["check_discriminator_loss", "check_feature_loss", "check_hifigan_mel"]


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
    """Check ``fn(fmap_r, fmap_g)`` → ``2 · Σ_k Σ_l mean|D_k^l(y) − D_k^l(ŷ)|`` (a 0-dim tensor)."""
    cases = []
    for description, seed in (("two sub-discriminators, 4 and 3 layers", 0), ("another draw", 1)):
        fmap_r, fmap_g = _fmaps(seed), _fmaps(seed + 10)
        expected = hifigan.feature_loss(fmap_r, fmap_g)
        without_last = hifigan.feature_loss([d[:-1] for d in fmap_r], [d[:-1] for d in fmap_g])
        squared = 2 * sum(torch.mean((a - b) ** 2) for da, db in zip(fmap_r, fmap_g) for a, b in zip(da, db))
        hints = [
            (functools.partial(_close, b=expected / 2), "HiFi-GAN multiplies the sum by 2 (its λ_fm)."),
            (functools.partial(_close, b=without_last), "include every feature map, the final score map too."),
            (
                functools.partial(_close, b=without_last / 2),
                "include every feature map (the final score map too) and multiply by 2.",
            ),
            (functools.partial(_close, b=squared), "use the absolute difference (L1), not the square."),
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
