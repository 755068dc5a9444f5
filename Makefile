# Entry points: make run, make test, make lint. Everything installs into .venv (Python 3.12, see .python-version).
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
# Tests and linters need a SECRET_KEY because DEBUG is off by default. Playwright's sync API runs an event loop
# in the test thread, which Django would otherwise take for async code touching the database.
TEST_ENV := SECRET_KEY=insecure-test-only-key DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: install run serve test test-sqlite test-postgres test-slow lint screenshots

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

# Production on one machine, configured from the environment (README, "Running in production"): migrate, collect the
# static files, then gunicorn (gunicorn.conf.py) and one worker beside it; Ctrl-C or a TERM stops both. Under
# systemd, run the two as units instead (the README has both).
serve: export STATIC_MANIFEST = 1
serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py notifications_sweep
	$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn -c gunicorn.conf.py portal.wsgi

test: test-sqlite test-postgres

test-sqlite: install
	$(TEST_ENV) DATABASE_URL= $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: install
	$(TEST_ENV) DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest $(PYTEST_ARGS)

# The load and fault tests (tests/slow): gunicorn, a worker, a mail server, a webhook receiver and a private
# PostgreSQL cluster of their own, on PostgreSQL only. A few minutes; `make test` leaves them out.
test-slow: install
	$(TEST_ENV) DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest tests/slow --slow $(PYTEST_ARGS)

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

# Every benchmark against the local PostgreSQL (each creates its own database), one table of figures beside the limits
# measured in the same run, written into docs/performance.md. BENCH_ARGS: e.g. "--only ingest" or "--quick".
.PHONY: bench
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)
