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

.PHONY: install data browser lab test export-check nbclean clean-check nbtest pytest reproduce bench docs clean

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

test: data browser export-check clean-check nbtest pytest
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

pytest: data browser
	$(BIN)/pytest tests

reproduce: data
	$(BIN)/lesson17 reproduce --out results

bench: data browser
	$(PY) bench/bench.py
	$(PY) bench/sliders.py

# The docs site in _docs/, offline: nbdev's processed notebooks through mkdocs (docs/build.py),
# with MathJax and the other browser files from npm (docs/package.json) instead of a CDN.
docs: install
	@if ! command -v npm >/dev/null && [ -n "$(ROOT)" ]; then $(APT_INSTALL) npm || { apt-get update -q && $(APT_INSTALL) npm; }; fi
	@test docs/node_modules/.package-lock.json -nt docs/package-lock.json || npm ci --prefix docs --no-audit --no-fund
	$(PY) docs/build.py

clean:
	rm -rf _proc _docs results .pytest_cache
