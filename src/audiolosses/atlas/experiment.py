"""The whole atlas: compute it, write it with its provenance, load it back.

Part of :mod:`audiolosses.atlas`. Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

import datetime
import json
import platform
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from .. import audio
from .._validation import check_choice, check_int, check_positive
from .distortions import DISTORTIONS, distort
from .judge import component_curve, judge
from .settings import FORMAT_VERSION, JUDGE_RATE, LOSSES, PERCEPTUAL_SETTINGS, RESULTS_DIR, RESULTS_FILE, SAMPLE_RATE
from .suite import LossSuite

# The whole atlas: compute, write, load
# --------------------------------------------------------------------------------------------------


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _unrelated_noise(reference: torch.Tensor, seed: int) -> torch.Tensor:
    noise = torch.randn(reference.shape, generator=torch.Generator().manual_seed(seed), dtype=reference.dtype)
    return noise * reference.pow(2).mean().sqrt() / noise.pow(2).mean().sqrt()


def compute_atlas(
    sounds: Sequence[str] | None = None,
    distortions: Sequence[str] | None = None,
    *,
    max_severities: int | None = None,
    seconds: float | None = None,
    judge_sound: str = "speech",
    seed: int = 0,
    progress: bool = False,
) -> dict:
    """Compute the atlas: every loss for every (sound, distortion, severity), and the judges on speech.

    Args:
        sounds: Example names (default: all of :func:`audiolosses.audio.list_examples`).
        distortions: Keys of :data:`~audiolosses.atlas.distortions.DISTORTIONS` (default: all).
        max_severities: Keep only the first (mildest) ``n`` severities of each grid (default: all).
        seconds: Cut every clip to its first ``seconds`` (default: whole clips, at most 2 s).
        judge_sound: The sound judged by PESQ and STOI, if it is among ``sounds`` (default ``"speech"``).
        seed: Seed of the noise and phase distortions and of the anchor noise (default 0).
        progress: Print one line per sound to stderr.

    Returns:
        dict: The results (see :func:`load_results` for the layout).

    Raises:
        ValueError: On an unknown sound or distortion, ``max_severities < 1`` or a clip shorter than 2048
            samples after cutting.
    """
    sounds = audio.list_examples() if sounds is None else list(sounds)
    distortions = list(DISTORTIONS) if distortions is None else list(distortions)
    for sound in sounds:
        check_choice(sound, "sounds[i]", audio.EXAMPLES)
    for name in distortions:
        check_choice(name, "distortions[i]", tuple(DISTORTIONS))
    if max_severities is not None:
        check_int(max_severities, "max_severities", minimum=1)
    if seconds is not None:
        seconds = check_positive(seconds, "seconds")
    check_int(seed, "seed")
    suite = LossSuite()
    grids = {name: list(DISTORTIONS[name].grid[:max_severities]) for name in distortions}
    results: dict = {
        "format_version": FORMAT_VERSION,
        "sample_rate": SAMPLE_RATE,
        "losses": list(LOSSES),
        "sounds": sounds,
        "distortions": {
            name: {
                "label": DISTORTIONS[name].label,
                "unit": DISTORTIONS[name].unit,
                "grid": grids[name],
                "worse": DISTORTIONS[name].worse,
                "family": DISTORTIONS[name].family,
            }
            for name in distortions
        },
        "identity": {},
        "anchor": {},
        "values": {},
        "judges": {},
        "seed": seed,
        "settings": {"perceptual": dict(PERCEPTUAL_SETTINGS), "judge_rate": JUDGE_RATE, "seconds": seconds},
    }
    for sound in sounds:
        if progress:
            print(f"atlas: {sound}", file=sys.stderr, flush=True)
        reference, _ = audio.load_example(sound)
        if seconds is not None:
            reference = reference[:, : round(seconds * SAMPLE_RATE)]
        results["identity"][sound] = {k: _round(v) for k, v in suite(reference, reference).items()}
        anchor = _unrelated_noise(reference, seed + 7)
        results["anchor"][sound] = {k: _round(v) for k, v in suite(anchor, reference).items()}
        per_sound: dict = {}
        judged: dict = {}
        for name in distortions:
            rows = {loss: [] for loss in LOSSES}
            judge_rows = {"pesq": [], "stoi": []}
            for severity in grids[name]:
                distorted = distort(reference, name, severity, SAMPLE_RATE, seed=seed)
                for loss, value in suite(distorted, reference).items():
                    rows[loss].append(_round(value))
                if sound == judge_sound:
                    for key, value in judge(reference, distorted).items():
                        judge_rows[key].append(_round(value))
            per_sound[name] = rows
            judged[name] = judge_rows
        results["values"][sound] = per_sound
        if sound == judge_sound:
            results["judges"] = {
                "sound": sound,
                "identity": {k: _round(v) for k, v in judge(reference, reference).items()},
                "values": judged,
            }
            results["component"] = component_curve(reference, [40.0, 30.0, 20.0, 10.0, 0.0, -10.0], seed=seed)
            results["component"] = {k: [_round(v) for v in vs] for k, vs in results["component"].items()}
    return results


def _machine() -> str:
    import os

    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"torch {torch.__version__}"
    )


def _package_versions() -> str:
    from importlib import metadata

    versions = []
    for package in ("torch", "torchaudio", "auraloss", "pesq", "pystoi", "scipy"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return ", ".join(versions)


def write_results(results: Mapping, out: str | Path, *, command: str | None = None) -> Path:
    """Write ``atlas.json`` and a provenance ``README.md`` into the folder ``out`` (created if missing).

    Args:
        results: The dict of :func:`compute_atlas`.
        out: Output folder.
        command: The command line to record (default: this process's).

    Returns:
        pathlib.Path: The path of ``atlas.json``.

    Raises:
        TypeError: If ``results`` is not a mapping holding the atlas's keys.
    """
    if not isinstance(results, Mapping) or "values" not in results:
        raise TypeError("results must be the dict returned by compute_atlas")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    command = command or "python -m audiolosses.atlas " + " ".join(sys.argv[1:])
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    stored = dict(results)
    stored["provenance"] = {"command": command, "machine": _machine(), "date": now, "packages": _package_versions()}
    path = out / RESULTS_FILE
    path.write_text(json.dumps(stored, indent=1) + "\n")
    sounds = ", ".join(results["sounds"])
    (out / "README.md").write_text(
        "# Loss atlas results\n\n"
        f"`{RESULTS_FILE}` holds every loss of `audiolosses.atlas.LOSSES` for every distortion of "
        f"`audiolosses.atlas.DISTORTIONS` and severity, for the example sounds ({sounds}), with wide-band PESQ "
        "and STOI for the speech example and the component-loss curve. It is read by "
        "`audiolosses.atlas.load_results()` and chapter 7 (`book/07_loss_atlas.ipynb`).\n\n"
        "Provenance (written by the command itself):\n\n"
        f"- command: `{command}`\n"
        f"- machine: {_machine()}\n"
        f"- date: {now}\n"
        f"- packages: {_package_versions()}\n"
        "- judges: wide-band PESQ and STOI at 16 kHz on the speech example\n\n"
        "Regenerate it with the same command; values are rounded to 6 significant digits.\n"
    )
    return path


def load_results(path: str | Path | None = None) -> dict:
    """Read an atlas results file.

    Layout: ``"losses"``, ``"sounds"``, ``"distortions"`` (name → label, unit, grid, worse, family),
    ``"values"[sound][distortion][loss]`` (one value per severity of the grid), ``"identity"[sound][loss]``
    (the loss of the reference against itself), ``"anchor"[sound][loss]`` (against an unrelated white noise of
    the reference's RMS), ``"judges"`` (``"sound"``, ``"identity"``, ``"values"[distortion]["pesq"|"stoi"]``),
    ``"component"`` (:func:`~audiolosses.atlas.judge.component_curve`), ``"settings"`` and ``"provenance"``.

    Args:
        path: ``atlas.json`` or the folder holding it (default: the committed results in
            ``audiolosses/data/atlas/``).

    Returns:
        dict: The results.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If the file is not an atlas results file of this format.
    """
    path = RESULTS_DIR if path is None else Path(path)
    if path.is_dir():
        path = path / RESULTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no atlas results at {path}; run python -m audiolosses.atlas --out <dir>")
    results = json.loads(path.read_text())
    if not isinstance(results, dict) or results.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path} is not an atlas results file of format version {FORMAT_VERSION}")
    return results


# --------------------------------------------------------------------------------------------------
