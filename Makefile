# Two commands from a fresh clone: `make demo` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint docs bench bench-count fuzz clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "hipflask needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

DEMO_APP := examples/demo/hipflask_demo

# The demo: apply its migrations, start a task worker beside the server (stopped with it).
demo: $(STAMP)
	$(VENV)/bin/hipflask --app $(DEMO_APP) db upgrade
	@$(VENV)/bin/hipflask --app $(DEMO_APP) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/hipflask --app $(DEMO_APP) run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples docs/conf.py docs/_ext
	$(VENV)/bin/ruff format --check src tests bench examples docs/conf.py docs/_ext
	$(VENV)/bin/mypy

# The documentation site; warnings (a broken reference, a missing page) fail the build.
docs: $(STAMP)
	$(VENV)/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html

test: lint docs
	$(PY) -m pytest -q

# The fuzz tests of `make test`, with many more examples each (a few minutes).
fuzz: $(STAMP)
	HIPFLASK_FUZZ_PROFILE=fuzz-long $(PY) -m pytest -q -p no:logging tests/fuzz

bench: $(STAMP)
	$(PY) bench/run.py

# Instructions per request under valgrind: repeatable on a busy machine; --save records the baseline.
bench-count: $(STAMP)
	$(PY) bench/count.py $(COUNT_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache docs/_build
