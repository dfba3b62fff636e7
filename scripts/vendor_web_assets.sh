#!/usr/bin/env bash
# Vendor the browser assets the built book needs into _vendor/ (gitignored), so every page renders
# math and widgets with no network access:
#   _vendor/mathjax/       MathJax 3 tex-mml-chtml.js + what it loads at runtime
#   _vendor/requirejs/     require.js (the ipywidgets HTML manager is an AMD bundle)
#   _vendor/html-manager/  @jupyter-widgets/html-manager embed-amd.js (ipywidgets 8) + its icon fonts
# _config.yml points Sphinx at them (sphinx.config: html_static_path, mathjax_path, nb_ipywidgets_js);
# Sphinx copies _vendor/* to _build/html/_static/.
#
# Versions are pinned in web/package.json + web/package-lock.json and installed with `npm ci`.
# Idempotent: when _vendor/ was produced from the same lock file by this same script, it exits at once.
# Usage: scripts/vendor_web_assets.sh [--force]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB="$ROOT/web"
DEST="$ROOT/_vendor"
STAMP="$DEST/.vendor-stamp"

hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
want="$(hash_of "$WEB/package-lock.json" "${BASH_SOURCE[0]}")"

if [[ "${1:-}" != "--force" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" \
      && -f "$DEST/mathjax/tex-mml-chtml.js" && -f "$DEST/requirejs/require.js" && -f "$DEST/html-manager/embed-amd.js" ]]; then
    exit 0  # already vendored from this lock file
fi

command -v npm >/dev/null || { echo "vendor_web_assets.sh: npm not found (install Node.js >= 18)" >&2; exit 1; }

# npm ci is skipped when web/node_modules already matches the lock file (npm writes this hidden lock copy).
if ! cmp -s "$WEB/package-lock.json" "$WEB/node_modules/.package-lock.json.src" 2>/dev/null; then
    (cd "$WEB" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$WEB/package-lock.json" "$WEB/node_modules/.package-lock.json.src"
fi

NM="$WEB/node_modules"
MJ="$NM/mathjax/es5"
HM="$NM/@jupyter-widgets/html-manager/dist"
TMP="$(mktemp -d "$ROOT/.vendor-tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

copy() {  # copy <src-dir> <dest-dir> <relative paths or globs...>; fails loudly if a path is missing
    local src="$1" dst="$2"; shift 2
    local rel
    for rel in "$@"; do
        local matched=0 f
        for f in "$src"/$rel; do
            [[ -e "$f" ]] || continue
            matched=1
            mkdir -p "$dst/$(dirname "${f#"$src"/}")"
            cp -R "$f" "$dst/${f#"$src"/}"
        done
        [[ $matched == 1 ]] || { echo "vendor_web_assets.sh: missing $src/$rel" >&2; exit 1; }
    done
}

# MathJax 3: the combined component, the CHTML web fonts it fetches, the TeX extensions that the
# autoload/require packages fetch on demand (\cancel, \ce, \bbox, ...), and the accessibility
# components the MathJax context menu loads when a reader turns on the explorer/speech (English and
# Nemeth speech rules only). Not vendored: the SVG renderer offered by the menu's renderer switch.
copy "$MJ" "$TMP/mathjax" \
    tex-mml-chtml.js \
    'output/chtml/fonts/woff-v2/*.woff' \
    'input/tex/extensions/*.js' \
    'a11y/*.js' \
    sre/mathmaps/base.json sre/mathmaps/en.json sre/mathmaps/nemeth.json
cp "$NM/mathjax/LICENSE" "$TMP/mathjax/LICENSE"

# RequireJS.
copy "$NM/requirejs" "$TMP/requirejs" require.js
# requirejs's license header is inside require.js itself.

# ipywidgets 8 HTML manager: embed-amd.js is self-contained (base, controls, output, manager) apart
# from the Font Awesome fonts its CSS references (woff2/woff cover every current browser).
copy "$HM" "$TMP/html-manager" embed-amd.js embed.js.LICENSE.txt '*.woff2' '*.woff'

echo "$want" > "$TMP/.vendor-stamp"
rm -rf "$DEST.old"
[[ -e "$DEST" ]] && mv "$DEST" "$DEST.old"
mv "$TMP" "$DEST"
rm -rf "$DEST.old"
trap - EXIT
echo "vendored web assets into _vendor/ ($(du -sk "$DEST" | cut -f1) KB)"
