# Two commands for users: `make lab` and `make test`. Everything runs from the project's own .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra pip options, e.g. PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu" (a small CPU-only torch)
# or PIP_ARGS="--no-index --find-links wheels" (offline). They are recorded in $(STAMP) and reused; a different
# non-empty PIP_ARGS rebuilds .venv from scratch (pip would keep the torch it has).
PIP_ARGS ?=
INSTALLED_WITH := $(strip $(shell cat $(STAMP) 2>/dev/null))
PIP := $(or $(strip $(PIP_ARGS)),$(INSTALLED_WITH))
ifneq ($(strip $(PIP_ARGS)),)
ifneq ($(wildcard $(STAMP)),)
ifneq ($(strip $(PIP_ARGS)),$(INSTALLED_WITH))
REBUILD := FORCE
endif
endif
endif
# Jupyter refuses to start as root (containers, cloud VMs) unless told --allow-root.
AS_ROOT := $(filter 0,$(shell id -u 2>/dev/null))
LAB_ARGS ?=
# make lab's working folder: the student edition, copied in once; a learner's copy there is never replaced
WORK ?= work
NB ?= notebooks/*.ipynb
BOOK_OUT ?= build/book
# the site's JavaScript (MathJax, reveal.js), from npm; and the classroom settings JupyterLab reads as overrides
BOOK_JS := book/node_modules/.package-lock.json
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
# a class on one machine (JupyterHub): the hub's packages (the `hub` extra) and its proxy (npm, hub/package.json);
# set here, above `test`, which needs them (make expands a rule's prerequisites as it reads the rule)
HUB_STAMP := $(VENV)/.hub-installed
HUB_JS := hub/node_modules/.package-lock.json

.PHONY: setup lab student test test-all unit nbval notebooks data bench lint typecheck clean book FORCE

$(STAMP): pyproject.toml $(REBUILD)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed (found %s); set PYTHON=python3.x" % sys.version.split()[0])'
	$(if $(REBUILD),@echo "$(VENV) was installed with PIP_ARGS=\"$(INSTALLED_WITH)\": rebuilding it with PIP_ARGS=\"$(PIP)\"" && rm -rf $(VENV))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(PIP) --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP) -e '.[dev]'
	printf '%s\n' '$(PIP)' > $(STAMP)

FORCE:

setup: $(STAMP)  ## create/refresh .venv with the project and its test tools

lab: $(STAMP) $(LAB_OVERRIDES)  ## open JupyterLab on your copies of the lessons in work/ (LAB_ARGS="--no-browser --port 8889" to pass options)
	@$(BIN)/python -m tools.student $(WORK)
	$(if $(AS_ROOT),@echo "make lab: you are root (as in many containers and cloud VMs): starting JupyterLab with --allow-root")
	$(BIN)/jupyter lab --ServerApp.root_dir=$(WORK) $(if $(AS_ROOT),--allow-root) $(LAB_ARGS)

student: $(STAMP)  ## the student edition (no outputs, no solutions; nbgrader) in DEST=folder; files already there are kept
	@$(if $(DEST),,echo "make student needs a folder: make student DEST=student" && exit 2)
	@$(BIN)/python -m tools.student $(DEST)

# One torch thread per process: two pytest workers on two cores, each starting kernels; more threads than cores
# make small nets many times slower (they wait for each other), and the hub gives each student one thread too.
TEST_ENV := RESNET_PRESET=smoke OMP_NUM_THREADS=1
UNIT_WORKERS ?= -n 2

test: $(STAMP) lint typecheck $(BOOK_JS) $(HUB_STAMP) $(HUB_JS)  ## the tests CI runs: unit tests, nbval over every notebook (smoke preset), browser and hub tests
	$(TEST_ENV) $(BIN)/python -m pytest -n 3 --dist loadfile -m "not full"

test-all: $(STAMP) lint typecheck $(BOOK_JS) $(HUB_STAMP) $(HUB_JS)  ## make test, plus the checks it makes on one lesson made on every lesson (nbgrader, Run All in JupyterLab)
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check resnet_lib tests notebooks benchmarks tools book hub conftest.py

typecheck: $(STAMP)  ## static type check of resnet_lib (mypy, settings in pyproject.toml)
	$(BIN)/mypy

unit: $(STAMP)  ## the fast tier only: no notebooks, browser, integration or content tests (markers in conftest.py)
	$(TEST_ENV) $(BIN)/python -m pytest $(UNIT_WORKERS) tests -m "not (browser or notebook or integration or content or slow or hub or full)"

nbval: $(STAMP)  ## nbval only (NB=notebooks/02_residual_block.ipynb for one)
	RESNET_PRESET=smoke $(BIN)/python -m pytest $(NB)

notebooks: $(STAMP)  ## re-execute notebooks in place with the cpu preset (how committed outputs are made)
	RESNET_PRESET=cpu $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.record_timing=False $(NB)
	$(BIN)/python -m tools.tidy_notebooks $(NB)
	$(BIN)/python -m tools.classroom $(NB)

data: $(STAMP)  ## fetch (if needed) and verify the full Fashion-MNIST
	$(BIN)/python -m resnet_lib.data --download

# A class on one machine (JupyterHub): see the hub targets below
HUB_DIR ?= hub-data
HUB_COURSE ?= notebooks
HUB_PORT ?= 8000
N ?= 8
HUB_LOAD_ARGS ?=

.PHONY: hub hub-load
hub: $(HUB_STAMP) $(HUB_JS) $(LAB_OVERRIDES)  ## JupyterHub for a class on this machine (HUB_COURSE, HUB_DIR, HUB_PORT, HUB_IP); Ctrl-C stops it
	@echo "make hub: students log in at http://$(or $(HUB_IP),127.0.0.1):$(HUB_PORT) with any name and the class password in $(HUB_DIR)/state/class-password"
	HUB_DIR=$(HUB_DIR) HUB_COURSE=$(HUB_COURSE) HUB_PORT=$(HUB_PORT) $(BIN)/jupyterhub -f hub/jupyterhub_config.py

hub-load: $(HUB_STAMP) $(HUB_JS) $(LAB_OVERRIDES)  ## N simulated students run lessons 01, 02, 05 through a throwaway hub -> benchmarks/results/hub_load-cpu.json
	$(BIN)/python -m benchmarks.hub_load --students $(N) --record $(HUB_LOAD_ARGS)

$(HUB_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet $(PIP) -e '.[dev,hub]'
	touch $@

$(HUB_JS): hub/package.json hub/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for JupyterHub's proxy: e.g. apt-get install npm"; exit 1; }
	cd hub && npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: bench-record gpu-record notebook-times
bench: $(STAMP)  ## throughput, d2l's pipeline vs resnet_lib's (record in build/bench/; BENCH_ARGS=--tiny for seconds)
	$(BIN)/python -m benchmarks.train_throughput $(BENCH_ARGS)

bench-record: $(STAMP)  ## the same, written to benchmarks/results/ to commit (BENCH_ARGS="--notes '...'")
	$(BIN)/python -m benchmarks.train_throughput --record $(BENCH_ARGS)

gpu-record: $(STAMP)  ## train the full preset on a GPU -> benchmarks/results/full-run-<gpu>.json
	$(BIN)/python -m benchmarks.gpu_record

notebook-times: $(STAMP)  ## each notebook's wall time in the cpu preset -> benchmarks/results/notebook_times.json
	$(BIN)/python -m benchmarks.notebook_times

book: $(STAMP) $(BOOK_JS)  ## the course site and slide decks in build/book, from the committed outputs (no CDN)
	$(BIN)/python -m tools.build_book --out $(BOOK_OUT)

$(BOOK_JS): book/package.json book/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the site's JavaScript: e.g. apt-get install npm"; exit 1; }
	cd book && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(LAB_OVERRIDES): lab-settings/overrides.json $(STAMP)
	mkdir -p $(@D) && cp $< $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
