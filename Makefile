# One place lists the commands; CI runs the same ones.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## run: set up, seed the demo clinics if the database is empty, serve on 127.0.0.1:$${PORT:-8080}
run: $(STAMP)
	$(BIN)/python supervisor.py seed-demo --if-empty
	exec $(BIN)/python supervisor.py serve

## test: set up and run the whole suite (slow load/chaos tests run in their bounded form), in two
## worker processes, each test file kept whole in one of them (its module fixtures start once)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: every benchmark in its quick form; full figures without --quick
bench: $(STAMP)
	for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
