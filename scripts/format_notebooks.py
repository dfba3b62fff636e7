"""Format the code cells of every chapter notebook to the website's column: at most 88 characters a line.

    python scripts/format_notebooks.py            # format (ruff format --line-length 88), then check
    python scripts/format_notebooks.py --check    # only report code lines longer than 88 characters

Formatting changes code layout only, never what a cell computes, so stored outputs stay valid. ruff
leaves long string literals and comments as they are: the script lists every line still over the limit
(exit status 1) so that it can be shortened by hand. tests/test_book.py runs the same check.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
LINE_LENGTH = 88


def toc_notebooks() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def long_lines(path: Path, limit: int = LINE_LENGTH) -> list[str]:
    """``"<notebook> cell <n> line <m> (<length>): <line>"`` for every code line over ``limit``."""
    notebook = nbformat.read(path, as_version=4)
    found = []
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for line_number, line in enumerate(cell.source.splitlines(), 1):
            if len(line) > limit:
                found.append(f"{path.relative_to(ROOT)} cell {number} line {line_number} ({len(line)}): {line}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in _toc.yml")
    parser.add_argument("--check", action="store_true", help="do not format, only report long lines")
    args = parser.parse_args()
    notebooks = [p.resolve() for p in args.notebooks] or toc_notebooks()
    if not args.check:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "format",
                "--line-length",
                str(LINE_LENGTH),
                "--no-cache",
                *map(str, notebooks),
            ],
            check=True,
            cwd=ROOT,
        )
    problems = [line for path in notebooks for line in long_lines(path)]
    for problem in problems:
        print(problem)
    print(f"{len(problems)} code line(s) over {LINE_LENGTH} characters in {len(notebooks)} notebook(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
