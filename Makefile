# Two commands a new user needs:  make book  (build the website)  and  make test  (run every test).
# Both create the virtual environment $(VENV) and install requirements.txt into it the first time.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install book test notebooks browser-test benchmarks clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

book: install
	bash scripts/vendor_web_assets.sh
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Website built: open _build/html/index.html in a browser"

test: install
	$(BIN)/python -m pytest

notebooks: install
	$(BIN)/python scripts/execute_notebooks.py

benchmarks: install
	$(BIN)/python -m benchmarks

browser-test: book
	bash scripts/install_chromium.sh
	AUDIOLOSSES_REQUIRE_BROWSER=1 $(BIN)/python -m pytest tests/test_browser.py

clean:
	rm -rf _build _vendor
