# Quick start: `make demo`, then `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-features lint fmt bench clean

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

# Two pytest workers (pytest-xdist): ~3,300 tests in about 9 minutes on 2 cores.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2

# Feast cannot share a venv with the Pulumi SDKs (it pins dill~=0.3, Pulumi ~=0.4), so the
# `aiplat features` tests that run Feast itself get their own venv (about 1.5 min the first
# time): Feast at the feature server's version (tests/aiplat/test_cli_features.py checks it),
# aiplat without its dependencies, and what the CLI imports. CI runs it after `make test`.
FEAST_VERSION := 0.66.0
FEATURES_VENV := .venv-features
FEATURES_STAMP := $(FEATURES_VENV)/.installed

$(FEATURES_STAMP): pyproject.toml
	test -d $(FEATURES_VENV) || $(PYTHON) -m venv $(FEATURES_VENV)
	$(FEATURES_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		"feast==$(FEAST_VERSION)" pytest "typer>=0.12" "rich>=13" \
		"pyiceberg[sql-sqlite,pyarrow,pyiceberg-core]>=0.9"
	$(FEATURES_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(FEATURES_STAMP)

test-features: $(FEATURES_STAMP)
	$(FEATURES_VENV)/bin/python -m pytest -q --noconftest -p no:cacheprovider \
		tests/aiplat/test_cli_features.py

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
	rm -rf $(VENV) $(FEATURES_VENV) .pytest_cache .ruff_cache build *.egg-info
