# Wenming: the two commands are `make demo` and `make test`. Everything else is what they call.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
# PostgreSQL used by `make test` when it is reachable (it is in CI).
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/wenming
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test install assets serve demo-data lint check catalogue catalogue-update test-sqlite test-postgres system-deps lock clean

## make demo: install, migrate, load the demo hospital, serve on http://127.0.0.1:8000
demo: install assets
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput -v 0
	$(MANAGE) load_demo
	@echo
	@echo "Wenming is running at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 3 --access-logfile - --log-level warning

## make test: lint, checks, catalogue, and the whole suite on SQLite and (when reachable) PostgreSQL
test: install assets system-deps lint check catalogue test-sqlite test-postgres

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/base.txt -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed

assets/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p assets/vendor/bootstrap assets/vendor/htmx assets/vendor/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map assets/vendor/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map assets/vendor/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js assets/vendor/htmx/
	cp node_modules/echarts/dist/echarts.min.js assets/vendor/echarts/
	touch $@

assets: assets/vendor/.installed

# Browser tests need Debian's chromium, PDFs need CJK fonts, the catalogue check needs gettext.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	test -d /usr/share/fonts/opentype/noto || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install:$$missing (sudo apt-get install$$missing)"; exit 1; fi; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	DEBUG=0 WENMING_HTTPS=1 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=wenming.example \
	  $(MANAGE) check --deploy --fail-level WARNING

catalogue: install
	$(PY) scripts/check_catalogue.py

## make catalogue-update: merge new msgids into locale/zh_Hans and compile
catalogue-update: install
	$(MANAGE) makemessages -l zh_Hans --no-location --ignore=.venv --ignore=node_modules --ignore=var
	$(MANAGE) compilemessages -l zh_Hans --ignore=.venv --ignore=node_modules

test-sqlite: install assets
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: install assets
	@if $(PY) scripts/pg_reachable.py "$(PG_TEST_URL)"; then \
	  echo "PostgreSQL reachable: running the suite on PostgreSQL"; \
	  DATABASE_URL="$(PG_TEST_URL)" $(VENV)/bin/pytest $(PYTEST_ARGS); \
	else echo "PostgreSQL not reachable at $(PG_TEST_URL): skipping the PostgreSQL run"; \
	  if [ -n "$$CI" ]; then echo "CI must test on PostgreSQL"; exit 1; fi; fi

serve: install assets
	$(MANAGE) collectstatic --noinput -v 0
	$(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers 3 --access-logfile -

## make lock: re-pin requirements/*.txt from requirements/*.in
lock: install
	cd requirements && ../$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o base.txt base.in
	cd requirements && ../$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o dev.txt dev.in

clean:
	rm -rf $(VENV) node_modules assets/vendor var/static
