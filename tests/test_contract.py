"""The loss contract (CONTRIBUTING.md), checked on every reusable loss.

Prediction first, settings keyword-only, ``reduction`` with one per-item meaning of ``"none"``, ``sample_rate``
required where a scale depends on it, ``Shape:`` and ``Example::`` in every loss docstring, value checks that can
be switched off, and float32 inside under ``torch.autocast``.
"""

from __future__ import annotations

import doctest
import inspect

import pytest
import torch

import audiolosses
from audiolosses import component, hifigan, kl, perceptual, rvm, sdr, stft_loss

from _loss_cases import CASES, build, make_inputs

FUNCTIONS = [
    rvm.relative_volume_mel,
    rvm.relative_volume_mel_loss,
    rvm.relative_db_map,
    hifigan.mel_loss,
    hifigan.mel_spectrogram,
    perceptual.perceptual_loss,
    component.component_loss,
    kl.kl_div_loss,
    kl.kl_div_loss_logvar,
    sdr.si_sdr_loss,
    sdr.sd_sdr_loss,
    sdr.si_sdr,
    sdr.sd_sdr,
    sdr.snr,
    hifigan.generator_objective,
    stft_loss.multi_resolution_stft_loss,
    stft_loss.stft_loss,
]
MODULES = [
    rvm.RelativeVolumeMel,
    rvm.RelativeVolumeMelLoss,
    hifigan.MelLoss,
    hifigan.GeneratorObjective,
    perceptual.PerceptualLoss,
    component.ComponentLoss,
    kl.GaussianKLDivLoss,
    sdr.SISDRLoss,
    sdr.SDSDRLoss,
    stft_loss.MultiResolutionSTFTLoss,
    stft_loss.STFTLoss,
]
RATE_DEPENDENT = [
    rvm.relative_volume_mel,
    rvm.relative_volume_mel_loss,
    rvm.relative_db_map,
    hifigan.mel_loss,
    hifigan.mel_spectrogram,
    perceptual.perceptual_loss,
    hifigan.generator_objective,
    rvm.RelativeVolumeMel,
    rvm.RelativeVolumeMelLoss,
    hifigan.MelLoss,
    hifigan.GeneratorObjective,
    perceptual.PerceptualLoss,
]


def _positional(function):
    return [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"
    ]


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__qualname__)
def test_functions_take_the_prediction_first_and_settings_by_keyword(function):
    positional = _positional(function)
    expected = {
        "kl_div_loss": ["mu", "sigma"],
        "kl_div_loss_logvar": ["mu", "logvar"],
        "component_loss": ["mask", "target", "residual"],
        "generator_objective": ["input", "target", "discriminator_results"],
        "mel_spectrogram": ["waveform"],
    }.get(function.__name__, ["input", "target"])
    assert positional == expected


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_modules_take_settings_by_keyword_and_forward_the_prediction_first(module):
    assert _positional(module.__init__) == []
    forward = _positional(module.forward)
    assert forward[0] in ("input", "mask", "mu")


@pytest.mark.parametrize("loss", RATE_DEPENDENT, ids=lambda f: f.__qualname__)
def test_sample_rate_is_required_where_a_scale_depends_on_it(loss):
    parameter = inspect.signature(loss).parameters["sample_rate"]
    assert parameter.kind is parameter.KEYWORD_ONLY and parameter.default is inspect.Parameter.empty


def test_stft_loss_needs_sample_rate_exactly_where_a_scale_depends_on_it():
    with pytest.raises(ValueError, match="needs sample_rate"):
        stft_loss.MultiResolutionSTFTLoss(scale="mel", n_bins=40)
    with pytest.raises(ValueError, match="needs sample_rate"):
        stft_loss.MultiResolutionSTFTLoss(perceptual_weighting=True)
    assert stft_loss.MultiResolutionSTFTLoss(scale="mel", n_bins=40, sample_rate=16000)


def test_named_constructors_build_the_upstream_configurations():
    assert rvm.RelativeVolumeMel.audiocraft().settings["sample_rate"] == 24000
    assert rvm.RelativeVolumeMelLoss.audiocraft(reduction="none").settings["reduction"] == "none"
    mel = hifigan.MelLoss.hifigan_v1()
    assert mel.settings == {**hifigan.HIFIGAN_V1_LOSS_MEL, "center": False}
    assert perceptual.PerceptualLoss.original().sample_rate == 11025
    assert hifigan.GeneratorObjective.hifigan_v1().sample_rate == 22050


def test_upstream_signature_namespace_computes_the_same_mel():
    y = torch.randn(2, 4096, dtype=torch.float64)
    ours = hifigan.mel_spectrogram(y, sample_rate=22050, f_max=8000.0)
    theirs = hifigan.upstream.mel_spectrogram(y, 1024, 80, 22050, 256, 1024, 0, 8000.0)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
    assert hifigan.upstream.mel_l1(ours, ours).item() == 0.0


