"""Run chapter notebooks top to bottom and store their outputs (and widget state) in place.

The website publishes stored outputs and strict nbval (``python -m pytest``) checks that they equal a
fresh run, so after editing a chapter run this script and commit the result:

    python scripts/execute_notebooks.py                       # every notebook in _toc.yml
    python scripts/execute_notebooks.py book/01_sound_spectra_decibels.ipynb

To measure what the chapters cost without touching them, ``--time-only`` runs each notebook from a
temporary copy (stored outputs in book/ are left as they are) and records the seconds per notebook,
the machine and the date in ``benchmarks/results/notebooks.json`` (or the file given):

    python scripts/execute_notebooks.py --time-only
    python scripts/execute_notebooks.py --time-only --times-out /tmp/t.json book/05_component_loss.ipynb

What a regenerated notebook must pass (``scripts/notebook_checks.py`` states it in full), checked after
storing unless ``--no-check``:

- the static checks: run top to bottom, no error or stderr output, no memory address or site-packages path
  in an output, no trailing ``;``, every nbval marker in a form nbval honours;
- strict nbval on the stored notebook natively, and again under an emulated other CPU
  (``ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=SSE41``). A number that differs
  there is printed with more digits than its computation keeps across CPUs: print fewer, print a stable
  summary, or compute it in float64. The script exits non-zero when any check fails.

``--no-store`` runs every notebook from a temporary copy and only reports whether each one runs without
error (no output comparison): how ``.ci/run`` checks the chapters on a newer Python/torch stack.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from notebook_checks import OTHER_CPU_ENV, nbval_command, static_problems  # noqa: E402

DEFAULT_TIMES = ROOT / "benchmarks" / "results" / "notebooks.json"
#: Execution-time budget of every chapter on the course's 2-core machine (what takes longer, such as chapter 4's
#: full experiment, runs as a command whose results are committed).
LIMIT_S = 60.0


def toc_notebooks() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def execute(path: Path, timeout: int, *, write: bool = True) -> float:
    """Run ``path`` top to bottom in a fresh kernel (working directory: its folder); return the seconds.

    With ``write`` (default) the outputs and widget state are stored back into ``path``.
    """
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    if write:
        for cell in notebook.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(notebook, path)
    return elapsed


def limit_for(path: Path) -> float:
    """The seconds a notebook may take (the same for every chapter)."""
    return LIMIT_S


def run_copies(paths: list[Path], timeout: int) -> list[dict]:
    """Execute copies of ``paths`` under a temporary folder; one record per notebook (seconds or error).

    Each notebook is copied to ``<tmp>/<its folder relative to the repo>/`` (``book/``), next to a copy of
    ``benchmarks/results`` so that notebooks reading ``../benchmarks/results/...`` find it; nothing in the
    repository is rewritten. A last cell is appended to each copy that reports the kernel's interpreter, so
    a kernel that silently ran another Python than this script's is an error too.
    """
    records = []
    with tempfile.TemporaryDirectory(prefix="audiolosses-notebooks-") as directory:
        results = ROOT / "benchmarks" / "results"
        if results.is_dir():
            shutil.copytree(results, Path(directory) / "benchmarks" / "results")
        for path in paths:
            path = path.resolve()
            try:
                relative = path.relative_to(ROOT)
            except ValueError:
                relative = Path(path.name)
            copy = Path(directory) / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            notebook = nbformat.read(path, as_version=4)
            notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
            nbformat.write(notebook, copy)
            limit = limit_for(path)
            record = {"notebook": relative.as_posix(), "seconds": None, "limit_s": limit, "within_limit": False}
            try:
                seconds = execute(copy, timeout)
                kernel_python = nbformat.read(copy, as_version=4).cells[-1].outputs[0]["text"].strip()
                if os.path.abspath(kernel_python) != os.path.abspath(sys.executable):
                    raise RuntimeError(f"the kernel ran {kernel_python}, not {sys.executable}")
            except Exception as error:  # a failing notebook is recorded as such; the others still run
                message = str(error).strip().splitlines()
                record["error"] = f"{type(error).__name__}: {message[-1] if message else ''}"
                print(f"{path.name}: FAILED ({record['error']})", flush=True)
            else:
                record.update(seconds=round(seconds, 1), within_limit=seconds <= limit)
                print(f"{path.name}: {seconds:.1f} s (limit {limit:.0f} s)", flush=True)
            records.append(record)
    return records


def time_notebooks(paths: list[Path], out: Path, timeout: int) -> dict:
    """Execute copies of ``paths`` (see :func:`run_copies`) and write their execution times to ``out``."""
    sys.path.insert(0, str(ROOT))
    import torch

    from benchmarks.harness import load_average, machine_info

    load_before = load_average()
    records = run_copies(paths, timeout)
    machine = machine_info(torch.device("cpu"))
    result = {
        "schema": 1,
        "command": "python scripts/execute_notebooks.py --time-only",
        "what": "seconds to execute each notebook top to bottom in a fresh kernel (nbclient), from a temporary copy",
        "machine": {
            key: machine[key] for key in ("date_utc", "platform", "cpu", "cpu_count", "memory_gib", "python", "torch")
        },
        "load_average": {"before": load_before, "after": load_average()},
        "limits_s": {"default": LIMIT_S},
        "notebooks": records,
        "total_seconds": round(sum(r["seconds"] for r in records if r["seconds"] is not None), 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    return result


def check_stored(paths: list[Path]) -> bool:
    """Run every check a stored notebook must pass (module docstring); print what fails; True if all pass."""
    problems = [problem for path in paths for problem in static_problems(path)]
    for problem in problems:
        print(f"  static check: {problem}", flush=True)
    passed = not problems
    for label, extra in (("this CPU", {}), ("an emulated other CPU", OTHER_CPU_ENV)):
        command = nbval_command(sys.executable, paths)
        print(
            f"strict nbval on {label}: {' '.join(f'{k}={v}' for k, v in extra.items())} {' '.join(command)}", flush=True
        )
        completed = subprocess.run(command, cwd=ROOT, env={**os.environ, **extra}, capture_output=True, text=True)
        summary = (completed.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"  {summary}", flush=True)
        if completed.returncode != 0:
            print(completed.stdout[-6000:], flush=True)
            passed = False
    return passed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all in _toc.yml)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    parser.add_argument(
        "--time-only",
        action="store_true",
        help="run temporary copies, leave the notebooks untouched and record the seconds per notebook in --times-out",
    )
    parser.add_argument(
        "--times-out",
        type=Path,
        default=DEFAULT_TIMES,
        metavar="JSON",
        help="where --time-only writes (default benchmarks/results/notebooks.json)",
    )
    parser.add_argument(
        "--no-store", action="store_true", help="run temporary copies, store nothing, exit 1 if any notebook raises"
    )
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="store the outputs without checking them (static checks, nbval on two CPUs)",
    )
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or toc_notebooks()
    if args.time_only:
        time_notebooks(paths, args.times_out, args.timeout)
        return 0
    if args.no_store:
        records = run_copies(paths, args.timeout)
        failed = [r["notebook"] for r in records if r.get("error")]
        print(f"{len(records) - len(failed)} ran, {len(failed)} failed" + (f": {failed}" if failed else ""))
        return 1 if failed else 0
    for path in paths:
        elapsed = execute(path, args.timeout)
        print(f"{path.name}: executed in {elapsed:.1f} s", flush=True)
    if args.no_check:
        return 0
    if check_stored(paths):
        print("stored outputs pass every check")
        return 0
    print("NOT READY TO COMMIT: see the failures above (scripts/notebook_checks.py explains each check)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
