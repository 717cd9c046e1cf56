# svcscope: `make run` serves the app, `make test` runs the whole suite. Both install what
# they need first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM := /usr/bin/chromium

.PHONY: install install-serve run test test-postgres lint types unit browser bench seed clean fuzz load \
	wheel

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Serving needs only the package and its runtime dependencies (`make run`); the tests, linters
# and browser driver come with the dev extras (`make test` and the targets below).
# The build step also compiles proto/ (tools/protos.py), so a changed .proto reinstalls.
PROTOS := $(shell find proto -name '*.proto')
$(VENV)/.serve-installed: pyproject.toml setup.py tools/protos.py $(PROTOS) | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed: pyproject.toml setup.py $(VENV)/.serve-installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# htmx, Swagger UI and ReDoc from the npm registry (pinned versions and hashes) and plotly.js
# from the plotly package, into app/static/vendor; the wheel's build step runs the same script.
$(VENV)/.vendored: tools/vendor.py $(VENV)/.serve-installed
	$(BIN)/python tools/vendor.py >/dev/null
	touch $@

install-serve: $(VENV)/.serve-installed $(VENV)/.vendored

install: $(VENV)/.installed $(VENV)/.vendored

$(CHROMIUM):
	(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

run: install-serve
	$(BIN)/svcscope serve --host $(HOST) --port $(PORT)

seed: install-serve
	$(BIN)/svcscope seed

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q -n 2 -m "not browser"

browser: install $(CHROMIUM)
	$(BIN)/pytest -q -m browser

test: install $(CHROMIUM) lint types
	$(BIN)/pytest -q -n 2 --dist loadgroup
	$(MAKE) --no-print-directory test-postgres

# The API and storage tests once more on PostgreSQL: the SQL must run on both databases;
# and the server tests marked postgres (several workers following one feed through NOTIFY).
test-postgres: install
	.ci/with-postgres $(BIN)/pytest -q -p no:cacheprovider tests/api tests/db tests/clients \
		-m "not server or postgres"

# Deeper than `make test`: ten times the examples and schemathesis' coverage phase in pytest,
# then the schemathesis CLI (examples, fuzzing, stateful) against a server with a write token.
FUZZ_EXAMPLES ?= 300
FUZZ_SECONDS ?= 300
fuzz: install
	SVCSCOPE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) SVCSCOPE_FUZZ_COVERAGE=1 $(BIN)/pytest -q -n 2 \
		-p no:cacheprovider tests/reliability/test_fuzz_api.py \
		tests/reliability/test_write_pipeline_properties.py
	$(BIN)/python -m tests.load.fuzz_server --max-time $(FUZZ_SECONDS)

# 20 writers and 50 readers against one server on 127.0.0.1 for LOAD_SECONDS (tests/load).
LOAD_SECONDS ?= 60
load: install
	$(BIN)/python -m tests.load.writers_readers --writers 20 --readers 50 --seconds $(LOAD_SECONDS)

bench: install
	$(BIN)/python -m tests.bench

# A wheel that carries the templates, static files (vendored assets included) and migrations.
wheel: install-serve
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .

clean:
	rm -rf $(VENV) build dist app/static/vendor
