"""What a stored chapter notebook must satisfy before it is committed (used by execute_notebooks.py and tests).

Strict nbval compares every stored output with a fresh run, so a notebook is only publishable when

1. it was run top to bottom in one kernel (execution counts 1, 2, 3, ...), with no error or stderr output;
2. nothing in its outputs varies between runs or machines by construction: no memory addresses
   (``<object at 0x7f...>``), no site-packages paths (a warning that names the machine's install);
3. every nbval marker is one nbval actually honours: a comment line that is *exactly* the marker
   (``# NBVAL_IGNORE_OUTPUT``), or a cell tag (``nbval-ignore-output``). nbval silently treats
   ``# NBVAL_IGNORE_OUTPUT (because ...)`` as a plain comment and compares the cell anyway;
4. no code cell ends with a trailing ``;`` (nbval still compares the output it meant to hide: use ``_ =``);
5. its stored outputs equal a fresh run on this CPU *and* under an emulated other CPU (torch's and MKL's
   kernels dispatched to their baseline code paths, oneDNN limited to SSE4.1): see :data:`OTHER_CPU_ENV`.

Checks 1-4 are static (:func:`static_problems`); check 5 runs nbval (:func:`nbval_command`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

#: Environment variables that make this machine compute like a CPU without AVX2/AVX-512: torch's ATen
#: kernels take their portable code path, MKL its conditional-numerical-reproducibility baseline and oneDNN
#: (convolutions) its SSE4.1 kernels. Stored outputs must survive this as well as the native run.
OTHER_CPU_ENV = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE", "ONEDNN_MAX_CPU_ISA": "SSE41"}

_ADDRESS = re.compile(r"at 0x[0-9a-fA-F]{6,}")


def nbval_markers() -> tuple[set[str], set[str]]:
    """The comment markers and cell tags nbval honours, read from nbval itself."""
    from nbval.plugin import comment_markers, metadata_tags

    return set(comment_markers), set(metadata_tags)


def marker_problems(source: str, tags: list[str]) -> list[str]:
    """Markers in a cell's source or tags that nbval would not honour (so it would silently compare the cell)."""
    comments, known_tags = nbval_markers()
    problems = []
    for line in source.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            continue
        comment = stripped.lstrip("#").strip()
        if re.search(r"NBVAL|PYTEST_VALIDATE", comment, re.IGNORECASE) and comment not in comments:
            problems.append(
                f"comment {stripped!r} is not a marker nbval honours: the line must be exactly "
                f"one of {sorted('# ' + c for c in comments)}"
            )
    for tag in tags:
        if tag.lower().startswith(("nbval", "raises-exception", "pytest-validate")) and tag not in known_tags:
            problems.append(f"cell tag {tag!r} is not one nbval honours: {sorted(known_tags)}")
    return problems


def static_problems(path: Path) -> list[str]:
    """Every reason (checks 1-4 above) why the stored notebook at ``path`` is not ready to commit."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = []
    counts = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        where = f"{Path(path).name} cell {index}"
        source = "".join(cell["source"])
        if source.strip():
            counts.append(cell.get("execution_count"))
        problems += [f"{where}: {p}" for p in marker_problems(source, cell.get("metadata", {}).get("tags", []))]
        if source.rstrip().endswith(";"):
            problems.append(f"{where}: ends with ';' (nbval still compares its output; write '_ = ...')")
        for output in cell.get("outputs", []):
            text = json.dumps(output)
            if output["output_type"] == "error":
                problems.append(f"{where}: stored error output ({output.get('ename')})")
            if output.get("name") == "stderr":
                problems.append(f"{where}: stored stderr output: {''.join(output.get('text', ''))[:200]!r}")
            if _ADDRESS.search(text):
                problems.append(f"{where}: a memory address in the stored output")
            if "site-packages" in text:
                problems.append(f"{where}: a site-packages path in the stored output (a warning?)")
    if None in counts:
        problems.append(f"{Path(path).name}: some code cells were never executed")
    elif counts != list(range(1, len(counts) + 1)):
        problems.append(f"{Path(path).name}: not run top to bottom in one kernel (execution counts {counts[:8]}...)")
    return problems


def nbval_command(python: str, paths: list[Path]) -> list[str]:
    """The strict-nbval command for ``paths`` (the repository's pytest settings from pyproject.toml)."""
    return [python, "-m", "pytest", *map(str, paths), "-q", "--no-header"]
