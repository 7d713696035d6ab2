# Every target that runs code first makes sure .venv exists and matches pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow check lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/fentrace demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python benchmarks/reference.py
	$(BIN)/python benchmarks/chem_rules.py
	$(BIN)/python benchmarks/chem_screen.py
	$(BIN)/python benchmarks/parties.py
	$(BIN)/python benchmarks/shipments.py
	$(BIN)/python benchmarks/simulation.py
	$(BIN)/python benchmarks/network.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
