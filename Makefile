# Two commands for users: `make lab` and `make test`. Everything runs from the project's own .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# e.g. make lab PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu" for a small CPU-only torch
PIP_ARGS ?=
NB ?= notebooks/*.ipynb
BOOK_OUT ?= build/book
# the site's JavaScript (MathJax, reveal.js), from npm; and the classroom settings JupyterLab reads as overrides
BOOK_JS := book/node_modules/.package-lock.json
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

.PHONY: setup lab test unit nbval notebooks data bench lint clean book

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed (found %s); set PYTHON=python3.x" % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_ARGS) -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## create/refresh .venv with the project and its test tools

lab: $(STAMP) $(LAB_OVERRIDES)  ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks

test: $(STAMP) lint $(BOOK_JS)  ## every test: unit tests, nbval over every notebook (smoke preset), browser tests
	RESNET_PRESET=smoke $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check resnet_lib tests notebooks benchmarks tools book

unit: $(STAMP)  ## unit tests only
	RESNET_PRESET=smoke $(BIN)/python -m pytest tests

nbval: $(STAMP)  ## nbval only (NB=notebooks/02_residual_block.ipynb for one)
	RESNET_PRESET=smoke $(BIN)/python -m pytest $(NB)

notebooks: $(STAMP)  ## re-execute notebooks in place with the cpu preset (how committed outputs are made)
	RESNET_PRESET=$${RESNET_PRESET:-cpu} $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=3600 $(NB)

data: $(STAMP)  ## fetch (if needed) and verify the full Fashion-MNIST
	$(BIN)/python -m resnet_lib.data --download

bench: $(STAMP)  ## training-throughput benchmark: resnet_lib pipeline vs a d2l-style pipeline
	$(BIN)/python benchmarks/train_throughput.py

book: $(STAMP) $(BOOK_JS)  ## the course site and slide decks in build/book, from the committed outputs (no CDN)
	$(BIN)/python tools/build_book.py --out $(BOOK_OUT)

$(BOOK_JS): book/package.json book/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the site's JavaScript: e.g. apt-get install npm"; exit 1; }
	cd book && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(LAB_OVERRIDES): lab-settings/overrides.json $(STAMP)
	mkdir -p $(@D) && cp $< $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
