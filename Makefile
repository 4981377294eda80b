# Two commands do everything on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install sysdeps sysdeps-test services stop-services messages compilemessages migrate seed run test lint check-deploy lock clean

## install: create .venv and install the locked dependencies (nothing else)
install: $(STAMP)
$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	@touch $(STAMP)

## sysdeps: WeasyPrint libraries and the CJK font (apt-get as root, otherwise prints the command)
sysdeps: install
	$(PY) -m apps.core.sysdeps run
sysdeps-test: install
	$(PY) -m apps.core.sysdeps test

## services: embedded PostgreSQL and Redis under var/ unless DATABASE_URL / REDIS_URL are set
services: install
	@$(PY) -m apps.core.localservices start
stop-services:
	@$(PY) -m apps.core.localservices stop

compilemessages: install
	@$(PY) manage.py compiletranslations

## messages: re-extract translatable strings (needs GNU gettext), then edit apps/core/locale/*/LC_MESSAGES/django.po
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --locale en --ignore ".venv/*" --ignore "var/*" --no-obsolete
	$(PY) manage.py makemessages --domain djangojs --locale zh_Hans --locale en --ignore ".venv/*" --ignore "var/*" --no-obsolete

migrate: services compilemessages
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

## run: the portal, a Celery worker and Celery beat, with demo data; Ctrl-C stops everything
run: sysdeps seed
	$(PY) manage.py runportal

## test: lint, system checks, migration check and the whole suite against PostgreSQL and Redis
test: sysdeps-test services compilemessages
	$(VENV)/bin/ruff check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## bench: performance benchmarks against a throwaway database (BENCH=name runs one, BENCH_REPEAT=n runs);
## not part of `make test`; exits non-zero when a benchmark misses its target
.PHONY: bench
bench: sysdeps-test services compilemessages
	$(PY) -m bench.run $(BENCH)

## check-deploy: production settings pass `check --deploy` without warnings
check-deploy: install compilemessages
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	FIELD_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	ALLOWED_HOSTS=portal.example.cn \
	$(PY) manage.py check --deploy --fail-level WARNING

## lock: re-resolve pyproject.toml into requirements.lock (hashes for every platform)
lock:
	$(PYTHON) -m venv var/lock-venv && var/lock-venv/bin/pip install --quiet pip-tools
	var/lock-venv/bin/pip-compile --quiet --no-emit-index-url --no-emit-find-links --allow-unsafe \
		--extra dev --generate-hashes --strip-extras -o requirements.lock pyproject.toml

clean: stop-services
	rm -rf var/static var/test-media .pytest_cache
