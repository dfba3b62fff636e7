"""The loss atlas: each distortion measured against what it claims (with numpy/scipy, not the package),
the loss wrapper against each loss called directly, the atlas command on a tiny grid, bad inputs."""

import json
import math

import numpy as np
import pytest
import scipy.signal
import scipy.stats
import torch

from audiolosses import atlas, audio, explorers, hifigan, perceptual, rvm

SR = atlas.SAMPLE_RATE


@pytest.fixture(scope="module")
def speech():
    clip, _ = audio.load_example("speech")
    return clip[:, :SR]  # [1, 22050]: one second


def tones(frequencies, length=SR, dtype=torch.float64):
    t = torch.arange(length, dtype=dtype) / SR
    return torch.stack([torch.sin(2 * math.pi * f * t) for f in frequencies]).sum(0)[None]


def level_at(x, frequency):
    """Amplitude of the DFT bin of a tone (integer Hz over 1 s: exactly on a bin), via numpy."""
    spectrum = np.fft.rfft(x.reshape(-1).numpy())
    return np.abs(spectrum[int(frequency)]) * 2 / x.shape[-1]


def test_gain_scales_by_db(speech):
    y = atlas.apply_gain(speech, -6.0)
    measured = 20 * np.log10(np.sqrt(np.mean(y.numpy() ** 2)) / np.sqrt(np.mean(speech.numpy() ** 2)))
    assert measured == pytest.approx(-6.0, abs=1e-4)


@pytest.mark.parametrize("samples", [1, 16, 256])
def test_delay_measured_by_cross_correlation(speech, samples):
    y = atlas.delay(speech, samples)
    x, d = speech[0].numpy().astype(np.float64), y[0].numpy().astype(np.float64)
    correlation = scipy.signal.correlate(d, x, mode="full")
    lags = scipy.signal.correlation_lags(len(d), len(x), mode="full")
    assert lags[np.argmax(correlation)] == samples
    assert y.shape == speech.shape and bool((y[:, :samples] == 0).all())


def test_polarity_flip(speech):
    assert torch.equal(atlas.flip_polarity(speech), -speech)
    assert torch.equal(atlas.flip_polarity(speech, False), speech)


def test_phase_randomisation_keeps_the_magnitude_and_changes_the_waveform(speech):
    x = speech.double()
    assert torch.allclose(atlas.randomize_phase(x, 0.0), x, atol=1e-9)
    y = atlas.randomize_phase(x, 1.0, seed=3)
    assert np.mean(y.numpy() ** 2) == pytest.approx(np.mean(x.numpy() ** 2), rel=1e-9)  # same RMS
    # long-term spectrum (scipy's Welch estimate) in third-octave bands kept within a few dB
    f, p_x = scipy.signal.welch(x[0].numpy(), SR, nperseg=1024)
    _, p_y = scipy.signal.welch(y[0].numpy(), SR, nperseg=1024)
    edges = 100 * 2 ** np.arange(0, 7, 1 / 3)
    bands = [(f >= lo) & (f < hi) for lo, hi in zip(edges[:-1], edges[1:])]
    difference_db = np.array([10 * np.log10(p_y[b].sum() / p_x[b].sum()) for b in bands])
    assert np.median(np.abs(difference_db)) < 1.5 and np.abs(difference_db).max() < 8.0
    # ... while the waveform is a different one: correlation with the original near 0
    assert abs(np.corrcoef(x[0].numpy(), y[0].numpy())[0, 1]) < 0.2
    assert torch.equal(atlas.randomize_phase(x, 0.5, seed=1), atlas.randomize_phase(x, 0.5, seed=1))


@pytest.mark.parametrize("name", ["white_noise", "pink_noise"])
@pytest.mark.parametrize("snr", [30.0, 0.0])
def test_noise_at_the_stated_snr(speech, name, snr):
    y = atlas.distort(speech, name, snr)
    x = speech.double().numpy()
    noise = y.double().numpy() - x
    measured = 10 * np.log10(np.sum(x**2) / np.sum(noise**2))
    assert measured == pytest.approx(snr, abs=1e-3)


def test_pink_noise_is_pink_and_white_is_white(speech):
    silence_free = torch.ones_like(speech)  # a DC "signal": the noise is everything above 0 Hz
    for name, slope in (("white_noise", 0.0), ("pink_noise", -1.0)):
        noise = (atlas.distort(silence_free, name, 0.0) - silence_free)[0].double().numpy()
        f, p = scipy.signal.welch(noise, SR, nperseg=2048)
        band = (f > 100) & (f < 8000)
        fitted = np.polyfit(np.log10(f[band]), np.log10(p[band]), 1)[0]
        assert fitted == pytest.approx(slope, abs=0.15)


