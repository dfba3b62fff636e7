"""Sphinx extension for the course website (Jupyter Book 1 loads it through _config.yml).

- Loads the site's own script and stylesheet (web/site/, copied to _static/audiolosses/) only on the
  pages that contain a static explorer or an A/B player, and drops the ipywidgets manager and the saved
  widget state from pages that show no widget (the explorers render as static HTML on the website).
- Figures: the alt text that ``audiolosses.plot.figure_png`` stores in an image output's metadata becomes
  the image's alt text (myst-nb itself only reads width and height there).
- Whole-course download: every reader notebook (``notebooks/``, made from the chapters by
  ``scripts/make_reader_notebooks.py``: plain Markdown, a cell to try each exercise, solutions folded, no
  outputs) and a short README in one archive, ``_build/html/audio-losses-step-by-step-notebooks.zip``
  (the intro links to it).
- Launch buttons: the Colab button opens the chapter's reader notebook (``notebooks/<chapter>.ipynb``)
  instead of ``book/<chapter>.ipynb``; a notebook whose metadata says ``"audiolosses": {"colab": false}``
  gets none (the appendix reads result files that only a clone of the repository has).
- Figure numbers restart in every chapter and carry its number: "Fig. 2.1" is the first figure of
  chapter 2 (the chapter is read from the file name, ``book/02_...``), as its section numbers do; Sphinx
  alone would number the figures of the whole book in one run (chapter 2 would start at Fig. 10).
- API page: module constants holding a ``Path`` are shown without their value (it is the build
  machine's absolute path), "Notebook: book/<name>.ipynb" lines become links to the chapter, and the
  docstrings' "{Author Year}" citations become bibliography references.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
SITE_ASSETS = Path(__file__).resolve().parents[1] / "site"

#: "{Author Year}" in the package's docstrings -> bibliography key (book/references.bib).
DOCSTRING_CITATIONS = {
    "{Vinyard 2019}": "vinyard_experiments",
    "{Glasberg and Moore 1990}": "glasberg1990derivation",
    "{San Roman et al. 2023}": "sanroman2023mbd",
    "{Kong et al. 2020}": "kong2020hifigan",
    "{Mao et al. 2017}": "mao2017lsgan",
    "{Kingma & Welling 2014}": "kingma2014vae",
    "{Kingma et al. 2016}": "kingma2016iaf",
    "{Bowman et al. 2016}": "bowman2016generating",
    "{Taal et al. 2011}": "taal2011stoi",
    "{Yamamoto et al. 2020}": "yamamoto2020parallel",
    "{Steinmetz and Reiss 2020}": "steinmetz2020auraloss",
    "{Steinmetz & Reiss 2020}": "steinmetz2020auraloss",
    "{Le Roux et al. 2019}": "leroux2019sdr",
}
_CITATION = re.compile(r"\{[A-Z][^{}\n]{1,60}? (?:et al\. )?\d{4}[a-z]?\}")
# "{Author et al." at the end of a line: a citation broken across lines, which _CITATION cannot see.
_SPLIT_CITATION = re.compile(r"\{[A-Z][A-Za-z&. -]{0,60}$")
_NOTEBOOK = re.compile(r"Notebook: book/([0-9A-Za-z_]+)\.ipynb")


def _copy_assets(app, exception):
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "audiolosses"
        target.mkdir(parents=True, exist_ok=True)
        for path in SITE_ASSETS.iterdir():
            shutil.copyfile(path, target / path.name)


ARCHIVE = "audio-losses-step-by-step-notebooks.zip"
ARCHIVE_README = """Audio Losses, Step by Step: the course's notebooks

One reader notebook per chapter, for Jupyter or Colab: plain Markdown, an empty cell to try each
exercise followed by its self-check, the solution folded under a "Solution" heading. They carry no
outputs: run the cells (the website shows every output). Each notebook's first cell installs the
course's package on Colab; elsewhere install it first:

    pip install "audiolosses[notebook,atlas,references] @ git+{url}"

Chapters:
{chapters}
"""
READER_DIR = "notebooks"  # scripts/make_reader_notebooks.py writes the reader notebooks there


def _reader_notebooks(root: Path) -> list[Path]:
    """The reader notebooks of _toc.yml's chapters, in the book's order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    readers = [root / READER_DIR / f"{Path(f).name}.ipynb" for f in files]
    return [r for r in readers if r.exists()]


