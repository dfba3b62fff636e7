#!/usr/bin/env bash
# Install Debian/Ubuntu's Chromium for the browser tests (tests/test_browser.py launches
# /usr/bin/chromium through Playwright; no `playwright install` download needed). Idempotent, quiet.
set -euo pipefail

[[ -x /usr/bin/chromium ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install_chromium.sh: not root and sudo is not available; install the 'chromium' package" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq chromium >/dev/null

[[ -x /usr/bin/chromium ]] || { echo "install_chromium.sh: /usr/bin/chromium still missing after apt-get install" >&2; exit 1; }
echo "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
