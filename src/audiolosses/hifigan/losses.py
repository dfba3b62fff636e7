"""HiFi-GAN's adversarial and feature-matching losses, and the generator's whole objective.

The adversarial and feature-matching losses take discriminator outputs, not a prediction and a target, so
they keep HiFi-GAN's own signature and order (real first, as ``models.py``): ``discriminator_loss(
disc_real_outputs, disc_generated_outputs)``, ``generator_loss(disc_outputs)``, ``feature_loss(fmap_r,
fmap_g)``. Each returns 0-dim tensors; their means run over every element of a score map, so each batch item
weighs the same and a batch sharded across processes gives the same averaged gradient. The generator's
objective takes the waveforms in the package's order, generated first.

Notebook: book/03_hifigan_losses.ipynb
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._validation import check_positive, check_same_shape, check_tensor
from .mel import HIFIGAN_V1_LOSS_MEL, mel_loss

__all__ = [
    "LAMBDA_FM",
    "LAMBDA_MEL",
    "discriminator_loss",
    "generator_loss",
    "feature_loss",
    "generator_objective",
    "DiscriminatorLoss",
    "GeneratorLoss",
    "FeatureLoss",
    "GeneratorObjective",
]

#: HiFi-GAN's weight of the feature-matching term (hard-coded as ``2`` inside its ``feature_loss``).
LAMBDA_FM = 2.0
#: HiFi-GAN's weight of the mel term (``loss_mel * 45`` in its training loop).
LAMBDA_MEL = 45.0


# --------------------------------------------------------------------------------------------------
# Validation of discriminator outputs
# --------------------------------------------------------------------------------------------------


def _check_output_list(outputs, name: str) -> list[torch.Tensor]:
    if isinstance(outputs, torch.Tensor) or not isinstance(outputs, Sequence) or len(outputs) == 0:
        raise TypeError(
            f"{name} must be a non-empty list of tensors (one per sub-discriminator), got {type(outputs).__name__}"
        )
    for k, output in enumerate(outputs):
        check_tensor(output, f"{name}[{k}]")
    return list(outputs)


def _check_pair_of_output_lists(real, fake, name_real: str, name_fake: str) -> None:
    _check_output_list(real, name_real)
    _check_output_list(fake, name_fake)
    if len(real) != len(fake):
        raise ValueError(
            f"{name_real} and {name_fake} must have one entry per sub-discriminator each, "
            f"got {len(real)} and {len(fake)}"
        )
    for k, (r, g) in enumerate(zip(real, fake)):
        check_same_shape(r, g, f"{name_real}[{k}]", f"{name_fake}[{k}]")


def _check_fmaps(fmap_r, fmap_g) -> None:
    for name, fmaps in (("fmap_r", fmap_r), ("fmap_g", fmap_g)):
        if isinstance(fmaps, torch.Tensor) or not isinstance(fmaps, Sequence) or len(fmaps) == 0:
            raise TypeError(
                f"{name} must be a non-empty list (one per sub-discriminator) of lists of feature "
                f"maps, got {type(fmaps).__name__}"
            )
    if len(fmap_r) != len(fmap_g):
        raise ValueError(
            f"fmap_r and fmap_g must have one entry per sub-discriminator each, got {len(fmap_r)} and {len(fmap_g)}"
        )
    for k, (layers_r, layers_g) in enumerate(zip(fmap_r, fmap_g)):
        _check_pair_of_output_lists(layers_r, layers_g, f"fmap_r[{k}]", f"fmap_g[{k}]")


# --------------------------------------------------------------------------------------------------
# The adversarial and feature-matching losses
# --------------------------------------------------------------------------------------------------


def discriminator_loss(
    disc_real_outputs: Sequence[torch.Tensor], disc_generated_outputs: Sequence[torch.Tensor]
) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """HiFi-GAN's least-squares discriminator loss: ``Σ_k [mean((1 − D_k(y))²) + mean(D_k(ŷ)²)]``.

    Real audio is pushed towards the target 1, generated audio towards 0 (LSGAN, Mao et al. 2017, with
    the labels of Kong et al. 2020). Pass the generated audio detached for the discriminator step.

    Args:
        disc_real_outputs: one tensor per sub-discriminator, ``D_k(y)``, any shape (HiFi-GAN's are
            ``[batch, n_k]``).
        disc_generated_outputs: the matching ``D_k(ŷ)``, same count and shapes.

    Returns:
        ``(loss, r_losses, g_losses)``: the 0-dim total, and the per-sub-discriminator terms
        ``mean((1 − D_k(y))²)`` and ``mean(D_k(ŷ)²)`` as lists of 0-dim tensors (the original returns
        Python floats there).

    Raises:
        TypeError: if an argument is not a non-empty list of floating tensors.
        ValueError: if the lists differ in length, paired tensors in shape, or a value is NaN/Inf.
    """
    _check_pair_of_output_lists(
        disc_real_outputs, disc_generated_outputs, "disc_real_outputs", "disc_generated_outputs"
    )
    r_losses = [torch.mean((1.0 - dr) ** 2) for dr in disc_real_outputs]
    g_losses = [torch.mean(dg**2) for dg in disc_generated_outputs]
    loss = torch.stack([r + g for r, g in zip(r_losses, g_losses)]).sum()
    return loss, r_losses, g_losses


def generator_loss(disc_outputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """HiFi-GAN's least-squares adversarial loss for the generator: ``Σ_k mean((1 − D_k(ŷ))²)``.

    The generator wants the discriminators to score its audio as real (1). The mel term is *not* part
    of this function (it lives in HiFi-GAN's training loop); see
    :func:`~audiolosses.hifigan.losses.generator_objective`.

    Args:
        disc_outputs: one tensor per sub-discriminator, ``D_k(ŷ)``, any shape.

    Returns:
        ``(loss, gen_losses)``: the 0-dim total and the per-sub-discriminator terms (0-dim tensors).

    Raises:
        TypeError: if ``disc_outputs`` is not a non-empty list of floating tensors.
        ValueError: if a value is NaN/Inf.
    """
    _check_output_list(disc_outputs, "disc_outputs")
    gen_losses = [torch.mean((1.0 - dg) ** 2) for dg in disc_outputs]
    return torch.stack(gen_losses).sum(), gen_losses


def feature_loss(
    fmap_r: Sequence[Sequence[torch.Tensor]], fmap_g: Sequence[Sequence[torch.Tensor]], *, weight: float = LAMBDA_FM
) -> torch.Tensor:
    """HiFi-GAN's feature-matching loss, ``weight · L_FM`` with ``L_FM = Σ_k Σ_l mean|D_k^l(y) − D_k^l(ŷ)|``.

    ``L_FM`` is the feature-matching term of the course's notation, without a weight: ``weight=1`` returns
    it. The default ``weight=2`` returns ``λ_fm · L_FM``, which is what HiFi-GAN's own ``feature_loss``
    computes (it hard-codes λ_fm = 2 inside); :func:`~audiolosses.hifigan.losses.generator_objective` uses ``weight=1`` and applies
    λ_fm once. Every layer the discriminator returns is included, its final score map too. The real
    features are *not* detached (as in the original); their gradient only reaches the discriminator,
    whose optimiser is not stepped with this loss.

    Args:
        fmap_r: per sub-discriminator, the list of its feature maps for real audio ``y``.
        fmap_g: the same for generated audio ``ŷ``; same nesting and shapes.
        weight: the factor in front of ``L_FM``, default 2 (HiFi-GAN's λ_fm, which the original
            hard-codes inside this function). Use ``weight=1`` for ``L_FM`` itself.

    Returns:
        0-dim tensor.

    Raises:
        TypeError: if the arguments are not non-empty lists of lists of floating tensors.
        ValueError: on mismatched counts or shapes between real and generated maps, NaN/Inf values, or
            a negative ``weight``.
    """
    weight = check_positive(weight, "weight", allow_zero=True)
    _check_fmaps(fmap_r, fmap_g)
    terms = [torch.mean(torch.abs(rl - gl)) for dr, dg in zip(fmap_r, fmap_g) for rl, gl in zip(dr, dg)]
    return weight * torch.stack(terms).sum()


def _check_discriminator_results(discriminator_results) -> list[tuple]:
    if (
        isinstance(discriminator_results, tuple)
        and len(discriminator_results) == 4
        and isinstance(discriminator_results[0], (list, tuple))
        and discriminator_results[0]
        and isinstance(discriminator_results[0][0], torch.Tensor)
    ):
        discriminator_results = [discriminator_results]  # a single discriminator's 4-tuple
    if not isinstance(discriminator_results, Sequence) or len(discriminator_results) == 0:
        raise TypeError(
            "discriminator_results must be a non-empty list of the 4-tuples "
            "(real_outputs, fake_outputs, real_fmaps, fake_fmaps) returned by the discriminators"
        )
    for i, result in enumerate(discriminator_results):
        if not isinstance(result, (tuple, list)) or len(result) != 4:
            raise ValueError(
                f"discriminator_results[{i}] must be a 4-tuple (real_outputs, fake_outputs, real_fmaps, fake_fmaps)"
            )
    return list(discriminator_results)


def generator_objective(
    input: torch.Tensor,
    target: torch.Tensor,
    discriminator_results,
    *,
    sample_rate: int,
    lambda_fm: float = LAMBDA_FM,
    lambda_mel: float = LAMBDA_MEL,
    **mel_settings,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """HiFi-GAN's whole generator objective: ``L_adv + λ_fm · L_FM + λ_mel · L_mel``.

    ``L_adv`` and ``L_FM`` are summed over the discriminators (MPD and MSD in HiFi-GAN), ``L_FM`` is the
    unweighted sum of L1 distances (``feature_loss(..., weight=1)``) and ``L_mel`` the full-band
    :func:`~audiolosses.hifigan.mel.mel_loss`. With the defaults this equals the original's ``loss_gen_s +
    loss_gen_f + loss_fm_s + loss_fm_f + 45 · loss_mel``.

    Args:
        input: generated waveform ``ŷ`` ``[batch, 1, time]`` (any shape
            :func:`~audiolosses.hifigan.mel.mel_spectrogram` accepts), *not* detached.
        target: real waveform ``y``, same shape.
        discriminator_results: a list of ``(real_outputs, fake_outputs, real_fmaps, fake_fmaps)``
            4-tuples, one per discriminator, as returned by ``MultiPeriodDiscriminator(y, y_hat)`` and
            ``MultiScaleDiscriminator(y, y_hat)`` (a single 4-tuple is accepted too).
        sample_rate: sample rate of the audio in Hz, for the loss mel (required; HiFi-GAN v1's is 22050).
        lambda_fm: weight of the feature-matching term (default 2).
        lambda_mel: weight of the mel term (default 45).
        **mel_settings: further keyword arguments of :func:`~audiolosses.hifigan.mel.mel_loss` (default: the
            full-band loss mel of HiFi-GAN v1 at ``sample_rate``).

    Shape:
        input, target: ``[batch, 1, time]``; discriminator outputs as the discriminators return them.

    Returns:
        ``(total, parts)``: the 0-dim objective and a dict with the unweighted ``"adversarial"``
        (``L_adv``), ``"feature_matching"`` (``L_FM``) and ``"mel"`` (``L_mel``) terms and the ``"total"``.

    Raises:
        TypeError, ValueError: on malformed discriminator results, mismatched shapes, negative weights.

    Example::

        >>> from audiolosses.hifigan import MultiPeriodDiscriminator
        >>> mpd = MultiPeriodDiscriminator(width=0.05)
        >>> y, y_hat = torch.randn(1, 1, 8192), torch.randn(1, 1, 8192)
        >>> total, parts = generator_objective(y_hat, y, [mpd(y, y_hat)], sample_rate=22050)

    Notebook: book/03_hifigan_losses.ipynb
    """
    lambda_fm = check_positive(lambda_fm, "lambda_fm", allow_zero=True)
    lambda_mel = check_positive(lambda_mel, "lambda_mel", allow_zero=True)
    results = _check_discriminator_results(discriminator_results)
    adversarial = torch.stack([generator_loss(fake)[0] for _, fake, _, _ in results]).sum()
    matching = torch.stack([feature_loss(fr, fg, weight=1.0) for _, _, fr, fg in results]).sum()
    mel = mel_loss(input, target, sample_rate=sample_rate, **mel_settings)
    total = adversarial + lambda_fm * matching + lambda_mel * mel
    return total, {"adversarial": adversarial, "feature_matching": matching, "mel": mel, "total": total}


# --------------------------------------------------------------------------------------------------
# nn.Module forms
# --------------------------------------------------------------------------------------------------


class DiscriminatorLoss(nn.Module):
    """:func:`discriminator_loss` as a module (no arguments); ``forward(real_outputs, fake_outputs)``."""

    def forward(self, disc_real_outputs, disc_generated_outputs):
        return discriminator_loss(disc_real_outputs, disc_generated_outputs)


class GeneratorLoss(nn.Module):
    """:func:`generator_loss` (the adversarial part only) as a module; ``forward(fake_outputs)``."""

    def forward(self, disc_outputs):
        return generator_loss(disc_outputs)


class FeatureLoss(nn.Module):
    """:func:`feature_loss` as a module; ``forward(fmap_r, fmap_g)``.

    Args:
        weight: the factor in front of ``L_FM``, the sum of per-layer L1 distances (default 2, HiFi-GAN's
            λ_fm, as in the original's ``feature_loss``; 1 gives ``L_FM`` itself).
    """

    def __init__(self, *, weight: float = LAMBDA_FM):
        super().__init__()
        self.weight = check_positive(weight, "weight", allow_zero=True)

    def forward(self, fmap_r, fmap_g):
        return feature_loss(fmap_r, fmap_g, weight=self.weight)

    def extra_repr(self) -> str:
        return f"weight={self.weight}"


class GeneratorObjective(nn.Module):
    """:func:`~audiolosses.hifigan.losses.generator_objective` as a module; ``forward(input, target, discriminator_results)``.

    ``GeneratorObjective.hifigan_v1()`` is HiFi-GAN v1's objective (λ_fm 2, λ_mel 45, the 22 050 Hz loss mel).

    Args:
        sample_rate: sample rate of the audio in Hz (required).
        lambda_fm: weight of the feature-matching term (default 2).
        lambda_mel: weight of the mel term (default 45).
        **mel_settings: further keyword arguments of :func:`~audiolosses.hifigan.mel.mel_loss` (default full band).

    Shape:
        input, target: ``[batch, 1, time]``; output: ``(0-dim total, dict of 0-dim parts)``.

    Example::

        >>> objective = GeneratorObjective.hifigan_v1()

    Notebook: book/03_hifigan_losses.ipynb
    """

    def __init__(
        self, *, sample_rate: int, lambda_fm: float = LAMBDA_FM, lambda_mel: float = LAMBDA_MEL, **mel_settings
    ):
        super().__init__()
        self.sample_rate = sample_rate
        self.lambda_fm = check_positive(lambda_fm, "lambda_fm", allow_zero=True)
        self.lambda_mel = check_positive(lambda_mel, "lambda_mel", allow_zero=True)
        self.mel_settings = dict(mel_settings)

    @classmethod
    def hifigan_v1(cls, **overrides) -> GeneratorObjective:
        """HiFi-GAN v1's generator objective; keyword arguments override single settings."""
        return cls(**{"sample_rate": HIFIGAN_V1_LOSS_MEL["sample_rate"], **overrides})

    def forward(self, input, target, discriminator_results):
        return generator_objective(
            input,
            target,
            discriminator_results,
            sample_rate=self.sample_rate,
            lambda_fm=self.lambda_fm,
            lambda_mel=self.lambda_mel,
            **self.mel_settings,
        )

    def extra_repr(self) -> str:
        return (
            f"sample_rate={self.sample_rate}, lambda_fm={self.lambda_fm}, lambda_mel={self.lambda_mel}, "
            f"mel_settings={self.mel_settings}"
        )
