"""Tests for audiolosses.experiments.overfit: the generator, the judge, a tiny run of the command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
import torch

from audiolosses import audio
from audiolosses.experiments import overfit as O


def test_generator_shape_and_architecture():
    network = O.Generator(generator=torch.Generator().manual_seed(0))
    out = network(torch.randn(2, 128))
    assert out.shape == (2, 1, 8192)
    assert all(conv.bias is None for conv in network.convs)
    assert [conv.kernel_size[0] for conv in network.convs] == [3, 15, 25, 25, 25, 25, 25]
    assert int(np.prod(network.factors)) == 8192
    expected_params = 128 * 32 * 3 + 32 * 32 * 15 + 4 * 32 * 32 * 25 + 32 * 25
    assert sum(p.numel() for p in network.parameters()) == expected_params


def test_generator_init_is_xavier_normal_and_seeded():
    a = O.Generator(generator=torch.Generator().manual_seed(3))
    b = O.Generator(generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(a.convs[2].weight, b.convs[2].weight)
    weight = a.convs[3].weight  # 32 -> 32, k25: fan_in = fan_out = 800
    gain = np.sqrt(2.0 / (1 + 0.2**2))
    expected_std = gain * np.sqrt(2.0 / (800 + 800))
    assert weight.std().item() == pytest.approx(expected_std, rel=0.05)


def test_target_is_a_peak_normalised_middle_window():
    target = O.load_target("piano")
    assert target.shape == (1, 1, 8192)
    assert target.abs().max().item() == pytest.approx(1.0)
    clip, _ = audio.load_example("piano", sample_rate=11025)
    start = (clip.shape[-1] - 8192) // 2
    window = clip[0, start : start + 8192]
    torch.testing.assert_close(target.reshape(-1), window / window.abs().max())


def test_run_seeds_are_distinct_and_stable():
    seeds = {O.run_seed(0, s, l) for s in audio.EXAMPLES for l in O.LOSSES}
    assert len(seeds) == 10
    assert O.run_seed(1, "drums", "perceptual") == 1000 + 41
    with pytest.raises(ValueError, match="loss"):
        O.run_seed(0, "speech", "kl")


def test_evaluate_identical_and_silent():
    target = O.load_target("speech")
    same = O.evaluate(target, target)
    assert same["rvm"] == pytest.approx(-25.0) and same["mse"] == 0.0 and same["log_mel_l1"] == 0.0
    assert same["perceptual"] == pytest.approx(-1.0, abs=1e-5)
    assert len(same["rvm_per_band"]) == O.RVM_SETTINGS["n_mels"]
    silent = O.evaluate(torch.zeros_like(target), target)
    assert silent["rvm"] > -10.0  # 0 dB where the reference is active; quiet bins sit below the activity floor
    assert silent["mse"] == pytest.approx(float(target.pow(2).mean()))
    with pytest.raises(ValueError, match="estimate and target"):
        O.evaluate(target[..., :100], target)


def test_rvm_choice_leaves_no_mel_band_empty():
    from audiolosses.spectral import mel_filter_bank

    s = O.RVM_SETTINGS
    bank = mel_filter_bank(s["n_fft"] // 2 + 1, 0.0, s["sample_rate"] / 2, s["n_mels"], s["sample_rate"])
    assert bool((bank.sum(dim=0) > 0).all())


def test_train_one_is_reproducible():
    a = O.train_one("drums", "mse", iterations=3, checkpoint_every=3, trace_every=1, seed=5)
    b = O.train_one("drums", "mse", iterations=3, checkpoint_every=3, trace_every=1, seed=5)
    assert a["train_loss"] == b["train_loss"] and len(a["train_loss"]) == 3
    assert [t["iteration"] for t in a["trace"]] == [0, 1, 2, 3]
    torch.testing.assert_close(a["checkpoints"][0]["audio"], b["checkpoints"][0]["audio"], rtol=0, atol=0)
    assert a["train_loss"][-1] < a["train_loss"][0]  # MSE goes down


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("overfit")
    code = O.main(
        [
            "--out",
            str(out),
            "--sounds",
            "speech",
            "--iterations",
            "2",
            "--checkpoint-every",
            "1",
            "--trace-every",
            "1",
            "--no-progress",
        ]
    )
    return out, code


def test_command_writes_a_well_formed_results_folder(tiny_run):
    out, code = tiny_run
    assert code == 0
    document = json.loads((out / "results.json").read_text())
    assert set(document) >= {"settings", "versions", "machine", "command", "seconds", "targets", "runs"}
    assert document["versions"]["torch"] == torch.__version__
    assert document["settings"]["iterations"] == 2 and document["settings"]["perceptual"]["n_bands"] == 512
    assert "--sounds speech" in document["command"]
    assert [(r["sound"], r["loss"]) for r in document["runs"]] == [("speech", "mse"), ("speech", "perceptual")]
    for run in document["runs"]:
        assert len(run["train_loss"]) == 2
        assert [c["iteration"] for c in run["checkpoints"]] == [1, 2]
        for checkpoint in run["checkpoints"]:
            assert {"rvm", "rvm_0", "rvm_3", "rvm_per_band", "log_mel_l1", "mse", "perceptual"} <= set(checkpoint)
            assert all(np.isfinite(checkpoint[k]) for k in ("rvm", "log_mel_l1", "mse", "perceptual"))
            data, rate = sf.read(out / checkpoint["wav"])
            info = sf.info(out / checkpoint["wav"])
            assert rate == 11025 and data.shape == (8192,) and info.subtype == "PCM_16"
    assert (out / "speech_target.wav").is_file() and (out / "README.md").is_file()
    assert "python -m audiolosses.experiments.overfit" in (out / "README.md").read_text()


def test_load_results_round_trip(tiny_run):
    out, _ = tiny_run
    results = O.load_results(out)
    target = results["targets"]["speech"]["audio"]
    torch.testing.assert_close(target, O.load_target("speech").reshape(-1), rtol=0, atol=1 / 32768)
    checkpoint = results["runs"][1]["checkpoints"][-1]
    assert checkpoint["audio"].shape == (8192,)
    rows = O.results_table(results)
    assert [(r["sound"], r["loss"], r["iteration"]) for r in rows] == [
        ("speech", "mse", 2),
        ("speech", "perceptual", 2),
    ]
    with pytest.raises(ValueError, match="iteration"):
        O.results_table(results, iteration=7)
    with pytest.raises(FileNotFoundError, match="results.json"):
        O.load_results(out / "missing")


def test_command_help_and_bad_arguments():
    completed = subprocess.run(
        [sys.executable, "-m", "audiolosses.experiments.overfit", "--help"], capture_output=True, text=True, check=True
    )
    for option in (
        "--out",
        "--sounds",
        "--losses",
        "--iterations",
        "--checkpoint-every",
        "--seed",
        "--device",
        "--no-progress",
    ):
        assert option in completed.stdout
    with pytest.raises(SystemExit):
        O.main(["--iterations", "0", "--no-progress"])
    with pytest.raises(SystemExit):
        O.main(["--sounds", "violin", "--no-progress"])
    with pytest.raises(ValueError, match="sounds"):
        O.run_experiment(sounds=["violin"])


# --- several seeds: shipping, loading, aggregating, judging against the spread ---------------------


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory, tiny_run):
    """The tiny run (seed 0) plus the same command with --seed 1, shipped with the WAVs of step 2 only."""
    out, _ = tiny_run
    root = tmp_path_factory.mktemp("seeds")
    for name in ("results.json", "speech_target.wav", *(p.name for p in out.glob("speech_*_000?.wav"))):
        (root / name).write_bytes((out / name).read_bytes())
    raw = tmp_path_factory.mktemp("seed1_raw")
    arguments = ["--sounds", "speech", "--iterations", "2", "--checkpoint-every", "1", "--trace-every", "1"]
    assert O.main(["--out", str(raw), *arguments, "--seed", "1", "--no-progress"]) == 0
    O.ship_results(raw, root / "seed1", iterations=[2])
    return root, raw


def test_ship_results_keeps_scores_and_only_the_chosen_wavs(two_seeds):
    root, raw = two_seeds
    shipped = json.loads((root / "seed1" / "results.json").read_text())
    original = json.loads((raw / "results.json").read_text())
    assert sorted(p.name for p in (root / "seed1").glob("*.wav")) == [
        "speech_mse_0002.wav",
        "speech_perceptual_0002.wav",
    ]
    assert shipped["shipped"]["wav_iterations"] == [2] and shipped["targets"]["speech"]["wav"] is None
    for kept, full in zip(shipped["runs"], original["runs"]):
        assert "train_loss" not in kept and len(full["train_loss"]) == 2
        assert kept["trace"] == full["trace"]
        for a, b in zip(kept["checkpoints"], full["checkpoints"]):
            assert {k: v for k, v in a.items() if k != "wav"} == {k: v for k, v in b.items() if k != "wav"}
            assert a["wav"] == (b["wav"] if a["iteration"] == 2 else None)
    with pytest.raises(ValueError, match="iterations"):
        O.ship_results(raw, root / "unused", iterations=[3])


def test_load_seeds_reads_every_seed_and_its_audio_where_shipped(two_seeds):
    root, raw = two_seeds
    seeds = O.load_seeds(root)
    assert list(seeds) == [0, 1]
    assert seeds[1]["targets"]["speech"]["audio"] is None
    first, last = seeds[1]["runs"][0]["checkpoints"]
    assert first["audio"] is None and last["audio"].shape == (8192,)
    torch.testing.assert_close(last["audio"], O.load_results(raw)["runs"][0]["checkpoints"][-1]["audio"])
    # the two seeds really are different runs
    assert seeds[0]["runs"][0]["checkpoints"][-1]["rvm"] != seeds[1]["runs"][0]["checkpoints"][-1]["rvm"]


def test_load_seeds_refuses_mismatched_or_misnamed_seeds(two_seeds, tmp_path):
    root, _ = two_seeds
    for name in ("results.json", "speech_target.wav", *(p.name for p in root.glob("speech_*.wav"))):
        (tmp_path / name).write_bytes((root / name).read_bytes())
    shutil.copytree(root / "seed1", tmp_path / "seed7")
    with pytest.raises(ValueError, match="name it seed1"):
        O.load_seeds(tmp_path)
    document = json.loads((root / "seed1" / "results.json").read_text())
    document["settings"]["iterations"] = 3
    (tmp_path / "seed7").rename(tmp_path / "seed1")
    (tmp_path / "seed1" / "results.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="other settings"):
        O.load_seeds(tmp_path)


def test_aggregate_is_mean_and_range_over_seeds(two_seeds):
    seeds = O.load_seeds(two_seeds[0])
    rows = O.aggregate(seeds)
    assert len(rows) == 2 * 2 * len(O.SEED_MEASURES)  # (mse, perceptual) x 2 checkpoints x measures
    for row in rows:
        direct = [
            next(
                c
                for c in next(r for r in s["runs"] if r["loss"] == row["loss"])["checkpoints"]
                if c["iteration"] == row["iteration"]
            )[row["key"]]
            for s in seeds.values()
        ]
        assert row["values"] == direct and row["n"] == 2
        assert row["mean"] == pytest.approx(np.mean(direct))
        assert row["std"] == pytest.approx(np.std(direct, ddof=1))
        assert row["spread"] == pytest.approx(np.ptp(direct))
    with pytest.raises(ValueError, match="iteration"):
        O.seed_values(seeds, "speech", "mse", "rvm", 7)
    with pytest.raises(ValueError, match="key"):
        O.seed_values(seeds, "speech", "mse", "audio", 2)
    with pytest.raises(ValueError, match="no run"):
        O.seed_values(seeds, "drums", "mse", "rvm", 2)


def test_summarise_by_hand():
    summary = O.summarise([1.0, 2.0, 4.0])
    assert summary["n"] == 3 and summary["mean"] == pytest.approx(7 / 3)
    assert summary["std"] == pytest.approx(np.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2))
    assert (summary["low"], summary["high"], summary["spread"]) == (1.0, 4.0, 3.0)
    assert O.summarise([5.0])["std"] == 0.0
    with pytest.raises(ValueError, match="empty"):
        O.summarise([])


@pytest.mark.parametrize(
    ("mse", "perceptual", "expected"),
    [
        ([-5.0, -5.2, -4.9], [-7.0, -7.1, -6.8], "perceptual"),  # 2 dB better, ranges 0.3
        ([-7.0, -7.1, -6.8], [-5.0, -5.2, -4.9], "mse"),
        ([-5.0, -6.0, -4.0], [-5.5, -5.6, -5.4], "within the spread"),  # 0.5 dB apart, range 2 dB
        ([-5.0], [-9.0], "one seed"),
    ],
)
def test_verdict_against_the_spread(mse, perceptual, expected):
    result = O.verdict(mse, perceptual)
    assert result["verdict"] == expected
    assert result["gap"] == pytest.approx(np.mean(mse) - np.mean(perceptual))
    assert result["spread"] == pytest.approx(max(np.ptp(mse), np.ptp(perceptual)))
    flipped = O.verdict(mse, perceptual, lower_is_better=False)
    assert flipped["gap"] == pytest.approx(-result["gap"])


def test_compare_losses_on_the_shipped_seeds():
    seeds = O.load_seeds()
    assert 0 in seeds and all(len(s["runs"]) == 10 for s in seeds.values())
    table = O.compare_losses(seeds, "rvm", 1000)
    assert list(table) == list(audio.EXAMPLES)
    for sound, row in table.items():
        assert row["mse"]["n"] == len(seeds)
        assert row["mse"]["mean"] == pytest.approx(np.mean(O.seed_values(seeds, sound, "mse", "rvm", 1000)))


def test_results_explorer_draws_every_seed_and_rejects_bad_settings(two_seeds):
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    from audiolosses.explorers.perceptual import OverfitResultsExplorer

    seeds = O.load_seeds(two_seeds[0])
    explorer = OverfitResultsExplorer(seeds, iteration=1)
    assert repr(explorer) == "OverfitResultsExplorer(sound='speech', measure='rvm', iteration=1)"
    fig = explorer.figure()
    left, right = fig.axes
    assert len(left.lines) == 2 * (len(seeds) + 1) + 1  # per loss: a line per seed and the mean; the marker
    assert len(right.lines) == 2 and len(right.collections) == 2  # per loss: mean and shaded range
    grid = explorer.static_grid()
    assert len(grid["images"]) == 2  # one sound x two judges, at the chosen step only
    for bad in ({"sound": "drums"}, {"measure": "sdr"}, {"iteration": 5}):
        with pytest.raises(ValueError):
            OverfitResultsExplorer(seeds, **bad)
    with pytest.raises(ValueError, match="non-empty"):
        OverfitResultsExplorer({})
