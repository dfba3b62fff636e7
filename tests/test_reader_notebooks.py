"""The reader notebooks (notebooks/, for Colab and Jupyter) and the self-checks' "not attempted yet".

- They are current: scripts/make_reader_notebooks.py regenerates them in memory from the chapters and the
  result must equal the committed files (`make reader-notebooks` rewrites them).
- No MyST survives in them (directives, roles, targets, options); every exercise of the chapter has its
  heading, an empty "Your turn" cell, a check cell built from the solution's self-check line, and a
  solution folded under a "Solution" heading (listed in Colab's collapsed_sections, marked collapsed for
  JupyterLab) whose code is Markdown, never run.
- Each executes top to bottom in a fresh kernel with the "Your turn" cells left empty: no error, and
  every check says "not attempted yet". Each notebook is run once (the slowest part: about as long as
  the chapter itself).
- Every public check_* function, called with None, prints "not attempted yet" naming what to define,
  returns False and raises nothing.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_reader_notebooks as reader  # noqa: E402

CHAPTERS = reader.toc_chapters(ROOT)
READERS = [reader.reader_path(c, ROOT) for c in CHAPTERS]
IDS = [c.stem for c in CHAPTERS]
EXECUTION_TIMEOUT_S = 600

# MyST that plain Jupyter Markdown would show raw.
MYST_LEFTOVERS = [
    (re.compile(r"^\s*(`{3,}|:{3,})\{[\w:.-]+\}", re.M), "a MyST directive"),
    (re.compile(r"\{[\w:.-]+\}`"), "a MyST role"),
    (re.compile(r"^\s*\([\w:.-]+\)=\s*$", re.M), "a MyST target"),
    (re.compile(r"^\s*:(label|class|name|nonumber|alt|width|align):", re.M), "a directive option"),
    (re.compile(r"^\+\+\+\s*$", re.M), "a MyST block break"),
    (re.compile(r"solution-(start|end)"), "a solution marker"),
]


def _source(cell) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _without_code(markdown: str) -> str:
    markdown = re.sub(r"^(`{3,}|~{3,})(?![{]).*?^\1\s*$", "", markdown, flags=re.S | re.M)
    return re.sub(r"(?<!\})`[^`\n]+`", "", markdown)


def _chapter_exercises(chapter: Path) -> list[str]:
    labels = []
    for cell in _load(chapter)["cells"]:
        if cell["cell_type"] == "markdown":
            for match in re.finditer(
                r"^\s*(`{3,}|:{3,})\{exercise\}[^\n]*\n((?:\s*:[\w-]+:.*\n)*)", _source(cell), re.M
            ):
                label = re.search(r":label:\s*(\S+)", match.group(2))
                labels.append(label.group(1) if label else "?")
    return labels


# --------------------------------------------------------------------------------------------------
# Generated, current, no MyST
# --------------------------------------------------------------------------------------------------


def test_reader_notebooks_are_current():
    start = time.perf_counter()
    files, warnings = reader.generate(ROOT)
    seconds = time.perf_counter() - start
    stale = sorted(str(p.relative_to(ROOT)) for p, text in files.items() if not p.exists() or p.read_text() != text)
    assert not stale, f"not current: {stale}; run `make reader-notebooks` (python scripts/make_reader_notebooks.py)"
    extra = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb") if p not in files)
    assert not extra, f"notebooks/ holds notebooks no chapter generates: {extra}"
    assert not warnings, "the generator met MyST it could not convert:\n" + "\n".join(warnings)
    assert seconds < 30, f"generating took {seconds:.1f} s"


def test_generation_is_deterministic_and_idempotent():
    first, _ = reader.generate(ROOT)
    second, _ = reader.generate(ROOT)
    assert first == second


def test_every_colab_chapter_has_a_reader_notebook():
    assert CHAPTERS, "no chapter found in _toc.yml"
    assert all(p.exists() for p in READERS), [str(p) for p in READERS if not p.exists()]
    appendix = [p for p in (ROOT / "book").glob("appendix_*.ipynb")]
    for path in appendix:  # they read files only a clone has: no Colab button, no reader notebook
        if not _load(path).get("metadata", {}).get("audiolosses", {}).get("colab", True):
            assert not (ROOT / "notebooks" / path.name).exists()


@pytest.mark.parametrize("path", READERS, ids=IDS)
def test_no_myst_survives(path):
    problems = []
    for index, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = _without_code(_source(cell))
        for pattern, what in MYST_LEFTOVERS:
            for match in pattern.finditer(text):
                problems.append(f"cell {index}: {what}: {match.group(0).strip()!r}")
        if re.search(r"\$[^$\n]*\$", text) and text.count("$") % 2:
            problems.append(f"cell {index}: an odd number of $ (broken math)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", READERS, ids=IDS)
def test_no_outputs_are_stored(path):
    notebook = _load(path)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "widgets" not in notebook["metadata"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_install_cell_comes_first_and_is_visible(chapter):
    cells = _load(reader.reader_path(chapter, ROOT))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    chapter_code = [c for c in _load(chapter)["cells"] if c["cell_type"] == "code"]
    assert _source(code[0]) == _source(chapter_code[0]), "the reader notebook's first code cell is the install cell"
    assert '"google.colab" in sys.modules' in _source(code[0])
    assert not code[0]["metadata"].get("tags") and not code[0]["metadata"].get("jupyter"), "shown, not hidden"
    # On the website it is hidden (myst-nb's remove-cell tag on the chapter's cell).
    assert "remove-cell" in chapter_code[0]["metadata"].get("tags", [])


# --------------------------------------------------------------------------------------------------
# Exercises: heading, "Your turn", check, folded solution
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_every_exercise_has_its_cell_its_check_and_a_folded_solution(chapter):
    labels = _chapter_exercises(chapter)
    notebook = _load(reader.reader_path(chapter, ROOT))
    cells = notebook["cells"]
    collapsed = notebook["metadata"]["colab"]["collapsed_sections"]
    headings = [
        i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and _source(c).startswith("### Exercise ")
    ]
    assert len(headings) == len(labels) >= 1, f"{len(labels)} exercises in the chapter, {len(headings)} here"
    problems = []
    for number, (index, label) in enumerate(zip(headings, labels), 1):
        name = f"exercise {number} ({label})"
        following = cells[index + 1 : index + 4]
        roles = [c["metadata"].get("audiolosses", {}).get("role") for c in following]
        if roles != ["your-turn", "check", "solution"]:
            problems.append(f"{name}: expected 'Your turn', check and solution after it, got {roles}")
            continue
        try_cell, check_cell, solution = following
        try_code = [
            line for line in _source(try_cell).splitlines() if line.strip() and not line.lstrip().startswith("#")
        ]
        if try_cell["cell_type"] != "code" or try_code:
            problems.append(f"{name}: the 'Your turn' cell must be an empty code cell (a comment at most)")
        match = re.search(
            r"^_ = \w+\.(check_\w+)\(\s*globals\(\)\.get\(\"(\w+)\"\)\s*\)$", _source(check_cell), re.M | re.S
        )
        if check_cell["cell_type"] != "code" or not match:
            problems.append(
                f"{name}: the check cell must call a check with globals().get(...): {_source(check_cell)!r}"
            )
        elif match.group(2) not in _source(try_cell):
            problems.append(f"{name}: the 'Your turn' cell does not name {match.group(2)}")
        if not (
            solution["cell_type"] == "markdown"
            and _source(solution).startswith("#### Solution")
            and solution["metadata"].get("jp-MarkdownHeadingCollapsed") is True
            and solution["id"] in collapsed
            and solution["metadata"].get("id") == solution["id"]
        ):
            problems.append(f"{name}: the solution heading must open collapsed in Colab and JupyterLab")
        # The solution section (up to the next heading of level <= 4) holds no code cell: never run.
        for cell in cells[index + 4 :]:
            if cell["cell_type"] == "markdown" and re.match(r"^#{1,4} ", _source(cell)):
                break
            if cell["cell_type"] == "code":
                problems.append(f"{name}: a code cell inside the folded solution")
    generated = [c for c in cells if c["metadata"].get("audiolosses", {}).get("role") in ("your-turn", "check")]
    long_lines = [line for c in generated for line in _source(c).splitlines() if len(line) > reader.LINE_LIMIT]
    if long_lines:
        problems.append(f"generated cells with lines over {reader.LINE_LIMIT} characters: {long_lines}")
    assert not problems, "\n".join(problems)


def test_check_line_parsing_and_cell_source():
    match = reader._CHECK_LINE.match("_ = rvm_exercises.check_aggregate_bands(my_aggregate_bands)")
    assert match.group("module", "check", "name") == ("rvm_exercises", "check_aggregate_bands", "my_aggregate_bands")
    assert reader._CHECK_LINE.match("_ = check_x(my_y)") is None  # the module alias is part of the form
    source = reader.check_cell_source("sdr_exercises", "check_permutation_invariant_si_sdr_loss", "my_pit_loss")
    assert all(len(line) <= reader.LINE_LIMIT for line in source.splitlines())
    compile(source, "<check>", "exec")


def test_myst_conversion_examples():
    site = reader.Site("https://github.com/o/r", "main", "https://o.github.io/r/")
    targets = {
        "fig-a": reader.Target("book/06_x", "Figure 6.1", "6.1"),
        "ex-b": reader.Target("book/02_y", "Exercise 2.3", "2.3"),
    }
    ctx = reader.Context(site, "book/06_x", "6", {"k": "Kong et al. (2020)"}, targets, {"g": "1.2345"})
    text = (
        "As {cite:p}`k` shows ({numref}`fig-a`, {ref}`ex-b`, {glue:text}`g:.2f`), see [ch. 7](07_z.ipynb).\n\n"
        "(sec-x)=\n"
        "```{admonition} Why\n:class: dropdown\nBecause $x^2$.\n```\n\n"
        "```python\n{cite:p}`not-a-role-in-code`\n```"
    )
    out = reader.convert_markdown(text, ctx)
    assert "[Kong et al. (2020)](https://o.github.io/r/book/bibliography.html)" in out
    assert "Figure 6.1" in out and "[Exercise 2.3](https://o.github.io/r/book/02_y.html#ex-b)" in out
    assert "1.23" in out and "[ch. 7](https://o.github.io/r/book/07_z.html)" in out
    assert "> **Why**\n>\n> Because $x^2$." in out
    assert "(sec-x)=" not in out and "{cite:p}`not-a-role-in-code`" in out  # code is left alone
    assert not ctx.warnings


# --------------------------------------------------------------------------------------------------
# "Not attempted yet"
# --------------------------------------------------------------------------------------------------


def _public_checks():
    import audiolosses.exercises as exercises

    found = {}
    for info in sorted(Path(exercises.__file__).parent.glob("[!_]*.py")):
        module = importlib.import_module(f"audiolosses.exercises.{info.stem}")
        for name in getattr(module, "__all__", []):
            if name.startswith("check_") and inspect.isfunction(getattr(module, name)):
                found[f"{info.stem}.{name}"] = getattr(module, name)
    return found


CHECKS = _public_checks()


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_treats_none_as_not_attempted(name, capsys):
    check = CHECKS[name]
    my_answer = None
    result = check(my_answer)  # raises nothing
    out = capsys.readouterr().out
    assert result is False
    assert out.count("\n") == 1 and "not attempted yet" in out and check.__name__ in out, out
    assert "`my_answer`" in out, f"the line should name what to define: {out!r}"


def test_run_cases_none_and_a_wrapped_none(capsys):
    import torch

    from audiolosses.exercises._core import Case, ExerciseCheckError, not_attempted, run_cases

    cases = [Case("one", (torch.tensor(1.0),), torch.tensor(2.0))]
    assert run_cases("check_double", None, cases) is False
    assert "check_double: not attempted yet" in capsys.readouterr().out

    # A check that wraps the answer in a helper before run_cases sees it (chapter 3's mel check does)
    from audiolosses.exercises import hifigan as hifigan_exercises

    assert hifigan_exercises.check_hifigan_mel(globals().get("my_hifigan_mel")) is False
    assert "check_hifigan_mel: not attempted yet (define `my_hifigan_mel`" in capsys.readouterr().out
    # A check call wrapped over several lines (as long check cells are) still names what to define.
    attempted = hifigan_exercises.check_hifigan_mel(
        globals().get("my_wrapped_mel"),
    )
    assert attempted is False and "(define `my_wrapped_mel`" in capsys.readouterr().out

    def check_double(fn):
        return run_cases("check_double", fn, cases)

    assert check_double(lambda x: 2 * x) is True
    capsys.readouterr()
    with pytest.raises(ExerciseCheckError, match="expected 2"):
        check_double(lambda x: 3 * x)
    assert not_attempted("check_double", 1.5) is False and capsys.readouterr().out == ""


# --------------------------------------------------------------------------------------------------
# Every reader notebook runs end to end with the exercises left empty
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", READERS, ids=IDS)
def test_reader_notebook_executes_with_the_exercises_left_empty(path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=EXECUTION_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError naming the cell on any error
    seconds = time.perf_counter() - start
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        if cell.metadata.get("audiolosses", {}).get("role") == "check":
            name = re.search(r'globals\(\)\.get\("(\w+)"\)', cell.source).group(1)
            if "not attempted yet" not in text or f"`{name}`" not in text:
                problems.append(f"cell {index}: the check did not say 'not attempted yet' for {name}: {text!r}")
        if any(o.get("name") == "stderr" and "Warning" not in o.get("text", "") for o in cell.outputs):
            problems.append(f"cell {index}: wrote to stderr: {text!r}")
    print(f"{path.name}: executed in {seconds:.1f} s")
    assert not problems, "\n".join(problems)
