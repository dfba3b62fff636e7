"""Estimate how long each chapter takes to study, for the table in book/intro.md.

    python scripts/study_times.py          # print the estimates
    python scripts/study_times.py --check  # exit 1 if book/intro.md disagrees with them
    python scripts/study_times.py --write  # write them into book/intro.md's chapter table

The estimate is a rule of thumb, stated in the intro: 120 words of prose a minute (technical reading, with
its formulas), half a minute per code cell (run it, look at the output) and 10 minutes per exercise,
rounded to 5 minutes. tests/test_book.py runs the check, so the intro stays current as chapters change.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 120
MINUTES_PER_CODE_CELL = 0.5
MINUTES_PER_EXERCISE = 10
# the intro's chapter table: "| 3 | [Title](03_....ipynb) | ... | 1 h 05 min |"
ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*\[[^\]]+\]\((\d\d_[a-z0-9_]+)\.ipynb\)\s*\|.*\|\s*([^|]+?)\s*\|\s*$")


def chapters() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if re.match(r"\d\d_", Path(f).name)]


def estimate_minutes(path: Path) -> int:
    notebook = nbformat.read(path, as_version=4)
    words = sum(len(c.source.split()) for c in notebook.cells if c.cell_type == "markdown")
    code_cells = sum(c.cell_type == "code" for c in notebook.cells)
    exercises = sum(c.source.count("{exercise}") for c in notebook.cells if c.cell_type == "markdown")
    minutes = words / WORDS_PER_MINUTE + MINUTES_PER_CODE_CELL * code_cells + MINUTES_PER_EXERCISE * exercises
    return max(5, 5 * round(minutes / 5))


def format_minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def intro_times() -> dict[str, str]:
    rows = (ROW.match(line) for line in (ROOT / "book" / "intro.md").read_text().splitlines())
    return {m.group(2): m.group(3) for m in rows if m}


def write_intro(expected: dict[str, str]) -> None:
    path = ROOT / "book" / "intro.md"
    lines = []
    for line in path.read_text().splitlines():
        match = ROW.match(line)
        if match and match.group(2) in expected:
            line = line[: line.rstrip().rstrip("|").rstrip().rfind("|")] + f"| {expected[match.group(2)]} |"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with book/intro.md")
    parser.add_argument("--write", action="store_true", help="write the estimates into book/intro.md")
    args = parser.parse_args()
    expected = {path.stem: format_minutes(estimate_minutes(path)) for path in chapters()}
    for name, time in expected.items():
        print(f"{name:40} {time}")
    if args.write:
        write_intro(expected)
    if args.check:
        found = intro_times()
        wrong = {n: (found.get(n), t) for n, t in expected.items() if found.get(n) != t}
        for name, (shown, computed) in wrong.items():
            print(f"book/intro.md shows {shown!r} for {name}, the estimate is {computed!r}")
        return 1 if wrong else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
