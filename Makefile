# calsync: `make run` starts the demo, `make test` runs every check. Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CALSYNC_VAR_DIR ?= $(CURDIR)/var

.PHONY: install run test lint bench clean

install: $(VENV)/.installed node_modules/.installed
	$(BIN)/calsync compile_translations -v0
	$(BIN)/calsync migrate --no-input -v0

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(BIN)/calsync run

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports

test: install lint
	bash scripts/run-tests

bench: install
	$(BIN)/python bench/emulator_bench.py

clean:
	rm -rf $(VENV) node_modules var
