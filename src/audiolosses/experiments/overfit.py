"""Overfit one sound with MSE or with the perceptual loss, and measure how fast each gets there.

John Vinyard's blog experiment {Vinyard 2019}: a small convolutional generator turns one fixed noise
vector into 8192 samples at 11025 Hz and is trained to reproduce one short window of a sound, once
with the mean squared error on samples and once with :class:`audiolosses.perceptual.PerceptualLoss`.
The blog judged the checkpoints by ear; this module also scores every checkpoint against the target
with chapter 2's Relative Volume Mel (overall and per band) and a log-mel L1 distance, and records
both training losses, so each claim becomes a number.

The generator (the original's shape): noise ``[128]`` → ``[1, 128, 1]`` → 7 stages of nearest
upsampling ×4, ×4, ×4, ×4, ×4, ×4, ×2 (1 → 8192 samples), each followed by a bias-free "same"
``Conv1d`` (128→32 k3, 32→32 k15, four 32→32 k25, 32→1 k25) and LeakyReLU(0.2) after all but the last;
Xavier-normal initialisation. Adam, learning rate 1e-4, betas (0, 0.9), 1000 iterations, checkpoints
every 250. A fresh network per (sound, loss), seeded from (seed, sound, loss).

Run it as a command (``python -m audiolosses.experiments.overfit --help``)::

    python -m audiolosses.experiments.overfit --out results/ --sounds speech --iterations 100

It writes ``results.json`` (settings, versions, timings, every number), the checkpoint clips and the
targets as 16-bit WAVs and a ``README.md``. :func:`load_results` reads such a folder back (by default
the one shipped with the package, ``audiolosses/data/overfit``).

Notebook: book/04_perceptual_loss.ipynb
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import platform
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .. import audio
from .._validation import check_choice, check_int, check_same_shape, check_tensor
from ..perceptual import PerceptualLoss
from ..rvm import relative_db_map, relative_volume_mel
from ..spectral import mel_spectrogram

__all__ = [
    "SAMPLE_RATE",
    "N_SAMPLES",
    "NOISE_DIM",
    "LOSSES",
    "RVM_SETTINGS",
    "LOG_MEL_SETTINGS",
    "DEFAULT_DIR",
    "Generator",
    "load_target",
    "run_seed",
    "evaluate",
    "train_one",
    "run_experiment",
    "save_results",
    "load_results",
    "results_table",
    "SEED_MEASURES",
    "ship_results",
    "load_seeds",
    "seed_values",
    "summarise",
    "aggregate",
    "verdict",
    "compare_losses",
    "main",
]

#: Sample rate of the experiment (the original's), Hz.
SAMPLE_RATE = 11025
#: Samples the generator makes, and the length of each target window.
N_SAMPLES = 8192
#: Size of the fixed noise vector.
NOISE_DIM = 128
#: The two training losses compared.
LOSSES = ("mse", "perceptual")
#: Adam settings of the original.
LEARNING_RATE = 1e-4
BETAS = (0.0, 0.9)

#: How RVM judges 11025 Hz audio, at the audio's own rate with audiocraft's other defaults (80 mels,
#: n_fft 512, hop 128, 4 bands). With 21.5 Hz FFT bins and mel points 0 … 5512 Hz, none of the 80
#: triangles is empty (measured in the chapter), so no band scores a meaningless constant. Resampling to
#: 24 kHz instead would leave everything above 5.5 kHz silent in both signals: the top bands would
#: compare silence with silence.
RVM_SETTINGS: dict = {
    "sample_rate": SAMPLE_RATE,
    "n_mels": 80,
    "n_fft": 512,
    "hop_length": 128,
    "num_aggregated_bands": 4,
}
#: The log-mel L1 judge, mean ``|ln(mel(est) + eps) − ln(mel(target) + eps)|`` of magnitude mel spectrograms.
LOG_MEL_SETTINGS: dict = {"n_fft": 512, "hop_length": 128, "n_mels": 80, "eps": 1e-5}

#: The results shipped with the package (made by this command, see its README.md).
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data" / "overfit"

_STAGES = (
    (4, NOISE_DIM, 32, 3),
    (4, 32, 32, 15),
    (4, 32, 32, 25),
    (4, 32, 32, 25),
    (4, 32, 32, 25),
    (4, 32, 32, 25),
    (2, 32, 1, 25),
)  # (upsampling factor, in channels, out channels, kernel)


class Generator(nn.Module):
    """The original experiment's generator: fixed-size noise → 8192 samples.

    Args:
        noise_dim: size of the input vector (default 128).
        leak: LeakyReLU slope (default 0.2).
        generator: ``torch.Generator`` for the Xavier-normal initialisation (default: the global one).

    Shape:
        input ``[batch, noise_dim]`` → output ``[batch, 1, 8192]``.
    """

    def __init__(self, noise_dim: int = NOISE_DIM, leak: float = 0.2, generator: torch.Generator | None = None):
        super().__init__()
        check_int(noise_dim, "noise_dim", minimum=1)
        stages = [(f, noise_dim if i == 0 else c_in, c_out, k) for i, (f, c_in, c_out, k) in enumerate(_STAGES)]
        self.factors = [f for f, *_ in stages]
        self.leak = float(leak)
        self.convs = nn.ModuleList(
            nn.Conv1d(c_in, c_out, k, padding=k // 2, bias=False) for _, c_in, c_out, k in stages
        )
        gain = nn.init.calculate_gain("leaky_relu", self.leak)
        for index, conv in enumerate(self.convs):
            nn.init.xavier_normal_(conv.weight, gain=1.0 if index == len(self.convs) - 1 else gain, generator=generator)

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        x = noise.reshape(noise.shape[0], -1, 1)
        for index, (factor, conv) in enumerate(zip(self.factors, self.convs)):
            x = conv(F.interpolate(x, scale_factor=factor, mode="nearest"))
            if index < len(self.convs) - 1:
                x = F.leaky_relu(x, self.leak)
        return x


def load_target(name: str, *, sample_rate: int = SAMPLE_RATE, n_samples: int = N_SAMPLES) -> torch.Tensor:
    """The target of the experiment: the middle ``n_samples`` of an example clip, peak-normalised to 1.

    Args:
        name: an example name (``audiolosses.audio.EXAMPLES``).
        sample_rate: rate to resample the clip to (default 11025 Hz).
        n_samples: window length (default 8192).

    Returns:
        ``[1, 1, n_samples]`` float32.
    """
    check_choice(name, "name", audio.EXAMPLES)
    check_int(n_samples, "n_samples", minimum=1)
    waveform, _ = audio.load_example(name, sample_rate=sample_rate)
    mono = waveform.mean(dim=0)
    if mono.shape[-1] < n_samples:
        raise ValueError(f"example {name!r} has {mono.shape[-1]} samples at {sample_rate} Hz, need {n_samples}")
    start = (mono.shape[-1] - n_samples) // 2
    window = mono[start : start + n_samples]
    return (window / window.abs().max()).reshape(1, 1, n_samples)


def run_seed(seed: int, sound: str, loss: str) -> int:
    """The seed of one (sound, loss) run: ``1000·seed + 10·(index of sound) + (index of loss)``.

    Indices are those of ``audiolosses.audio.EXAMPLES`` and :data:`LOSSES`, so a run's seed does not depend
    on which other sounds or losses are run with it.
    """
    check_int(seed, "seed", minimum=0)
    check_choice(sound, "sound", audio.EXAMPLES)
    check_choice(loss, "loss", LOSSES)
    return 1000 * seed + 10 * audio.EXAMPLES.index(sound) + LOSSES.index(loss)


def _log_mel(x: torch.Tensor) -> torch.Tensor:
    s = LOG_MEL_SETTINGS
    mel = mel_spectrogram(x, SAMPLE_RATE, s["n_fft"], s["hop_length"], n_mels=s["n_mels"], power=1.0)
    return torch.log(mel + s["eps"])


@torch.no_grad()
def evaluate(estimate: torch.Tensor, target: torch.Tensor, perceptual: PerceptualLoss | None = None) -> dict:
    """Score an estimate against the target: RVM (overall, 4 bands, per mel band), log-mel L1, both losses.

    Args:
        estimate, target: ``[1, 1, time]`` (or ``[time]``) float tensors at 11025 Hz.
        perceptual: the perceptual loss to report, float32 on the CPU (default ``PerceptualLoss.original()``).

    Returns:
        dict: Python floats ``rvm``, ``rvm_0`` … ``rvm_3``, ``rvm_per_band`` (list of 80),
        ``log_mel_l1``, ``mse``, ``perceptual``, ``peak`` (the estimate's peak amplitude).
    """
    check_tensor(estimate, "estimate", min_ndim=1)
    check_tensor(target, "target", min_ndim=1)
    check_same_shape(estimate, target, "estimate", "target")
    estimate, target = estimate.reshape(-1).float().cpu(), target.reshape(-1).float().cpu()
    rvm = relative_volume_mel(estimate, target, **RVM_SETTINGS)
    band_settings = {k: v for k, v in RVM_SETTINGS.items() if k != "num_aggregated_bands"}
    per_band = relative_db_map(estimate, target, **band_settings).mean(dim=-1)
    perceptual = PerceptualLoss.original() if perceptual is None else perceptual
    result = {key: float(value) for key, value in rvm.items()}
    result.update(
        {
            "rvm_per_band": [round(float(v), 4) for v in per_band],
            "log_mel_l1": float((_log_mel(estimate) - _log_mel(target)).abs().mean()),
            "mse": float(F.mse_loss(estimate, target)),
            "perceptual": float(perceptual(estimate[None, None], target[None, None])),
            "peak": float(estimate.abs().max()),
        }
    )
    return result


def _trace_point(iteration: int, estimate: torch.Tensor, target: torch.Tensor) -> dict:
    with torch.no_grad():
        estimate, target = estimate.reshape(-1).float().cpu(), target.reshape(-1).float().cpu()
        rvm = relative_volume_mel(estimate, target, **RVM_SETTINGS)
        log_mel_l1 = (_log_mel(estimate) - _log_mel(target)).abs().mean()
    return {"iteration": iteration, "rvm": round(float(rvm["rvm"]), 4), "log_mel_l1": round(float(log_mel_l1), 4)}


def train_one(
    sound: str,
    loss: str,
    *,
    iterations: int = 1000,
    checkpoint_every: int = 250,
    trace_every: int = 25,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress=None,
    perceptual: PerceptualLoss | None = None,
) -> dict:
    """Train a fresh generator to reproduce one sound with one loss; score it at every checkpoint.

    Args:
        sound: an example name.
        loss: ``"mse"`` or ``"perceptual"``.
        iterations: optimiser steps (default 1000).
        checkpoint_every: keep the audio and full scores every this many steps (default 250).
        trace_every: also record RVM and log-mel L1 every this many steps, from step 0 (default 25).
        seed: base seed (default 0); the run uses :func:`run_seed`.
        device: where to train (default CPU). Scores are computed on the CPU.
        progress: a tqdm bar to advance by one per step (default none).
        perceptual: a ready :class:`~audiolosses.perceptual.PerceptualLoss` (default ``PerceptualLoss.original()``).

    Returns:
        dict: ``sound``, ``loss``, ``seed``, ``seconds``, ``train_loss`` (one value per step), ``trace`` and
        ``checkpoints`` (each with ``iteration``, the scores of :func:`evaluate` and ``audio`` ``[8192]``).
    """
    check_choice(sound, "sound", audio.EXAMPLES)
    check_choice(loss, "loss", LOSSES)
    check_int(iterations, "iterations", minimum=1)
    check_int(checkpoint_every, "checkpoint_every", minimum=1)
    check_int(trace_every, "trace_every", minimum=1)
    device = torch.device(device)
    perceptual = (PerceptualLoss.original() if perceptual is None else perceptual).float()
    scorer = copy.deepcopy(perceptual).cpu()  # scores on the CPU while the trainer stays on its device
    run_seed_value = run_seed(seed, sound, loss)
    generator = torch.Generator().manual_seed(run_seed_value)
    noise = torch.randn(1, NOISE_DIM, generator=generator)
    network = Generator(generator=generator).to(device)
    noise = noise.to(device)
    target = load_target(sound)
    target_device = target.to(device)
    optimiser = torch.optim.Adam(network.parameters(), lr=LEARNING_RATE, betas=BETAS)
    if loss == "perceptual":
        trainer = perceptual.to(device)
        with torch.no_grad():
            target_image = trainer.features(target_device)

        def objective(output):
            return trainer.distance_between(trainer.features(output), target_image)
    else:

        def objective(output):
            return F.mse_loss(output, target_device)

    train_loss, trace, checkpoints = [], [], []
    start = time.perf_counter()
    for step in range(iterations + 1):
        if step % trace_every == 0 or step % checkpoint_every == 0 or step == iterations:
            with torch.no_grad():
                current = network(noise)
            if step % trace_every == 0:
                trace.append(_trace_point(step, current, target))
            if step > 0 and (step % checkpoint_every == 0 or step == iterations):
                scores = evaluate(current.cpu(), target, scorer)
                checkpoints.append({"iteration": step, **scores, "audio": current.detach().reshape(-1).cpu().float()})
        if step == iterations:
            break
        optimiser.zero_grad(set_to_none=True)
        value = objective(network(noise))
        value.backward()
        optimiser.step()
        train_loss.append(float(value.detach()))
        if progress is not None:
            progress.update(1)
    return {
        "sound": sound,
        "loss": loss,
        "seed": run_seed_value,
        "seconds": round(time.perf_counter() - start, 2),
        "train_loss": [round(v, 6) for v in train_loss],
        "trace": trace,
        "checkpoints": checkpoints,
    }


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {torch.get_num_threads()} torch threads, {platform.system()} {platform.release()}"


def run_experiment(
    *,
    sounds: Sequence[str] = audio.EXAMPLES,
    losses: Sequence[str] = LOSSES,
    iterations: int = 1000,
    checkpoint_every: int = 250,
    trace_every: int = 25,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress: bool = False,
    out_dir: str | Path | None = None,
    command: str | None = None,
    verbose: bool = False,
) -> dict:
    """Run every (sound, loss) pair and collect the results (optionally writing them with :func:`save_results`).

    Args:
        sounds: example names (default all five).
        losses: training losses (default both).
        iterations, checkpoint_every, trace_every, seed, device: as in :func:`train_one`.
        progress: show a tqdm progress bar on stderr (default False; keep it off in notebooks).
        out_dir: folder to write the results to (default: do not write).
        command: the command line to record (default none).
        verbose: print one line per finished run to stdout (default False).

    Returns:
        dict: the results, as :func:`load_results` returns them, with audio tensors.
    """
    sounds, losses = list(sounds), list(losses)
    if not sounds or not losses:
        raise ValueError("sounds and losses must not be empty")
    for sound in sounds:
        check_choice(sound, "sounds", audio.EXAMPLES)
    for loss in losses:
        check_choice(loss, "losses", LOSSES)
    check_int(iterations, "iterations", minimum=1)
    perceptual = PerceptualLoss.original()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(sounds) * len(losses) * iterations, unit="step", desc="overfit")
    start = time.perf_counter()
    runs = []
    for sound in sounds:
        for loss in losses:
            if bar is not None:
                bar.set_postfix_str(f"{sound}/{loss}")
            runs.append(
                train_one(
                    sound,
                    loss,
                    iterations=iterations,
                    checkpoint_every=checkpoint_every,
                    trace_every=trace_every,
                    seed=seed,
                    device=device,
                    progress=bar,
                    perceptual=perceptual,
                )
            )
            if verbose:
                last = runs[-1]["checkpoints"][-1]
                print(
                    f"{sound}/{loss}: {runs[-1]['seconds']:.0f} s, RVM {last['rvm']:.2f} dB at step "
                    f"{last['iteration']}",
                    flush=True,
                )
    if bar is not None:
        bar.close()
    results = {
        "settings": {
            "sounds": sounds,
            "losses": losses,
            "iterations": iterations,
            "checkpoint_every": checkpoint_every,
            "trace_every": trace_every,
            "seed": seed,
            "device": str(device),
            "sample_rate": SAMPLE_RATE,
            "n_samples": N_SAMPLES,
            "noise_dim": NOISE_DIM,
            "learning_rate": LEARNING_RATE,
            "betas": list(BETAS),
            "perceptual": {k: v for k, v in _perceptual_settings(perceptual).items()},
            "rvm": RVM_SETTINGS,
            "log_mel": LOG_MEL_SETTINGS,
        },
        "versions": {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "audiolosses": _package_version(),
        },
        "machine": _machine(),
        "command": command,
        "seconds": round(time.perf_counter() - start, 1),
        "targets": {sound: {"wav": f"{sound}_target.wav", "audio": load_target(sound).reshape(-1)} for sound in sounds},
        "runs": runs,
    }
    if out_dir is not None:
        save_results(results, out_dir)
    return results


def _perceptual_settings(loss: PerceptualLoss) -> dict:
    return {
        "sample_rate": loss.sample_rate,
        "n_bands": loss.n_bands,
        "n_taps": loss.n_taps,
        "f_min": loss.f_min,
        "f_max": loss.f_max,
        "stride": loss.stride,
        "log_factor": loss.log_factor,
        "weighting": loss.weighting,
        "distance": loss.distance,
    }


def _package_version() -> str:
    from .. import __version__

    return __version__


def _wav_name(sound: str, loss: str, iteration: int) -> str:
    return f"{sound}_{loss}_{iteration:04d}.wav"


def save_results(results: dict, out_dir: str | Path) -> Path:
    """Write ``results.json``, the WAVs and a ``README.md`` into ``out_dir`` (created if missing).

    A clip whose peak exceeds 1 is stored scaled down by its peak (``wav_gain`` in the JSON records the
    factor), so a 16-bit WAV never clips and :func:`load_results` restores the level.

    Returns:
        The path of ``results.json``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sample_rate = results["settings"]["sample_rate"]
    document = json.loads(json.dumps({k: v for k, v in results.items() if k not in ("targets", "runs")}))
    document["targets"] = {}
    for sound, target in results["targets"].items():
        audio.save_wav(out / target["wav"], target["audio"].reshape(1, -1), sample_rate)
        document["targets"][sound] = {"wav": target["wav"]}
    document["runs"] = []
    for run in results["runs"]:
        entry = {k: v for k, v in run.items() if k != "checkpoints"}
        entry["checkpoints"] = []
        for checkpoint in run["checkpoints"]:
            clip = checkpoint["audio"].reshape(1, -1)
            gain = max(1.0, math.ceil(float(clip.abs().max()) * 1000) / 1000)
            name = _wav_name(run["sound"], run["loss"], checkpoint["iteration"])
            audio.save_wav(out / name, clip / gain, sample_rate)
            scores = {k: v for k, v in checkpoint.items() if k != "audio"}
            entry["checkpoints"].append({**scores, "wav": name, "wav_gain": gain})
        document["runs"].append(entry)
    path = out / "results.json"
    path.write_text(json.dumps(document, indent=1) + "\n")
    minutes = results["seconds"] / 60
    (out / "README.md").write_text(
        "# Results of the MSE-vs-perceptual overfitting experiment (chapter 4)\n\n"
        f"Made by:\n\n```bash\n{results.get('command') or 'audiolosses.experiments.overfit.run_experiment(...)'}\n```\n\n"
        f"- machine: {results['machine']}\n"
        f"- torch {results['versions']['torch']}, Python {results['versions']['python']}, "
        f"audiolosses {results['versions']['audiolosses']}\n"
        f"- total time: {results['seconds']:.0f} s ({minutes:.1f} min) for {len(results['runs'])} runs of "
        f"{results['settings']['iterations']} iterations on {results['settings']['device']}\n\n"
        "`results.json` holds the settings, every score and the per-step training loss; "
        "`<sound>_target.wav` are the targets and `<sound>_<loss>_<iteration>.wav` the generator's output at "
        "each checkpoint (16-bit mono, 11025 Hz; a clip louder than full scale is stored divided by its "
        "`wav_gain`). Load everything with `audiolosses.experiments.overfit.load_results()`.\n"
    )
    return path


def load_results(path: str | Path | None = None) -> dict:
    """Read a results folder written by :func:`save_results` (default: the one shipped with the package).

    Args:
        path: the folder, or its ``results.json`` (default :data:`DEFAULT_DIR`).

    Returns:
        dict: ``settings``, ``versions``, ``machine``, ``command``, ``seconds``, ``targets``
        (sound → ``{"wav", "audio"}``) and ``runs`` (each with its ``checkpoints``, whose ``audio`` is a
        ``[8192]`` float32 tensor at its trained level, or ``None`` where :func:`ship_results` left the
        clip out: its ``"wav"`` is then ``None``).

    Raises:
        FileNotFoundError: if there is no ``results.json`` there.
    """
    path = DEFAULT_DIR if path is None else Path(path)
    folder = path.parent if path.suffix == ".json" else path
    json_path = folder / "results.json"
    if not json_path.is_file():
        raise FileNotFoundError(
            f"no results.json in {folder}; run python -m audiolosses.experiments.overfit --out {folder}"
        )
    results = json.loads(json_path.read_text())
    for target in results["targets"].values():
        target["audio"] = None if target["wav"] is None else _read_wav(folder / target["wav"])
    for run in results["runs"]:
        for checkpoint in run["checkpoints"]:
            wav = checkpoint["wav"]
            checkpoint["audio"] = None if wav is None else _read_wav(folder / wav) * checkpoint.get("wav_gain", 1.0)
    return results


def _read_wav(path: Path) -> torch.Tensor:
    import soundfile as sf

    data, _ = sf.read(path, dtype="float32", always_2d=True)
    return torch.from_numpy(data[:, 0].copy())


def results_table(results: dict, iteration: int | None = None) -> list[dict]:
    """One row per (sound, loss) at a checkpoint (default the last): the scores, rounded for printing.

    Returns:
        list of dicts with ``sound``, ``loss``, ``iteration``, ``rvm``, ``rvm_0`` … ``rvm_3``, ``log_mel_l1``,
        ``mse``, ``perceptual``.
    """
    rows = []
    for run in results["runs"]:
        checkpoints = run["checkpoints"]
        chosen = (
            checkpoints[-1]
            if iteration is None
            else next((c for c in checkpoints if c["iteration"] == iteration), None)
        )
        if chosen is None:
            raise ValueError(f"iteration must be one of {[c['iteration'] for c in checkpoints]}, got {iteration}")
        row = {"sound": run["sound"], "loss": run["loss"], "iteration": chosen["iteration"]}
        for key in ("rvm", "rvm_0", "rvm_1", "rvm_2", "rvm_3", "log_mel_l1", "mse", "perceptual"):
            row[key] = round(chosen[key], 3)
        rows.append(row)
    return rows


#: Measures of a checkpoint that :func:`aggregate` summarises by default (lower is better for both).
SEED_MEASURES = ("rvm", "log_mel_l1")


def ship_results(
    source: str | Path,
    destination: str | Path,
    *,
    iterations: Sequence[int] = (),
    keep_train_loss: bool = False,
) -> Path:
    """Copy a results folder into the package, keeping only what a chapter uses.

    The scores of every checkpoint and the RVM/log-mel trace are kept as written; the WAVs are copied
    only for the checkpoints at ``iterations`` (the others get ``"wav": null``, and so do the targets,
    which every seed shares with the main folder), and the per-step training loss is dropped unless
    ``keep_train_loss``. :func:`load_results` reads the result (``audio`` is ``None`` where no WAV was
    kept). The JSON records what was left out under ``"shipped"``.

    Args:
        source: a folder written by :func:`save_results`.
        destination: the folder to write (created if missing).
        iterations: checkpoints whose WAVs to keep (default none).
        keep_train_loss: keep ``train_loss`` (default False).

    Returns:
        The path of the written ``results.json``.
    """
    import shutil

    source, destination = Path(source), Path(destination)
    document = json.loads((source / "results.json").read_text())
    available = {c["iteration"] for run in document["runs"] for c in run["checkpoints"]}
    for iteration in iterations:
        check_choice(iteration, "iterations", sorted(available))
    destination.mkdir(parents=True, exist_ok=True)
    for target in document["targets"].values():
        target["wav"] = None
    for run in document["runs"]:
        if not keep_train_loss:
            run.pop("train_loss", None)
        for checkpoint in run["checkpoints"]:
            if checkpoint["iteration"] in iterations:
                shutil.copyfile(source / checkpoint["wav"], destination / checkpoint["wav"])
            else:
                checkpoint["wav"] = None
    document["shipped"] = {
        "wav_iterations": sorted(iterations),
        "train_loss": "kept" if keep_train_loss else "dropped",
        "targets": "not copied (the same in every seed)",
    }
    path = destination / "results.json"
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path


def load_seeds(path: str | Path | None = None) -> dict[int, dict]:
    """Read a results folder and its ``seed<k>/`` sub-folders: every seed of the experiment.

    The folder itself holds one seed (its ``settings["seed"]``, 0 for the shipped one); each
    sub-folder named ``seed<k>`` that holds a ``results.json`` adds seed ``k``.

    Args:
        path: the folder (default :data:`DEFAULT_DIR`).

    Returns:
        dict: seed → :func:`load_results` of that seed, in increasing seed order.

    Raises:
        FileNotFoundError: if the folder has no ``results.json``.
        ValueError: if two seeds were run with different settings (other than the seed and device),
            if a sub-folder's seed disagrees with its name, or if a seed appears twice.
    """
    folder = DEFAULT_DIR if path is None else Path(path)
    found = {}
    main_results = load_results(folder)
    found[int(main_results["settings"]["seed"])] = main_results
    for sub in sorted(folder.glob("seed*")):
        if not (sub / "results.json").is_file():
            continue
        seed = int(json.loads((sub / "results.json").read_text())["settings"]["seed"])
        if sub.name != f"seed{seed}":
            raise ValueError(f"{sub} holds the results of seed {seed}; name it seed{seed}")
        if seed in found:
            raise ValueError(f"seed {seed} appears twice under {folder}")
        found[seed] = load_results(sub)
    reference = _comparable_settings(main_results)
    for seed, results in found.items():
        if _comparable_settings(results) != reference:
            raise ValueError(f"seed {seed} was run with other settings than seed {main_results['settings']['seed']}")
    return dict(sorted(found.items()))


def _comparable_settings(results: dict) -> dict:
    return {k: v for k, v in results["settings"].items() if k not in ("seed", "device")}


def seed_values(results_by_seed: dict[int, dict], sound: str, loss: str, key: str, iteration: int) -> list[float]:
    """One checkpoint score of one (sound, loss), for every seed (in the mapping's order).

    Args:
        results_by_seed: seed → results (:func:`load_seeds`).
        sound, loss: the run.
        key: a score of :func:`evaluate` (``"rvm"``, ``"rvm_3"``, ``"log_mel_l1"``, ...).
        iteration: the checkpoint.
    """
    if not results_by_seed:
        raise ValueError("results_by_seed must hold at least one seed")
    values = []
    for seed, results in results_by_seed.items():
        run = next((r for r in results["runs"] if r["sound"] == sound and r["loss"] == loss), None)
        if run is None:
            raise ValueError(f"seed {seed} has no run for sound={sound!r}, loss={loss!r}")
        checkpoint = next((c for c in run["checkpoints"] if c["iteration"] == iteration), None)
        if checkpoint is None:
            iterations = [c["iteration"] for c in run["checkpoints"]]
            raise ValueError(f"iteration must be one of {iterations}, got {iteration}")
        if key not in checkpoint or not isinstance(checkpoint[key], (int, float)):
            raise ValueError(f"key must name a score of a checkpoint, got {key!r}")
        values.append(float(checkpoint[key]))
    return values


def summarise(values: Sequence[float]) -> dict:
    """``n``, ``mean``, ``std`` (sample standard deviation; 0 for one value), ``low``, ``high`` and
    ``spread`` (``high - low``, the seed-to-seed range) of some values."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("values must not be empty")
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return {
        "n": n,
        "mean": mean,
        "std": std,
        "low": min(values),
        "high": max(values),
        "spread": max(values) - min(values),
    }


def aggregate(results_by_seed: dict[int, dict], keys: Sequence[str] = SEED_MEASURES) -> list[dict]:
    """Mean and seed-to-seed spread of every score in ``keys`` at every checkpoint of every (sound, loss).

    Args:
        results_by_seed: seed → results (:func:`load_seeds`); every seed must hold the same runs.
        keys: scores to summarise (default :data:`SEED_MEASURES`).

    Returns:
        list[dict]: one dict per (sound, loss, iteration, key), in the first seed's order, holding
        those four, ``values`` (one per seed) and :func:`summarise`'s fields.
    """
    first = next(iter(results_by_seed.values()), None)
    if first is None:
        raise ValueError("results_by_seed must hold at least one seed")
    rows = []
    for run in first["runs"]:
        for checkpoint in run["checkpoints"]:
            for key in keys:
                values = seed_values(results_by_seed, run["sound"], run["loss"], key, checkpoint["iteration"])
                rows.append(
                    {
                        "sound": run["sound"],
                        "loss": run["loss"],
                        "iteration": checkpoint["iteration"],
                        "key": key,
                        "values": values,
                        **summarise(values),
                    }
                )
    return rows


def verdict(mse_values: Sequence[float], perceptual_values: Sequence[float], *, lower_is_better: bool = True) -> dict:
    """Which loss wins on one measure, judged against the seed-to-seed spread.

    ``gap`` is how much better the perceptual runs are on average (``mean(mse) - mean(perceptual)`` when
    lower is better); ``spread`` is the larger of the two losses' seed-to-seed ranges. The winner is the
    loss that is ahead by more than the spread; otherwise the difference is ``"within the spread"``.
    With one seed per loss there is no spread to judge against (``"one seed"``).

    Returns:
        dict: ``mse`` and ``perceptual`` (:func:`summarise`), ``gap``, ``spread`` and ``verdict`` (one of
        ``"perceptual"``, ``"mse"``, ``"within the spread"``, ``"one seed"``).
    """
    mse, perceptual = summarise(mse_values), summarise(perceptual_values)
    gap = mse["mean"] - perceptual["mean"]
    if not lower_is_better:
        gap = -gap
    spread = max(mse["spread"], perceptual["spread"])
    if min(mse["n"], perceptual["n"]) < 2:
        outcome = "one seed"
    elif gap > spread:
        outcome = "perceptual"
    elif -gap > spread:
        outcome = "mse"
    else:
        outcome = "within the spread"
    return {"mse": mse, "perceptual": perceptual, "gap": gap, "spread": spread, "verdict": outcome}


def compare_losses(results_by_seed: dict[int, dict], key: str, iteration: int) -> dict[str, dict]:
    """:func:`verdict` of MSE against the perceptual loss on one score at one checkpoint, per sound.

    Args:
        results_by_seed: seed → results (:func:`load_seeds`).
        key: a score where lower is better (``"rvm"``, ``"rvm_0"`` … ``"rvm_3"``, ``"log_mel_l1"``).
        iteration: the checkpoint.

    Returns:
        dict: sound → :func:`verdict`, in the first seed's order of sounds.
    """
    first = next(iter(results_by_seed.values()), None)
    if first is None:
        raise ValueError("results_by_seed must hold at least one seed")
    return {
        sound: verdict(
            seed_values(results_by_seed, sound, "mse", key, iteration),
            seed_values(results_by_seed, sound, "perceptual", key, iteration),
        )
        for sound in first["settings"]["sounds"]
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audiolosses.experiments.overfit",
        description="Overfit a generator to one window of each example sound with MSE and with the perceptual "
        "loss; score every checkpoint with RVM and log-mel L1; write results.json, WAVs and README.md.",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("overfit_results"), help="output folder (default: ./overfit_results)"
    )
    parser.add_argument(
        "--sounds",
        nargs="+",
        default=list(audio.EXAMPLES),
        choices=audio.EXAMPLES,
        help="example sounds (default: all five)",
    )
    parser.add_argument("--losses", nargs="+", default=list(LOSSES), choices=LOSSES, help="losses (default: both)")
    parser.add_argument("--iterations", type=int, default=1000, help="optimiser steps per run (default 1000)")
    parser.add_argument("--checkpoint-every", type=int, default=250, help="steps between checkpoints (default 250)")
    parser.add_argument("--trace-every", type=int, default=25, help="steps between RVM trace points (default 25)")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    parser.add_argument("--device", default="cpu", help="torch device to train on (default cpu)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (see ``--help``)."""
    args = _parser().parse_args(argv)
    for name in ("iterations", "checkpoint_every", "trace_every"):
        if getattr(args, name) < 1:
            _parser().error(f"--{name.replace('_', '-')} must be >= 1")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    argv_text = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["python -m audiolosses.experiments.overfit", *map(shlex.quote, argv_text)])
    results = run_experiment(
        sounds=args.sounds,
        losses=args.losses,
        iterations=args.iterations,
        checkpoint_every=args.checkpoint_every,
        trace_every=args.trace_every,
        seed=args.seed,
        device=args.device,
        progress=not args.no_progress,
        out_dir=args.out,
        command=command,
        verbose=True,
    )
    print(f"wrote {args.out / 'results.json'} ({len(results['runs'])} runs, {results['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
