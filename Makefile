# Quick start: `make demo`, then `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint fmt bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== the four tiers =="
	$(BIN)/aiplat tiers
	@echo "== every stack =="
	$(BIN)/aiplat stacks
	@echo "== offline preview of intermediate-dev (no cloud account needed) =="
	$(BIN)/aiplat preview --stack intermediate-dev
	@echo "== what intermediate-prod costs and returns, before deploy =="
	$(BIN)/aiplat tco --stack intermediate-prod

# Two pytest workers (pytest-xdist): ~3,100 tests in about 8 minutes on 2 cores.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python benchmarks/cli_startup.py
	$(BIN)/python benchmarks/bench_tco.py
	$(BIN)/python benchmarks/bench_lake.py
	$(BIN)/python benchmarks/bench_preview.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
