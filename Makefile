# 榆次区安全风险台账系统 — developer entry points. `make help` lists them.
#
# Everything a fresh clone needs is built here: the virtualenv (.venv), the pinned Python packages,
# the front-end files (static/vendor/), compiled translations and the database schema.
# Each step is skipped when it is already up to date, so `make run` twice costs a few seconds.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 8000
PYTEST_ARGS ?=
# `make run DEMO_PASSWORD=...` chooses the demo users' password on the first run. Like every
# variable given on the command line, make passes it to scripts/run.sh in the environment.
DEMO_PASSWORD ?=
# The same default as settings.VAR_DIR; set VAR_DIR in the environment to move both.
VAR_DIR ?= $(CURDIR)/var

VENV := .venv
BIN := $(VENV)/bin
# Stamps live inside the venv, so deleting .venv forgets them too. Each is rebuilt when its
# requirements file changes.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
MANAGE := $(BIN)/python manage.py

.PHONY: help setup setup-dev assets messages messages-update migrate run test lint check clean distclean

help:
	@echo "make run        set up, seed the demo district once, serve http://127.0.0.1:$(PORT) with worker + beat"
	@echo "make setup      virtualenv, packages, static/vendor assets, translations, migrations"
	@echo "make test       setup + test tools, then pytest (PYTEST_ARGS='-k name' to narrow)"
	@echo "make lint       ruff check and ruff format --check"
	@echo "make messages-update  collect new strings into locale/*/django.po (then translate them)"
	@echo "make check      manage.py check, makemigrations --check, check --deploy (production-like)"
	@echo "make clean      remove var/ (local database, media, broker), static/vendor and caches"
	@echo "make distclean  clean, and remove .venv too"

# --- virtualenv and packages -------------------------------------------------------------------

# (Re)create the venv when its interpreter is missing (or a dangling link after a Python upgrade).
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python >= 3.11 is needed; '$(PYTHON)' is $$($(PYTHON) -V 2>&1). Try: make PYTHON=python3.11 ..." >&2; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

# --- setup -------------------------------------------------------------------------------------

setup: $(RUNTIME_STAMP) assets messages migrate

setup-dev: $(DEV_STAMP) setup

assets:
	@bash scripts/fetch_assets.sh

# Translations (.po) are committed, the compiled .mo files are not. gettext's msgfmt may be missing
# on a fresh machine: then the UI falls back to the source strings, and we say so.
LOCALE_DIRS := $(wildcard locale */locale)
messages: $(RUNTIME_STAMP)
ifneq ($(LOCALE_DIRS),)
	@if command -v msgfmt >/dev/null; then \
		$(MANAGE) compilemessages -v 0 --ignore '.venv' --ignore 'var' --ignore 'static' --ignore 'node_modules'; \
	else \
		echo "note: msgfmt (gettext) not found, translations not compiled: apt-get install gettext"; \
	fi
endif

# After adding or changing interface text: collect the msgids (the Chinese text) into the catalogues,
# translate the new entries in locale/en/LC_MESSAGES/django.po, then `make messages` (or `make setup`).
# tests/test_translations.py fails while an entry is untranslated or fuzzy.
MESSAGE_IGNORES := --ignore=.venv --ignore=var --ignore=static/vendor --ignore=build --ignore=node_modules
messages-update: $(RUNTIME_STAMP)
	$(MANAGE) makemessages -l en --no-obsolete --add-location=file $(MESSAGE_IGNORES)

# A new SQLite file is an empty database: forget that the demo district was seeded (scripts/run.sh).
migrate: $(RUNTIME_STAMP)
	@if [ -z "$${DATABASE_URL:-}" ] && [ ! -e '$(VAR_DIR)/db.sqlite3' ]; then rm -f '$(VAR_DIR)'/demo-seeded-*; fi
	$(MANAGE) migrate --noinput -v 0

# --- run ---------------------------------------------------------------------------------------

run: setup
	@PORT='$(PORT)' bash scripts/run.sh

# --- quality -----------------------------------------------------------------------------------

# pytest exits 5 when it collects nothing: that is a broken test run, not a pass.
test: setup-dev
	@rc=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; failing" >&2; exit 1; fi; \
	exit $$rc

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The deployment checklist with production-like settings (a throwaway key): must report nothing.
check: $(RUNTIME_STAMP)
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	DEBUG=false ALLOWED_HOSTS=risk.example.test \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(MANAGE) check --deploy --fail-level DEBUG

# --- cleaning ----------------------------------------------------------------------------------

clean:
	rm -rf '$(VAR_DIR)' static/vendor build .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name '*.mo' \) -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV)
