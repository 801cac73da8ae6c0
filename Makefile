# Tsunagu — `make run` (embedded mode) and `make test` bootstrap themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)
PO     := $(wildcard gateway/translations/*/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

export PYTHONPATH := $(CURDIR)

.PHONY: run test lint typecheck imports deadcode pytest translations extract-messages lock clean bench

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

translations: $(MO)

run: $(STAMP) translations
	$(BIN)/python -m tsunagu run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# Unused definitions; what only a framework uses is listed in tools/vulture_whitelist.py.
deadcode: $(STAMP)
	$(BIN)/vulture

pytest: $(STAMP) translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck imports pytest

# BENCH_ARGS: --full (the scripts' own sizes), --in-process, or names such as `cases events`.
bench: $(STAMP) translations
	$(BIN)/python -m tests.bench.run_all $(BENCH_ARGS)

# One catalogue per UI area; a msgid two areas share lives in core (see docs/ui.md).
extract-messages: $(STAMP)
	$(BIN)/python tools/extract_messages.py

lock:
	$(PYTHON) -m venv /tmp/tsunagu-lock && /tmp/tsunagu-lock/bin/pip install -q '.[dev]' \
	  && /tmp/tsunagu-lock/bin/pip freeze --exclude tsunagu > requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
