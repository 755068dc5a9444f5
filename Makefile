# Entry points: make run, make test, make lint. Everything installs into .venv (Python 3.12, see .python-version).
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
# Tests and linters need a SECRET_KEY because DEBUG is off by default. Playwright's sync API runs an event loop
# in the test thread, which Django would otherwise take for async code touching the database.
TEST_ENV := SECRET_KEY=insecure-test-only-key DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: install run test test-sqlite test-postgres lint screenshots

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: export DEBUG = 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py notifications_sweep
	@echo "Recourse on http://127.0.0.1:8000 (worker running beside it; Ctrl-C stops both)"
	$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

test: test-sqlite test-postgres

test-sqlite: install
	$(TEST_ENV) DATABASE_URL= $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install
	$(TEST_ENV) DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(VENV)/bin/mypy .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py spectacular --fail-on-warn --validate --file /dev/null
	msgfmt --check --output-file=/dev/null locale/de/LC_MESSAGES/django.po

# Refresh the README's pictures of each page from the browser tests.
screenshots: install
	$(TEST_ENV) UPDATE_SCREENSHOTS=1 DATABASE_URL= $(PY) -m pytest tests/browser -q

# Outbox delivery through a local SMTP server: messages per second, and a check that each of 10,000 messages arrives
# exactly once. Needs PostgreSQL; creates and migrates the database below if it is missing. Options in BENCH_ARGS
# (for example BENCH_ARGS="--workers 2").
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/recourse_bench
.PHONY: bench
bench: install
	SECRET_KEY=insecure-bench-only-key DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/notifications_smtp.py --messages 10000 $(BENCH_ARGS)