def test_low_and_high_pass_attenuation():
    x = tones([300, 3000])
    low, high = atlas.low_pass(x, 1000.0, SR), atlas.high_pass(x, 1000.0, SR)
    assert level_at(low, 300) == pytest.approx(1.0, abs=1e-6)
    assert 20 * np.log10(level_at(low, 3000) + 1e-300) < -100
    assert level_at(high, 3000) == pytest.approx(1.0, abs=1e-6)
    assert 20 * np.log10(level_at(high, 300) + 1e-300) < -100


def test_clipping_threshold(speech):
    y = atlas.hard_clip(speech, -6.0)
    peak = speech.abs().max()
    threshold = peak * 10 ** (-6 / 20)
    assert float(y.abs().max()) == pytest.approx(float(threshold), rel=1e-6)
    below = speech.abs() < threshold
    assert torch.equal(y[below], speech[below])
    assert torch.allclose(y[~below].abs(), threshold.expand_as(y[~below]))


@pytest.mark.parametrize("bits", [4, 8])
def test_quantisation_bits(speech, bits):
    y = atlas.quantize(speech.double(), bits)
    codes = y.numpy() * 2 ** (bits - 1)
    assert np.allclose(codes, np.round(codes))  # on the grid of 2^bits levels
    assert len(np.unique(codes)) <= 2**bits
    assert np.abs(y.numpy() - speech.double().numpy()).max() <= 2.0 ** (-bits) + 1e-12  # half a step


def test_dropout_silences_the_loudest_stretch(speech):
    y = atlas.dropout(speech, 20.0, SR)
    changed = (y != speech)[0].numpy()
    length = round(0.020 * SR)
    start = np.flatnonzero(changed)[0]
    assert bool((y[0, start : start + length] == 0).all())
    assert changed.sum() <= length and bool((y[0, :start] == speech[0, :start]).all())
    energy = np.convolve(speech[0].double().numpy() ** 2, np.ones(length), mode="valid")
    assert abs(int(np.argmax(energy)) - start) <= 1


def test_registry_grids_run_from_mild_to_severe(speech):
    for name, spec in atlas.DISTORTIONS.items():
        assert spec.worse in ("higher", "lower") and spec.family in atlas.FAMILIES
        grid = list(spec.grid)
        assert grid == sorted(grid, reverse=spec.worse == "lower"), name
    # measured: the waveform error grows along the low-pass grid
    errors = [
        float((atlas.distort(speech, "low_pass", s) - speech).pow(2).mean()) for s in atlas.DISTORTIONS["low_pass"].grid
    ]
    assert errors == sorted(errors)


@pytest.fixture(scope="module")
def suite():
    return atlas.LossSuite()


def test_wrapper_equals_each_loss_called_directly(speech, suite):
    import auraloss
    import auraloss.time

    reference = speech
    distorted = atlas.distort(speech, "white_noise", 10.0)
    values = suite(distorted, reference)
    ref, est = reference[None], distorted[None]
    direct = {"mse": torch.mean((est - ref) ** 2), "l1": torch.mean((est - ref).abs())}
    scores = rvm.relative_volume_mel(est, ref, sample_rate=SR)
    direct.update({key: scores[key] for key in ("rvm", "rvm_0", "rvm_1", "rvm_2", "rvm_3")})
    direct["hifigan_mel"] = hifigan.mel_loss(est, ref, sample_rate=22050)
    low_ref, low_est = audio.resample(ref, SR, 11025), audio.resample(est, SR, 11025)
    for distance in ("cosine", "mse"):
        loss = perceptual.PerceptualLoss(sample_rate=11025, n_bands=128, n_taps=512, stride=4, distance=distance)
        direct[f"perceptual_{distance}"] = loss(low_est, low_ref)
    direct["mrstft"] = auraloss.freq.MultiResolutionSTFTLoss()(est, ref)  # the package's own, compared with auraloss
    direct["si_sdr"] = auraloss.time.SISDRLoss()(est, ref)
    assert set(values) == set(atlas.LOSSES) == set(direct)
    for key, value in direct.items():
        assert values[key] == pytest.approx(float(value), rel=1e-5, abs=1e-7), key
    assert atlas.evaluate_losses(reference, distorted) == values


