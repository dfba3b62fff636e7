"""Timing, peak memory and machine description for the benchmarks.

* **Time:** :func:`time_side_by_side` runs every implementation of a comparison in turn, round after
  round, in this one process (so a burst of load on a shared machine hits all of them alike), after
  ``warmup`` untimed calls each, and reports the median (and min, max) of the ``repeats`` timed calls.
  On CUDA each call is followed by ``torch.cuda.synchronize()``.
* **Peak memory, CPU:** :func:`peak_memory_cpu` profiles one call with ``torch.profiler`` and
  ``profile_memory=True``, then replays the allocator's ``[memory]`` events (every tensor allocation
  and free, in bytes) in time order: the peak of that running sum is the most tensor memory the call
  held at once *on top of what existed before it* (inputs excluded, outputs, saved activations,
  gradients and temporaries included). It does not count memory outside torch's CPU allocator (NumPy
  arrays, Python objects, library workspaces).
* **Peak memory, CUDA:** ``torch.cuda.max_memory_allocated()`` after ``reset_peak_memory_stats()``,
  minus the memory allocated before the call.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path

import torch

__all__ = [
    "CPU_MEMORY_METHOD",
    "CUDA_MEMORY_METHOD",
    "time_side_by_side",
    "peak_memory",
    "peak_memory_cpu",
    "peak_memory_cuda",
    "machine_info",
    "load_average",
]

CPU_MEMORY_METHOD = (
    "torch.profiler(profile_memory=True): peak of the running sum of the CPU allocator's "
    "[memory] events during one forward+backward, above the memory held before the call"
)
CUDA_MEMORY_METHOD = "torch.cuda.max_memory_allocated() during one forward+backward, minus memory_allocated() before"


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_side_by_side(
    functions: Mapping[str, Callable[[], object]], *, device: torch.device, warmup: int, repeats: int
) -> dict[str, dict]:
    """Median time of each function, measured in interleaved rounds.

    Args:
        functions: name → a callable doing one forward + backward.
        device: where the work runs (CUDA calls are synchronised before the clock stops).
        warmup: untimed calls of each function first.
        repeats: timed rounds; each round calls every function once.

    Returns:
        dict: name → ``{"median_ms", "min_ms", "max_ms", "times_ms"}``.
    """
    for fn in functions.values():
        for _ in range(warmup):
            fn()
        _synchronize(device)
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            _synchronize(device)
            start = time.perf_counter()
            fn()
            _synchronize(device)
            times[name].append((time.perf_counter() - start) * 1e3)
    return {
        name: {
            "median_ms": statistics.median(values),
            "min_ms": min(values),
            "max_ms": max(values),
            "times_ms": [round(v, 4) for v in values],
        }
        for name, values in times.items()
    }


def peak_memory_cpu(fn: Callable[[], object]) -> int:
    """Peak tensor bytes allocated by one call of ``fn`` above the level before it (see the module doc)."""
    from torch.profiler import ProfilerActivity, profile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Profiler clears events at the end of each cycle"
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            fn()
    with tempfile.TemporaryDirectory() as directory:
        trace = Path(directory) / "trace.json"
        prof.export_chrome_trace(str(trace))
        events = json.loads(trace.read_text()).get("traceEvents", [])
    memory = sorted(
        (e for e in events if e.get("name") == "[memory]" and "Bytes" in e.get("args", {})),
        key=lambda e: (e["ts"], e["args"].get("Ev Idx", 0)),
    )
    current = peak = 0
    for event in memory:
        if event["args"].get("Device Type", 0) != 0:  # CPU allocator only
            continue
        current += int(event["args"]["Bytes"])
        peak = max(peak, current)
    return peak


def peak_memory_cuda(fn: Callable[[], object], device: torch.device) -> int:
    """``max_memory_allocated`` during one call of ``fn`` minus the memory allocated before it."""
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    before = torch.cuda.memory_allocated(device)
    fn()
    torch.cuda.synchronize(device)
    return int(torch.cuda.max_memory_allocated(device) - before)


def peak_memory(fn: Callable[[], object], device: torch.device) -> int:
    """:func:`peak_memory_cuda` on a CUDA device, :func:`peak_memory_cpu` otherwise."""
    return peak_memory_cuda(fn, device) if device.type == "cuda" else peak_memory_cpu(fn)


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def machine_info(device: torch.device) -> dict:
    """What the numbers were measured on: CPU, cores, threads, memory, versions, GPU."""
    import numpy
    import torchaudio

    info = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "memory_gib": _memory_total_gib(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchaudio": torchaudio.__version__,
        "numpy": numpy.__version__,
        "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
    }
    try:
        from importlib.metadata import version

        import auraloss  # noqa: F401

        info["auraloss"] = version("auraloss")
    except Exception:  # context rows only; absent is fine
        info["auraloss"] = None
    return info