def _write_archive(app, exception):
    """The reader notebooks in one zip, byte-identical for identical notebooks."""
    import zipfile

    import yaml

    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.srcdir)
    notebooks = _reader_notebooks(root)
    config = yaml.safe_load((root / "_config.yml").read_text())
    readme = ARCHIVE_README.format(url=config["repository"]["url"],
                                   chapters="\n".join(f"  {n.name}" for n in notebooks))
    folder = "audio-losses-step-by-step"
    with zipfile.ZipFile(Path(app.outdir) / ARCHIVE, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [("README.txt", readme.encode())] + [(n.name, n.read_bytes()) for n in notebooks]:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def _launch_buttons(app, pagename, templatename, context, doctree):
    """The Colab button opens the reader notebook; notebooks that cannot run there get no launch
    buttons (see the module docstring)."""
    import json

    path = Path(app.srcdir) / f"{pagename}.ipynb"
    if not path.exists():
        return
    if not json.loads(path.read_text()).get("metadata", {}).get("audiolosses", {}).get("colab", True):
        context["header_buttons"] = [b for b in context.get("header_buttons", [])
                                     if b.get("label") != "launch-buttons"]
        return
    reader = Path(app.srcdir) / READER_DIR / path.name
    chapter_path = path.relative_to(app.srcdir).as_posix()
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            url = button.get("url", "")
            if "colab.research.google.com" in url and url.endswith("/" + chapter_path):
                if not reader.exists():
                    LOGGER.warning(f"{pagename}: no reader notebook {READER_DIR}/{path.name} for the Colab "
                                   "button (run scripts/make_reader_notebooks.py)")
                    continue
                button["url"] = url.removesuffix(chapter_path) + f"{READER_DIR}/{path.name}"


def _page_assets(app, pagename, templatename, context, doctree):
    body = context.get("body", "")
    has_output_figure = "cell_output" in body and "<img" in body
    if "audiolosses-explorer" in body or "audiolosses-ab" in body or has_output_figure:
        app.add_js_file("audiolosses/audiolosses-site.js")
        app.add_css_file("audiolosses/audiolosses-site.css")
    metadata = getattr(app.env, "nb_metadata", {}).get(pagename, {})
    js_files = metadata.get("js_files", {})
    if "application/vnd.jupyter.widget-view+json" not in body:
        for key in [k for k in js_files if k.startswith("ipywidgets_")]:
            del js_files[key]


def _figure_alt_text(app):
    from myst_nb.core.render import NbElementRenderer

    original = NbElementRenderer.render_image
    if getattr(original, "_audiolosses", False):
        return

    def render_image(self, data):
        rendered = original(self, data)
        alt = data.output_metadata.get(data.mime_type, {}).get("alt")
        if alt:
            for node in rendered:
                for image in node.findall(nodes.image):
                    image.setdefault("alt", alt)
        return rendered

    render_image._audiolosses = True
    NbElementRenderer.render_image = render_image


def _docstring(app, what, name, obj, options, lines):
    for number, line in enumerate(lines):
        line = _NOTEBOOK.sub(lambda m: f"Notebook: :doc:`{m.group(1)}`", line)
        for match in _CITATION.findall(line):
            key = DOCSTRING_CITATIONS.get(match)
            if key is None:
                LOGGER.warning(f"{name}: citation {match} has no bibliography key in "
                               "web/sphinx_ext/audiolosses_site.py DOCSTRING_CITATIONS")
                continue
            line = line.replace(match, f":cite:p:`{key}`")
        if _SPLIT_CITATION.search(line):
            LOGGER.warning(f"{name}: a citation is broken across lines ({line.strip()!r}): keep it on one line")
        lines[number] = line


def _hide_path_values():
    from sphinx.ext.autodoc import DataDocumenter

    original = DataDocumenter.should_suppress_value_header

    def should_suppress_value_header(self):
        if isinstance(self.object, Path):
            return True
        return original(self)

    DataDocumenter.should_suppress_value_header = should_suppress_value_header


def _bibliography_labels():
    """Register pybtex's ``audiolosses`` style: unsrt entries, labelled "Author Year" ("Author and Other
    Year", "Author et al. Year"), sorted by author and year; equal labels get a, b, ... suffixes."""
    from collections import Counter

    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle

    def plain(text: str) -> str:
        return re.sub(r"\\.|[{}]", "", text.replace("{\\'e}", "é")).strip()

    def names(entry) -> str:
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [plain(" ".join(p.prelast_names + p.last_names)) for p in persons]
        if not last:
            return plain(entry.fields.get("institution") or entry.fields.get("title", "Anonymous")).split(":")[0]
        if len(last) == 1:
            return last[0]
        if len(last) == 2:
            return f"{last[0]} and {last[1]}"
        return f"{last[0]} et al."

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            labels = [f"{names(e)} {e.fields.get('year', 'n.d.')}" for e in sorted_entries]
            counts, seen = Counter(labels), Counter()
            for label in labels:
                if counts[label] > 1:
                    seen[label] += 1
                    yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
                else:
                    yield label

    class AuthorYearStyle(UnsrtStyle):
        default_label_style = "audiolosses_author_year"
        default_sorting_style = "author_year_title"

    register_plugin("pybtex.style.labels", "audiolosses_author_year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "audiolosses", AuthorYearStyle)


_CHAPTER_FILE = re.compile(r"(?:^|/)(\d+)_[^/]*$")


def _chapter_figure_numbers(app, env):
    """After Sphinx numbers the figures of the whole book in one run, number each chapter's own from 1,
    prefixed with the chapter's number (from its file name). Runs after the toctree collector (priority)."""
    changed = []
    for docname, by_type in env.toc_fignumbers.items():
        match = _CHAPTER_FILE.search(docname)
        if not match:
            continue
        chapter = int(match.group(1))
        for figtype, numbers in by_type.items():
            ordered = sorted(numbers, key=lambda fig_id: numbers[fig_id])
            by_type[figtype] = {fig_id: (chapter, k) for k, fig_id in enumerate(ordered, start=1)}
        changed.append(docname)
    return changed


def setup(app):
    _bibliography_labels()
    app.connect("build-finished", _copy_assets)
    app.add_css_file("audiolosses/audiolosses-global.css")
    app.connect("build-finished", _write_archive)
    app.connect("html-page-context", _launch_buttons, priority=502)  # after sphinx-book-theme adds them
    app.connect("html-page-context", _page_assets, priority=400)  # before myst-nb adds its files
    app.connect("autodoc-process-docstring", _docstring)
    app.connect("env-get-updated", _chapter_figure_numbers, priority=900)  # after Sphinx numbers them
    _figure_alt_text(app)
    _hide_path_values()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
