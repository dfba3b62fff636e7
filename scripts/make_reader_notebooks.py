"""Turn each chapter of the book into a reader notebook for Colab and Jupyter (``notebooks/``).

The chapters in ``book/`` are written for the website (Jupyter Book: MyST directives and roles, stored
outputs checked by strict nbval). Opened in Colab or Jupyter they show raw MyST and already-executed
solutions. This script writes, for every chapter of ``_toc.yml`` that can run on Colab, a notebook of
the same name in ``notebooks/`` where:

- the MyST is plain Jupyter Markdown: each exercise is a ``### Exercise N.k: title`` heading with its
  statement; admonitions and dropdowns are blockquotes; ``{cite:p}``/``{cite:t}`` become "Author (year)"
  linked to the website's bibliography; ``{numref}``/``{ref}``/``{doc}`` and links to other chapters
  point at the website; figure captions (``mystnb.figure`` metadata) follow the cell that draws them;
  ``glue`` roles become the value stored in the chapter; MyST targets, comments and block breaks go;
- after each exercise: a "Your turn" code cell (a comment only) and a check cell built from the
  solution's ``_ = X.check_y(my_name)`` line as ``_ = X.check_y(globals().get("my_name"))``, which
  prints "not attempted yet" until the reader defines ``my_name`` (see ``audiolosses.exercises._core``);
- each solution follows under a ``#### Solution`` heading that opens collapsed in Colab (the notebook's
  ``metadata.colab.collapsed_sections`` lists it) and in JupyterLab / Notebook 7 (the cell's
  ``jp-MarkdownHeadingCollapsed``); its code is shown as a Markdown code block, so it is never executed
  ("Run all" runs only the reader's own cells, and a check cannot pass on the solution's definition);
- no outputs are stored: the notebook is generated without running anything (fast, deterministic), the
  website shows every output, and a reader on Colab runs the cells;
- the chapter's first code cell, the Colab install cell, stays first and visible.

Usage::

    python scripts/make_reader_notebooks.py            # write notebooks/ (make reader-notebooks)
    python scripts/make_reader_notebooks.py --check    # exit 1 if notebooks/ is not current
    python scripts/make_reader_notebooks.py --fix-install-cells   # rewrite book/*'s install cells

``--fix-install-cells`` rewrites the first code cell of every chapter of ``_toc.yml`` to the canonical
Colab install cell (lines of at most 88 characters, the chapter's own ``audiolosses[...]`` extras kept)
and tags it ``remove-cell`` so the website does not show it. It changes nothing else in the chapter and
is idempotent. Run it (then this script) after merging chapter edits.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "notebooks"
LINE_LIMIT = 88
INSTALL_TAG = "remove-cell"

# ---------------------------------------------------------------------------------------------------
# Configuration: repository, website, chapters
# ---------------------------------------------------------------------------------------------------


@dataclass
class Site:
    repo_url: str  # https://github.com/org/name
    branch: str
    site_url: str  # https://org.github.io/name/ (trailing slash)

    @property
    def org_repo(self) -> str:
        return re.sub(r"^https://github\.com/", "", self.repo_url.rstrip("/")).removesuffix(".git")

    def page(self, docname: str, anchor: str = "") -> str:
        return f"{self.site_url}{docname}.html" + (f"#{anchor}" if anchor else "")

    def colab(self, path: str) -> str:
        return f"https://colab.research.google.com/github/{self.org_repo}/blob/{self.branch}/{path}"

    def raw(self, path: str) -> str:
        return f"https://raw.githubusercontent.com/{self.org_repo}/{self.branch}/{path}"


def load_site(root: Path = ROOT) -> Site:
    config = yaml.safe_load((root / "_config.yml").read_text())
    repo = config["repository"]
    site_url = (config.get("html", {}) or {}).get("baseurl") or ""
    if not site_url:  # GitHub Pages' address for the repository
        org, _, name = re.sub(r"^https://github\.com/", "", repo["url"].rstrip("/")).partition("/")
        site_url = f"https://{org}.github.io/{name}/"
    return Site(repo["url"].rstrip("/"), repo.get("branch", "main"), site_url.rstrip("/") + "/")


def toc_chapters(root: Path = ROOT) -> list[Path]:
    """The notebooks of _toc.yml that run on Colab (metadata ``audiolosses.colab`` not false)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    chapters = []
    for name in files:
        path = root / f"{name}.ipynb"
        if not path.exists():
            continue
        metadata = json.loads(path.read_text()).get("metadata", {})
        if metadata.get("audiolosses", {}).get("colab", True):
            chapters.append(path)
    return chapters


