"""The built website, opened from disk in headless Chromium with every other request blocked.

For each page in _toc.yml (the intro, every chapter): the page loads, math is typeset (no raw TeX left
inside it), every <audio> plays for exactly as long as the WAV inside its data: URI says, the Colab button
opens this chapter's reader notebook (notebooks/<chapter>.ipynb; the appendix has none), the Colab
install cell is not shown, figures are HiDPI with real alt text, no widget manager is loaded, nothing is
fetched from the network and the console is clean apart from the known Jupyter Book 1 noise listed below.

At a phone's size (390x844) and a desktop's (1366x900): the menu and "On this page" buttons open their
panels (desktop: the menu collapses the sidebar) and there is one search box; moving an explorer's
control changes its figure; the A/B player switches versions at the same playback position and shows
each version's levels; no code cell or printed output scrolls sideways at 1366 px; no inline formula is
cut off at 390 px. Figure numbers carry the chapter's number (Fig. 2.1). The intro links
the whole-course archive, which holds the reader notebooks.

Needs the built site (`jupyter-book build .`, after `scripts/vendor_web_assets.sh`) and Debian's
Chromium (`scripts/install_chromium.sh`). Without them the tests skip, unless
AUDIOLOSSES_REQUIRE_BROWSER=1 (set in CI after the build), which turns a skip into a failure.
AUDIOLOSSES_SITE_DIR points at another built site (default: <repo>/_build/html).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import struct
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("AUDIOLOSSES_SITE_DIR", ROOT / "_build" / "html")).resolve()
CHROMIUM = "/usr/bin/chromium"
REQUIRE_BROWSER = os.environ.get("AUDIOLOSSES_REQUIRE_BROWSER") == "1"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
COLAB = "https://colab.research.google.com"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
DURATION_TOLERANCE_S = 0.05

# Console errors and uncaught exceptions that Jupyter Book 1 pages produce on their own. Each entry
# is matched (re.search) against "<message> [<source url>]"; anything else fails the test.
KNOWN_CONSOLE_NOISE = [
    # sphinx-thebe and sphinx-book-theme each inject an inline `const THEBE_JS_URL = ...`; the second
    # declaration throws. Thebe (live code) is not used by this book.
    r"Identifier 'THEBE_JS_URL' has already been declared",
    # pydata-sphinx-theme logs this when no default theme mode is stored yet; it falls back to auto.
    r"Got invalid theme mode",
]
# Requests to anywhere but file:// and data: are aborted; these (regexes on the URL) may be attempted
# without failing the test. None is known: vendored MathJax/require.js/widget manager load from disk.
KNOWN_BLOCKED_REQUESTS: list[str] = []


# --------------------------------------------------------------------------------------------------
# The book: which pages, and what their sources promise
# --------------------------------------------------------------------------------------------------


def toc_docnames() -> list[str]:
    names = [TOC["root"]]
    for part in TOC.get("parts", []):
        for chapter in part.get("chapters", []):
            names.append(chapter["file"])
            names.extend(section["file"] for section in chapter.get("sections", []))
    return [str(Path(n).with_suffix("")) if n.endswith((".ipynb", ".md")) else n for n in names]


def pages() -> list[str]:
    """The intro (root) page and every notebook chapter."""
    return [TOC["root"]] + [n for n in toc_docnames()[1:] if (ROOT / f"{n}.ipynb").exists()]


def source_of(docname: str) -> Path | None:
    """The source the site was built from (Sphinx copies it to _sources/), else the repository's."""
    for base in (SITE / "_sources", ROOT):
        for ext in (".ipynb", ".md"):
            if (base / f"{docname}{ext}").exists():
                return base / f"{docname}{ext}"
    return None


def markdown_and_widget_state(path: Path) -> tuple[str, dict]:
    if path.suffix == ".md":
        return path.read_text(), {}
    notebook = json.loads(path.read_text())
    markdown = "\n\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    state = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return markdown, state


_MATH = re.compile(
    r"(?<!\\)\$\$.+?(?<!\\)\$\$|(?<![\\$])\$(?=\S)[^$\n]+?(?<![\s\\])\$(?!\d)|\\\(|\\\[|^```\{math\}", re.S | re.M
)


