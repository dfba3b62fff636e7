"""The benchmark harness (``python -m benchmarks``) and the notebook timer, without network and without
asserting any time: the JSON schema, the value checks (they must catch a wrong implementation), the
audiocraft loader on a local stand-in sdist, the memory measurement against known allocations, and the
HiFi-GAN upstream rendering against an independent NumPy mel."""

import importlib.util
import io
import json
import sys
import tarfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import torchaudio

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is a folder of the repository, not part of the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import cases, harness, references  # noqa: E402
from benchmarks.run import _check_values, format_table, main, run  # noqa: E402
from test_hifigan import _reference_log_mel  # noqa: E402  (the NumPy mel of tests/test_hifigan.py)


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """An empty benchmark cache and downloads disabled: the audiocraft row must say it is unavailable."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(references.CACHE_ENV, str(cache))
    monkeypatch.setenv(references.NO_DOWNLOAD_ENV, "1")
    return cache


# --------------------------------------------------------------------------------------------------
# The whole command in quick mode
# --------------------------------------------------------------------------------------------------


def test_quick_run_writes_the_documented_json(offline, tmp_path, capsys):
    out = tmp_path / "quick.json"
    assert main(["--quick", "--repeats", "2", "--warmup", "0", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    printed = capsys.readouterr().out

    assert result["schema"] == 1 and result["settings"]["mode"] == "quick"
    assert result["settings"]["repeats"] == 2 and result["settings"]["warmup"] == 0
    assert {"cpu", "cpu_count", "torch_threads", "torch", "device", "date_utc"} <= set(result["machine"])
    assert result["machine"]["device"] == "cpu" and result["machine"]["torch_threads"] == 1
    assert "torch.profiler" in result["settings"]["memory_method"]
    keys = [entry["key"] for entry in result["comparisons"]]
    assert keys == [
        "rvm",
        "hifigan_mel_2x2048",
        "perceptual_loss",
        "perceptual_filter",
        "component",
        "kl",
        "auraloss",
        "mrstft",
        "si_sdr",
    ]

    for entry in result["comparisons"]:
        roles = [row["role"] for row in entry["rows"]]
        assert roles.count("ours") == 1, entry["key"]
        for row in entry["rows"]:
            if not row["available"]:
                continue
            assert len(row["times_ms"]) == 2 and row["min_ms"] <= row["median_ms"] <= row["max_ms"]
            assert row["time_ratio_vs_ours"] == pytest.approx(
                row["median_ms"] / next(r for r in entry["rows"] if r["role"] == "ours")["median_ms"], rel=1e-2
            )
            assert isinstance(row["peak_memory_bytes"], int) and row["peak_memory_bytes"] > 0
            if row["role"] == "reference":
                values = row["values"]
                # the same-values check really ran: losses recorded and compared, gradient included
                assert values["compared"] and set(values["max_abs_diff"]) == {"loss", "grad"}
                assert values["equal"] is True, (entry["key"], values)
                assert values["loss_ours"] == pytest.approx(values["loss_reference"], rel=1e-4, abs=1e-6)

    rvm = result["comparisons"][0]
    audiocraft = next(r for r in rvm["rows"] if r["implementation"].startswith("audiocraft"))
    assert audiocraft["available"] is False and audiocraft["note"].startswith("unavailable")
    assert "downloading is disabled" in audiocraft["note"]
    assert rvm["target"]["ratio"] is None and rvm["target"]["met"] is None
    for entry in result["comparisons"][1:4]:  # hifigan and perceptual have targets with measured ratios
        assert entry["target"]["ratio"] > 0 and isinstance(entry["target"]["met"], bool)
    mrstft = next(c for c in result["comparisons"] if c["key"] == "mrstft")  # a target on time and on peak memory
    assert mrstft["target"]["ratio"] > 0 and 0 < mrstft["target"]["memory_ratio"]
    assert mrstft["target"]["max_memory_ratio"] == 0.5 and isinstance(mrstft["target"]["met"], bool)
    assert "peak memory ours/reference" in printed
    assert "unavailable" in printed and "target:" in printed and "wrote" in printed


@pytest.mark.parametrize("options", [["--quick"], ["--only", "kl"]])
def test_partial_runs_without_out_write_nothing(offline, tmp_path, monkeypatch, capsys, options):
    monkeypatch.chdir(tmp_path)
    results = ROOT / "benchmarks" / "results"
    before = {p.name: p.stat().st_mtime_ns for p in results.glob("*")}
    assert main(options + ["--only", "kl", "--repeats", "1", "--warmup", "0", "--no-memory"]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in results.glob("*")} == before
    assert "wrote" not in capsys.readouterr().out


def test_bad_options_are_rejected(offline):
    with pytest.raises(SystemExit):
        main(["--quick", "--repeats", "0"])
    with pytest.raises(SystemExit):
        main(["--quick", "--threads", "0"])
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit):
            main(["--quick", "--device", "cuda"])


# --------------------------------------------------------------------------------------------------
# The value check catches differences
# --------------------------------------------------------------------------------------------------


def test_check_values_flags_different_loss_gradient_and_nan():
    ours = {"loss": torch.tensor(1.0, dtype=torch.float64), "grad": torch.ones(3, dtype=torch.float64)}
    same = {"loss": torch.tensor(1.0 + 1e-9, dtype=torch.float64), "grad": torch.ones(3, dtype=torch.float64)}
    assert _check_values(ours, same, rtol=1e-6, atol=0.0)["equal"] is True
    other_loss = {"loss": torch.tensor(1.01, dtype=torch.float64), "grad": torch.ones(3, dtype=torch.float64)}
    check = _check_values(ours, other_loss, rtol=1e-6, atol=0.0)
    assert check["equal"] is False and check["max_abs_diff"]["loss"] == pytest.approx(0.01)
    other_grad = {"loss": torch.tensor(1.0, dtype=torch.float64), "grad": torch.tensor([1.0, 1.0, 1.1]).double()}
    assert _check_values(ours, other_grad, rtol=1e-6, atol=0.0)["equal"] is False
    nan = {"loss": torch.tensor(float("nan"), dtype=torch.float64), "grad": torch.ones(3, dtype=torch.float64)}
    assert _check_values(ours, nan, rtol=1e-6, atol=1.0)["equal"] is False
    wrong_shape = {"loss": torch.tensor(1.0, dtype=torch.float64), "grad": torch.ones(4, dtype=torch.float64)}
    assert _check_values(ours, wrong_shape, rtol=1e-6, atol=1.0)["equal"] is False


# --------------------------------------------------------------------------------------------------
# The audiocraft loader, on a local stand-in sdist
# --------------------------------------------------------------------------------------------------

# audiocraft's algorithm (as tests/test_rvm.py renders it), as the source of a stand-in metrics/rvm.py
STAND_IN = """
import torch
import torchaudio
from torch import nn