def reader_path(chapter: Path, root: Path = ROOT) -> Path:
    return root / "notebooks" / chapter.name


def chapter_number(path: Path) -> str:
    prefix = path.stem.split("_", 1)[0]
    return str(int(prefix)) if prefix.isdigit() else path.stem


# ---------------------------------------------------------------------------------------------------
# Bibliography: "Author (year)"
# ---------------------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    text = text.replace("{\\'e}", "é").replace("\\'e", "é").replace('{\\"o}', "ö").replace('{\\"u}', "ü")
    return re.sub(r"\\.|[{}]", "", text).strip()


def load_citations(root: Path = ROOT) -> dict[str, str]:
    """Bibliography key -> "Author et al. (year)" (one author, two joined by "and", else "et al.")."""
    from pybtex.database import parse_file

    labels = {}
    for key, entry in parse_file(root / "book" / "references.bib").entries.items():
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [_plain(" ".join(p.prelast_names + p.last_names)) for p in persons]
        if not last:
            names = _plain(entry.fields.get("institution") or entry.fields.get("title", key)).split(":")[0]
        elif len(last) == 1:
            names = last[0]
        elif len(last) == 2:
            names = f"{last[0]} and {last[1]}"
        else:
            names = f"{last[0]} et al."
        labels[key] = f"{names} ({entry.fields.get('year', 'n.d.')})"
    return labels


# ---------------------------------------------------------------------------------------------------
# Labels across the book: figures, exercises, sections (for {numref}, {ref}, [text](#label))
# ---------------------------------------------------------------------------------------------------


@dataclass
class Target:
    docname: str  # book/02_relative_volume_mel
    text: str  # "Figure 6.1", "Exercise 2.1", a section title
    number: str = ""  # "6.1" for numbered targets


_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<arg>.*)$")
_TARGET = re.compile(r"^\s*\((?P<label>[\w:.-]+)\)=\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def _source(cell) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def collect_targets(chapters: list[Path], root: Path = ROOT) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    for path in chapters:
        docname = str(path.relative_to(root).with_suffix(""))
        number = chapter_number(path)
        cells = json.loads(path.read_text())["cells"]
        figures = exercises = 0
        pending_label = None
        for cell in cells:
            source = _source(cell)
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
            if cell["cell_type"] == "code" and figure:
                figures += 1
                if figure.get("name"):
                    targets[figure["name"]] = Target(docname, f"Figure {number}.{figures}", f"{number}.{figures}")
            if cell["cell_type"] != "markdown":
                continue
            lines = source.splitlines()
            for index, line in enumerate(lines):
                target = _TARGET.match(line)
                if target:
                    pending_label = target.group("label")
                    continue
                heading = _HEADING.match(line)
                if heading and pending_label:
                    targets[pending_label] = Target(docname, _strip_markup(heading.group(2)))
                    pending_label = None
                directive = _DIRECTIVE.match(line)
                if directive and directive.group("name") in ("exercise", "figure", "glue:figure"):
                    label = None
                    for option in lines[index + 1 :]:
                        match = re.match(r"^\s*:(label|name):\s*(\S+)", option)
                        if match:
                            label = match.group(2)
                        if not option.strip().startswith(":"):
                            break
                    if directive.group("name") == "exercise":
                        exercises += 1
                        text, num = f"Exercise {number}.{exercises}", f"{number}.{exercises}"
                    else:
                        figures += 1
                        text, num = f"Figure {number}.{figures}", f"{number}.{figures}"
                    if label:
                        targets[label] = Target(docname, text, num)
    return targets


def _strip_markup(text: str) -> str:
    return re.sub(r"[*_`]", "", text).strip()


# ---------------------------------------------------------------------------------------------------
# MyST -> Jupyter Markdown
# ---------------------------------------------------------------------------------------------------

ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
    "admonition": "",
    "dropdown": "",
    "margin": "",
    "sidebar": "",
    "topic": "",
    "epigraph": "",
}


