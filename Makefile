# `make demo` and `make test` set everything up on a fresh machine with only Python and pip.
# Every install goes through constraints.txt, which pins torch: an unpinned torch resolved
# before torch is installed would pull the CUDA build and several GB of packages.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
CONSTRAINTS := -c constraints.txt
TIMM := timm==1.0.31

.PHONY: demo test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.demo-deps: $(PY) pyproject.toml constraints.txt
	$(PIP) install -q $(CONSTRAINTS) torch==2.13.0
	$(PIP) install -q $(CONSTRAINTS) -e ".[all]"
	touch $@

# timm is the reference the tests compare against; it goes in without its dependencies
# (it would ask for torchvision, which has no CPU build here) and only into the test setup.
$(VENV)/.test-deps: $(VENV)/.demo-deps
	$(PIP) install -q $(CONSTRAINTS) -e ".[all,test]"
	$(PIP) install -q $(CONSTRAINTS) --no-deps $(TIMM)
	touch $@

demo: $(VENV)/.demo-deps
	MPLBACKEND=Agg $(PY) examples/demo.py out

lint: $(VENV)/.test-deps
	$(PY) -m ruff check src tests examples bench
	$(PY) -m ruff format --check src tests examples bench

test: lint
	MPLBACKEND=Agg $(PY) -m pytest

# Every comparison side by side in one process; writes bench/results.json.
bench: $(VENV)/.test-deps
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