def test_wrapper_losses_are_differentiable(speech):
    suite64 = atlas.LossSuite(dtype=torch.float64)
    reference = speech[None, :, :4096].double()
    estimate = atlas.add_white_noise(reference, 10.0).requires_grad_(True)
    for name in ("mse", "hifigan_mel", "perceptual_cosine", "mrstft", "si_sdr"):
        estimate.grad = None
        suite64.loss(name)(estimate, reference).backward()
        assert bool(torch.isfinite(estimate.grad).all()) and float(estimate.grad.abs().sum()) > 0, name


def test_judges_match_pesq_and_stoi_called_directly(speech):
    from pesq import pesq
    from pystoi import stoi

    distorted = atlas.distort(speech, "white_noise", 10.0)
    ref = scipy.signal.resample_poly(speech[0].double().numpy(), 320, 441)
    deg = scipy.signal.resample_poly(distorted[0].double().numpy(), 320, 441)
    scores = atlas.judge(speech, distorted)
    # a different (scipy) resampler: the same judgement to within a small tolerance
    assert scores["pesq"] == pytest.approx(pesq(16000, ref, deg, "wb"), abs=0.05)
    assert scores["stoi"] == pytest.approx(stoi(ref, deg, 16000), abs=0.01)
    assert atlas.judge(speech, speech)["stoi"] == pytest.approx(1.0, abs=1e-6)


def test_component_curve_against_the_wiener_formula(speech):
    curve = atlas.component_curve(speech, [10.0], alpha=0.5)
    noise = audio.colored_noise(speech.shape[-1], 0.0, seed=0)[None]
    noise = noise * torch.sqrt(speech.pow(2).sum() / noise.pow(2).sum() / 10.0)
    window = torch.hann_window(1024, dtype=speech.dtype)
    s = torch.stft(speech, 1024, 256, window=window, return_complex=True).abs()
    n = torch.stft(noise, 1024, 256, window=window, return_complex=True).abs()
    mask = s**2 / (s**2 + n**2 + 1e-12)
    expected = (0.5 * ((mask * s - s) ** 2).sum() + 0.5 * ((mask * n) ** 2).sum()) / mask.numel()
    assert curve["ideal_mask"][0] == pytest.approx(float(expected), rel=1e-4)
    assert curve["no_mask"][0] == pytest.approx(float(0.5 * (n**2).sum() / n.numel()), rel=1e-4)


def test_atlas_command_on_a_tiny_grid(tmp_path):
    code = atlas.main(
        [
            "--out",
            str(tmp_path),
            "--sounds",
            "speech",
            "--distortions",
            "gain,low_pass",
            "--max-severities",
            "2",
            "--seconds",
            "0.5",
        ]
    )
    assert code == 0
    results = atlas.load_results(tmp_path)
    assert results == json.loads((tmp_path / "atlas.json").read_text())
    assert results["distortions"]["gain"]["grid"] == [-0.5, -1.0]
    values = results["values"]["speech"]
    reference = audio.load_example("speech")[0][:, : round(0.5 * SR)]
    distorted = atlas.low_pass(reference, 4000.0, SR)
    assert values["low_pass"]["mse"][1] == pytest.approx(float((distorted - reference).pow(2).mean()), rel=1e-5)
    assert values["gain"]["mse"][0] == pytest.approx(
        float(((10 ** (-0.5 / 20) - 1) * reference).pow(2).mean()), rel=1e-5
    )
    assert len(results["judges"]["values"]["gain"]["pesq"]) == 2
    assert "command: `python -m audiolosses.atlas --out" in (tmp_path / "README.md").read_text()
    correlations = atlas.judge_correlations(results)
    pooled = [-v for n in ("gain", "low_pass") for v in values[n]["mse"]]
    judged = [v for n in ("gain", "low_pass") for v in results["judges"]["values"][n]["stoi"]]
    expected = scipy.stats.spearmanr(pooled, judged).statistic
    assert correlations["stoi"]["mse"]["all"] == pytest.approx(expected)
    assert correlations["stoi"]["mse"]["level"] is None  # two points: undefined, not NaN


def test_spearman_against_scipy_with_ties_and_batches():
    generator = torch.Generator().manual_seed(5)
    x = torch.randint(0, 6, (4, 30), generator=generator).double()  # many ties
    y = x + torch.randint(0, 4, (4, 30), generator=generator).double()
    rho = atlas.spearman(x, y)
    assert rho.shape == (4,) and rho.dtype == torch.float64
    for row in range(4):
        assert float(rho[row]) == pytest.approx(scipy.stats.spearmanr(x[row], y[row]).statistic, abs=1e-12)
    assert bool(atlas.spearman(torch.ones(5), torch.arange(5.0)).isnan())  # nothing to rank
    with pytest.raises(ValueError, match="same shape"):
        atlas.spearman(torch.ones(5), torch.ones(4))


