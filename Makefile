# calsync: `make run` starts the demo, `make test` runs every check. Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CALSYNC_VAR_DIR ?= $(CURDIR)/var

.PHONY: install run test lint check-deploy bench clean messages

install: $(VENV)/.installed node_modules/.installed
	$(BIN)/calsync compile_translations -v0
	$(BIN)/calsync migrate --no-input -v0

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[emulator,dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(BIN)/calsync run

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory check-deploy

# Django's deployment checks, in the configuration of a live server (README "Going live"):
# DEBUG off, an https Base URL; a fresh SQLite state of its own, removed afterwards.
DEPLOY_ENV = env -u CALSYNC_DATABASE_URL -u CALSYNC_DEBUG -u CALSYNC_SECRET_KEY \
	CALSYNC_VAR_DIR="$$state"
check-deploy: install
	@state=$$(mktemp -d) && trap 'rm -rf "$$state"' EXIT && \
	$(DEPLOY_ENV) $(BIN)/calsync migrate --no-input -v0 && \
	$(DEPLOY_ENV) $(BIN)/calsync outlook-config --base-url https://calendar.example.com >/dev/null && \
	$(DEPLOY_ENV) $(BIN)/calsync check --deploy --fail-level WARNING

test: install lint
	bash scripts/run-tests

bench: install
	$(BIN)/python bench/emulator_bench.py

# Refresh the Vietnamese catalogues (needs GNU gettext): src/calsync/locale/vi/LC_MESSAGES/
# django.po (Python and templates) and djangojs.po (static JavaScript). Translate what is new.
# MESSAGES_SRC may point at a copy of src/calsync (the i18n test checks the .po is current).
MESSAGES_SRC ?= src/calsync
MAKEMESSAGES := $(abspath $(BIN))/django-admin makemessages --locale=vi --no-obsolete \
	--add-location=file --ignore=node_modules --ignore=.venv --ignore=var --ignore=tests

messages:
	mkdir -p $(MESSAGES_SRC)/locale
	cd $(MESSAGES_SRC) && env -u DJANGO_SETTINGS_MODULE $(MAKEMESSAGES) --domain=django
	cd $(MESSAGES_SRC) && env -u DJANGO_SETTINGS_MODULE $(MAKEMESSAGES) --domain=djangojs

clean:
	rm -rf $(VENV) node_modules var