@dataclass
class Context:
    site: Site
    docname: str
    chapter: str
    citations: dict[str, str]
    targets: dict[str, Target]
    glue: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    figures: int = 0
    exercises: int = 0


@dataclass
class Directive:
    name: str
    arg: str
    options: dict[str, str]
    body: str


def split_directives(text: str) -> list[str | Directive]:
    """Top-level MyST directives (backtick or colon fences) and the Markdown between them."""
    lines = text.split("\n")
    parts: list[str | Directive] = []
    buffer: list[str] = []
    index = 0
    code_fence = None
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if code_fence:
            buffer.append(line)
            if stripped.startswith(code_fence) and stripped.strip(code_fence[0]) == "":
                code_fence = None
            index += 1
            continue
        match = _DIRECTIVE.match(line)
        if not match:
            fence = re.match(r"^\s*(`{3,}|~{3,})", line)
            if fence:
                code_fence = fence.group(1)
            buffer.append(line)
            index += 1
            continue
        fence = match.group("fence")
        closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        body_lines = lines[index + 1 : end]
        options: dict[str, str] = {}
        if body_lines and body_lines[0].strip() == "---":  # YAML options block
            close = next((i for i in range(1, len(body_lines)) if body_lines[i].strip() == "---"), None)
            if close is not None:
                options = {k: str(v) for k, v in (yaml.safe_load("\n".join(body_lines[1:close])) or {}).items()}
                body_lines = body_lines[close + 1 :]
        while body_lines and re.match(r"^\s*:[\w-]+:", body_lines[0]):
            key, _, value = body_lines.pop(0).strip()[1:].partition(":")
            options[key] = value.strip()
        if buffer:
            parts.append("\n".join(buffer))
            buffer = []
        parts.append(Directive(match.group("name"), match.group("arg").strip(), options, "\n".join(body_lines)))
        index = end + 1
    if buffer:
        parts.append("\n".join(buffer))
    return parts


_ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}`(?P<content>[^`]*)`")


def _link_target(content: str) -> tuple[str | None, str]:
    """``text <label>`` -> ("text", "label"); ``label`` -> (None, "label")."""
    match = re.match(r"^(.*?)\s*<([^<>]+)>$", content.strip())
    return (match.group(1), match.group(2)) if match else (None, content.strip())


def convert_roles(text: str, ctx: Context) -> str:
    def replace(match: re.Match) -> str:
        name, content = match.group("name"), match.group("content")
        if name.startswith("cite"):
            keys = [k.strip() for k in content.split(",") if k.strip()]
            cites = []
            for key in keys:
                label = ctx.citations.get(key)
                if label is None:
                    ctx.warnings.append(f"{ctx.docname}: unknown citation key {key!r}")
                    label = key
                cites.append(f"[{label}]({ctx.site.page('book/bibliography')})")
            return "; ".join(cites)
        if name in ("numref", "ref", "eq"):
            explicit, label = _link_target(content)
            target = ctx.targets.get(label)
            if target is None:
                ctx.warnings.append(f"{ctx.docname}: unknown cross-reference {label!r}")
                return explicit or label
            text = explicit.replace("%s", target.number).replace("{number}", target.number) if explicit else target.text
            if target.docname == ctx.docname and name == "numref":
                return text  # same notebook: the caption with that number is right there
            return f"[{text}]({ctx.site.page(target.docname, label)})"
        if name == "doc":
            explicit, path = _link_target(content)
            docname = str((Path(ctx.docname).parent / path).as_posix()) if not path.startswith("/") else path[1:]
            docname = re.sub(r"\.(ipynb|md)$", "", docname)
            docname = re.sub(r"(^|/)[^/]+/\.\./", r"\1", docname)
            return f"[{explicit or Path(docname).name}]({ctx.site.page(docname)})"
        if name.startswith("glue"):
            key, _, spec = content.partition(":")
            value = ctx.glue.get(key.strip())
            if value is None:
                ctx.warnings.append(f"{ctx.docname}: glue key {key!r} has no stored value")
                return key
            if spec:
                try:
                    return format(float(value), spec)
                except ValueError:
                    return value
            return value
        if name == "math":
            return f"${content}$"
        if name in ("sub", "sup", "kbd", "abbr"):
            tag = {"abbr": "abbr"}.get(name, name)
            if name == "abbr":
                word, _, title = content.partition("(")
                return f'<abbr title="{title.rstrip(")").strip()}">{word.strip()}</abbr>'
            return f"<{tag}>{content}</{tag}>"
        if name in ("download",):
            explicit, path = _link_target(content)
            return f"[{explicit or Path(path).name}]({ctx.site.raw(str(Path(ctx.docname).parent / path))})"
        if name in ("term", "index", "code", "samp", "file", "command", "program", "dfn", "emphasis", "strong"):
            explicit, label = _link_target(content)
            return (
                f"`{explicit or label}`"
                if name in ("code", "samp", "file", "command", "program")
                else (explicit or label)
            )
        ctx.warnings.append(f"{ctx.docname}: role {{{name}}} rendered as plain text")
        return _link_target(content)[0] or _link_target(content)[1]

    return _ROLE.sub(replace, text)


def _outside_code(text: str, transform) -> str:
    """Apply ``transform`` to the Markdown outside fenced code blocks and inline code spans."""
    out, block, fence = [], [], None
    for line in text.split("\n"):
        opener = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence is None and opener and not _DIRECTIVE.match(line):
            if block:
                out.append(_outside_inline(("\n".join(block)), transform))
                block = []
            fence = opener.group(1)
            out.append(line)
            continue
        if fence is not None:
            out.append(line)
            if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
                fence = None
            continue
        block.append(line)
    if block:
        out.append(_outside_inline("\n".join(block), transform))
    return "\n".join(out)


_INLINE = re.compile(r"(?P<role>\{[\w:.-]+\}`[^`]*`)|(?P<code>(?P<ticks>`+).+?(?P=ticks))", re.S)


def _outside_inline(text: str, transform) -> str:
    """Apply ``transform`` outside inline code spans; a role's own backticks are not a code span."""
    out, plain, position = [], "", 0
    for match in _INLINE.finditer(text):
        if match.group("role"):
            plain += text[position : match.end()]
        else:
            out += [transform(plain + text[position : match.start()]), match.group(0)]
            plain = ""
        position = match.end()
    out.append(transform(plain + text[position:]))
    return "".join(out)


def convert_links(text: str, ctx: Context) -> str:
    """Relative links and images: chapters -> the website, #label -> the labelled page, files -> GitHub."""

    def replace(match: re.Match) -> str:
        bang, label, url = match.group(1), match.group(2), match.group(3)
        if re.match(r"^[a-z]+:", url) or url.startswith("mailto:"):
            return match.group(0)
        if url.startswith("#"):
            target = ctx.targets.get(url[1:])
            docname = target.docname if target else ctx.docname
            return f"{bang}[{label}]({ctx.site.page(docname, url[1:])})"
        path, _, anchor = url.partition("#")
        resolved = (Path(ctx.docname).parent / path).as_posix()
        resolved = re.sub(r"(^|/)[^/]+/\.\./", r"\1", resolved)
        if bang:
            return f"![{label}]({ctx.site.raw(resolved)})"
        if re.search(r"\.(ipynb|md)$", path):
            docname = re.sub(r"\.(ipynb|md)$", "", resolved)
            return f"[{label}]({ctx.site.page(docname, anchor)})"
        return f"[{label}](https://github.com/{ctx.site.org_repo}/blob/{ctx.site.branch}/{resolved})"

    return re.sub(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)", replace, text)


def convert_plain(text: str, ctx: Context) -> str:
    """MyST-only inline syntax and line markers in Markdown (no directives)."""
    lines = []
    fence = None
    for line in text.split("\n"):
        opener = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence is None and opener:
            fence = opener.group(1)
        elif fence is not None and line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
            fence = None
            lines.append(line)
            continue
        if fence is None:
            if _TARGET.match(line) or line.strip() == "+++" or re.match(r"^\s*%", line):
                continue
            line = re.sub(r"^(\s*\$\$)\s*\([\w:.-]+\)\s*$", r"\1", line)  # $$ (label): the label goes
        lines.append(line)
    text = "\n".join(lines)
    return _outside_code(text, lambda t: convert_links(convert_roles(t, ctx), ctx))


def _blockquote(title: str, body: str) -> str:
    lines = [f"> **{title}**"] if title else []
    if body.strip():
        if lines:
            lines.append(">")
        lines += [f"> {line}" if line.strip() else ">" for line in body.strip("\n").split("\n")]
    return "\n".join(lines)


def convert_markdown(text: str, ctx: Context) -> str:
    """A Markdown cell's text (no exercise/solution directives) as plain Jupyter Markdown."""
    out = []
    for part in split_directives(text):
        if isinstance(part, str):
            out.append(convert_plain(part, ctx))
        else:
            out.append(convert_directive(part, ctx))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


def convert_directive(d: Directive, ctx: Context) -> str:
    name = d.name
    if name in ADMONITIONS:
        title = d.arg if name in ("admonition", "dropdown", "topic", "sidebar") and d.arg else ADMONITIONS[name]
        if name not in ("admonition", "dropdown", "topic", "sidebar") and d.arg:
            body = d.arg + "\n" + d.body  # {note} text on the first line is body text
        else:
            body = d.body
        return _blockquote(convert_plain(title, ctx), convert_markdown(body, ctx))
    if name == "math":
        return "$$\n" + d.body.strip() + "\n$$"
    if name in ("code-block", "code", "sourcecode", "code-cell"):
        return f"```{d.arg.split()[0] if d.arg else ''}\n{d.body.strip(chr(10))}\n```"
    if name in ("figure", "image"):
        ctx.figures += name == "figure"
        alt = d.options.get("alt", "")
        image = convert_links(f"![{alt}]({d.arg})", ctx)
        caption = convert_markdown(d.body, ctx) if d.body.strip() else ""
        if name == "figure":
            return image + f"\n\n**Figure {ctx.chapter}.{ctx.figures}.** {caption}".rstrip()
        return image
    if name == "glue:figure":
        ctx.figures += 1
        caption = convert_markdown(d.body, ctx) if d.body.strip() else ""
        return f"**Figure {ctx.chapter}.{ctx.figures}** (drawn by a code cell above). {caption}".rstrip()
    if name in ("glue", "glue:any", "glue:md", "glue:math"):
        return ctx.glue.get(d.arg, "")
    if name in ("bibliography", "tableofcontents", "toctree", "contents", "raw", "only", "include"):
        return ""
    if name in ("list-table", "table", "csv-table"):
        ctx.warnings.append(f"{ctx.docname}: {{{name}}} kept as its body")
        return convert_markdown(d.body, ctx)
    ctx.warnings.append(f"{ctx.docname}: unknown directive {{{name}}} shown as a blockquote")
    return _blockquote(convert_plain(d.arg, ctx), convert_markdown(d.body, ctx))


# ---------------------------------------------------------------------------------------------------
# Chapter -> reader notebook
# ---------------------------------------------------------------------------------------------------

_CHECK_LINE = re.compile(r"^_ = (?P<module>[A-Za-z_]\w*)\.(?P<check>check_\w+)\((?P<name>[A-Za-z_]\w*)\)\s*$")
_NBVAL_MARKER = re.compile(r"^\s*#\s*NBVAL_\w+\s*$")


def _glue_values(cells) -> dict[str, str]:
    values = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                text = output.get("data", {}).get("text/plain", "")
                text = text if isinstance(text, str) else "".join(text)
                values[name] = text.strip().strip("'\"")
    return values


def _markdown_cell(source: str, cell_id: str, metadata: dict | None = None):
    cell = nbformat.v4.new_markdown_cell(source, id=cell_id)
    cell.metadata = metadata or {}
    return cell


def _code_cell(source: str, cell_id: str, metadata: dict | None = None):
    cell = nbformat.v4.new_code_cell(source, id=cell_id)
    cell.metadata = metadata or {}
    return cell


def _fenced(code: str) -> str:
    fence = "````" if "```" in code else "```"
    return f"{fence}python\n{code.rstrip()}\n{fence}"


def check_cell_source(module: str, check: str, name: str) -> str:
    comment = f'# Check: says "not attempted yet" until you define {name}.'
    call = f'_ = {module}.{check}(globals().get("{name}"))'
    if len(call) > LINE_LIMIT:
        call = f'_ = {module}.{check}(\n    globals().get("{name}")\n)'
    if len(comment) > LINE_LIMIT:
        comment = '# Check your answer ("not attempted yet" until you define it).'
    return f"{comment}\n{call}"


@dataclass
class Exercise:
    label: str
    title: str
    number: str


def build_reader(chapter: Path, site: Site, citations, targets, root: Path = ROOT) -> tuple[dict, list[str]]:
    """The reader notebook of one chapter (a JSON-ready dict) and the warnings met."""
    notebook = json.loads(chapter.read_text())
    cells = notebook["cells"]
    docname = str(chapter.relative_to(root).with_suffix(""))
    ctx = Context(site, docname, chapter_number(chapter), citations, targets, _glue_values(cells))
    out = []
    collapsed: list[str] = []
    first_code_seen = False
    exercise: Exercise | None = None
    solution: list | None = None  # cells of the solution being collected
    solution_code: list[str] = []
    used_ids: set[str] = set()

    def add(cell):
        while cell.id in used_ids:
            cell.id = f"{cell.id}-x"
        used_ids.add(cell.id)
        if solution is not None:
            solution.append(cell)
        else:
            out.append(cell)

    def finish_solution(base_id: str):
        nonlocal solution, exercise, solution_code
        if exercise is None:
            ctx.warnings.append(f"{docname}: a solution without an exercise")
        match = None
        for code in solution_code:
            for line in code.splitlines():
                candidate = _CHECK_LINE.match(line.strip())
                if candidate:
                    match = candidate
        title = exercise.title if exercise else "the exercise"
        if match is None:
            ctx.warnings.append(
                f"{docname}: exercise {exercise.label if exercise else '?'} has no `_ = X.check_y(my_name)` line "
                "in its solution: no check cell"
            )
            try_text = "# Your turn: write your answer here."
        else:
            try_text = f"# Your turn: define {match.group('name')} here."
        ids = re.sub(r"[^A-Za-z0-9_-]", "-", exercise.label if exercise else base_id)[:48]
        for cell in (
            _code_cell(try_text, f"{ids}-your-turn", {"audiolosses": {"role": "your-turn"}}),
            *(
                [
                    _code_cell(
                        check_cell_source(match.group("module"), match.group("check"), match.group("name")),
                        f"{ids}-check",
                        {"audiolosses": {"role": "check"}},
                    )
                ]
                if match
                else []
            ),
        ):
            used_ids.add(cell.id)
            out.append(cell)
        heading_id = f"{ids}-solution"
        used_ids.add(heading_id)
        out.append(
            _markdown_cell(
                f"#### Solution: {convert_plain(title, ctx)}",
                heading_id,
                {"id": heading_id, "jp-MarkdownHeadingCollapsed": True, "audiolosses": {"role": "solution"}},
            )
        )
        collapsed.append(heading_id)
        out.extend(solution)
        solution, exercise, solution_code = None, None, []

    for position, cell in enumerate(cells):
        source = _source(cell)
        cell_id = cell.get("id") or f"cell-{position}"
        if cell["cell_type"] == "code":
            if not first_code_seen:
                first_code_seen = True
                add(_code_cell(source, cell_id))
                continue
            if solution is not None:
                solution_code.append(source)
                add(_markdown_cell(_fenced(source), cell_id, {"audiolosses": {"role": "solution-code"}}))
                continue
            code = "\n".join(line for line in source.split("\n") if not _NBVAL_MARKER.match(line))
            add(_code_cell(code, cell_id))
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
            if figure:
                ctx.figures += 1
                caption = convert_markdown(figure.get("caption", ""), ctx)
                add(_markdown_cell(f"**Figure {ctx.chapter}.{ctx.figures}.** {caption}", f"{cell_id}-caption"))
            continue
        if cell["cell_type"] != "markdown":
            continue
        buffer: list[str] = []
        part_index = 0

        def flush(buffer=buffer, cell_id=cell_id):
            nonlocal part_index
            text = convert_markdown("\n".join(buffer), ctx) if buffer else ""
            buffer.clear()
            if text.strip():
                part_index += 1
                add(_markdown_cell(text, cell_id if part_index == 1 else f"{cell_id}-{part_index}"))

        for part in split_directives(source):
            if isinstance(part, str):
                buffer.append(part)
                continue
            if part.name == "exercise":
                flush()
                if solution is not None:
                    ctx.warnings.append(f"{docname}: exercise inside a solution")
                ctx.exercises += 1
                number = f"{ctx.chapter}.{ctx.exercises}"
                exercise = Exercise(part.options.get("label", f"exercise-{number}"), part.arg, number)
                heading = f"### Exercise {number}: {convert_plain(part.arg, ctx)}".rstrip(": ")
                body = convert_markdown(part.body, ctx)
                part_index += 1
                add(
                    _markdown_cell(
                        f"{heading}\n\n{body}".strip(), cell_id if part_index == 1 else f"{cell_id}-{part_index}"
                    )
                )
            elif part.name == "solution-start":
                flush()
                solution, solution_code = [], []
            elif part.name == "solution-end":
                flush()
                if solution is None:
                    ctx.warnings.append(f"{docname}: solution-end without solution-start")
                else:
                    finish_solution(cell_id)
            elif part.name == "solution":  # a plain {solution} directive: prose only
                flush()
                solution, solution_code = [], []
                add(_markdown_cell(convert_markdown(part.body, ctx), f"{cell_id}-solution-body"))
                finish_solution(cell_id)
            else:
                buffer.append(convert_directive(part, ctx))
        flush()
    if solution is not None:
        ctx.warnings.append(f"{docname}: a solution is not closed")
        finish_solution("unclosed")

    banner = (
        f"> **Reader notebook** of [chapter {ctx.chapter}]({site.page(docname)}) of *Audio Losses, Step by "
        "Step*, for Colab and Jupyter. The website shows every output; here you run the cells. Run the first "
        "code cell first (on Colab it installs the course's package). Each exercise has an empty cell for "
        "your answer and a self-check; its solution is folded under **Solution**. Generated from "
        f"[`{chapter.relative_to(root).as_posix()}`](https://github.com/{site.org_repo}/blob/{site.branch}/"
        f"{chapter.relative_to(root).as_posix()}) by `scripts/make_reader_notebooks.py`: edit the chapter, "
        "not this file."
    )
    out.insert(0, _markdown_cell(banner, "reader-notebook-banner"))
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": [], "toc_visible": True, "collapsed_sections": collapsed},
    }
    reader = nbformat.v4.new_notebook(cells=out, metadata=metadata)
    reader.nbformat_minor = 5
    nbformat.validate(reader)
    return reader, ctx.warnings


def render(notebook) -> str:
    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


README = """# Reader notebooks (generated)

One notebook per chapter of the course, made for **Colab and Jupyter** from the chapter in `book/` by
`scripts/make_reader_notebooks.py` (`make reader-notebooks`; a test fails when they are not current).
Do not edit them: edit the chapter and regenerate.

Differences from the chapter as the website shows it: plain Markdown instead of MyST, an empty
"Your turn" cell and a self-check after each exercise, solutions folded under a **Solution** heading
(shown as code to read or copy, never run by "Run all"), and no stored outputs (run the cells; the
website shows them). They live in the repository because Colab opens notebooks from GitHub.

{chapters}
"""


def _title(chapter: Path) -> str:
    for cell in json.loads(chapter.read_text())["cells"]:
        if cell["cell_type"] == "markdown":
            match = re.search(r"^#\s+(.+?)\s*$", _source(cell), re.M)
            if match:
                return _strip_markup(match.group(1))
    return chapter.stem


def readme(chapters: list[Path], site: Site) -> str:
    rows = [f"- [{_title(p)}]({p.name}) · [open on Colab]({site.colab('notebooks/' + p.name)})" for p in chapters]
    return README.format(chapters="\n".join(rows))


def generate(root: Path = ROOT, chapters: list[Path] | None = None) -> tuple[dict[Path, str], list[str]]:
    """Every reader notebook (path -> file text) plus notebooks/README.md, and the warnings."""
    site = load_site(root)
    all_chapters = toc_chapters(root)
    chapters = chapters or all_chapters
    citations = load_citations(root)
    targets = collect_targets(all_chapters, root)
    files, warnings = {}, []
    for chapter in chapters:
        reader, met = build_reader(chapter, site, citations, targets, root)
        files[root / "notebooks" / chapter.name] = render(reader)
        warnings += met
    files[root / "notebooks" / "README.md"] = readme(all_chapters, site)
    return files, warnings


# ---------------------------------------------------------------------------------------------------
# The chapters' install cells
# ---------------------------------------------------------------------------------------------------

INSTALL_CELL = """# On Colab, install the course's package (Colab's PyTorch is kept); elsewhere, nothing.
import sys

if "google.colab" in sys.modules:
    import subprocess

    package = (
        "audiolosses[{extras}] @ "
        "git+{url}"
    )
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)"""


def install_cell_source(extras: str, url: str) -> str:
    return INSTALL_CELL.format(extras=extras, url=url)


def fix_install_cells(root: Path = ROOT) -> list[Path]:
    """Rewrite every chapter's first code cell as the canonical install cell, tagged remove-cell."""
    site = load_site(root)
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    changed = []
    for name in files:
        path = root / f"{name}.ipynb"
        if not path.exists():
            continue
        text = path.read_text()
        notebook = json.loads(text)
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        if not code:
            continue
        cell = code[0]
        old = _source(cell)
        if '"google.colab" in sys.modules' not in old:
            raise SystemExit(f"{path}: the first code cell is not the Colab install cell:\n{old}")
        extras = re.search(r"audiolosses\[([a-z,]+)\]", old)
        new = install_cell_source(extras.group(1) if extras else "notebook", site.repo_url)
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if INSTALL_TAG not in tags:
            tags.append(INSTALL_TAG)
        cell["source"] = new.splitlines(keepends=True)
        new_text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        if new_text != text:
            path.write_text(new_text)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if notebooks/ is not current")
    parser.add_argument("--fix-install-cells", action="store_true", help="rewrite the chapters' install cells")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any warning")
    args = parser.parse_args(argv)
    if args.fix_install_cells:
        for path in fix_install_cells():
            print(f"install cell rewritten: {path.relative_to(ROOT)}")
    files, warnings = generate()
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    stale = sorted(
        str(path.relative_to(ROOT)) for path, text in files.items() if not path.exists() or path.read_text() != text
    )
    extra = (
        sorted(str(p.relative_to(ROOT)) for p in OUT_DIR.glob("*.ipynb") if p not in files) if OUT_DIR.exists() else []
    )
    if args.check:
        if stale or extra:
            print(f"not current: {stale + extra}; run `make reader-notebooks`", file=sys.stderr)
            return 1
        print(f"{len(files) - 1} reader notebooks are current")
        return 1 if (args.strict and warnings) else 0
    OUT_DIR.mkdir(exist_ok=True)
    for path in extra:
        (ROOT / path).unlink()
        print(f"removed {path}")
    for path, text in files.items():
        if str(path.relative_to(ROOT)) in stale:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    print(f"{len(files) - 1} reader notebooks, {len(warnings)} warnings")
    return 1 if (args.strict and warnings) else 0


if __name__ == "__main__":
    sys.exit(main())
