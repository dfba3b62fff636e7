"""Every reusable loss of the package as one small, seeded case: shared by the contract, compile and DDP tests.

A case builds the loss (an ``nn.Module`` following the contract), its inputs for a batch of ``batch`` items, and
says whether its value is a mean of independent per-item values (then sharding the batch across processes
cannot change the gradient) or couples the items (RVM's batch-wide gain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from audiolosses import component, hifigan, kl, perceptual, rvm, sdr, stft_loss

SAMPLE_RATE = 16000


@dataclass
class LossCase:
    name: str
    make: Callable[[], nn.Module]
    #: ``inputs(batch, generator, dtype)`` → (predictions, fixed): the tensors the loss differentiates, then the rest
    inputs: Callable
    #: call the loss on (predictions, fixed) and return a 0-dim value
    call: Callable = lambda loss, predictions, fixed: loss(*predictions, *fixed)
    per_item: bool = True
    #: whether the module takes ``reduction`` (the contract's per-item losses)
    reduces: bool = True


def _audio(batch, generator, dtype, length=4000):
    target = 0.3 * torch.randn(batch, 1, length, generator=generator, dtype=dtype)
    levels = torch.logspace(-2, 0, batch, dtype=dtype).reshape(batch, 1, 1)  # items 40 dB apart: gain matters
    target = target * levels
    estimate = target + 0.3 * levels * torch.randn(batch, 1, length, generator=generator, dtype=dtype)
    return (estimate,), (target,)


def _spectra(batch, generator, dtype):
    shape = (batch, 65, 20)
    mask = 0.1 + 0.8 * torch.rand(shape, generator=generator, dtype=dtype)
    target = torch.rand(shape, generator=generator, dtype=dtype)
    residual = torch.rand(shape, generator=generator, dtype=dtype)
    return (mask,), (target, residual)


def _latent(batch, generator, dtype):
    mu = torch.randn(batch, 8, generator=generator, dtype=dtype)
    logvar = torch.randn(batch, 8, generator=generator, dtype=dtype)
    return (mu, logvar), ()


def _scores(batch, generator, dtype):
    real = [
        torch.randn(batch, 30, generator=generator, dtype=dtype),
        torch.randn(batch, 12, generator=generator, dtype=dtype),
    ]
    fake = [
        torch.randn(batch, 30, generator=generator, dtype=dtype),
        torch.randn(batch, 12, generator=generator, dtype=dtype),
    ]
    return tuple(fake), tuple(real)


CASES = [
    LossCase(
        "rvm_metric",
        lambda: rvm.RelativeVolumeMel(sample_rate=SAMPLE_RATE),
        _audio,
        call=lambda loss, p, f: loss(*p, *f)["rvm"],
        per_item=False,
        reduces=False,
    ),
    LossCase(
        "rvm_metric_per_item",
        lambda: rvm.RelativeVolumeMel(sample_rate=SAMPLE_RATE, per_item=True),
        _audio,
        call=lambda loss, p, f: loss(*p, *f)["rvm"].mean(),
        reduces=False,
    ),
    LossCase("rvm_loss", lambda: rvm.RelativeVolumeMelLoss(sample_rate=SAMPLE_RATE), _audio),
    LossCase(
        "hifigan_mel",
        lambda: hifigan.MelLoss(sample_rate=SAMPLE_RATE, n_fft=512, hop_length=128, win_length=512),
        _audio,
    ),
    LossCase(
        "perceptual",
        lambda: perceptual.PerceptualLoss(sample_rate=SAMPLE_RATE, n_bands=32, n_taps=64, stride=2),
        _audio,
    ),
    LossCase("component", lambda: component.ComponentLoss(alpha=0.1, beta=0.8), _spectra),
    LossCase("kl", lambda: kl.GaussianKLDivLoss(latent_reduction="sum", parameterization="logvar"), _latent),
    LossCase(
        "mrstft",
        lambda: stft_loss.MultiResolutionSTFTLoss(fft_sizes=(512, 256), hop_sizes=(128, 64), win_lengths=(400, 200)),
        _audio,
    ),
    LossCase(
        "mrstft_batch_wide",
        lambda: stft_loss.MultiResolutionSTFTLoss(
            fft_sizes=(512, 256), hop_sizes=(128, 64), win_lengths=(400, 200), per_item=False
        ),
        _audio,
        per_item=False,
        reduces=False,
    ),
    LossCase("si_sdr", lambda: sdr.SISDRLoss(), _audio),
    LossCase("sd_sdr", lambda: sdr.SDSDRLoss(), _audio),
    LossCase(
        "hifigan_generator_adversarial",
        lambda: hifigan.GeneratorLoss(),
        _scores,
        call=lambda loss, p, f: loss(list(p))[0],
        reduces=False,
    ),
    LossCase(
        "hifigan_feature_matching",
        lambda: hifigan.FeatureLoss(),
        _scores,
        call=lambda loss, p, f: loss([list(f)], [list(p)]),
        reduces=False,
    ),
]

BY_NAME = {case.name: case for case in CASES}


def build(case: LossCase, dtype=torch.float64) -> nn.Module:
    """The case's loss with its buffers (filter banks) in ``dtype``."""
    return case.make().to(dtype)


def make_inputs(case: LossCase, batch: int, seed: int = 0, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    predictions, fixed = case.inputs(batch, generator, dtype)
    return tuple(p.clone().requires_grad_(True) for p in predictions), fixed


def value_and_gradients(case: LossCase, loss: nn.Module | Callable, predictions, fixed):
    value = case.call(loss, predictions, fixed)
    gradients = torch.autograd.grad(value, predictions)
    return value.detach(), [g.detach() for g in gradients]
