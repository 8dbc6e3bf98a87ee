# hacrm: the two commands a user needs are `make demo` and `make test`.
# Everything sets itself up in .venv on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= auto

.PHONY: all demo test test-fast bench lint clean venv fuzz

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

# Coverage-guided fuzzing (atheris) of every offline target, FUZZ_SECONDS each, on scratch
# corpora seeded from tests/fuzz/corpus (nothing is written into the repository); crashes are
# left in FUZZ_OUT.  The live targets (local API, UDP) run with more examples through
# hypothesis: HACRM_FUZZ_EXAMPLES.
FUZZ_SECONDS ?= 60
FUZZ_OUT ?= /tmp/hacrm-fuzz
FUZZ_TARGETS := configure_line configure_script cib_xml engine_cib corosync_conf wire_decode packet_auth

fuzz: $(STAMP)
	@$(BIN)/python -c 'import atheris' 2>/dev/null || $(BIN)/python -m pip install --quiet 'atheris>=2.3'
	@mkdir -p $(FUZZ_OUT)
	@for t in $(FUZZ_TARGETS); do \
	  seeds=$$(case $$t in configure_*) echo configure;; cib_xml|engine_cib) echo cibxml;; \
	    corosync_conf) echo corosync;; *) echo wire;; esac); \
	  work=$(FUZZ_OUT)/corpus-$$t; mkdir -p $$work; cp -n tests/fuzz/corpus/$$seeds/* $$work/; \
	  echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
	  $(BIN)/python tests/fuzz/atheris_main.py $$t -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=20 -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_OUT)/$$t- $$work \
	    > $(FUZZ_OUT)/$$t.log 2>&1 || { tail -40 $(FUZZ_OUT)/$$t.log; exit 1; }; \
	  tail -1 $(FUZZ_OUT)/$$t.log; \
	done
	HACRM_FUZZ_EXAMPLES=$${HACRM_FUZZ_EXAMPLES:-2000} $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

# Fault-injection soak (tests/soak): a 3-node sandbox under seeded faults, invariants checked
# all along, figures printed; fails on any invariant violation.  docs/reliability.md explains.
SOAK_SECONDS ?= 600
SOAK_SEED ?= 1

.PHONY: soak
soak: $(STAMP)
	cd tests && $(CURDIR)/$(BIN)/python -m soak --seconds $(SOAK_SECONDS) --seed $(SOAK_SEED)

lint: $(STAMP)
	$(BIN)/python -m ruff check src tests bench || true

clean:
	rm -rf $(VENV) build dist .pytest_cache
