# Two commands for a new user: `make demo` and `make test`. Both create the
# environment in .venv first (idempotent `make setup`).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export WORKBENCH_HOME := $(CURDIR)
# Threads for numpy/faiss/torch: this project's machines have 2 cores.
export OMP_NUM_THREADS ?= 2
export TOKENIZERS_PARALLELISM := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup demo test bench browser-deps clean help

help:
	@echo "make demo   - analyze the sample articles in data/samples and show the results"
	@echo "make test   - run the test suite"
	@echo "make bench  - run the quality and speed benchmarks and write benchmarks/REPORT.md"
	@echo "make setup  - (re)create the virtual environment in $(VENV)"

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(BIN)/workbench analyze data/samples --workspace demo --out out/demo --quiet
	$(BIN)/workbench statements --workspace demo
	$(BIN)/workbench summary --workspace demo
	@echo "Evidence tables and run manifest: out/demo/"
	$(BIN)/workbench ui --workspace demo

test: setup browser-deps
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/run_all.py

# Debian's chromium for the end-to-end browser test (Playwright's own browser
# download cannot work here). Installed when missing and we may use apt.
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then APT="apt-get"; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then APT="sudo apt-get"; else APT=""; fi; \
	if [ -n "$$APT" ]; then \
		echo "Installing Debian's chromium for the browser test..."; \
		$$APT update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $$APT install -y -qq chromium >/dev/null \
		|| echo "warning: could not install chromium; the browser test will be skipped"; \
	else echo "warning: chromium is not installed and apt is not usable; the browser test will be skipped"; fi

clean:
	rm -rf $(VENV) out workspaces cache indexes/*/ .pytest_cache
