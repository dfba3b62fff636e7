"""Page weight of every page of the built website: the bytes a browser loads to show it.

Opens each page listed in _toc.yml from disk in headless Chromium (Debian's /usr/bin/chromium through
Playwright, every non-file request blocked), records every file the page loads (HTML, scripts,
stylesheets, fonts, images, MathJax's lazy extensions) and sums their sizes on disk: the page's own
bytes (its HTML, with the sounds and explorer figures embedded in it, and its figure files) and the
total with the files every page shares (theme, icons, MathJax: loaded once, then cached).

    python scripts/page_weights.py                  # the site in _build/html
    python scripts/page_weights.py --site OTHER_DIR --json weights.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def weigh(site: Path, docnames: list[str]) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for docname in docnames:
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            files: set[Path] = set()

            def route(route):
                route.abort()  # anything but file: and data: (nothing is expected)

            context.route("http*://**/*", route)
            page = context.new_page()
            page.on(
                "request",
                lambda request, files=files: (
                    files.add(Path(unquote(urlparse(request.url).path))) if request.url.startswith("file:") else None
                ),
            )
            page.goto((site / f"{docname}.html").as_uri(), wait_until="load")
            page.wait_for_timeout(1500)  # lazy MathJax extensions and fonts
            sizes = {str(f.relative_to(site)): f.stat().st_size for f in files if f.is_file()}
            own = sum(
                size
                for name, size in sizes.items()
                if name == f"{docname}.html" or name.startswith(("_images/", "_downloads/"))
            )
            results[docname] = {
                "bytes": sum(sizes.values()),
                "own_bytes": own,
                "files": len(sizes),
                "largest": sorted(sizes.items(), key=lambda kv: -kv[1])[:5],
            }
            context.close()
        browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    from test_browser import pages

    extra = [
        d for d in ("book/api", "book/bibliography", "book/notation", "book/cite") if (args.site / f"{d}.html").exists()
    ]
    results = weigh(args.site.resolve(), list(dict.fromkeys(pages() + extra)))
    for docname, result in results.items():
        print(
            f"{docname:40s} {result['own_bytes'] / 1e6:6.2f} MB own (HTML + figures), "
            f"{result['bytes'] / 1e6:6.2f} MB with the shared theme/MathJax files ({result['files']} files)"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
