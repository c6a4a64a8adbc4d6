# Quick start: `make demo` plays a scripted incident offline; `make test` runs the tests.
# Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install demo test lint format bench clean

install: $(VENV)/.installed

# The dev install (the app plus pytest, ruff, playwright) for test, lint and bench.
# It is a runtime install too, so it also satisfies the runtime stamp.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-runtime

# The runtime install (the app's own dependencies only), enough for `make demo`.
$(VENV)/.installed-runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# A virtualenv with the dev install (CI stamps only .installed) serves the demo as is.
DEMO_INSTALL = $(if $(wildcard $(VENV)/.installed),$(VENV)/.installed,$(VENV)/.installed-runtime)

demo: $(DEMO_INSTALL)
	$(BIN)/postmortem-bot demo

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCHES = ack_latency harvest language_quality reminders report_render

bench: install
	for name in $(BENCHES); do $(BIN)/python bench/$$name.py || exit 1; done

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
