# The Thredd onboarding portal. `make run` and `make test` do all set-up on a fresh clone.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# The port `make run` serves on (`make run PORT=8001`); links in mail follow it.
PORT ?= 8000
# Debian packages the test suite drives: a real browser, a real IPsec stack, and the web
# servers that load the generated mTLS files.
# WeasyPrint (the setup form's PDF) draws text with Pango and HarfBuzz, in DejaVu fonts.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
SYSTEM_PACKAGES := chromium strongswan-swanctl charon-systemd libcharon-extra-plugins \
	strongswan-starter strongswan-charon libstrongswan-standard-plugins iproute2 iputils-ping \
	nginx apache2 frr nftables $(PDF_PACKAGES)

.PHONY: help run test worker beat lint format golden check-python install system-deps bench \
	screenshots

help:
	@echo "make run     start the portal on http://127.0.0.1:8000 (PORT=...; embedded PostgreSQL unless DATABASE_URL)"
	@echo "make test    run the whole test suite against PostgreSQL (DATABASE_URL or the embedded one)"
	@echo "make worker  run a Celery worker (needs CELERY_BROKER_URL and DATABASE_URL)"
	@echo "make beat    run Celery beat, the periodic sweeps"
	@echo "make lint    ruff lint and format check"
	@echo "make golden  regenerate the configuration golden files after a template change"
	@echo "make bench   seed a database at Thredd's scale, measure the portal, write BENCHMARKS.md"
	@echo "make screenshots  the main pages at 1280 px and 375 px wide, into var/screenshots/"

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "Python 3.12 or newer is needed (Django 6.1); '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "With pyenv: 'pyenv install 3.12' (this checkout's .python-version selects it),"; \
	  echo "or run 'make PYTHON=/path/to/python3.12 ...'."; exit 1; }

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES="$(PDF_PACKAGES)"
	$(BIN)/python -m thredd_onboard.run --port $(PORT)

test: install system-deps
	$(BIN)/python -m thredd_onboard.embedded -- $(BIN)/pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/celery -A thredd_onboard worker --loglevel=INFO

beat: install
	$(BIN)/celery -A thredd_onboard beat --loglevel=INFO

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

golden: install
	$(BIN)/python -m thredd_onboard.embedded -- env UPDATE_GOLDEN=1 $(BIN)/pytest tests/configgen/test_golden.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "Missing Debian packages:$$missing (sudo apt-get install$$missing)"; exit 1; fi; \
	fi

# Benchmarks against this machine's PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL):
# the database `thredd_bench` is dropped and seeded again each time. Needs wrk (Debian).
bench: install
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES=wrk
	$(BIN)/python -m bench.run

# The main pages at 1280 px and 375 px wide, into var/screenshots/ (git-ignored), from the
# demo data on the database `make run` uses; each run sends one more demo request.
screenshots: install
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES=chromium
	$(BIN)/python -m thredd_onboard.screenshots