def _resampled_by_hand(results, key, loss, resample, n_resamples, seed, n_items=None):
    """The bootstrap written directly: draw indices, gather the values, scipy's spearmanr per resample."""
    sound = results["judges"]["sound"]
    names = list(results["distortions"])
    xs = [-v for n in names for v in results["values"][sound][n][loss]]
    ys = [v for n in names for v in results["judges"]["values"][n][key]]
    owner = [i for i, n in enumerate(names) for _ in results["distortions"][n]["grid"]]
    generator = torch.Generator().manual_seed(seed)
    if resample == "versions":
        rows = torch.randint(len(xs), (n_resamples, n_items or len(xs)), generator=generator).tolist()
    else:
        drawn = torch.randint(len(names), (n_resamples, len(names)), generator=generator).tolist()
        rows = [[i for d in row for i in range(len(xs)) if owner[i] == d] for row in drawn]
    rhos = []
    for row in rows:
        a, b = np.array(xs)[row], np.array(ys)[row]
        if len(set(a)) > 1 and len(set(b)) > 1:
            rhos.append(scipy.stats.spearmanr(a, b).statistic)
    return np.quantile(rhos, [0.025, 0.975])


@pytest.mark.parametrize("resample, n_items", [("versions", None), ("versions", 20), ("distortions", None)])
def test_bootstrap_intervals_match_a_direct_resampling(resample, n_items):
    results = atlas.load_results()
    intervals = atlas.bootstrap_correlations(results, resample=resample, n_items=n_items, n_resamples=200, seed=3)
    correlations = atlas.judge_correlations(results)
    for key, loss in (("pesq", "mrstft"), ("stoi", "si_sdr"), ("stoi", "mse")):
        expected = _resampled_by_hand(results, key, loss, resample, 200, 3, n_items)
        assert intervals[key][loss]["all"] == pytest.approx(tuple(expected), abs=1e-9)
        low, high = intervals[key][loss]["all"]
        assert low <= correlations[key][loss]["all"] <= high
    assert intervals["pesq"]["mse"]["level"] is None  # constant judges: no correlation, no interval
    if resample == "distortions":
        assert intervals["pesq"]["mse"]["filter"] is None  # two distortions: too few to resample


def test_bootstrap_is_seeded_and_narrows_with_more_items():
    results = atlas.load_results()
    first = atlas.bootstrap_correlations(results, n_resamples=300)
    assert first == atlas.bootstrap_correlations(results, n_resamples=300)
    assert first != atlas.bootstrap_correlations(results, n_resamples=300, seed=1)
    fewer = atlas.bootstrap_correlations(results, n_resamples=300, n_items=12)
    width = lambda interval: interval[1] - interval[0]
    assert width(fewer["pesq"]["hifigan_mel"]["all"]) > 1.5 * width(first["pesq"]["hifigan_mel"]["all"])
    with pytest.raises(ValueError, match="resample must be one of"):
        atlas.bootstrap_correlations(results, resample="sounds")
    with pytest.raises(ValueError, match="confidence must be in"):
        atlas.bootstrap_correlations(results, confidence=1.0)
    with pytest.raises(ValueError, match="n_items applies"):
        atlas.bootstrap_correlations(results, resample="distortions", n_items=10)
    with pytest.raises(ValueError, match="no PESQ/STOI"):
        atlas.bootstrap_correlations({**results, "judges": {}})


def test_committed_results_are_complete_and_small():
    results = atlas.load_results()
    assert (atlas.RESULTS_DIR / "atlas.json").stat().st_size < 1_000_000
    assert results["sounds"] == audio.list_examples()
    assert list(results["distortions"]) == list(atlas.DISTORTIONS)
    for sound in results["sounds"]:
        for name, spec in results["distortions"].items():
            for loss in atlas.LOSSES:
                row = results["values"][sound][name][loss]
                assert len(row) == len(spec["grid"]) and all(math.isfinite(v) for v in row)
    assert "python -m audiolosses.atlas --out" in (atlas.RESULTS_DIR / "README.md").read_text()


