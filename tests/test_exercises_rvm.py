"""Chapter 2's self-checks accept right answers and name the usual mistakes."""

import pytest
import torch

from audiolosses import rvm
from audiolosses.exercises import ExerciseCheckError
from audiolosses.exercises import rvm as rvm_exercises


def aggregate_bands(relative_db, num_bands):
    n_mels = relative_db.shape[-2]
    per_band = relative_db.transpose(-1, -2).reshape(-1, n_mels).mean(dim=0)
    size = -(-n_mels // num_bands)
    return torch.stack([per_band[start : start + size].mean() for start in range(0, n_mels, size)])


def predicted_gain_rvm(gains):
    return (20 * torch.log10((1 - gains).abs().clamp_min(1e-12))).clamp(-25, 25)


def test_correct_answers_pass(capsys):
    assert rvm_exercises.check_aggregate_bands(aggregate_bands)
    assert rvm_exercises.check_predicted_gain_rvm(predicted_gain_rvm)
    assert rvm_exercises.check_per_item_rvm(
        lambda est, ref: rvm.relative_volume_mel(est, ref, per_item=True, sample_rate=24000)["rvm"]
    )
    out = capsys.readouterr().out
    assert "check_aggregate_bands: all 4 cases passed" in out
    assert "check_per_item_rvm: all 2 cases passed" in out


def test_aggregation_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="tensor_split"):
        rvm_exercises.check_aggregate_bands(
            lambda x, k: (
                torch.stack([c.mean() for c in x.movedim(-2, 0).reshape(x.shape[-2], -1).mean(1).tensor_split(k)])
                if x.shape[-2] == 10
                else aggregate_bands(x, k)
            )
        )
    with pytest.raises(ExerciseCheckError, match="mel axis is the second to last"):
        rvm_exercises.check_aggregate_bands(
            lambda x, k: (
                torch.stack([c.mean() for c in x.reshape(-1, x.shape[-1]).mean(0).chunk(k)])
                if x.dim() == 4
                else aggregate_bands(x, k)
            )
        )
    with pytest.raises(ExerciseCheckError, match="first bin of each band"):
        rvm_exercises.check_aggregate_bands(lambda x, k: x.mean(-1).reshape(-1)[:: x.shape[-2] // k])


def test_gain_prediction_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="clamps every bin"):
        rvm_exercises.check_predicted_gain_rvm(lambda g: 20 * torch.log10((1 - g).abs().clamp_min(1e-12)))
    with pytest.raises(ExerciseCheckError, match="20·log10, not 10·log10"):
        rvm_exercises.check_predicted_gain_rvm(
            lambda g: (10 * torch.log10((1 - g).abs().clamp_min(1e-12))).clamp(-25, 25)
        )
    with pytest.raises(ExerciseCheckError, match=r"\|1 − g\|"):
        rvm_exercises.check_predicted_gain_rvm(lambda g: (20 * torch.log10(g.abs().clamp_min(1e-12))).clamp(-25, 25))


def test_per_item_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="batch-wide score"):
        rvm_exercises.check_per_item_rvm(
            lambda est, ref: rvm.relative_volume_mel(est, ref, sample_rate=24000)["rvm"].expand(est.shape[0])
        )

    def batch_gain_per_item_scores(est, ref):
        gain = ref.pow(2).mean().sqrt()
        return torch.stack(
            [
                rvm.relative_volume_mel(e[None] / gain, r[None] / gain, max_initial_gain=0.0, sample_rate=24000)["rvm"]
                for e, r in zip(est, ref)
            ]
        )

    with pytest.raises(ExerciseCheckError, match="own RMS"):
        rvm_exercises.check_per_item_rvm(batch_gain_per_item_scores)


def independent_noise_snr(level_db):
    return -10 * torch.log10(1 + 10 ** (level_db / 10))


def test_new_checks_accept_right_answers(capsys):
    assert rvm_exercises.check_longer_window_prediction("lower")
    assert rvm_exercises.check_longer_window_prediction("  Lower ")  # case and spaces do not matter
    assert rvm_exercises.check_independent_noise_snr(independent_noise_snr)
    out = capsys.readouterr().out
    assert "check_longer_window_prediction: the case passed" in out
    assert "check_independent_noise_snr: the case passed" in out


def test_longer_window_answer_is_measured():
    # The accepted option comes from the metric: a longer window lowers the score by several dB.
    changes = [
        rvm_exercises.independent_noise_rvm(2048, s) - rvm_exercises.independent_noise_rvm(512, s) for s in range(3)
    ]
    assert all(change < -3.0 for change in changes)
    assert -11.5 < rvm_exercises.independent_noise_rvm(512) < -10.0


def test_longer_window_wrong_predictions_are_explained():
    with pytest.raises(ExerciseCheckError, match="does not measure the spectrum"):
        rvm_exercises.check_longer_window_prediction("about the same")
    with pytest.raises(ExerciseCheckError, match="does not add error"):
        rvm_exercises.check_longer_window_prediction("higher")
    with pytest.raises(ExerciseCheckError, match="must be one of"):
        rvm_exercises.check_longer_window_prediction("smaller")
    with pytest.raises(ExerciseCheckError, match="must be one of"):
        rvm_exercises.check_longer_window_prediction(-15.0)


def test_independent_noise_snr_matches_the_formula():
    for level in (-20.0, -6.0, 0.0, 6.0):
        formula = independent_noise_snr(torch.tensor(level, dtype=torch.float64)).item()
        assert abs(rvm_exercises.measured_independent_noise_snr(level) - formula) < 0.05


def test_independent_noise_snr_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="the reference is in it too"):
        rvm_exercises.check_independent_noise_snr(lambda level: -level)
    with pytest.raises(ExerciseCheckError, match="add in power, not in amplitude"):
        rvm_exercises.check_independent_noise_snr(lambda level: -20 * torch.log10(1 + 10 ** (level / 20)))
    with pytest.raises(ExerciseCheckError, match="check the sign"):
        rvm_exercises.check_independent_noise_snr(lambda level: 10 * torch.log10(1 + 10 ** (level / 10)))
    with pytest.raises(ExerciseCheckError, match="right only for equal levels"):
        rvm_exercises.check_independent_noise_snr(lambda level: torch.full_like(level, -3.0103))
