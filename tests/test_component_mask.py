"""Chapter 5's tiny mask network: features, the network, the training loop and the excess over M*."""

import pytest
import torch

from audiolosses import component
from audiolosses.experiments import mask as mask_experiment


def magnitudes(freq=9, frames=40, seed=0):
    generator = torch.Generator().manual_seed(seed)
    speech = torch.rand(1, freq, frames, generator=generator, dtype=torch.float64)
    speech = speech * (torch.rand(1, 1, frames, generator=generator, dtype=torch.float64) > 0.4)
    noise = 0.5 * torch.rand(1, freq, frames, generator=generator, dtype=torch.float64)
    return speech, noise, speech + noise


def test_features_are_standardised_and_level_free():
    _, _, mixture = magnitudes()
    features = mask_experiment.log_magnitude_features(mixture)
    assert features.shape == mixture.shape
    assert abs(features.mean().item()) < 1e-12
    assert abs(features.std().item() - 1) < 1e-12
    direct = torch.log(mixture + 1e-5)
    direct = (direct - direct.mean()) / direct.std()
    torch.testing.assert_close(features, direct)
    louder = mask_experiment.log_magnitude_features(mixture * 100, floor=1e-3)
    quieter = mask_experiment.log_magnitude_features(mixture, floor=1e-5)
    torch.testing.assert_close(louder, quieter)


def test_features_reject_bad_input():
    with pytest.raises(ValueError, match="mixture"):
        mask_experiment.log_magnitude_features(torch.rand(9, 40))
    with pytest.raises(ValueError, match="negative"):
        mask_experiment.log_magnitude_features(-torch.rand(1, 9, 40))
    with pytest.raises(ValueError, match="floor"):
        mask_experiment.log_magnitude_features(torch.rand(1, 9, 40), floor=0.0)


def test_mask_net_shape_range_and_seed():
    state = torch.random.get_rng_state()
    net = mask_experiment.MaskNet(9, hidden=5, seed=3)
    assert torch.equal(state, torch.random.get_rng_state())  # global random state untouched
    same = mask_experiment.MaskNet(9, hidden=5, seed=3)
    other = mask_experiment.MaskNet(9, hidden=5, seed=4)
    features = torch.randn(2, 9, 7)
    with torch.no_grad():
        out = net(features)
    assert out.shape == (2, 9, 7)
    assert bool(((out > 0) & (out < 1)).all())
    torch.testing.assert_close(out, same(features).detach())
    assert not torch.allclose(out, other(features).detach())
    # frame-wise: frame t of the output depends on frame t of the input only
    changed = features.clone()
    changed[:, :, 3] += 1.0
    with torch.no_grad():
        diff = (net(changed) - out).abs().sum(dim=(0, 1))
    assert diff[3] > 0 and float(diff[torch.arange(7) != 3].max()) == 0.0
    with pytest.raises(ValueError, match="9 frequency bins"):
        net(torch.randn(1, 8, 7))


def test_excess_is_the_weighted_distance_to_the_optimum():
    speech, noise, _ = magnitudes(seed=1)
    mask = torch.rand(speech.shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    for alpha in (0.1, 0.5, 0.9):
        parts = mask_experiment.excess_over_optimum(mask, speech, noise, alpha=alpha)
        per_bin = (1 - alpha) * (mask * speech - speech) ** 2 + alpha * (mask * noise) ** 2
        torch.testing.assert_close(parts["loss"], per_bin.mean())
        optimum = (1 - alpha) * speech**2 / ((1 - alpha) * speech**2 + alpha * noise**2 + 1e-12)
        torch.testing.assert_close(parts["optimum"], optimum)
        torch.testing.assert_close(parts["loss"] - parts["floor"], parts["weighted_distance"])
        at_optimum = mask_experiment.excess_over_optimum(optimum, speech, noise, alpha=alpha)
        assert at_optimum["weighted_distance"].item() < 1e-12


def test_training_pulls_the_network_towards_the_free_optimum():
    speech, noise, mixture = magnitudes(seed=5)
    result = mask_experiment.train_mask_network(mixture, speech, noise, alpha=0.3, hidden=16, steps=150, lr=1e-2)
    assert result.mask.shape == mixture.shape and result.mask.dtype == torch.float64
    assert len(result.losses) == 150 and result.losses[-1] < result.losses[0]
    start = mask_experiment.MaskNet(9, hidden=16).double()
    features = mask_experiment.log_magnitude_features(mixture)
    before = mask_experiment.excess_over_optimum(start(features).detach(), speech, noise, alpha=0.3)
    after = mask_experiment.excess_over_optimum(result.mask, speech, noise, alpha=0.3)
    assert after["weighted_distance"] < 0.2 * before["weighted_distance"]
    again = mask_experiment.train_mask_network(mixture, speech, noise, alpha=0.3, hidden=16, steps=150, lr=1e-2)
    torch.testing.assert_close(again.mask, result.mask)  # reproducible


def test_three_components_train_like_two_with_the_effective_alpha():
    speech, noise, mixture = magnitudes(freq=17, frames=60, seed=6)
    settings = {"hidden": 16, "steps": 150, "lr": 1e-2}
    three = mask_experiment.train_mask_network(mixture, speech, noise, alpha=0.1, beta=0.8, **settings)
    two_eff = mask_experiment.train_mask_network(mixture, speech, noise, alpha=0.5, **settings)
    two_same = mask_experiment.train_mask_network(mixture, speech, noise, alpha=0.1, **settings)
    energy = speech**2 + noise**2

    def distance(a, b):
        return ((energy * (a - b) ** 2).sum() / energy.sum()).sqrt().item()

    # on so few bins the noise-quality term still counts a little: "closer", not "equal"
    assert distance(three.mask, two_eff.mask) < 0.5 * distance(three.mask, two_same.mask)
    assert two_same.mask.mean() > two_eff.mask.mean()  # alpha 0.1 keeps more


def test_training_validates():
    speech, noise, mixture = magnitudes()
    with pytest.raises(ValueError, match="alpha"):
        mask_experiment.train_mask_network(mixture, speech, noise, alpha=0.7, beta=0.6)
    with pytest.raises(ValueError, match="target"):
        mask_experiment.train_mask_network(mixture, speech[:, :5], noise, alpha=0.5)
    with pytest.raises(ValueError, match="steps"):
        mask_experiment.train_mask_network(mixture, speech, noise, alpha=0.5, steps=0)
    with pytest.raises(TypeError):
        mask_experiment.train_mask_network(mixture, speech, noise, 0.5)
    assert component.component_weights(0.5, None) == (0.5, 0.5, 0.0)
