# The two commands in the README are the contract: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

.PHONY: demo test test-scaleout scaleout-pass setup serve bench lint format messages translations e2e fast clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(VENV)/.installed translations

translations: $(VENV)/.installed
	DEBUG=1 $(MANAGE) compiletranslations

## make demo: set everything up, load the sample users and serve on http://$(HOST):$(PORT)
demo: setup
	@if [ "$(WORKERS)" != 1 ] && [ -z "$$REDIS_URL" ]; then echo "WORKERS=$(WORKERS) needs REDIS_URL (and DATABASE_URL): the in-memory layer lives in one process."; exit 1; fi
	DEBUG=1 $(MANAGE) migrate --noinput
	DEBUG=1 $(MANAGE) seed_demo
	@echo
	@echo "  socialdemo is running at http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@echo
	DEMO_MODE=1 $(BIN)/python -m socialdemo.serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
# The second pass runs late on New Year's Eve in UTC, already New Year's Day in Shanghai (TIME_ZONE):
# a test that depends on the hour or the zone it runs in fails here, not at 16:00 UTC in CI.
FAKE_NOW ?= 2026-12-31T23:30:00Z
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0

## make test: set up and run every test, browser tests included, and beside it the server-side suite again on
## PostgreSQL + Redis (the scale-out setup). Where those are unreachable it says so and skips; in CI it fails.
## The two passes run at the same time (the PostgreSQL one mostly waits on the database); its output follows.
SCALEOUT_LOG := .test-scaleout.log
test: setup
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run >/dev/null || (echo "Models changed without a migration: run manage.py makemigrations"; exit 1)
	@echo "== The PostgreSQL + Redis pass runs beside this one; its report follows at the end ($(SCALEOUT_LOG)) =="
	@$(MAKE) --no-print-directory scaleout-pass > $(SCALEOUT_LOG) 2>&1 & scaleout=$$!; \
	$(BIN)/pytest; sqlite=$$?; \
	wait $$scaleout; pg=$$?; \
	echo; cat $(SCALEOUT_LOG); \
	[ $$sqlite -eq 0 ] && [ $$pg -eq 0 ]

test-scaleout: setup
	@$(MAKE) --no-print-directory scaleout-pass

# (no set-up of its own: `make test` runs it beside the SQLite pass, after setting up once)
scaleout-pass:
	@if out=$$($(BIN)/python tests/reachable.py $(PG_TEST_URL) $(REDIS_TEST_URL)); then \
	  echo "== The server-side suite on PostgreSQL + Redis (channels-redis) =="; \
	  : "pooled connections, as deployed: the pool needs CONN_MAX_AGE=0"; \
	  : "synchronous_commit off: a test database's commits need not reach the disk (about a sixth of the pass)"; \
	  PGOPTIONS="-c synchronous_commit=off" DATABASE_URL=$(PG_TEST_URL) REDIS_URL=$(REDIS_TEST_URL) TEST_DB_NAME=test_socialdemo_$(subst -,_,$(notdir $(CURDIR))) DB_POOL=1 CONN_MAX_AGE=0 REDIS_PREFIX=test$$$$ \
	    FAKE_NOW=$(FAKE_NOW) $(BIN)/pytest -m "not e2e" -p no:cacheprovider; \
	elif [ "$$CI" = "true" ]; then echo "CI: PostgreSQL and Redis are required: $$out"; exit 1; \
	else echo "SKIPPED the PostgreSQL + Redis run: $$out"; fi

fast: setup
	$(BIN)/pytest -m "not e2e"

e2e: setup
	$(BIN)/pytest -m e2e

## make bench: every benchmark in bench/ on make demo's settings, server and hashers (SQLite, one worker), and
## again on PostgreSQL + Redis with two workers where reachable; ONLY=<name> picks some (docs/performance.md)
bench: setup
	ONLY=$(ONLY) $(BIN)/python bench/run.py

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make messages: refresh the .po catalogues after changing user-visible text (needs GNU gettext)
messages:
	cd $(CURDIR) && DEBUG=1 $(MANAGE) makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles
	cd $(CURDIR) && DEBUG=1 $(MANAGE) makemessages -d djangojs -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=static/vendor

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
