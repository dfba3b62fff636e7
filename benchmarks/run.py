"""Run the comparisons, check equal values, write the JSON result and print the table.

python -m benchmarks                       # full sizes on CPU -> benchmarks/results/cpu.json
python -m benchmarks --device cuda         # -> benchmarks/results/cuda.json
python -m benchmarks --quick --out /tmp/b.json
python -m benchmarks --only hifigan_mel --profile   # + torch.profiler table of the top ops
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from . import cases, harness

__all__ = ["SCHEMA_VERSION", "run", "format_table", "main", "DEFAULT_RESULTS"]

SCHEMA_VERSION = 1
DEFAULT_RESULTS = Path(__file__).resolve().parent / "results"


def _check_values(ours: dict, theirs: dict, rtol: float, atol: float) -> dict:
    """Compare the loss and the gradient: ``|a − b| <= atol + rtol·max|b|`` for every entry of each."""
    result = {"compared": True, "rtol": rtol, "atol": atol, "max_abs_diff": {}, "equal": True}
    for key in ours:
        a, b = ours[key], theirs[key]
        if a.shape != b.shape:
            result["max_abs_diff"][key] = None
            result["equal"] = False
            continue
        difference = float((a - b).abs().max()) if a.numel() else 0.0
        scale = float(b.abs().max()) if b.numel() else 0.0
        result["max_abs_diff"][key] = difference
        if not difference <= atol + rtol * scale:  # a NaN difference is unequal too
            result["equal"] = False
    result["loss_ours"] = float(ours["loss"])
    result["loss_reference"] = float(theirs["loss"])
    return result


def _profile_table(step, row_limit: int = 15) -> str:
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(3):
            step()
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=row_limit)


def run(
    comparisons,
    device: torch.device,
    *,
    warmup: int,
    repeats: int,
    memory: bool = True,
    profile: bool = False,
    log=print,
) -> list[dict]:
    """Time, measure and check every comparison; one dict per comparison (the JSON's ``"comparisons"``)."""
    results = []
    for comparison in comparisons:
        log(f"[{comparison.key}] {comparison.title}, shape {list(comparison.shape)}")
        available = {impl.name: impl for impl in comparison.implementations if impl.step is not None}
        timings = harness.time_side_by_side(
            {n: i.step for n, i in available.items()}, device=device, warmup=warmup, repeats=repeats
        )
        ours = next(i for i in comparison.implementations if i.role == "ours")
        ours_values = ours.values()
        rows = []
        for impl in comparison.implementations:
            row = {
                "implementation": impl.name,
                "role": impl.role,
                "available": impl.step is not None,
                "note": impl.note,
            }
            if impl.step is not None:
                row.update({k: round(v, 4) if isinstance(v, float) else v for k, v in timings[impl.name].items()})
                row["peak_memory_bytes"] = harness.peak_memory(impl.step, device) if memory else None
                row["time_ratio_vs_ours"] = round(row["median_ms"] / timings[ours.name]["median_ms"], 3)
                if impl.role in ("reference", "unchecked"):
                    row["values"] = _check_values(ours_values, impl.values(), comparison.rtol, comparison.atol)
                elif impl.role == "ours":
                    row["values"] = {"compared": False, "loss": float(ours_values["loss"])}
                else:
                    row["values"] = {
                        "compared": False,
                        "loss": float(impl.values()["loss"]),
                        "reason": "a different loss, shown for context",
                    }
                if profile:
                    row["profile"] = _profile_table(impl.step)
                    log(f"  torch.profiler, 3 calls of {impl.name}:\n{row['profile']}")
            rows.append(row)
        ours_row = next(r for r in rows if r["role"] == "ours")
        ours_memory = ours_row.get("peak_memory_bytes")
        for row in rows:
            if row.get("available") and ours_memory and row.get("peak_memory_bytes") is not None:
                row["memory_ratio_vs_ours"] = round(row["peak_memory_bytes"] / ours_memory, 3)
        entry = {
            "key": comparison.key,
            "title": comparison.title,
            "shape": list(comparison.shape),
            "dtype": comparison.dtype,
            "rows": rows,
            "target": None,
        }
        if comparison.target is not None:
            reference = next((r for r in rows if r["implementation"] == comparison.target["reference"]), None)
            ratio = reference.get("time_ratio_vs_ours") if reference and reference["available"] else None
            entry["target"] = {
                "text": comparison.target["text"],
                "min_ratio": comparison.target["min_ratio"],
                "ratio": ratio,
                "met": None if ratio is None else ratio >= comparison.target["min_ratio"],
            }
            max_memory = comparison.target.get("max_memory_ratio")
            if max_memory is not None:  # ours may use at most this fraction of the reference's peak memory
                theirs = reference.get("memory_ratio_vs_ours") if reference and reference["available"] else None
                memory = None if not theirs else round(1.0 / theirs, 3)
                entry["target"].update({"max_memory_ratio": max_memory, "memory_ratio": memory})
                if memory is None:
                    entry["target"]["met"] = None
                elif entry["target"]["met"] is not None:
                    entry["target"]["met"] = entry["target"]["met"] and memory <= max_memory
        unchecked = next((r for r in rows if r["role"] == "unchecked" and r["available"]), None)
        references_rows = [r for r in rows if r["role"] == "reference" and r["available"]]
        if unchecked is not None and references_rows:
            # the speed target of issue 17: with value checks off, at least as fast as each upstream/bare formula
            entry["checks_off"] = {
                "ratio_ours_checked_vs_unchecked": round(ours_row["median_ms"] / unchecked["median_ms"], 3),
                "references": {
                    r["implementation"]: round(r["median_ms"] / unchecked["median_ms"], 3) for r in references_rows
                },
            }
        results.append(entry)
    return results


def _memory(value) -> str:
    if value is None:
        return "-"
    return f"{value / 2**20:.1f} MiB" if value >= 2**20 else f"{value / 2**10:.0f} KiB"


def format_table(result: dict) -> str:
    """The side-by-side table: median time, peak memory, ratios to ours, value check, targets."""
    lines = []
    machine = result["machine"]
    lines.append(
        f"{machine['cpu']} ({machine['cpu_count']} cores, {machine['torch_threads']} torch threads), "
        f"device {machine['device']}, torch {machine['torch']}, {machine['date_utc']}"
    )
    lines.append(
        f"median of {result['settings']['repeats']} forward+backward calls after "
        f"{result['settings']['warmup']} warm-up; ratio = time of the row / time of ours (>1: ours faster)"
    )
    header = f"{'implementation':58} {'median ms':>10} {'ratio':>7} {'peak mem':>10} {'mem ratio':>9}  same values"
    for entry in result["comparisons"]:
        lines.append("")
        lines.append(f"{entry['title']}  [{', '.join(map(str, entry['shape']))}] {entry['dtype']}")
        lines.append(header)
        for row in entry["rows"]:
            if not row["available"]:
                lines.append(f"{row['implementation'][:58]:58} {row['note']}")
                continue
            values = row["values"]
            if values.get("compared"):
                same = f"{values['equal']} (max |diff| loss {values['max_abs_diff']['loss']:.1e})"
            else:
                same = "(ours)" if row["role"] == "ours" else "(context: different loss)"
            mem_ratio = row.get("memory_ratio_vs_ours")
            lines.append(
                f"{row['implementation'][:58]:58} {row['median_ms']:10.2f} {row['time_ratio_vs_ours']:7.2f} "
                f"{_memory(row['peak_memory_bytes']):>10} {'-' if mem_ratio is None else f'{mem_ratio:.2f}':>9}"
                f"  {same}"
            )
        target = entry["target"]
        if target is not None:
            state = "not measured" if target["met"] is None else ("met" if target["met"] else "NOT met")
            ratio = "-" if target["ratio"] is None else f"{target['ratio']:.2f}x"
            memory = ""
            if "max_memory_ratio" in target:
                measured = "-" if target["memory_ratio"] is None else f"{target['memory_ratio']:.2f}"
                memory = f"; peak memory ours/reference {measured} (<= {target['max_memory_ratio']:g})"
            lines.append(f"  target: {target['text']} (>= {target['min_ratio']:g}x): {ratio}{memory}, {state}")
        off = entry.get("checks_off")
        if off:
            speeds = ", ".join(f"{name} {ratio:.2f}x" for name, ratio in off["references"].items())
            lines.append(
                f"  value checks off: ours {off['ratio_ours_checked_vs_unchecked']:.2f}x faster than with "
                f"checks; reference time / ours unchecked: {speeds}"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 1 warm-up, 3 repeats (a smoke run)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON result (default benchmarks/results/<cpu|cuda>.json; --quick or --only runs "
        "write no file unless given, so a partial run never replaces the committed one)",
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed calls per implementation (default 15, quick 3)"
    )
    parser.add_argument("--warmup", type=int, default=None, help="untimed calls first (default 3, quick 1)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default 1 on CPU: stable numbers on a shared machine; the JSON records it)",
    )
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="comparison keys to run (prefixes): rvm hifigan_mel perceptual_loss perceptual_filter component kl auraloss mrstft",
    )
    parser.add_argument(
        "--no-download",
        action="store_true",
        help="never download audiocraft (also $AUDIOLOSSES_BENCHMARK_NO_DOWNLOAD=1); its row "
        "then says unavailable unless it is cached",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where audiocraft's sdist and rvm.py are kept (default $AUDIOLOSSES_BENCHMARK_CACHE "
        "or ~/.cache/audiolosses-benchmarks)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement")
    parser.add_argument("--profile", action="store_true", help="print a torch.profiler table of each row's top ops")
    args = parser.parse_args(argv)

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda was asked for but torch.cuda.is_available() is False")
    threads = args.threads if args.threads is not None else (1 if device.type == "cpu" else None)
    if threads is not None:
        if threads < 1:
            parser.error("--threads must be >= 1")
        torch.set_num_threads(threads)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 3)
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 15)
    if warmup < 0 or repeats < 1:
        parser.error("--warmup must be >= 0 and --repeats >= 1")
    out = args.out
    if out is None and not args.quick and not args.only:
        out = DEFAULT_RESULTS / f"{device.type}.json"

    mode = "quick" if args.quick else "full"
    download = False if args.no_download else None
    command = "python -m benchmarks" + (
        "" if argv is None and len(sys.argv) <= 1 else " " + " ".join(sys.argv[1:] if argv is None else argv)
    )
    load_before = harness.load_average()
    start = time.perf_counter()
    comparisons = cases.build_comparisons(mode, device, only=args.only, cache_dir=args.cache_dir, download=download)
    results = run(
        comparisons,
        device,
        warmup=warmup,
        repeats=repeats,
        memory=not args.no_memory,
        profile=args.profile,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )
    result = {
        "schema": SCHEMA_VERSION,
        "command": command,
        "machine": harness.machine_info(device),
        "settings": {
            "mode": mode,
            "warmup": warmup,
            "repeats": repeats,
            "dtype": "float32",
            "memory_method": None
            if args.no_memory
            else (harness.CUDA_MEMORY_METHOD if device.type == "cuda" else harness.CPU_MEMORY_METHOD),
            "timing": "time.perf_counter around one forward+backward; implementations interleaved "
            "round by round in one process; median reported",
        },
        "load_average": {"before": load_before, "after": harness.load_average()},
        "wall_seconds": round(time.perf_counter() - start, 1),
        "comparisons": results,
    }
    print(format_table(result))
    if out is not None:
        import json

        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
