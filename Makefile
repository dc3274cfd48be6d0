# Transparencia Metas: `make run` serves the site with the sample report (beside the worker that
# rebuilds the download files), `make test` runs every test on SQLite and, when a server
# answers, on PostgreSQL.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
CHROMIUM ?= /usr/bin/chromium
PORT ?= 8000
# Apt-get only works (and is only needed) as root; elsewhere we say what is missing.
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: install run test test-sqlite test-postgres postgres-replica system-packages browser-packages bench-packages messages static bench bench-peers bench-profile bench-load bench-faults clean

install: system-packages $(VENV)/.installed messages

$(VENV)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

# msgfmt (gettext) compiles the Spanish catalogues; Tesseract and its Spanish data read
# scanned PDFs (metas/importer/ocr.py).
system-packages:
	@command -v msgfmt >/dev/null || { \
	  if [ "$(IS_ROOT)" = yes ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gettext >/dev/null; \
	  else echo "Instale gettext (msgfmt): sudo apt-get install gettext" >&2; exit 1; fi; }
	@{ command -v tesseract >/dev/null && test -f /usr/share/tesseract-ocr/5/tessdata/spa.traineddata; } || { \
	  if [ "$(IS_ROOT)" = yes ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-spa >/dev/null; \
	  else echo "Instale Tesseract: sudo apt-get install --no-install-recommends tesseract-ocr tesseract-ocr-spa" >&2; exit 1; fi; }

# Debian's headless Chromium for the Playwright tests; Playwright never downloads a browser.
browser-packages:
	@test -x $(CHROMIUM) || { \
	  if [ "$(IS_ROOT)" = yes ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; \
	  else echo "Instale chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

messages: $(VENV)/.installed
	# DEBUG=true only so that settings load without a SECRET_KEY; compiling needs none.
	DEBUG=true $(MANAGE) compilemessages --ignore=$(VENV) -v0

# A development checkout's own secret key, which settings read: the README's commands then
# work without DEBUG=true or a SECRET_KEY in the environment. Never committed (.gitignore).
.env:
	@echo "# Written by make run for this checkout only; settings read it (see transparencia/settings.py)." > $@
	@echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" >> $@

run: install .env
	@$(PY) -c "import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $(PORT)))" 2>/dev/null || { \
	  echo "El puerto $(PORT) está ocupado: use otro, p. ej. make run PORT=8001" >&2; exit 1; }
	DEBUG=true $(MANAGE) migrate --noinput -v0
	# The sample only into an empty database: never over what the staff published.
	DEBUG=true $(MANAGE) load_sample
	@echo
	@echo "Para publicar reportes desde /gestion/, cree el primer usuario:"
	@echo "  $(MANAGE) createsuperuser"
	@echo
	@# The worker that rebuilds the download files after each publication runs beside gunicorn;
	@# Ctrl-C stops both (and the worker stops whenever gunicorn does).
	DEBUG=true $(MANAGE) db_worker --no-reload --no-startup-delay -v0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	DEBUG=true $(VENV)/bin/gunicorn transparencia.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

test: install browser-packages test-sqlite test-postgres

test-sqlite: $(VENV)/.installed
	$(VENV)/bin/pytest

# A streaming replica of the local server on port 5433 for metas/tests/test_replica.py, made
# as root with Debian's postgresql-common (.ci/postgres-replica); elsewhere that test says why
# it cannot run (and fails under CI=true).
postgres-replica:
	@if [ "$(IS_ROOT)" = yes ] && command -v pg_createcluster >/dev/null; then .ci/postgres-replica; \
	else echo "No PostgreSQL replica made (needs root and pg_createcluster): test_replica.py will say so."; fi

# With CI=true a PostgreSQL server that does not answer is a failure, not a skip.
test-postgres: $(VENV)/.installed postgres-replica
	@if $(PY) -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_POSTGRES_URL)" 2>/dev/null; then \
	  echo "== Same suite on PostgreSQL ($(TEST_POSTGRES_URL))"; \
	  DATABASE_URL="$(TEST_POSTGRES_URL)" $(VENV)/bin/pytest; \
	elif [ "$(CI)" = true ]; then \
	  echo "FAILED: no PostgreSQL server answers at $(TEST_POSTGRES_URL), and CI=true requires it." >&2; exit 1; \
	else \
	  echo "SKIPPED the PostgreSQL run: no server answers at $(TEST_POSTGRES_URL) (set TEST_POSTGRES_URL)."; \
	fi

bench: install
	$(PY) bench/import_bench.py
	$(PY) bench/pages.py

# wrk (Debian's package) loads the servers bench/peers/ compares.
bench-packages:
	@command -v wrk >/dev/null || { \
	  if [ "$(IS_ROOT)" = yes ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; \
	  else echo "Instale wrk: sudo apt-get install wrk" >&2; exit 1; fi; }

# Options go in ARGS, e.g. make bench-peers ARGS=--quick (see bench/README.md).
bench-peers: install bench-packages
	$(PY) bench/peers/run.py $(ARGS)

# Where a cold page's time goes (py-spy, from requirements.txt), on the data bench-peers built.
bench-profile: install
	$(PY) bench/peers/profile.py $(ARGS)

bench-load: install
	$(PY) bench/load.py $(ARGS)

# Redis killed, the database refusing connections, a worker killed, the publication worker killed
# mid-build, the downloads' store full, two "Publicar" at once, 16 exports at once (issue 19).
bench-faults: install
	$(PY) bench/faults.py $(ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache bench/out bench/peers/.venv-datasette
