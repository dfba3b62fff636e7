"""Chapter 5's self-checks accept right answers and reject usual mistakes with a helpful hint."""

import pytest
import torch

from audiolosses import component
from audiolosses.exercises import ExerciseCheckError
from audiolosses.exercises import component as component_exercises


def two_component(mask, target, residual, alpha):
    speech = ((mask * target - target) ** 2).sum()
    noise = ((mask * residual) ** 2).sum()
    return ((1 - alpha) * speech + alpha * noise) / mask.numel()


def test_correct_answers_pass(capsys):
    assert component_exercises.check_two_component_loss(two_component)
    assert component_exercises.check_two_component_loss(
        lambda m, s, r, a: component.component_loss(m, s, r, alpha=a, beta=None)
    )
    assert component_exercises.check_parametric_wiener_mask(
        lambda s, r, a: (1 - a) * s**2 / ((1 - a) * s**2 + a * r**2)
    )
    assert component_exercises.check_parametric_wiener_mask(lambda s, r, a: component.parametric_wiener_mask(s, r, a))
    assert component_exercises.check_noise_quality(
        lambda m, r, eps: component.loss_components(m, torch.ones_like(m), r, eps=eps)["noise_quality"]
    )

    def plus_eps(mask, residual, eps):
        def unit(x):
            return x / (x.flatten(1).norm(dim=1).reshape(-1, *[1] * (x.dim() - 1)) + eps)

        return (unit(mask * residual) - unit(residual)).pow(2).flatten(1).sum(1)

    assert component_exercises.check_noise_quality(plus_eps)
    out = capsys.readouterr().out
    assert "check_two_component_loss: all 4 cases passed" in out
    assert "check_noise_quality: all 3 cases passed" in out


def test_two_component_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="divide the weighted sum by n"):
        component_exercises.check_two_component_loss(lambda m, s, r, a: two_component(m, s, r, a) * m.numel())
    with pytest.raises(ExerciseCheckError, match="weights are swapped"):
        component_exercises.check_two_component_loss(lambda m, s, r, a: two_component(m, s, r, 1 - a))
    with pytest.raises(ExerciseCheckError, match="target's magnitude is part of it"):
        component_exercises.check_two_component_loss(
            lambda m, s, r, a: ((1 - a) * ((m - 1) ** 2).sum() + a * ((m * r) ** 2).sum()) / m.numel()
        )
    with pytest.raises(ExerciseCheckError, match="weighted by 1 - alpha"):
        component_exercises.check_two_component_loss(
            lambda m, s, r, a: (((m * s - s) ** 2).sum() + a * ((m * r) ** 2).sum()) / m.numel()
        )


def test_wiener_mistakes_are_named():
    with pytest.raises(ExerciseCheckError, match="weights are swapped"):
        component_exercises.check_parametric_wiener_mask(lambda s, r, a: a * s**2 / (a * s**2 + (1 - a) * r**2))
    with pytest.raises(ExerciseCheckError, match="square the magnitudes"):
        component_exercises.check_parametric_wiener_mask(lambda s, r, a: (1 - a) * s / ((1 - a) * s + a * r))
    with pytest.raises(ExerciseCheckError, match="ordinary Wiener gain"):
        component_exercises.check_parametric_wiener_mask(lambda s, r, a: s**2 / (s**2 + r**2))


def test_noise_quality_mistakes_are_named():
    def whole_batch(mask, residual, eps):
        filtered = mask * residual
        return (filtered / filtered.norm() - residual / residual.norm()).pow(2).flatten(1).sum(1)

    def no_eps(mask, residual, eps):
        def unit(x):
            return x / x.flatten(1).norm(dim=1).reshape(-1, *[1] * (x.dim() - 1))

        return (unit(mask * residual) - unit(residual)).pow(2).flatten(1).sum(1)

    with pytest.raises(ExerciseCheckError, match="its own norm"):
        component_exercises.check_noise_quality(whole_batch)
    with pytest.raises(ExerciseCheckError, match="add eps"):
        component_exercises.check_noise_quality(no_eps)
    with pytest.raises(ExerciseCheckError, match="unit norm before subtracting"):
        component_exercises.check_noise_quality(lambda m, r, eps: (m * r - r).pow(2).flatten(1).sum(1))
    with pytest.raises(ExerciseCheckError, match=r"expected shape \(3,\), got \(\)"):
        component_exercises.check_noise_quality(lambda m, r, eps: (m * r - r).pow(2).sum())


