# Two commands on a fresh machine: `make run` (the demo on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The demo lives inside the 2018 campaign: Friday 20 July 2018, two hours before the deadline.
DEMO_NOW ?= 2018-07-20T10:00+08:00
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: setup run demo test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	mkdir -p var
	touch $@

run: setup
	mkdir -p var
	$(BIN)/tuopin migrate --noinput
	TUOPIN_NOW=$(DEMO_NOW) $(BIN)/tuopin demo
	TUOPIN_SMS_DEMO_ECHO=1 TUOPIN_NOW=$(DEMO_NOW) $(BIN)/tuopin serve --with-worker --host $(HOST) --port $(PORT)

test: setup
	mkdir -p var
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/tuopin makemigrations --check --dry-run

bench: setup
	$(BIN)/python benchmarks/run_all.py $(BENCH)

clean:
	rm -rf $(VENV) var
