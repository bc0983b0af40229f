SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.stamp-python-deps
# Every Python package installed, pinned: what the suite last passed with (make constraints).
CONSTRAINTS := constraints.txt
NODE_STAMP := $(VENV)/.stamp-node-deps

FRONTEND := frontend
FRONTEND_MANIFESTS := $(wildcard $(FRONTEND)/package.json $(FRONTEND)/package-lock.json)
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/tsconfig.json)
FRONTEND_BUNDLE := diaspora_hub/static/build/room.js
# The browser's types of the /live protocol, generated from its Python description.
PROTOCOL_TS := $(FRONTEND)/src/generated/protocol.ts
PROTOCOL_SOURCES := $(wildcard diaspora_hub/live/protocol/*.py) diaspora_hub/live/schemas.py

LINT_DIRS := $(wildcard diaspora_hub tests benchmarks)
BENCHMARKS := $(wildcard benchmarks/bench_*.py)

TRANSLATIONS := diaspora_hub/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED_CATALOGS := $(CATALOGS:.po=.mo)
PYBABEL_EXTRACT := -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --project=diaspora_hub \
	--version=0.1.0 --copyright-holder="diaspora_hub contributors"

PG_CTL_GLOB := /usr/lib/postgresql/*/bin/pg_ctl
PANGO_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0

.PHONY: help install system-deps run lint test bench clean distclean

help:
	@echo "make install      virtualenv, Python (pinned by constraints.txt) and Node dependencies,"
	@echo "                  front-end bundle"
	@echo "make constraints  resolve pyproject.toml afresh and pin every package in constraints.txt"
	@echo "make system-deps  Debian packages the tests need (PostgreSQL, Redis, Chromium, Pango)"
	@echo "make run          migrate, seed the demo data and serve on HOST:PORT (127.0.0.1:5000)"
	@echo "make lint         ruff, mypy and the TypeScript type check"
	@echo "make test         lint, the front-end unit tests, the suite on SQLite, then the"
	@echo "                  postgres-marked tests on PostgreSQL"
	@echo "make bench        run every benchmarks/bench_*.py and print its figures"
	@echo "make clean        remove caches and build output (keeps .venv; distclean removes it)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c $(CONSTRAINTS) -e '.[dev]'
	touch $@

.PHONY: constraints
# Resolve pyproject.toml afresh in a scratch virtualenv and pin every package it installs.
# Then `make install test` with the new pins, and commit constraints.txt if they pass.
constraints:
	rm -rf $(VENV)-constraints
	$(PYTHON) -m venv $(VENV)-constraints
	$(VENV)-constraints/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	{ echo "# Every package that make install installs, pinned. Refresh: make constraints."; \
		echo "# Resolved with $$($(VENV)-constraints/bin/python -V) on $$(date -u +%Y-%m-%d)."; \
		$(VENV)-constraints/bin/python -m pip freeze --exclude-editable; } > $(CONSTRAINTS)
	rm -rf $(VENV)-constraints

$(NODE_STAMP): $(FRONTEND_MANIFESTS) | $(BIN)/python
	cd $(FRONTEND) && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; \
		else npm install --no-audit --no-fund; fi
	touch $@

$(PROTOCOL_TS): $(PROTOCOL_SOURCES) | $(PY_STAMP)
	$(BIN)/python -m diaspora_hub.live.protocol.typescript $@

$(FRONTEND_BUNDLE): $(NODE_STAMP) $(PROTOCOL_TS) $(FRONTEND_SOURCES) $(FRONTEND_MANIFESTS)
	cd $(FRONTEND) && npm run build

# Compiled catalogs are build output (not committed): each .mo follows its .po.
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(PY_STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

.PHONY: translations
# Re-extract the messages and merge them into every catalog; then translate what is new.
translations: $(PY_STAMP)
	$(BIN)/pybabel -q extract $(PYBABEL_EXTRACT) -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel -q update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

install: $(PY_STAMP) $(NODE_STAMP) $(FRONTEND_BUNDLE) $(COMPILED_CATALOGS)

system-deps:
	@missing=""; \
	compgen -G '$(PG_CTL_GLOB)' >/dev/null || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	for package in $(PANGO_PACKAGES); do \
		dpkg -s "$$package" 2>/dev/null | grep -q '^Status: install ok installed' \
			|| missing="$$missing $$package"; \
	done; \
	if [ -z "$$missing" ]; then echo "system-deps: all present"; exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
		echo "system-deps: missing:$$missing"; \
		echo "system-deps: not root, skipping; install them with: sudo apt-get install$$missing"; \
		exit 0; \
	fi; \
	echo "system-deps: installing$$missing"; \
	apt-get update; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing

run: install
	$(BIN)/flask --app diaspora_hub:create_app db upgrade
	$(BIN)/flask --app diaspora_hub:create_app seed-demo
	$(BIN)/flask --app diaspora_hub:create_app search-reindex
	$(BIN)/python wsgi.py

lint: $(PY_STAMP) $(NODE_STAMP) $(PROTOCOL_TS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(if $(LINT_DIRS),$(BIN)/mypy $(LINT_DIRS))
	cd $(FRONTEND) && npm run --silent typecheck

test: system-deps install
	$(MAKE) --no-print-directory lint
	cd $(FRONTEND) && npm run --silent test
	$(BIN)/pytest
	$(BIN)/pytest -m postgres --db=postgresql || { status=$$?; \
		if [ $$status -eq 5 ]; then echo "test: no test is marked postgres yet"; \
		else exit $$status; fi; }

bench: install
	@if [ -z "$(BENCHMARKS)" ]; then echo "bench: no benchmarks/bench_*.py"; fi
	@for script in $(BENCHMARKS); do \
		echo "== $$script"; \
		$(BIN)/python "$$script"; \
	done

clean:
	rm -rf diaspora_hub/static/build $(FRONTEND)/node_modules $(NODE_STAMP) $(dir $(PROTOCOL_TS)) \
		.pytest_cache .mypy_cache .ruff_cache .coverage htmlcov build dist
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
