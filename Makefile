# `make demo` and `make test` set everything up on a fresh machine with only Python and pip.
# Every install goes through constraints.txt, which pins torch: an unpinned torch resolved
# before torch is installed would pull the CUDA build and several GB of packages.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
CONSTRAINTS := -c constraints.txt
TIMM := timm==1.0.31
NEMO := nemo_toolkit==3.0.0

CORE_VENV := .venv-core
CORE_PY := $(CORE_VENV)/bin/python

.PHONY: demo test test-fast test-core lint docs bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.demo-deps: $(PY) pyproject.toml constraints.txt
	$(PIP) install -q $(CONSTRAINTS) torch==2.13.0
	$(PIP) install -q $(CONSTRAINTS) -e ".[all,examples]"
	touch $@

# timm is the reference the tests compare against; it goes in without its dependencies
# (it would ask for torchvision, which has no CPU build here) and only into the test setup.
# NeMo too: its full install is several GB in stages; its lr_scheduler.py needs only torch, and
# tests/nemo_ref.py loads that one file with NeMo's unrelated imports stood in for.
$(VENV)/.test-deps: $(VENV)/.demo-deps
	$(PIP) install -q $(CONSTRAINTS) -e ".[all,test,docs]"
	$(PIP) install -q $(CONSTRAINTS) --no-deps $(TIMM) $(NEMO)
	touch $@

# The seed tutorials' schedules as pictures, the lrkit command (a file, the terminal, words),
# and a real training run with an LR range test first.
demo: $(VENV)/.demo-deps
	MPLBACKEND=Agg $(PY) examples/demo.py out
	$(VENV)/bin/lrkit plot --sched cosine --epochs 60 --warmup-epochs 5 --lr 0.1 --min-lr 1e-4 \
		--lr-cycle-limit 3 --lr-cycle-decay 0.5 --cooldown-epochs 5 --updates-per-epoch 10 -o out/cli_cosine.png
	$(VENV)/bin/lrkit plot --sched cosine --epochs 60 --warmup-epochs 5 --lr 0.1 --lr-noise 0.1 0.7
	$(VENV)/bin/lrkit describe --sched cosine --epochs 60 --warmup-epochs 5 --lr 0.1 --min-lr 1e-4
	MPLBACKEND=Agg $(PY) examples/train.py --find-lr --no-progress --output out/train

lint: $(VENV)/.test-deps
	$(PY) -m ruff check src tests examples bench docs
	$(PY) -m ruff format --check src tests examples bench docs

# The documentation site, strict: a warning, a reference that resolves to nothing, a gallery
# name without an example or a proof fails the build. The gallery is drawn here, at build time.
DOCS_HTML := out/docs/html
docs: $(VENV)/.test-deps
	rm -rf $(DOCS_HTML)
	MPLBACKEND=Agg $(PY) -m sphinx -E -W --keep-going -n -q -b html docs $(DOCS_HTML)
	@echo "docs: open $(DOCS_HTML)/index.html"

# The suite checks the site just built (every image and internal link) instead of building it again.
# It runs on every core (pytest-xdist): on CI's two, about two thirds of the time of one.
PARALLEL := -n auto --dist loadgroup
test: lint docs
	MPLBACKEND=Agg LRKIT_DOCS_HTML=$(DOCS_HTML) $(PY) -m pytest $(PARALLEL)

# What a contributor runs while working: the suite without the tests marked slow (processes
# spawned, steps compiled, the docs built; see tests/conftest.py), and no lint or docs build.
test-fast: $(VENV)/.test-deps
	MPLBACKEND=Agg $(PY) -m pytest $(PARALLEL) -m "not slow"

# The suite where only lrkit's runtime dependencies and the test tools are installed (no torch,
# no framework, no PyYAML): what needs them skips, and the core's tests must pass.
$(CORE_VENV)/.deps: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(CORE_VENV)
	$(CORE_PY) -m pip --disable-pip-version-check install -q $(CONSTRAINTS) -e . "pytest>=7" "hypothesis>=6" "pytest-timeout>=2.3"
	touch $@

test-core: $(CORE_VENV)/.deps
	$(CORE_PY) -c "import importlib.util as u, sys; sys.exit(bool(u.find_spec('torch')))" \
		|| { echo "test-core: torch is installed in $(CORE_VENV); it must not be"; exit 1; }
	$(CORE_PY) -m pytest

# Every comparison side by side in one process; writes bench/results.json.
bench: $(VENV)/.test-deps
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(CORE_VENV) out docs/gallery .pytest_cache .ruff_cache .hypothesis