def has_math(markdown: str) -> bool:
    markdown = re.sub(r"^(```|~~~)(?!\{math\}).*?^\1", "", markdown, flags=re.S | re.M)  # drop code fences
    markdown = re.sub(r"`[^`\n]*`", "", markdown)  # and inline code
    return bool(_MATH.search(markdown))


def first_heading(markdown: str) -> str | None:
    match = re.search(r"^#\s+(.+?)\s*#*\s*$", markdown, re.M)
    return match.group(1) if match else None


def _letters(text: str) -> str:
    """Heading text to compare: letters and digits only, without a leading section number."""
    return re.sub(r"\W+", "", re.sub(r"^\s*[\d.]+\s+", "", text)).lower()


def colab_url(docname: str) -> str:
    """Colab's address of the chapter's reader notebook, notebooks/<chapter>.ipynb in the repository (made
    by scripts/make_reader_notebooks.py), not of the MyST source book/<chapter>.ipynb."""
    repo = CONFIG["repository"]
    org_repo = re.sub(r"^https://github\.com/", "", repo["url"].rstrip("/")).removesuffix(".git")
    return f"{COLAB}/github/{org_repo}/blob/{repo.get('branch', 'main')}/notebooks/{Path(docname).name}.ipynb"


def wav_duration(data_uri: str) -> float:
    """frames / sample rate of a base64 WAV (RIFF header) or FLAC (STREAMINFO) data: URI."""
    header, _, payload = data_uri.partition(",")
    assert header.startswith("data:audio/") and header.endswith(";base64"), f"not a base64 audio data URI: {header}"
    try:
        raw = base64.b64decode(unquote(payload), validate=False)
    except binascii.Error as exc:  # pragma: no cover - reported as a failure
        raise AssertionError(f"undecodable base64 in {header}: {exc}") from None
    if raw[:4] == b"fLaC":  # FLAC (the A/B players): STREAMINFO, the first metadata block
        info = int.from_bytes(raw[18:26], "big")  # 20 bits rate, 3 channels-1, 5 bits-1, 36 total samples
        sample_rate, total = info >> 44, info & ((1 << 36) - 1)
        assert sample_rate > 0 and total > 0, f"{header}: FLAC STREAMINFO without rate or length"
        return total / sample_rate
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WAVE", f"{header}: not a RIFF/WAVE file"
    pos, sample_rate, block_align, data_size = 12, None, None, None
    while pos + 8 <= len(raw):
        chunk, size = raw[pos : pos + 4], struct.unpack("<I", raw[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            _, _, sample_rate, _, block_align = struct.unpack("<HHIIH", raw[pos + 8 : pos + 22])
        elif chunk == b"data":  # the size the header declares (a streamed WAV may leave it 0 or 2**32-1)
            data_size = size if 0 < size < 0xFFFFFFFF else len(raw) - pos - 8
            break
        pos += 8 + size + (size & 1)
    assert sample_rate and block_align and data_size is not None, f"{header}: WAV without fmt/data chunk"
    return (data_size // block_align) / sample_rate


# --------------------------------------------------------------------------------------------------
# Fixtures: Chromium, offline
# --------------------------------------------------------------------------------------------------


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (SITE / "index.html").exists():
        return f"no built site at {SITE}: run scripts/vendor_web_assets.sh && jupyter-book build ."
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found: run scripts/install_chromium.sh"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    return None


def require_browser():
    """Skip when the site or Chromium is missing; fail instead when AUDIOLOSSES_REQUIRE_BROWSER=1."""
    reason = _missing()
    if reason and REQUIRE_BROWSER:
        pytest.fail(f"{reason} (AUDIOLOSSES_REQUIRE_BROWSER=1)", pytrace=False)
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, or None when unavailable (the test then skips or fails, see require_browser)."""
    if _missing():
        yield None
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class OfflinePage:
    """A page whose non-file:/data: requests are aborted and recorded, with its console errors."""

    def __init__(self, browser, viewport=None):
        self.context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900},
            has_touch=viewport == PHONE,
            is_mobile=viewport == PHONE,
        )
        self.context.set_default_timeout(30_000)
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc} [{self.page.url}]"))

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"{message.text} [{(message.location or {}).get('url', '')}]")

    def unexpected(self) -> tuple[list[str], list[str]]:
        blocked = [u for u in self.blocked if not any(re.search(p, u) for p in KNOWN_BLOCKED_REQUESTS)]
        errors = [
            e
            for e in self.errors
            if not any(re.search(p, e) for p in KNOWN_CONSOLE_NOISE)
            and not any(u in e for u in self.blocked if u not in blocked)
        ]  # allowed blocked loads
        return blocked, errors


@pytest.fixture
def offline(browser):
    if browser is None:
        yield None
        return
    page = OfflinePage(browser)
    yield page
    page.context.close()


@pytest.fixture(params=list(SIZES))
def sized(browser, request):
    """An offline page at a phone's size and at a desktop's."""
    if browser is None:
        yield None
        return
    page = OfflinePage(browser, SIZES[request.param])
    page.size = request.param
    yield page
    page.context.close()


# --------------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------------

_TYPESET = """async () => {
    const mj = window.MathJax;
    if (!mj || !mj.startup || !mj.startup.promise) return false;
    await mj.startup.promise;
    return true;
}"""

# Article text outside code, rendered math and widgets: where raw TeX delimiters must not survive.
_PROSE_TEXT = """() => {
    const article = document.querySelector('article.bd-article').cloneNode(true);
    article.querySelectorAll('pre, code, script, style, mjx-container, .cell_input, .jupyter-widgets, '
                             + '.widget-subarea, .output.text_plain, .output.stream').forEach(e => e.remove());
    return article.textContent;
}"""

# TeX errors (merror), undefined macros (the noundefined package renders them as red text) and raw TeX
# inside rendered math (a macro left as text, e.g. \\_ inside \\text{} without the textmacros extension).
_MATH_ERRORS = """() => [
    ...[...document.querySelectorAll('article mjx-assistive-mml mtext')].map(e => e.textContent)
        .filter(text => /\\\\[A-Za-z_]/.test(text)).map(text => `raw TeX inside math: ${text}`),
    ...[...document.querySelectorAll('article mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent),
    ...[...document.querySelectorAll('article mjx-assistive-mml mtext[mathcolor="red"]')]
        .map(e => e.textContent).filter(text => text.startsWith('\\\\')).map(text => `undefined macro ${text}`),
]"""

# Images in cell outputs (explorers excepted: their pre-rendered grid is drawn at 1.1x to stay light).
_FIGURES = """() => [...document.querySelectorAll('article .cell_output img')]
    .filter(img => !img.closest('.audiolosses-explorer'))
    .map(img => ({src: img.getAttribute('src'), alt: img.getAttribute('alt') || '', natural: img.naturalWidth,
                  shown: img.getBoundingClientRect().width}))"""

_AUDIO = """async (index) => {
    const audio = document.querySelectorAll('audio')[index];
    const sources = [audio.getAttribute('src'), ...[...audio.querySelectorAll('source')].map(s => s.getAttribute('src'))]
        .filter(Boolean);
    audio.preload = 'auto';
    if (audio.readyState < 1) {
        await new Promise((resolve) => {
            const timer = setTimeout(resolve, 15000);
            const done = () => { clearTimeout(timer); resolve(); };
            audio.addEventListener('loadedmetadata', done, {once: true});
            audio.addEventListener('error', done, {once: true});
            const last = audio.querySelector('source:last-of-type');
            if (last) last.addEventListener('error', done, {once: true});
            if (audio.readyState >= 1) done(); else audio.load();
        });
    }
    return {sources, duration: audio.duration, readyState: audio.readyState, networkState: audio.networkState,
            error: audio.error && `code ${audio.error.code}: ${audio.error.message}`,
            currentSrc: audio.currentSrc.slice(0, 40)};
}"""

# Every saved widget view (whose model is in the page's saved state) got a rendered view before it.
_WIDGETS = """() => {
    const state = {};
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]')
        .forEach(s => Object.assign(state, JSON.parse(s.textContent).state || {}));
    const missing = [];
    document.querySelectorAll('article script[type="application/vnd.jupyter.widget-view+json"]').forEach(s => {
        const id = JSON.parse(s.textContent).model_id;
        const area = s.previousElementSibling;
        const rendered = area && area.classList.contains('widget-subarea') && area.querySelector('.jupyter-widgets');
        if (id in state && !rendered) missing.push(id);
    });
    return {rendered: document.querySelectorAll('article .jupyter-widgets').length, missing};
}"""


@pytest.mark.parametrize("docname", pages())
def test_page_works_offline(offline, docname):
    require_browser()
    source = source_of(docname)
    assert source is not None, f"{docname}: listed in _toc.yml but has no source"
    html = SITE / f"{docname}.html"
    assert html.exists(), f"{docname}: {html} was not built (stale site?)"
    markdown, widget_state = markdown_and_widget_state(source)
    page = offline.page
    problems: list[str] = []

    if docname == TOC["root"]:  # the site's index.html redirects to the intro
        page.goto((SITE / "index.html").as_uri(), wait_until="load")
        page.wait_for_url(html.as_uri(), timeout=10_000)
    else:
        page.goto(html.as_uri(), wait_until="load")

    # Loads: the right title, an article.
    assert page.locator("article.bd-article").count() == 1, f"{docname}: no main article"
    h1 = page.locator("article.bd-article h1").first.inner_text().strip().rstrip("#").strip()
    book_title = CONFIG["title"]
    if page.title() != f"{h1} — {book_title}":
        problems.append(f"title {page.title()!r}, expected {h1!r} — {book_title!r}")
    heading = first_heading(markdown)
    if heading and not re.search(r"[$`\[{<\\]", heading) and _letters(heading) != _letters(h1):
        problems.append(f"first heading {h1!r} does not match the source's {heading!r}")
    # The vendored assets are loaded where needed, not injected into every page (this happens when a
    # _static/ folder exists: Jupyter Book 1 then adds every .js under html_static_path to all pages).
    vendored_scripts = re.findall(
        r"<script[^>]*\ssrc=\"[^\"]*_static/(?:mathjax|html-manager|requirejs)/[^\"]*\"", html.read_text()
    )
    if len(vendored_scripts) > 3:  # at most tex-mml-chtml.js, require.js, embed-amd.js
        problems.append(f"{len(vendored_scripts)} vendored scripts injected into the page: {vendored_scripts[:4]}...")

    # Math.
    if has_math(markdown):
        if not page.evaluate(_TYPESET):
            problems.append("the source has math but MathJax was not loaded")
        else:
            count = page.locator("article mjx-container").count()
            if count == 0:
                problems.append("the source has math but no mjx-container was rendered")
            prose = page.evaluate(_PROSE_TEXT)
            for raw in ("$$", "\\(", "\\)", "\\[", "\\]", "\\begin{"):
                if raw in prose:
                    at = prose.index(raw)
                    problems.append(f"raw TeX {raw!r} left in the text: ...{prose[max(0, at - 60) : at + 60]!r}...")
            # $...$ that MyST did not turn into math (e.g. `$ x$`): a $-pair around TeX-looking text.
            for raw in re.findall(r"\$[^$\n]{0,80}?[\\^_{][^$\n]{0,80}?\$", prose):
                problems.append(f"raw TeX {raw!r} left in the text")
            errors = page.evaluate(_MATH_ERRORS)
            if errors:
                problems.append(f"MathJax TeX errors: {errors}")

    # Audio.
    for index in range(page.locator("audio").count()):
        audio = page.evaluate(_AUDIO, index)
        wav_sources = [s for s in audio["sources"] if re.match(r"data:audio/((x-)?wav|flac)", s)]
        label = f"audio #{index + 1}"
        if audio["error"] or audio["readyState"] < 1 or audio["networkState"] == 3:
            problems.append(
                f"{label}: not decodable (error={audio['error']}, readyState={audio['readyState']}, "
                f"networkState={audio['networkState']}, sources={[s[:40] for s in audio['sources']]})"
            )
            continue
        if not wav_sources:
            problems.append(
                f"{label}: no embedded WAV data: URI to check the duration against "
                f"(sources {[s[:60] for s in audio['sources']]})"
            )
            continue
        try:
            expected = wav_duration(wav_sources[0])
        except AssertionError as exc:
            problems.append(f"{label}: {exc}")
            continue
        if not abs(audio["duration"] - expected) <= DURATION_TOLERANCE_S:
            problems.append(
                f"{label}: duration {audio['duration']} s in the browser, {expected:.3f} s in the WAV header"
            )

    if source.suffix == ".ipynb":
        # Colab launch link.
        expected_colab = colab_url(docname)
        links = page.eval_on_selector_all(
            f".dropdown-launch-buttons a[href^='{COLAB}']", "els => els.map(e => e.getAttribute('href'))"
        )
        runs_on_colab = json.loads(source.read_text()).get("metadata", {}).get("audiolosses", {}).get("colab", True)
        expected = [expected_colab] if runs_on_colab else []
        if links != expected:
            problems.append(f"Colab links in the launch dropdown: {links}, expected {expected}")
        if runs_on_colab and not (ROOT / "notebooks" / f"{Path(docname).name}.ipynb").exists():
            problems.append(f"the Colab button opens notebooks/{Path(docname).name}.ipynb, which does not exist")
        # The Colab install cell (the chapter's first code cell) is not shown on the website.
        if "google.colab" in page.evaluate("() => document.querySelector('article.bd-article').innerText"):
            problems.append("the Colab install cell is shown on the page")

        # Explorers: the website shows their static version (pre-rendered figures), no widget manager.
        if widget_state:
            explorers = page.locator("article .audiolosses-explorer")
            if explorers.count() == 0:
                problems.append("the notebook has an explorer (saved widget state) but the page shows none")
        if re.search(r"embed-amd\.js|widget-state\+json", html.read_text()):
            problems.append("the page loads the ipywidgets manager or widget state, which no output needs")

    # Figures: HiDPI (drawn at 2x their displayed size) and alt text that says what they show.
    for figure in page.evaluate(_FIGURES):
        if figure["alt"] in ("", figure["src"]) or figure["alt"].endswith(".png"):
            problems.append(f"figure {figure['src']} has no real alt text: {figure['alt']!r}")
        if figure["natural"] < 1.8 * figure["shown"] and figure["shown"] >= figure["natural"] / 2.2:
            problems.append(
                f"figure {figure['src']} is {figure['natural']} px wide shown at {figure['shown']} px (not HiDPI)"
            )

    page.wait_for_timeout(300)  # late console errors (widget rendering, lazy MathJax extensions)
    blocked, errors = offline.unexpected()
    if blocked:
        problems.append(f"requests that would leave the machine: {blocked}")
    if errors:
        problems.append("console errors:\n    " + "\n    ".join(errors))
    assert not problems, f"{docname} ({html.relative_to(SITE)}):\n  - " + "\n  - ".join(problems)


# --------------------------------------------------------------------------------------------------
# Both sizes: navigation, explorers, A/B players, code that fits
# --------------------------------------------------------------------------------------------------


def chapters() -> list[str]:
    return [n for n in pages() if n != TOC["root"]]


def _open(offline_page, docname):
    html = SITE / f"{docname}.html"
    assert html.exists(), f"{docname}: {html} was not built (stale site?)"
    offline_page.page.goto(html.as_uri(), wait_until="load")
    return offline_page.page


_VISIBLE = """(selector) => [...document.querySelectorAll(selector)].filter(e => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
}).length"""


def test_navigation_menu_on_this_page_and_one_search_box(sized):
    require_browser()
    page = _open(sized, "book/01_sound_spectra_decibels")
    search = page.evaluate(_VISIBLE, ".search-button-field, .search-button, form.bd-search")
    assert search == 1, f"{sized.size}: {search} search boxes/buttons visible, expected 1"
    menu = page.locator(".primary-toggle:visible")
    assert menu.count() == 1, f"{sized.size}: {menu.count()} visible menu buttons"
    menu.first.click()
    page.wait_for_timeout(400)
    if sized.size == "phone":
        assert page.evaluate("() => document.querySelector('#pst-primary-sidebar-modal').open"), (
            "phone: the menu button did not open the navigation"
        )
        link = page.locator("#pst-primary-sidebar-modal a.reference.internal", has_text="Relative Volume Mel")
        assert link.is_visible(), "phone: the opened navigation does not show the chapters"
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        toc = page.locator(".secondary-toggle:visible")
        assert toc.count() == 1, f"phone: {toc.count()} visible 'On this page' buttons"
        toc.first.click()
        page.wait_for_timeout(400)
        assert page.evaluate("() => document.querySelector('#pst-secondary-sidebar-modal').open"), (
            "phone: the 'On this page' button did not open the page's contents"
        )
        assert page.locator("#pst-secondary-sidebar-modal nav a").first.is_visible()
    else:
        sidebar = page.locator("#pst-primary-sidebar")
        assert not sidebar.is_visible() or sidebar.bounding_box()["x"] + sidebar.bounding_box()["width"] <= 1, (
            "desktop: the menu button did not collapse the sidebar"
        )
        menu.first.click()
        page.wait_for_timeout(400)
        assert sidebar.is_visible() and sidebar.bounding_box()["x"] >= 0, "desktop: the sidebar did not come back"
        assert page.locator("#pst-page-navigation-heading-2, .bd-sidebar-secondary .page-toc").first.is_visible()
    blocked, errors = sized.unexpected()
    assert not blocked and not errors, (blocked, errors)


_EXPLORER = """(root) => {
    const data = JSON.parse(root.querySelector('script.alx-data').textContent);
    const inputs = [...root.querySelectorAll('[data-alx-control]')];
    return {live: root.classList.contains('alx-live'), key: root.dataset.alxKey || null,
            src: root.querySelector('img.alx-figure').src, images: data.images, index: data.index,
            controls: inputs.map(i => ({tag: i.tagName, disabled: i.disabled, value: i.value, max: i.max || null,
                                        options: i.tagName === 'SELECT' ? i.options.length : null,
                                        width: i.getBoundingClientRect().width}))};
}"""


def _explorer_pages():
    return [
        n
        for n in chapters()
        if (ROOT / f"{n}.ipynb").exists() and markdown_and_widget_state(source_of(n) or ROOT / f"{n}.ipynb")[1]
    ]


@pytest.mark.parametrize("docname", _explorer_pages())
def test_moving_an_explorer_control_changes_its_figure(sized, docname):
    require_browser()
    page = _open(sized, docname)
    root = page.locator("article .audiolosses-explorer").first
    root.wait_for(state="attached", timeout=10_000)
    before = root.evaluate(_EXPLORER)
    assert before["live"], "the site script did not set up the explorer"
    movable = [
        k
        for k, c in enumerate(before["controls"])
        if not c["disabled"] and ((c["options"] or 0) > 1 or (c["max"] and int(c["max"]) > 0))
    ]
    assert movable, f"no control of the explorer can move: {before['controls']}"
    for k, control in enumerate(before["controls"]):
        assert not control["disabled"], f"control {k} is shown but disabled"
        if control["tag"] == "INPUT" and sized.size == "phone":
            assert control["width"] >= 120, f"phone: slider {k} is {control['width']:.0f} px wide"
    seen = {before["src"]}
    for k in movable:
        control = before["controls"][k]
        target = page.locator(f"article .audiolosses-explorer [data-alx-control='{k}']").first
        new = "1" if control["value"] != "1" else "0"
        if control["tag"] == "SELECT":
            target.select_option(index=int(new))
        else:
            target.evaluate(
                "(input, value) => { input.value = value; input.dispatchEvent(new Event('input', {bubbles: true})); }",
                new,
            )
        after = root.evaluate(_EXPLORER)
        assert after["key"] in after["index"], f"control {k}: settings {after['key']} not in the grid"
        assert after["src"] == after["images"][after["index"][after["key"]]], f"control {k}: wrong figure"
        assert after["src"] not in seen, f"moving control {k} did not change the figure"
        seen.add(after["src"])
    blocked, errors = sized.unexpected()
    assert not blocked and not errors, (blocked, errors)


def _ab_pages():
    return [n for n in chapters() if "play_side_by_side" in (ROOT / f"{n}.ipynb").read_text()]


_AB = """(root) => {
    const audios = [...root.querySelectorAll('audio')];
    return {active: Number(root.dataset.alxActive), live: root.classList.contains('alx-live'),
            times: audios.map(a => a.currentTime), paused: audios.map(a => a.paused),
            buttons: [...root.querySelectorAll('button.alx-version')].map(b => ({
                text: b.textContent, pressed: b.getAttribute('aria-pressed'),
                right: b.getBoundingClientRect().right})),
            table: [...root.querySelectorAll('table.alx-fallback tr')].slice(1)
                .map(r => [...r.querySelectorAll('td')].map(td => td.textContent)),
            tableShown: root.querySelector('table.alx-fallback').getBoundingClientRect().height > 0};
}"""


@pytest.mark.parametrize("docname", _ab_pages())
def test_ab_player_switches_versions_at_the_same_position(sized, docname):
    require_browser()
    page = _open(sized, docname)
    players = page.locator("article .audiolosses-ab")
    assert players.count() >= 1, "the chapter compares sounds but shows no A/B player"
    root = players.first
    root.scroll_into_view_if_needed()
    state = root.evaluate(_AB)
    assert state["live"] and not state["tableShown"], "the site script did not set up the A/B player"
    width = page.viewport_size["width"]
    for button, row in zip(state["buttons"], state["table"]):
        label, _, peak, rms = row
        assert f"peak {peak} dB" in button["text"] and f"RMS {rms} dB" in button["text"], (button, row)
        assert button["right"] <= width + 1, f"{sized.size}: a version button overflows the screen"
    if len(state["buttons"]) < 2:
        pytest.skip("the first comparison holds one version")
    # Slow playback down (position is in media time either way) so that even a 0.2 s clip is still
    # playing when the test switches, whatever the machine's load.
    root.evaluate("(root) => root.querySelectorAll('audio').forEach(a => { a.playbackRate = 0.1; })")
    root.locator("button.alx-play").click()
    page.wait_for_function(
        "(root) => { const a = root.querySelectorAll('audio')[Number(root.dataset.alxActive)];"
        " return !a.paused && a.currentTime > 0.2 * a.duration; }",
        arg=root.element_handle(),
        timeout=15_000,
    )
    root.locator("button.alx-version").nth(1).click()
    state = root.evaluate(_AB)
    assert state["active"] == 1 and state["buttons"][1]["pressed"] == "true"
    assert state["paused"][0] and not state["paused"][1], f"after switching: paused = {state['paused']}"
    assert abs(state["times"][1] - state["times"][0]) < 0.05, f"position not kept: {state['times']}"
    blocked, errors = sized.unexpected()
    assert not blocked and not errors, (blocked, errors)


_OVERFLOWING_TEXT = """() => [...document.querySelectorAll(
        'article div.cell_input pre, article div.cell_output pre')]
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => pre.textContent.split('\\n').reduce((a, b) => a.length >= b.length ? a : b).slice(0, 100))"""


@pytest.mark.parametrize("docname", chapters())
def test_no_code_cell_or_printed_output_scrolls_sideways_on_a_desktop(browser, docname):
    require_browser()
    page = OfflinePage(browser, DESKTOP)
    try:
        overflowing = _open(page, docname).evaluate(_OVERFLOWING_TEXT)
    finally:
        page.context.close()
    assert not overflowing, (
        f"{len(overflowing)} code cells or printed outputs scroll sideways at 1366 px, e.g. {overflowing[:3]}"
    )


_CUT_OFF_MATH = """() => [...document.querySelectorAll('article span.math')]
    .filter(m => m.scrollWidth > m.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(m).overflowX))
    .map(m => [m.scrollWidth, m.clientWidth, (m.querySelector('mjx-assistive-mml') || m).textContent.slice(0, 60)])"""


@pytest.mark.parametrize("docname", chapters())
def test_no_inline_formula_is_cut_off_on_a_phone(browser, docname):
    """An inline formula wider than a phone's column scrolls in its own box (the theme would clip it)."""
    require_browser()
    page = OfflinePage(browser, PHONE)
    try:
        _open(page, docname)
        page.page.evaluate(_TYPESET)
        cut_off = page.page.evaluate(_CUT_OFF_MATH)
    finally:
        page.context.close()
    assert not cut_off, f"{len(cut_off)} inline formulas cut off at 390 px (width, shown, text): {cut_off[:3]}"


_FIGURE_WIDTHS = """() => [...document.querySelectorAll('article .cell_output img, article img.alx-figure')]
    .filter(img => img.naturalWidth / img.naturalHeight >= 2.3)
    .map(img => [img.getAttribute('alt') ? img.getAttribute('alt').slice(0, 50) : img.src.slice(-30),
                 Math.round(img.getBoundingClientRect().width),
                 ['auto', 'scroll'].includes(getComputedStyle(img.parentElement).overflowX)])"""


@pytest.mark.parametrize("docname", chapters())
def test_wide_figures_stay_readable_on_a_phone(browser, docname):
    """A figure of several panels side by side keeps a readable width at 390 px, scrolling sideways in its
    own box; the page itself never scrolls sideways."""
    require_browser()
    page = OfflinePage(browser, PHONE)
    try:
        shown = _open(page, docname)
        shown.wait_for_function("() => [...document.images].every(img => img.complete)")
        widths = shown.evaluate(_FIGURE_WIDTHS)
        page_width = shown.evaluate("() => document.documentElement.scrollWidth")
    finally:
        page.context.close()
    too_small = [(alt, width) for alt, width, scrolls in widths if width < 600 or not scrolls]
    assert not too_small, f"wide figures shrunk on a {PHONE['width']} px phone (alt, px): {too_small[:3]}"
    assert page_width <= PHONE["width"] + 1, f"the page is {page_width} px wide on a {PHONE['width']} px phone"


@pytest.mark.parametrize("docname", [n for n in chapters() if re.search(r"/\d+_", n)])
def test_figure_numbers_carry_the_chapter_number(browser, docname):
    """Fig. <chapter>.1, .2, ... in caption order, on every numbered chapter with figures."""
    require_browser()
    chapter = int(re.search(r"/(\d+)_", docname).group(1))
    page = OfflinePage(browser, DESKTOP)
    try:
        numbers = _open(page, docname).evaluate(
            "() => [...document.querySelectorAll('article figcaption .caption-number')].map(e => e.textContent)"
        )
    finally:
        page.context.close()
    expected = [f"Fig. {chapter}.{k}" for k in range(1, len(numbers) + 1)]
    assert [n.strip() for n in numbers] == expected


def test_intro_links_the_whole_course_archive(offline):
    import zipfile

    require_browser()
    page = _open(offline, TOC["root"])
    href = page.locator("article a.audiolosses-download").get_attribute("href")
    archive = (SITE / TOC["root"]).parent / href
    assert archive.resolve().is_file(), f"the download link points at {archive}, which was not built"
    # The reader notebooks (notebooks/: plain Markdown, a cell to try each exercise), byte for byte.
    with zipfile.ZipFile(archive) as opened:
        contents = {Path(n).name: opened.read(n) for n in opened.namelist()}
    expected = {
        f"{Path(n).name}.ipynb"
        for n in chapters()
        if json.loads((ROOT / f"{n}.ipynb").read_text()).get("metadata", {}).get("audiolosses", {}).get("colab", True)
    }
    assert expected <= set(contents), f"missing from the archive: {sorted(expected - set(contents))}"
    for name in expected:
        assert contents[name] == (ROOT / "notebooks" / name).read_bytes(), (
            f"{name} in the archive is not notebooks/{name}"
        )


def test_api_page_fits_a_phone_and_shows_no_machine_paths(browser):
    require_browser()
    page = OfflinePage(browser, PHONE)
    try:
        shown = _open(page, "book/api")
        width = shown.evaluate("() => document.documentElement.scrollWidth")
        text = shown.evaluate("() => document.querySelector('article').innerText")
        notebook_links = shown.locator("article a[href*='.html']", has_text="Sound, spectra and decibels").count()
    finally:
        page.context.close()
    assert width <= PHONE["width"] + 1, f"the API page is {width} px wide on a {PHONE['width']} px phone"
    assert not re.search(r"PosixPath|/work/|/home/|site-packages", text), "a machine path on the API page"
    assert "Define the computation performed at every call" not in text, "torch's inherited forward() text"
    assert not re.search(r"\{[A-Z][^{}\n]{1,60} \d{4}\}", text), "an unresolved {Author Year} citation"
    assert "Notebook: book/" not in text and notebook_links >= 1, "Notebook entries are not links"
