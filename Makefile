# Two commands a new user needs:  make book  (build the website)  and  make test  (run every test).
# Both create the virtual environment $(VENV) and install requirements.txt into it the first time.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install lint book test test-other-cpu newer-stack notebooks reader-notebooks browser-test benchmarks clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

# ruff (configured in pyproject.toml): lint, and the formatting checked (run `ruff format` to apply it)
lint: install
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks

book: install
	$(BIN)/python scripts/make_reader_notebooks.py --check
	bash scripts/vendor_web_assets.sh
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Website built: open _build/html/index.html in a browser"

test: install
	$(BIN)/python -m pytest

# Stored outputs must hold on any CPU: the notebooks again, with torch, MKL and oneDNN on their baseline code
# paths (what a machine without AVX2/AVX-512 computes). scripts/notebook_checks.py explains the variables.
test-other-cpu: install
	ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE ONEDNN_MAX_CPU_ISA=SSE41 $(BIN)/python -m pytest book

# Every chapter on Python 3.12 + the newest torch, the package installed as the Colab cell does (no comparison).
newer-stack:
	bash scripts/newer_stack.sh

notebooks: install
	$(BIN)/python scripts/execute_notebooks.py

# The reader notebooks for Colab/Jupyter (notebooks/), generated from the chapters without running them
# (a few seconds); tests/test_reader_notebooks.py fails when they are not current. After merging chapter
# edits, `--fix-install-cells` first restores every chapter's tidy, website-hidden install cell.
reader-notebooks: install
	$(BIN)/python scripts/make_reader_notebooks.py --fix-install-cells

benchmarks: install
	$(BIN)/python -m benchmarks

browser-test: book
	bash scripts/install_chromium.sh
	AUDIOLOSSES_REQUIRE_BROWSER=1 $(BIN)/python -m pytest tests/test_browser.py

clean:
	rm -rf _build _vendor
