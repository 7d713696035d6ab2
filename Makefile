# Every target that runs code first makes sure .venv exists and matches pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test test-slow check lint typecheck bench clean fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/fentrace demo

serve: $(STAMP)
	$(BIN)/fentrace serve

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/ruff format --check src tests benchmarks fuzz

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
	$(BIN)/python benchmarks/hardening.py
	$(BIN)/python benchmarks/service.py --kill-test
	$(BIN)/python benchmarks/web.py

# Coverage-guided fuzzing of every parser (fuzz/run.py), FUZZ_SECONDS per target. Without an
# atheris wheel for this machine, the property tests run FUZZ_SCALE times longer instead.
FUZZ_SECONDS ?= 60
FUZZ_SCALE ?= 40
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[fuzz]" || echo "atheris did not install: long property run instead"
	if $(BIN)/python -c "import atheris" 2>/dev/null; then \
		$(BIN)/python fuzz/run.py --seconds $(FUZZ_SECONDS); \
	else \
		FENTRACE_PROPERTY_SCALE=$(FUZZ_SCALE) $(BIN)/python -m pytest -q tests/security/test_fuzz_properties.py; \
	fi

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
