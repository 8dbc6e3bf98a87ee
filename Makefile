# hacrm: the two commands a user needs are `make demo` and `make test`.
# Everything sets itself up in .venv on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= auto

.PHONY: all demo test test-fast bench lint clean venv

all: test

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv is not available; using virtualenv from PyPI"; \
	  rm -rf $(VENV); \
	  $(PYTHON) -m pip install --user --quiet virtualenv && $(PYTHON) -m virtualenv --quiet $(VENV); }

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	@$(BIN)/python -m hacrm.demo

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -m "not slow and not cluster" $(PYTEST_ARGS)

# Every benchmark runs ours and the oracle side by side and prints the ratio.
BENCHES := $(sort $(wildcard bench/*.py))

bench: $(STAMP)
	@for b in $(BENCHES); do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(STAMP)
	$(BIN)/python -m ruff check src tests bench || true

clean:
	rm -rf $(VENV) build dist .pytest_cache