class RelativeVolumeMel(nn.Module):
    def __init__(self, sample_rate=24000, n_mels=80, n_fft=512, hop_length=128):
        super().__init__()
        self.melspec = torchaudio.transforms.MelSpectrogram(
            n_mels=n_mels, n_fft=n_fft, hop_length=hop_length, normalized=True, sample_rate=sample_rate, power=2)

    def forward(self, estimate, ground_truth):
        std = ground_truth.pow(2).mean().sqrt().clamp(min=10 ** (-25 / 20))
        z_gt = self.melspec(ground_truth / std).sqrt()
        z_est = self.melspec(estimate / std).sqrt()
        ref_db = 20 * torch.log10(z_gt.clamp(min=10 ** (-25 / 20)))
        delta_db = 20 * torch.log10((z_gt - z_est).abs().clamp(min=10 ** (-120 / 20)))
        relative = (delta_db - ref_db).clamp(-25, 25)
        dims = [d for d in range(relative.dim()) if d != relative.dim() - 2]
        per_band = relative.mean(dim=dims)
        metrics = {f"rvm_{i}": chunk.mean() for i, chunk in enumerate(per_band.chunk(4))}
        metrics["rvm"] = per_band.mean() + OFFSET
        return metrics
"""


def _stand_in_sdist(cache: Path, offset: float) -> None:
    sdist = cache / "sdist" / f"audiocraft-{references.AUDIOCRAFT_VERSION}.tar.gz"
    sdist.parent.mkdir(parents=True)
    data = (f"OFFSET = {offset!r}\n" + STAND_IN).encode()
    with tarfile.open(sdist, "w:gz") as archive:
        info = tarfile.TarInfo(references.AUDIOCRAFT_RVM_MEMBER)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        other = b"raise ImportError('the audiocraft package must not be imported')\n"
        info = tarfile.TarInfo(f"audiocraft-{references.AUDIOCRAFT_VERSION}/audiocraft/__init__.py")
        info.size = len(other)
        archive.addfile(info, io.BytesIO(other))


@pytest.mark.parametrize("offset, equal", [(0.0, True), (0.5, False)])
def test_audiocraft_row_loads_the_cached_file_and_checks_values(tmp_path, offset, equal):
    cache = tmp_path / "cache"
    _stand_in_sdist(cache, offset)
    module, info = references.load_audiocraft_rvm(cache, download=False)
    assert info["source"] == "cache" and Path(info["path"]).parent == cache
    assert "audiocraft" not in sys.modules  # only the one file, not the package
    comparison = cases.rvm_comparison((2, 1, 2048), torch.device("cpu"), torch.float32, cache_dir=cache, download=False)
    [result] = run([comparison], torch.device("cpu"), warmup=0, repeats=1, memory=False, log=lambda m: None)
    row = next(r for r in result["rows"] if r["role"] == "reference")
    assert row["available"] and "loaded from cache" in row["note"]
    assert row["values"]["equal"] is equal
    assert row["values"]["max_abs_diff"]["loss"] == pytest.approx(offset, abs=1e-4)


def test_audiocraft_unavailable_without_cache_or_download(tmp_path):
    with pytest.raises(references.ReferenceUnavailable, match="downloading is disabled"):
        references.load_audiocraft_rvm(tmp_path / "empty", download=False)
    comparison = cases.rvm_comparison(
        (1, 1, 1024), torch.device("cpu"), torch.float32, cache_dir=tmp_path / "empty", download=False
    )
    [result] = run([comparison], torch.device("cpu"), warmup=0, repeats=1, memory=False, log=lambda m: None)
    assert [r["available"] for r in result["rows"]] == [True, False]
    assert result["target"]["met"] is None
    table = format_table(
        {
            "machine": harness.machine_info(torch.device("cpu")),
            "settings": {"repeats": 1, "warmup": 0},
            "comparisons": [result],
        }
    )
    assert "unavailable" in table and "not measured" in table


def test_a_broken_cached_file_is_reported_not_raised(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"audiocraft-{references.AUDIOCRAFT_VERSION}-metrics-rvm.py").write_text("import no_such_module\n")
    with pytest.raises(references.ReferenceUnavailable, match="failed to load"):
        references.load_audiocraft_rvm(cache, download=False)


# --------------------------------------------------------------------------------------------------
# The references against independent computations
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sr, n_fft, n_mels, fmin, fmax", [(22050, 1024, 80, 0.0, 11025.0), (16000, 512, 40, 50.0, 7000.0)]
)
def test_librosa_slaney_mel_equals_torchaudio_slaney_bank(sr, n_fft, n_mels, fmin, fmax):
    ours = references.librosa_slaney_mel(sr, n_fft, n_mels, fmin, fmax)
    expected = torchaudio.functional.melscale_fbanks(n_fft // 2 + 1, fmin, fmax, n_mels, sr, "slaney", "slaney").T
    assert ours.dtype == np.float32 and ours.shape == (n_mels, n_fft // 2 + 1)
    np.testing.assert_allclose(ours, expected.numpy(), atol=1e-6)


def test_upstream_hifigan_rendering_equals_the_numpy_mel():
    generator = torch.Generator().manual_seed(0)
    y = 0.3 * torch.randn(3, 8192, generator=generator)
    ours = references.upstream_hifigan_mel_spectrogram(y)
    assert ours.shape == (3, 80, 32)
    np.testing.assert_allclose(ours.numpy(), _reference_log_mel(y.double().numpy()), atol=2e-4)


def test_formula_references_equal_torch_distributions_and_direct_sums():
    generator = torch.Generator().manual_seed(1)
    mu, logvar = torch.randn(4, 6, generator=generator).double(), torch.randn(4, 6, generator=generator).double()
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mu, (0.5 * logvar).exp()), torch.distributions.Normal(0.0, 1.0)
    ).mean()
    torch.testing.assert_close(references.kl_formula(mu, logvar), expected)
    mask, target, residual = (torch.rand(2, 5, 3, generator=generator).double() for _ in range(3))
    loss = references.component_loss_formula(mask, target, residual, alpha=0.3, beta=0.0)
    torch.testing.assert_close(
        loss, (0.7 * ((mask * target - target) ** 2).sum() + 0.3 * ((mask * residual) ** 2).sum()) / 30
    )


# --------------------------------------------------------------------------------------------------
# Peak memory
# --------------------------------------------------------------------------------------------------


def test_cpu_peak_memory_counts_live_tensors():
    def two_live_then_free():
        a = torch.ones(1_000_000)  # 4 MB
        b = torch.ones(500_000)  # 2 MB, both alive: peak 6 MB
        del a, b
        c = torch.ones(250_000)  # 1 MB after the peak
        return c.sum()

    peak = harness.peak_memory_cpu(two_live_then_free)
    assert 6_000_000 <= peak < 6_100_000


def test_cpu_peak_memory_of_a_backward_pass():
    x = torch.randn(1000, 1000, requires_grad=True)

    def step():
        x.grad = None
        (x * 2).exp().sum().backward()  # x*2 (4 MB) and exp (4 MB) live, then x.grad (4 MB)

    assert 8_000_000 <= harness.peak_memory_cpu(step) <= 16_100_000


# --------------------------------------------------------------------------------------------------
# Notebook execution times
# --------------------------------------------------------------------------------------------------


def _load_execute_notebooks():
    spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "scripts" / "execute_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebook_timer_records_times_and_leaves_the_notebook_untouched(tmp_path):
    execute_notebooks = _load_execute_notebooks()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("import os\nprint(sorted(os.listdir('..')))")]
    path = tmp_path / "book" / "07_tiny.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook, path)
    before = path.read_bytes()
    out = tmp_path / "times.json"
    assert execute_notebooks.main(["--time-only", "--times-out", str(out), str(path)]) == 0
    assert path.read_bytes() == before  # no outputs stored in place
    result = json.loads(out.read_text())
    assert result["schema"] == 1 and {"cpu", "cpu_count", "date_utc"} <= set(result["machine"])
    [record] = result["notebooks"]
    assert record["notebook"] == "07_tiny.ipynb" and record["seconds"] > 0
    assert record["limit_s"] == 60.0  # every chapter, the training and atlas chapters included
    assert record["within_limit"] is (record["seconds"] <= 60.0)
    assert execute_notebooks.limit_for(Path("book/04_perceptual_loss.ipynb")) == 60.0


def test_notebook_timer_records_a_failing_notebook_and_times_the_rest(tmp_path):
    execute_notebooks = _load_execute_notebooks()
    paths = []
    for name, source in (("01_broken.ipynb", "raise RuntimeError('boom')"), ("02_fine.ipynb", "x = 1")):
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source)]
        paths.append(tmp_path / name)
        nbformat.write(notebook, paths[-1])
    out = tmp_path / "times.json"
    execute_notebooks.time_notebooks(paths, out, timeout=60)
    broken, fine = json.loads(out.read_text())["notebooks"]
    assert broken["seconds"] is None and broken["within_limit"] is False and "boom" in broken["error"]
    assert fine["seconds"] > 0 and fine["limit_s"] == 60.0


# --------------------------------------------------------------------------------------------------
# The speed-up the benchmark led to: hifigan.mel_spectrogram's hand-written STFT-magnitude backward
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_fft, hop, win, length, center",
    [
        (1024, 256, 1024, 2100, False),  # HiFi-GAN's setting; hop divides n_fft (shifted sums), tail samples unused
        (512, 128, 400, 1300, True),  # window shorter than n_fft, centred frames
        (511, 100, 300, 1200, False),  # odd n_fft (no Nyquist bin), hop not dividing n_fft (fold)
    ],
)
def test_hifigan_mel_gradient_equals_central_differences(n_fft, hop, win, length, center):
    from audiolosses import hifigan

    generator = torch.Generator().manual_seed(3)
    y = torch.randn(2, 1, length, generator=generator, dtype=torch.float64, requires_grad=True)

    def mel(x):
        return hifigan.mel_spectrogram(
            x, n_fft=n_fft, hop_length=hop, win_length=win, n_mels=20, sample_rate=16000, center=center
        )

    out = mel(y)
    for seed in range(3):  # directional derivatives along random directions, weighted by random cotangents
        g = torch.Generator().manual_seed(10 + seed)
        v = torch.randn(out.shape, generator=g, dtype=torch.float64)
        u = torch.randn(y.shape, generator=g, dtype=torch.float64)
        (grad,) = torch.autograd.grad((out * v).sum(), y, retain_graph=True)
        eps = 1e-6
        with torch.no_grad():
            numeric = (((mel(y + eps * u) - mel(y - eps * u)) / (2 * eps)) * v).sum()
        assert (grad * u).sum().item() == pytest.approx(numeric.item(), rel=1e-5)


def test_hifigan_mel_second_derivatives_pass_gradgradcheck():
    from audiolosses import hifigan

    generator = torch.Generator().manual_seed(5)
    for hop in (16, 24):  # shifted sums and fold
        y = (0.3 * torch.randn(1, 200, generator=generator, dtype=torch.float64)).requires_grad_()
        assert torch.autograd.gradgradcheck(
            lambda x, hop=hop: hifigan.mel_spectrogram(
                x, n_fft=64, hop_length=hop, win_length=64, n_mels=8, sample_rate=8000
            ),
            (y,),
        )


def test_hifigan_mel_loss_gradient_equals_autograd_through_torch_stft():
    from audiolosses import hifigan

    generator = torch.Generator().manual_seed(4)
    y = 0.1 * torch.randn(3, 1, 5000, generator=generator, dtype=torch.float64)
    y_hat = (y + 0.02 * torch.randn(3, 1, 5000, generator=generator, dtype=torch.float64)).requires_grad_()
    (ours,) = torch.autograd.grad(hifigan.mel_loss(y_hat, y, sample_rate=22050), y_hat)
    y_hat_upstream = y_hat.detach().clone().requires_grad_()
    (expected,) = torch.autograd.grad(
        references.upstream_hifigan_mel_loss(y.float(), y_hat_upstream.float()), y_hat_upstream
    )
    torch.testing.assert_close(ours, expected, rtol=1e-3, atol=1e-9)
