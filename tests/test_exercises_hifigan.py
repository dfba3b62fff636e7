"""Chapter 3's self-checks accept right answers (written independently here) and reject usual mistakes
with a helpful hint."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchaudio

from audiolosses.exercises import hifigan as checks
from audiolosses.exercises._core import ExerciseCheckError

# --------------------------------------------------------------------------------------------------
# Discriminator loss
# --------------------------------------------------------------------------------------------------


def right_discriminator_loss(real_outputs, fake_outputs):
    total = torch.zeros((), dtype=real_outputs[0].dtype)
    for real, fake in zip(real_outputs, fake_outputs):
        total = total + ((real - 1) ** 2).mean() + (fake**2).mean()
    return total


def test_discriminator_loss_accepts_right_answer(capsys):
    assert checks.check_discriminator_loss(right_discriminator_loss) is True
    assert "all 3 cases passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda r, g: sum((x**2).mean() + ((1 - y) ** 2).mean() for x, y in zip(r, g)), "swapped"),
        (lambda r, g: sum(((1 - x) ** 2).sum() + (y**2).sum() for x, y in zip(r, g)), "mean within"),
        (lambda r, g: right_discriminator_loss(r, g) / len(r), "do not average"),
        (
            lambda r, g: sum(
                F.binary_cross_entropy_with_logits(x, torch.ones_like(x))
                + F.binary_cross_entropy_with_logits(y, torch.zeros_like(y))
                for x, y in zip(r, g)
            ),
            "least squares",
        ),
    ],
)
def test_discriminator_loss_rejects_usual_mistakes(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_discriminator_loss(wrong)


# --------------------------------------------------------------------------------------------------
# Feature loss
# --------------------------------------------------------------------------------------------------


def right_feature_loss(fmap_r, fmap_g):
    distances = [np.abs(a.numpy() - b.numpy()).mean() for da, db in zip(fmap_r, fmap_g) for a, b in zip(da, db)]
    return torch.tensor(2 * sum(distances), dtype=torch.float64)


def test_feature_loss_accepts_right_answer():
    assert checks.check_feature_loss(right_feature_loss) is True


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda r, g: right_feature_loss(r, g) / 2, "multiplies the sum by 2"),
        (lambda r, g: right_feature_loss([d[:-1] for d in r], [d[:-1] for d in g]), "final score map"),
        (lambda r, g: right_feature_loss([d[:-1] for d in r], [d[:-1] for d in g]) / 2, "and multiply by 2"),
        (lambda r, g: 2 * sum(((a - b) ** 2).mean() for da, db in zip(r, g) for a, b in zip(da, db)), "L1"),
    ],
)
def test_feature_loss_rejects_usual_mistakes(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_feature_loss(wrong)


# --------------------------------------------------------------------------------------------------
# HiFi-GAN's mel front end
# --------------------------------------------------------------------------------------------------


def make_mel(*, pad=True, center=False, power=1, log=torch.log, norm="slaney", mel_scale="slaney", fmax=11025.0):
    bank = torchaudio.functional.melscale_fbanks(513, 0.0, fmax, 80, 22050, norm, mel_scale).double()

    def mel(y):
        if pad:
            y = F.pad(y[:, None], (384, 384), mode="reflect")[:, 0]
        spec = torch.stft(
            y, 1024, 256, 1024, torch.hann_window(1024, dtype=y.dtype), center=center, return_complex=True
        )
        magnitude = torch.sqrt(spec.real**2 + spec.imag**2 + 1e-9) ** power
        return log(torch.clamp((magnitude.transpose(-1, -2) @ bank).transpose(-1, -2), min=1e-5))

    return mel


def test_hifigan_mel_accepts_right_answer():
    assert checks.check_hifigan_mel(make_mel()) is True


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (make_mel(pad=False, center=True), "center=True"),
        (make_mel(pad=False), "reflect-pad"),
        (make_mel(power=2), "magnitude"),
        (make_mel(log=torch.log10), "natural log"),
        (make_mel(norm=None, mel_scale="htk"), "Slaney"),
        (make_mel(fmax=8000.0), "full band"),
    ],
)
def test_hifigan_mel_rejects_usual_mistakes(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_hifigan_mel(wrong)


def test_checks_report_not_implemented():
    def unfinished(*args):
        raise NotImplementedError

    with pytest.raises(ExerciseCheckError, match="fill in"):
        checks.check_feature_loss(unfinished)
