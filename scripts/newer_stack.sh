#!/usr/bin/env bash
# Run every chapter on a newer stack, the way a Colab reader gets the course: Python 3.12, the newest torch
# and torchaudio that pip installs here, then the package installed as the Colab cell installs it (from the
# repository, no pins, with the `atlas` extra), which must leave torch's version alone. Each chapter is then
# executed end to end from a temporary copy; outputs are not compared (other versions print other digits),
# but any error fails the run.
#
#   bash scripts/newer_stack.sh            # creates .venv-newer (NEWER_VENV=... to move it)
set -euo pipefail
cd "$(dirname "$0")/.."

NEWER_VENV=${NEWER_VENV:-.venv-newer}

find_python312() {
    local candidate
    for candidate in "${PYTHON312:-}" python3.12 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)"/versions/3.12*/bin/python3.12; do
        [[ -n "$candidate" ]] || continue
        # a pyenv shim exists but refuses to run when 3.12 is not the active version: try it, don't trust `which`
        if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then
            command -v "$candidate" 2>/dev/null || echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! PY312=$(find_python312); then
    echo "newer_stack.sh: no working Python 3.12 found (tried \$PYTHON312, python3.12 on PATH and pyenv's" >&2
    echo "versions/3.12*); install one (pyenv install 3.12, apt's python3.12, or actions/setup-python)" >&2
    exit 1
fi
echo "Python 3.12: $PY312"

rm -rf "$NEWER_VENV"
"$PY312" -m venv "$NEWER_VENV"
PY="$NEWER_VENV/bin/python"
"$PY" -m pip install -q --upgrade pip
# The newest torch/torchaudio pip resolves here (what Colab's preinstalled, newer stack stands for)
"$PY" -m pip install -q torch torchaudio
torch_before=$("$PY" -c 'import torch; print(torch.__version__)')

# As the Colab cells do: the package from the repository, unpinned, with the extras the chapters install (a plain,
# non-editable install, so the chapters import the installed copy); then what runs the notebooks.
"$PY" -m pip install -q ".[notebook,atlas,references]"
"$PY" -m pip install -q nbclient nbformat ipykernel pyyaml
torch_after=$("$PY" -c 'import torch; print(torch.__version__)')
"$PY" -m pip check
"$PY" - <<'EOF'
import sys, torch, torchaudio, audiolosses
print(f"newer stack: Python {sys.version.split()[0]}, torch {torch.__version__}, torchaudio {torchaudio.__version__}, "
      f"audiolosses from {audiolosses.__file__}")
EOF
if [[ "$torch_before" != "$torch_after" ]]; then
    echo "newer_stack.sh: installing the package changed torch from $torch_before to $torch_after;" \
         "the Colab cell must keep the reader's torch (pyproject.toml: lower bounds only)" >&2
    exit 1
fi
echo "torch unchanged by the package install: $torch_after"

"$PY" scripts/execute_notebooks.py --no-store
