# lesson17: `make lab` to teach and learn, `make test` to check everything.
# Every step installs what it needs, so both work on a fresh machine.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
ROOT := $(filter 0,$(shell id -u))
APT_INSTALL = DEBIAN_FRONTEND=noninteractive apt-get install -y -q
PORT ?= 8888
START := $(shell date +%s)

.PHONY: install data browser lab test test-fast test-slow export-check nbclean clean-check nbtest pytest reproduce bench bench-syncbn gpu-check docs clean

install: $(VENV)/.installed

$(VENV)/.installed: settings.ini setup.py
	test -x $(PY) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The data: Debian's package where we can install it, else torchvision's download into ~/.cache.
data: install
	@if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ -n "$(ROOT)" ] && command -v apt-get >/dev/null; then \
	  $(APT_INSTALL) dataset-fashion-mnist || { apt-get update -q && $(APT_INSTALL) dataset-fashion-mnist; } || true; fi
	$(PY) -c "from lesson17.data import find_fashion_mnist; print('Fashion-MNIST verified in', find_fashion_mnist())"

# Chromium for the browser tests, from Debian (never `playwright install`).
browser:
	@if ! command -v chromium >/dev/null && [ -n "$(ROOT)" ] && command -v apt-get >/dev/null; then \
	  $(APT_INSTALL) chromium || { apt-get update -q && $(APT_INSTALL) chromium; }; fi
	@command -v chromium >/dev/null || { echo "chromium is missing: install Debian's chromium package"; exit 1; }

# Trusted notebooks: in the slideshow, the sliders are the explorers' HTML copies, whose script needs trust.
lab: data
	$(BIN)/jupyter trust nbs/*.ipynb
	$(BIN)/jupyter lab --notebook-dir=nbs --ServerApp.port=$(PORT) $(if $(ROOT),--allow-root) --no-browser

# In tiers, each only when the one before passed: the checks, the fast tests, the notebooks, then the slow and
# browser tests. Both pytest tiers take the test files in reverse order; a plain `pytest tests` (and `make pytest`)
# takes them forward, so the suite is seen to pass in both orders.
test: data export-check clean-check test-fast nbtest browser test-slow
	@echo "make test passed in $$(( $$(date +%s) - $(START) )) s, on $$(date -u +%F) with $$(nproc) cores"

# The committed package must be exactly what the notebooks export, and the notebooks already clean.
export-check: install
	$(BIN)/nbdev_export
	@git diff --exit-code --stat -- lesson17 && test -z "$$(git status --porcelain -- lesson17)" \
	  || { echo "lesson17/ differs from what nbdev_export makes: run nbdev_export and commit"; exit 1; }

# Clean the notebooks before a commit: nbdev's cleaning, then the saved explorers keep only their HTML copy, so a
# notebook opened without running shows working sliders, not "model not found" (running a cell still gives widgets).
nbclean: install
	$(BIN)/nbdev_clean
	$(PY) tools/drop_widget_views.py

clean-check: nbclean
	@git diff --exit-code --stat -- nbs || { echo "nbs/ is not clean: run make nbclean and commit"; exit 1; }

# Each notebook in a process of its own, so that the memory one takes is given back before the next starts.
nbtest: data
	@failed=; for nb in nbs/*.ipynb; do $(BIN)/nbdev_test --path $$nb --timing || failed="$$failed $$nb"; done; \
	  test -z "$$failed" || { echo "notebooks that failed:$$failed"; exit 1; }

# pytest's markers (pyproject.toml) split the tests: `slow` (end-to-end runs, processes, the installed wheel) and
# `browser` (Chromium) make the last tier, the rest the fast one.
FAST := -m "not slow and not browser"
SLOW := -m "slow or browser"
REVERSED := $(shell ls tests/test_*.py | LC_ALL=C sort -r)

# One tier of pytest, timed: $(1) its name, $(2) pytest's arguments. Exit status 5 (no test selected) is not a failure.
define tier
	@start=$$(date +%s); $(BIN)/pytest $(2); s=$$?; t=$$(( $$(date +%s) - start )); \
	  if [ $$s -eq 5 ]; then echo "$(1): no test selected"; s=0; fi; \
	  if [ $$s -eq 0 ]; then echo "$(1) passed in $$t s"; else echo "$(1) failed after $$t s"; fi; exit $$s
endef

test-fast: data
	$(call tier,fast tier,$(FAST) $(REVERSED))

test-slow: data browser
	$(call tier,slow and browser tier,$(SLOW) $(REVERSED))

# Every test in one run, in pytest's (forward) order.
pytest: data browser
	$(BIN)/pytest tests

reproduce: data
	$(BIN)/lesson17 reproduce --out results

# Speed, as ratios: the layers, the learner and loading against their baselines; the sliders in Chromium.
bench: data browser
	$(PY) bench/bench.py
	$(PY) bench/sliders.py

# Notebook 11's measurements: SyncBatchNorm's messages and step times (bench/syncbn_cost.json), and data-parallel
# runs over seeds (bench/syncbn_results.json; finished runs in that file are kept, so delete it to run them all again).
bench-syncbn: data
	$(PY) bench/syncbn_cost.py
	$(PY) bench/syncbn_compare.py

# On a machine with a CUDA GPU: the layers against PyTorch's there, and training; elsewhere it says it needs CUDA.
gpu-check: data
	$(PY) bench/gpu_check.py

# The docs site in _docs/, offline: nbdev's processed notebooks through mkdocs (docs/build.py),
# with MathJax and the other browser files from npm (docs/package.json) instead of a CDN.
docs: install
	@if ! command -v npm >/dev/null && [ -n "$(ROOT)" ]; then $(APT_INSTALL) npm || { apt-get update -q && $(APT_INSTALL) npm; }; fi
	@test docs/node_modules/.package-lock.json -nt docs/package-lock.json || npm ci --prefix docs --no-audit --no-fund
	$(PY) docs/build.py

clean:
	rm -rf _proc _docs results .pytest_cache