@pytest.mark.parametrize("case", [c for c in CASES if c.reduces], ids=lambda c: c.name)
def test_reduction_none_is_one_value_per_item_and_mean_and_sum_reduce_it(case):
    batch = 3
    predictions, fixed = make_inputs(case, batch)
    loss = build(case)
    values = {}
    for reduction in ("none", "mean", "sum"):
        loss.reduction = reduction
        if isinstance(getattr(loss, "settings", None), dict) and "reduction" in loss.settings:
            loss.settings["reduction"] = reduction
        values[reduction] = case.call(loss, predictions, fixed).detach()
    assert values["none"].shape == (batch,)
    torch.testing.assert_close(values["mean"], values["none"].mean())
    torch.testing.assert_close(values["sum"], values["none"].sum())
    one = tuple(p[1:2] for p in predictions), tuple(f[1:2] for f in fixed)
    loss.reduction = "none"
    if isinstance(getattr(loss, "settings", None), dict) and "reduction" in loss.settings:
        loss.settings["reduction"] = "none"
    torch.testing.assert_close(case.call(loss, *one).detach(), values["none"][1:2])  # per item: alone = in batch


LOSS_OBJECTS = sorted(
    {*FUNCTIONS, *MODULES, hifigan.discriminator_loss, hifigan.generator_loss, hifigan.feature_loss},
    key=lambda f: f.__qualname__,
)


@pytest.mark.parametrize("loss", LOSS_OBJECTS, ids=lambda f: f.__qualname__)
def test_every_loss_docstring_has_shape_and_an_example_or_points_to_one(loss):
    doc = inspect.getdoc(loss) or ""
    assert "Shape:" in doc or "Returns:" in doc, f"{loss.__qualname__}: no Shape: section"
    if loss in FUNCTIONS + MODULES:
        assert "Shape:" in doc and "Example::" in doc, f"{loss.__qualname__}: needs Shape: and Example::"


@pytest.mark.parametrize(
    "module",
    [
        rvm,
        hifigan.mel,
        hifigan.losses,
        hifigan.upstream,
        perceptual,
        component,
        kl,
        sdr,
        stft_loss,
        audiolosses._validation,
    ],
    ids=lambda m: m.__name__,
)
def test_docstring_examples_run(module):
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs = {"torch": torch, **vars(module)}
    tests = [t for t in finder.find(module, module.__name__, globs=globs) if t.examples]
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


# --------------------------------------------------------------------------------------------------
# Validation that does not cost training
# --------------------------------------------------------------------------------------------------


def test_value_checks_switch_off_globally_and_in_a_block():
    bad = torch.full((2, 1, 800), float("nan"))
    good = torch.randn(2, 1, 800)
    assert audiolosses.get_validate_values()
    with pytest.raises(ValueError, match="input contains NaN"):
        sdr.si_sdr_loss(bad, good)
    with audiolosses.validate_values(False):
        assert not audiolosses.get_validate_values()
        assert torch.isnan(sdr.si_sdr_loss(bad, good))  # no check, no synchronisation: NaN in, NaN out
        with pytest.raises(ValueError, match="same shape"):  # structural checks stay on
            sdr.si_sdr_loss(bad, good[..., :-1])
        with pytest.raises(TypeError, match="floating-point"):
            sdr.si_sdr_loss(bad.long(), good.long())
    assert audiolosses.get_validate_values()
    audiolosses.set_validate_values(False)
    try:
        mask = torch.full((1, 4, 4), 2.0)  # outside [0, 1]: a range check, also off
        assert torch.isfinite(component.component_loss(mask, torch.rand(1, 4, 4), torch.rand(1, 4, 4)))
        assert torch.isnan(kl.kl_div_loss(torch.zeros(1, 2), -torch.ones(1, 2)))
    finally:
        audiolosses.set_validate_values(True)
    with pytest.raises(TypeError, match="bool"):
        audiolosses.set_validate_values(0)


def test_value_checks_on_read_no_data_when_off(monkeypatch):
    """With checks off, no check reads tensor data (which would synchronise a GPU): isfinite is never called."""
    calls = []
    original = torch.isfinite
    monkeypatch.setattr(torch, "isfinite", lambda x: calls.append(1) or original(x))
    x, y = torch.randn(2, 1, 4000), torch.randn(2, 1, 4000)
    with audiolosses.validate_values(False):
        for case in CASES:
            predictions, fixed = make_inputs(case, 2, dtype=torch.float32)
            case.call(build(case, torch.float32), predictions, fixed)
    assert calls == []
    sdr.si_sdr_loss(x, y)
    assert calls  # on by default


# --------------------------------------------------------------------------------------------------
# torch.autocast
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hifigan_mel", "perceptual", "rvm_loss", "rvm_metric", "mrstft"])
def test_spectral_losses_compute_in_float32_under_autocast(name):
    case = next(c for c in CASES if c.name == name)
    predictions, fixed = make_inputs(case, 2, dtype=torch.float32)
    loss = build(case, torch.float32)
    plain = case.call(loss, predictions, fixed)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        autocast = case.call(loss, predictions, fixed)
    assert autocast.dtype == torch.float32
    torch.testing.assert_close(autocast, plain)
    half = tuple(p.detach().bfloat16() for p in predictions), tuple(f.bfloat16() for f in fixed)
    assert case.call(loss, *half).dtype == torch.float32  # bfloat16 inputs are computed in float32