def test_noise_quality_of_ones_prediction(capsys):
    assert component_exercises.check_noise_quality_of_ones(0)
    assert component_exercises.check_noise_quality_of_ones(0.0)
    assert component_exercises.check_noise_quality_of_ones(torch.tensor(1e-9))
    assert "check_noise_quality_of_ones: the case passed" in capsys.readouterr().out
    # the prediction agrees with the package
    residual = torch.rand(2, 6, 5, dtype=torch.float64) + 0.1
    ones = torch.ones_like(residual)
    computed = component.loss_components(ones, residual, residual)["noise_quality"]
    assert component_exercises.check_noise_quality_of_ones(computed[0])
    with pytest.raises(ExerciseCheckError, match="all-zero mask's value"):
        component_exercises.check_noise_quality_of_ones(1.0)
    with pytest.raises(ExerciseCheckError, match="opposite vectors"):
        component_exercises.check_noise_quality_of_ones(2)
    with pytest.raises(ExerciseCheckError, match="cannot be negative"):
        component_exercises.check_noise_quality_of_ones(-0.5)
    with pytest.raises(ExerciseCheckError, match="expected a number, got str"):
        component_exercises.check_noise_quality_of_ones("0")


def test_equal_bin_gain_prediction(capsys):
    assert component_exercises.check_equal_bin_gain(0.75)
    assert component_exercises.check_equal_bin_gain(3 / 4)
    assert component_exercises.check_equal_bin_gain(0.745)
    assert "check_equal_bin_gain: the case passed" in capsys.readouterr().out
    # the prediction agrees with a free mask trained on L3 in a bin where S = R
    ones = torch.ones(1, 1, 1, dtype=torch.float64)
    trained, _ = component.train_free_mask(ones, ones, 0.1, 0.6, steps=400, lr=0.02)
    assert component_exercises.check_equal_bin_gain(float(trained))
    for wrong, hint in [
        (0.9, "ignores β"),
        (0.5, "ordinary Wiener gain"),
        (0.25, "α_eff itself"),
        (0.3, "divide the speech weight"),
    ]:
        with pytest.raises(ExerciseCheckError, match=hint):
            component_exercises.check_equal_bin_gain(wrong)
    with pytest.raises(ExerciseCheckError, match="expected a number, got bool"):
        component_exercises.check_equal_bin_gain(True)


def test_signal_approximation_mask(capsys):
    assert component_exercises.check_signal_approximation_mask(lambda s, x: s / x)
    assert "check_signal_approximation_mask: all 2 cases passed" in capsys.readouterr().out
    # the optimum it names is a stationary point of (M|X| - S)^2, and a minimum
    generator = torch.Generator().manual_seed(0)
    speech = torch.rand(3, 4, generator=generator, dtype=torch.float64) + 0.1
    mixture = torch.rand(3, 4, generator=generator, dtype=torch.float64) + 0.1
    gains = (speech / mixture).requires_grad_(True)
    (gains * mixture - speech).pow(2).sum().backward()
    assert float(gains.grad.abs().max()) < 1e-12
    for nudge in (-0.01, 0.01):
        assert float(((gains.detach() + nudge) * mixture - speech).pow(2).sum()) > 0
    for wrong, hint in [
        (lambda s, x: s**2 / x**2, "one power of"),
        (lambda s, x: (s / x).clamp(max=1.0), "do not clip"),
        (lambda s, x: x / s, "upside down"),
    ]:
        with pytest.raises(ExerciseCheckError, match=hint):
            component_exercises.check_signal_approximation_mask(wrong)
