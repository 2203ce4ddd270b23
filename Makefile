# Two commands for users: `make lab` and `make test`. Everything runs from the project's own .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# e.g. make lab PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu" for a small CPU-only torch
PIP_ARGS ?=
NB ?= notebooks/*.ipynb

.PHONY: setup lab test unit nbval notebooks data bench lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed (found %s); set PYTHON=python3.x" % sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_ARGS) -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## create/refresh .venv with the project and its test tools

lab: $(STAMP)  ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks

test: $(STAMP) lint  ## every test: unit tests, nbval over every notebook (smoke preset), browser tests
	RESNET_PRESET=smoke $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check resnet_lib tests notebooks benchmarks

unit: $(STAMP)  ## unit tests only
	RESNET_PRESET=smoke $(BIN)/python -m pytest tests

nbval: $(STAMP)  ## nbval only (NB=notebooks/02_residual_block.ipynb for one)
	RESNET_PRESET=smoke $(BIN)/python -m pytest $(NB)

notebooks: $(STAMP)  ## re-execute notebooks in place with the cpu preset (how committed outputs are made)
	RESNET_PRESET=$${RESNET_PRESET:-cpu} $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=3600 $(NB)

data: $(STAMP)  ## fetch (if needed) and verify the full Fashion-MNIST
	$(BIN)/python -m resnet_lib.data --download

.PHONY: bench-record gpu-record notebook-times
bench: $(STAMP)  ## throughput, d2l's pipeline vs resnet_lib's (record in build/bench/; BENCH_ARGS=--tiny for seconds)
	$(BIN)/python benchmarks/train_throughput.py $(BENCH_ARGS)

bench-record: $(STAMP)  ## the same, written to benchmarks/results/ to commit (BENCH_ARGS="--notes '...'")
	$(BIN)/python benchmarks/train_throughput.py --record $(BENCH_ARGS)

gpu-record: $(STAMP)  ## train the full preset on a GPU -> benchmarks/results/full-run-<gpu>.json
	$(BIN)/python benchmarks/gpu_record.py

notebook-times: $(STAMP)  ## each notebook's wall time in the cpu preset -> benchmarks/results/notebook_times.json
	$(BIN)/python benchmarks/notebook_times.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