def test_normalized_response():
    assert atlas.normalized_response([-25.0, 0.0, 5.0], -25.0, 0.0) == [0.0, 1.0, 1.2]
    with pytest.raises(ValueError, match="anchor must differ from identity"):
        atlas.normalized_response([1.0], 0.0, 0.0)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda x: atlas.apply_gain(x, float("nan")), ValueError, "gain_db must be finite"),
        (lambda x: atlas.apply_gain(x.to(torch.int16), 1.0), TypeError, "waveform must be a floating-point"),
        (lambda x: atlas.delay(x, -1), ValueError, "samples must be >= 0"),
        (lambda x: atlas.delay(x, 1.5), TypeError, "samples must be an int"),
        (lambda x: atlas.delay(x, x.shape[-1]), ValueError, "shorter than the waveform"),
        (lambda x: atlas.flip_polarity(x, 1), TypeError, "flipped must be a bool"),
        (lambda x: atlas.randomize_phase(x, 1.5), ValueError, r"amount must be in \[0, 1\]"),
        (lambda x: atlas.randomize_phase(x[..., :100], 0.5), ValueError, "too short"),
        (lambda x: atlas.add_white_noise(torch.zeros_like(x), 10.0), ValueError, "silent"),
        (lambda x: atlas.add_pink_noise(torch.zeros_like(x), 10.0), ValueError, "silent"),
        (lambda x: atlas.add_pink_noise(x, "10"), TypeError, "snr_db must be a real number"),
        (lambda x: atlas.low_pass(x, 20000.0), ValueError, "cutoff_hz must be below"),
        (lambda x: atlas.high_pass(x, 0.0), ValueError, "cutoff_hz must be a finite number > 0"),
        (lambda x: atlas.hard_clip(x, 3.0), ValueError, "threshold_db must be <= 0"),
        (lambda x: atlas.hard_clip(torch.zeros_like(x), -3.0), ValueError, "no peak"),
        (lambda x: atlas.quantize(x, 1), ValueError, "bits must be >= 2"),
        (lambda x: atlas.quantize(x, 32), ValueError, "bits must be at most 24"),
        (lambda x: atlas.dropout(x, 0.01), ValueError, "duration_ms must give between 1"),
        (lambda x: atlas.distort(x, "reverb", 1.0), ValueError, "name must be one of"),
        (lambda x: atlas.evaluate_losses(x, x[..., :-1]), ValueError, "same shape"),
        (lambda x: atlas.evaluate_losses(x[..., :1000], x[..., :1000]), ValueError, "too short"),
        (lambda x: atlas.LossSuite()(x.double(), x), TypeError, "distorted must be torch.float32"),
        (lambda x: atlas.LossSuite(sample_rate=16000), ValueError, "sample_rate must be 22050 Hz"),
        (lambda x: atlas.judge(x.repeat(2, 1), x.repeat(2, 1)), ValueError, "must be mono"),
        (lambda x: atlas.compute_atlas(["cello"]), ValueError, "sounds\\[i\\] must be one of"),
        (lambda x: atlas.component_curve(torch.zeros_like(x), [10.0]), ValueError, "speech is silent"),
        (lambda x: atlas.component_curve(x, []), TypeError, "snrs_db must be a non-empty sequence"),
        (lambda x: atlas.component_curve(x, [float("inf")]), ValueError, "must be finite"),
        (lambda x: atlas.compute_atlas(["speech"], max_severities=0), ValueError, "max_severities must be >= 1"),
    ],
)
def test_bad_inputs_raise_clear_errors(speech, call, error, message):
    with pytest.raises(error, match=message):
        call(speech)


def test_load_results_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no atlas results"):
        atlas.load_results(tmp_path)
    (tmp_path / "atlas.json").write_text(json.dumps({"format_version": 99}))
    with pytest.raises(ValueError, match="format version"):
        atlas.load_results(tmp_path)


def test_explorer_follows_its_controls():
    results = atlas.load_results()
    explorer = explorers.AtlasExplorer(results, sound="piano", distortion="low_pass", severity_index=4, seconds=0.5)
    assert repr(explorer) == "AtlasExplorer(sound='piano', distortion='low_pass', severity=4)"
    reference, distorted = explorer.pair()
    assert torch.allclose(distorted, atlas.low_pass(reference, 500.0, SR))
    explorer.controls["distortion"].value = "polarity"  # a one-point grid: the severity list follows
    assert [value for _, value in explorer.controls["severity"].options] == [0]
    reference, distorted = explorer.pair()
    assert torch.equal(distorted, -reference)
    assert explorer.output.outputs[0]["data"]["text/plain"] == "<AtlasExplorer figure>"
    with pytest.raises(ValueError, match="severity_index must be < 1"):
        explorers.AtlasExplorer(results, distortion="polarity", severity_index=1)
