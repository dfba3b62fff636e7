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
    return torch.tensor(sum(distances), dtype=torch.float64)


def test_feature_loss_accepts_right_answer():
    assert checks.check_feature_loss(right_feature_loss) is True


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda r, g: 2 * right_feature_loss(r, g), "no weight"),
        (lambda r, g: right_feature_loss([d[:-1] for d in r], [d[:-1] for d in g]), "final score map"),
        (lambda r, g: 2 * right_feature_loss([d[:-1] for d in r], [d[:-1] for d in g]), "leave λ_fm out"),
        (lambda r, g: sum(((a - b) ** 2).mean() for da, db in zip(r, g) for a, b in zip(da, db)), "L1"),
        (lambda r, g: right_feature_loss(r, g) / sum(len(d) for d in r), "average only within"),
    ],
)
def test_feature_loss_rejects_usual_mistakes(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_feature_loss(wrong)


# --------------------------------------------------------------------------------------------------
# The best discriminator loss
# --------------------------------------------------------------------------------------------------


def right_best_discriminator_loss(p_data, p_generated):
    # numerically: the best of a fine grid of scores at each outcome (no formula for D*)
    grid = np.linspace(-0.5, 1.5, 20001)[:, None]
    pd, pg = p_data.numpy()[None], p_generated.numpy()[None]
    per_outcome = (pd * (grid - 1) ** 2 + pg * grid**2).min(axis=0)
    return torch.tensor(per_outcome.sum(), dtype=torch.float64)


def closed_form(p_data, p_generated):
    total = p_data + p_generated
    reached = total > 0
    return (p_data[reached] * p_generated[reached] / total[reached]).sum()


def test_best_discriminator_loss_accepts_right_answers(capsys):
    assert checks.check_best_discriminator_loss(closed_form) is True
    assert "all 4 cases passed" in capsys.readouterr().out


def test_grid_search_agrees_with_the_check():
    # the check's reference agrees with a brute-force minimisation (within the grid's resolution)
    p_data = torch.tensor([0.1, 0.6, 0.3, 0.0], dtype=torch.float64)
    p_generated = torch.tensor([0.5, 0.2, 0.0, 0.3], dtype=torch.float64)
    assert abs(right_best_discriminator_loss(p_data, p_generated) - closed_form(p_data, p_generated)) < 1e-7


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda pd, pg: (pg**2 / (pd + pg).clamp_min(1e-300)).sum(), "criterion C"),
        (lambda pd, pg: ((pd + pg) / 4).sum(), "undecided"),
        (lambda pd, pg: closed_form(pd, pg) / 2, "half of it"),
        (lambda pd, pg: (pd * pg).sum(), "simplify"),
        (lambda pd, pg: (pd * pg / (pd + pg)).sum(), "NaN"),
    ],
)
def test_best_discriminator_loss_rejects_usual_mistakes(wrong, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_best_discriminator_loss(wrong)


def test_lsgan_optimal_score():
    # D* = (b p_data + a p_g) / (p_data + p_g) with a = -1, b = 1, p_data = 3 p_g: (3 - 1) / 4
    assert checks.check_lsgan_optimal_score((3 * 1 + 1 * -1) / 4) is True
    assert checks.check_lsgan_optimal_score(0.505) is True
    for wrong, hint in (
        (0.75, "HiFi-GAN's labels"),
        (-0.5, "swapped"),
        (0.0, "equally likely"),
        (2.0, "divide"),
        (0.3, "expected 0.5"),
    ):
        with pytest.raises(ExerciseCheckError, match=hint):
            checks.check_lsgan_optimal_score(wrong)


# --------------------------------------------------------------------------------------------------
# Predictions: an undecided discriminator, the mel term's share
# --------------------------------------------------------------------------------------------------

# HiFi-GAN: 5 period discriminators (2, 3, 5, 7, 11) and 3 scale discriminators; each contributes
# (1 - 1/2)^2 + (1/2)^2 = 1/2 when every score is 1/2.
UNDECIDED = (5 + 3) * (0.25 + 0.25)


@pytest.mark.parametrize("prediction", [UNDECIDED, int(UNDECIDED), torch.tensor(UNDECIDED), np.float64(UNDECIDED)])
def test_undecided_discriminator_loss_accepts_right_answer(prediction):
    assert checks.check_undecided_discriminator_loss(prediction) is True


@pytest.mark.parametrize(
    "prediction, hint",
    [
        (2.0, "half of it"),
        (0.5, "do not average"),
        (2.5, "MSD's 3 scale"),
        (1.5, "MPD's 5 period"),
        (1.0, "not the two discriminators"),
        (8.0, "square the distances"),
        (0.0, "half-way"),
        (3.0, "expected 4"),
    ],
)
def test_undecided_discriminator_loss_rejects_usual_mistakes(prediction, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_undecided_discriminator_loss(prediction)


def test_predictions_must_be_numbers():
    with pytest.raises(TypeError, match="must be a number"):
        checks.check_undecided_discriminator_loss("four")
    with pytest.raises(TypeError, match="single number"):
        checks.check_mel_share(torch.ones(2))


def chapter_terms_by_hand():
    from audiolosses import audio, hifigan

    speech, sample_rate = audio.load_example("speech")
    y = speech[:, 20480 : 20480 + 8192].unsqueeze(0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        y_fake = F.avg_pool1d(y, 5, stride=1, padding=2) + 0.02 * torch.randn_like(y)
        torch.manual_seed(0)
        discriminators = [hifigan.MultiPeriodDiscriminator(width=1 / 16), hifigan.MultiScaleDiscriminator(width=1 / 16)]
        with torch.no_grad():
            results = [d(y, y_fake) for d in discriminators]
    fakes = [g for result in results for g in result[1]]
    adversarial = sum(((1 - g.double()) ** 2).mean().item() for g in fakes)
    matching = sum(
        (r.double() - g.double()).abs().mean().item()
        for result in results
        for rk, gk in zip(result[2], result[3])
        for r, g in zip(rk, gk)
    )
    mel = hifigan.mel_loss(y_fake, y, sample_rate=sample_rate).item()
    return adversarial, matching, mel


def test_mel_share_accepts_right_answer():
    adversarial, matching, mel = chapter_terms_by_hand()
    share = 100 * 10 * mel / (adversarial + 2 * matching + 10 * mel)
    assert checks.check_mel_share(share) is True
    assert checks.check_mel_share(round(share)) is True  # a prediction rounded to a whole percent passes


@pytest.mark.parametrize(
    "mistake, hint",
    [
        (lambda a, f, m: 10 * m / (a + 2 * f + 10 * m), "not a fraction"),
        (lambda a, f, m: 100 * 45 * m / (a + 2 * f + 45 * m), "λ_mel = 45"),
        (lambda a, f, m: 100 * m / (a + f + m), "weight the terms"),
        (lambda a, f, m: 100 * a / (a + 2 * f + 10 * m), "adversarial term's share"),
        (lambda a, f, m: 50.0, "expected 68"),
    ],
)
def test_mel_share_rejects_usual_mistakes(mistake, hint):
    with pytest.raises(ExerciseCheckError, match=hint):
        checks.check_mel_share(mistake(*chapter_terms_by_hand()))


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
