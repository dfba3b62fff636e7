"""The command line: ``python -m audiolosses.atlas``.

Part of :mod:`audiolosses.atlas`. Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import torch

from .experiment import compute_atlas, write_results

# Command line
# --------------------------------------------------------------------------------------------------


def _csv(text: str) -> list[str]:
    return [item for item in text.split(",") if item]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m audiolosses.atlas --out <dir> [--sounds a,b] [--distortions x,y] [--max-severities n]
    [--seconds s]``: compute the atlas and write ``atlas.json`` and ``README.md`` into ``<dir>``.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        int: 0 on success.
    """
    parser = argparse.ArgumentParser(prog="python -m audiolosses.atlas", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder (the committed copy: src/audiolosses/data/atlas)")
    parser.add_argument("--sounds", type=_csv, default=None, help="comma-separated example names (default: all)")
    parser.add_argument("--distortions", type=_csv, default=None, help="comma-separated distortions (default: all)")
    parser.add_argument("--max-severities", type=int, default=None, help="keep the n mildest severities")
    parser.add_argument("--seconds", type=float, default=None, help="cut the clips to their first seconds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same float rounding on any machine
    try:
        results = compute_atlas(
            args.sounds,
            args.distortions,
            max_severities=args.max_severities,
            seconds=args.seconds,
            seed=args.seed,
            progress=True,
        )
    finally:
        torch.set_num_threads(threads)
    command = "python -m audiolosses.atlas " + " ".join(sys.argv[1:] if argv is None else argv)
    path = write_results(results, args.out, command=command)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0
