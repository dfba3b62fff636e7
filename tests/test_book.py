"""The book's structure: _toc.yml and book/ agree, every chapter has the Colab install cell, the
configuration the website and Colab buttons rely on is in place."""

import ast
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from notebook_checks import marker_problems, static_problems  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_files():
    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(section["file"] for section in chapter.get("sections", []))
    return files


def toc_notebooks():
    return sorted(f for f in toc_files() if (ROOT / f"{f}.ipynb").exists())


def test_every_toc_entry_exists():
    missing = [f for f in toc_files() if not any((ROOT / f"{f}{ext}").exists() for ext in (".ipynb", ".md"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_in_book_is_in_the_toc_and_vice_versa():
    on_disk = sorted(
        str(p.relative_to(ROOT).with_suffix(""))
        for p in (ROOT / "book").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts
    )
    listed = toc_notebooks()
    assert on_disk == listed, (
        f"not in _toc.yml: {sorted(set(on_disk) - set(listed))}; in _toc.yml but missing: {sorted(set(listed) - set(on_disk))}"
    )


def test_chapters_have_sortable_meaningful_names():
    for name in toc_notebooks():
        stem = Path(name).name
        if stem.startswith("appendix_"):  # appendices: appendix_<topic>
            assert stem.partition("_")[2], f"{stem}: expected appendix_meaningful_name"
            continue
        number, _, title = stem.partition("_")
        assert number.isdigit() and len(number) == 2 and title, f"{stem}: expected NN_meaningful_name"


def test_site_configuration():
    assert CONFIG["execute"]["execute_notebooks"] == "off", "outputs are stored; nbval proves they are current"
    repo = CONFIG["repository"]
    assert repo["url"].startswith("https://github.com/") and repo["branch"] == "main"
    assert repo["path_to_book"] == ""
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    for pattern in (".venv", "venv", "node_modules", "_build", "README.md"):
        assert pattern in CONFIG["exclude_patterns"]


def _code_cells(path):
    notebook = json.loads(path.read_text())
    return [c for c in notebook["cells"] if c["cell_type"] == "code"], notebook


@pytest.mark.parametrize("name", toc_notebooks())
def test_first_code_cell_installs_the_package_on_colab_only(name):
    cells, _ = _code_cells(ROOT / f"{name}.ipynb")
    assert cells, f"{name} has no code cell"
    source = "".join(cells[0]["source"])
    assert '"google.colab" in sys.modules' in source, f"{name}: first code cell must be guarded for Colab"
    url = CONFIG["repository"]["url"]
    # The string constants as Python sees them (adjacent literals joined: the cell splits the long one)
    strings = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    specs = [s for s in strings if re.fullmatch(r"audiolosses\[[a-z,]+\] @ git\+\S+", s)]
    assert specs == [s for s in specs if s.endswith(f"git+{url}")] and specs, (
        f"{name}: the Colab install cell must install from {url} (set in _config.yml)"
    )
    install_lines = [line for line in source.splitlines() if "pip" in line]
    assert install_lines and all(line.startswith((" ", "\t")) for line in install_lines), (
        f"{name}: the pip install must sit inside the Colab guard"
    )
    # matplotlib and ipywidgets are the `notebook` extra (pyproject.toml): every chapter draws figures
    extras = re.match(r"audiolosses\[([a-z,]+)\]", specs[0])
    assert "notebook" in extras.group(1).split(","), (
        f"{name}: the Colab cell must install audiolosses[notebook] (or [notebook,...]) from {url}"
    )
    # The website does not show it (a reader there needs no install); the reader notebooks do.
    assert "remove-cell" in cells[0].get("metadata", {}).get("tags", []), (
        f"{name}: the install cell needs the remove-cell tag (python scripts/make_reader_notebooks.py "
        "--fix-install-cells)"
    )
    long_lines = [line for line in source.splitlines() if len(line) > 88]
    assert not long_lines, f"{name}: install cell lines over 88 characters: {long_lines}"


@pytest.mark.parametrize("name", toc_notebooks())
def test_notebook_is_fully_executed_and_clean(name):
    _, notebook = _code_cells(ROOT / f"{name}.ipynb")
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    problems = static_problems(ROOT / f"{name}.ipynb")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "source, tags, honoured",
    [
        ("# NBVAL_IGNORE_OUTPUT\nx = 1", [], True),
        ("#NBVAL_IGNORE_OUTPUT\nx = 1", [], True),
        ("x = 1\n    # NBVAL_SKIP", [], True),
        ("# NBVAL_IGNORE_OUTPUT  (float32 training: asserted below)\nx = 1", [], False),
        ("# NBVAL_IGNORE_OUTPUT: the last digits vary\nx = 1", [], False),
        ("# nbval_ignore_output\nx = 1", [], False),
        ("# NBVAL_IGNORE\nx = 1", [], False),
        ("x = 1", ["nbval-ignore-output"], True),
        ("x = 1", ["nbval-skip", "hide-input"], True),
        ("x = 1", ["nbval_ignore_output"], False),
        ("x = 1", ["nbval-ignore"], False),
    ],
)
def test_marker_check_accepts_exactly_what_nbval_honours(source, tags, honoured):
    """The check agrees with nbval's own parser: a marker it rejects is one nbval would silently ignore."""
    from nbval.plugin import find_comment_markers, find_metadata_tags

    nbval_sees = bool(list(find_comment_markers(source)) or list(find_metadata_tags({"tags": tags})))
    assert nbval_sees == honoured
    assert (not marker_problems(source, tags)) == honoured


def test_static_checks_catch_what_strict_nbval_would_trip_on(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT (varies)\nprint(1)", execution_count=1),
        nbformat.v4.new_code_cell("plt.plot(x);", execution_count=2),
        nbformat.v4.new_code_cell(
            "object()",
            execution_count=4,
            outputs=[
                nbformat.v4.new_output(
                    "execute_result", {"text/plain": "<object object at 0x7f3a2b1c0d20>"}, execution_count=4
                )
            ],
        ),
    ]
    path = tmp_path / "bad.ipynb"
    nbformat.write(notebook, path)
    problems = "\n".join(static_problems(path))
    assert "not a marker nbval honours" in problems
    assert "ends with ';'" in problems
    assert "memory address" in problems
    assert "not run top to bottom" in problems


def test_bibliography_parses_strictly():
    """A missing brace in references.bib only warns in pybtex's default mode and silently drops entries."""
    from pybtex import errors
    from pybtex.database import parse_file

    errors.set_strict_mode(True)
    try:
        entries = parse_file(ROOT / "book" / "references.bib").entries
    finally:
        errors.set_strict_mode(False)
    cited = set()
    for path in sorted((ROOT / "book").glob("*.ipynb")) + sorted((ROOT / "book").glob("*.md")):
        cited |= {key for group in re.findall(r"\{cite:[pt]\}`([^`]+)`", path.read_text()) for key in group.split(",")}
    missing = sorted(key.strip() for key in cited if key.strip() not in entries)
    assert not missing, f"cited but not in references.bib: {missing}"


COLUMN = 88  # characters of 0.8 rem monospace that fit the website's text column at 1366 px


@pytest.mark.parametrize("name", toc_notebooks())
def test_code_and_printed_text_fit_the_website_column(name):
    notebook = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
    too_long = []
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        texts = [("code", cell.source)]
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                texts.append((output.get("name", "stream"), output.get("text", "")))
            elif "text/plain" in output.get("data", {}) and "text/html" not in output["data"]:
                if not any(kind.startswith("image/") for kind in output["data"]):
                    texts.append(("output", output["data"]["text/plain"]))
        for kind, text in texts:
            too_long += [
                f"cell {number} {kind} ({len(line)}): {line[:70]}" for line in text.splitlines() if len(line) > COLUMN
            ]
    assert not too_long, f"{len(too_long)} lines wider than {COLUMN} characters:\n" + "\n".join(too_long[:20])


def test_intro_shows_each_chapters_study_time_estimate():
    import study_times

    expected = {p.stem: study_times.format_minutes(study_times.estimate_minutes(p)) for p in study_times.chapters()}
    shown = study_times.intro_times()
    assert shown == expected, f"book/intro.md's times {shown} != the estimates {expected}: run scripts/study_times.py"


@pytest.mark.parametrize("name", toc_notebooks())
def test_chapters_show_readers_no_test_machinery(name):
    """What a reader sees (sources and outputs) never shows the machinery that checks the stored outputs:
    an output that must vary is marked with the nbval-ignore-output cell tag, not a comment in the code."""
    notebook = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
    shown = []
    for number, cell in enumerate(notebook.cells):
        if "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        texts = [cell.source]
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") or output.get("data", {}).get("text/plain", ""))
        shown += [
            f"cell {number}: {line.strip()[:80]}"
            for text in texts
            for line in text.splitlines()
            if re.search(r"nbval", line, re.IGNORECASE)
        ]
    assert not shown, f"{name} shows readers its test machinery:\n" + "\n".join(shown)
