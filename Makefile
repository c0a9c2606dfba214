# Two commands a new user needs (see README):
#   make run   - install everything and start the app (built-in engine, no key needed)
#   make test  - install everything (incl. test tools, Chromium, PostgreSQL), run the lint gates and the full test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8501

.PHONY: run test lint install system-test-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m assistant ingest
	$(PY) -m streamlit run assistant/app/main.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# Debian packages the tests need: Chromium + driver for the browser tests,
# PostgreSQL server for the workshop's PostgreSQL test. Installed only when missing.
system-test-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing Debian packages: chromium chromium-driver postgresql"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver postgresql >/dev/null; \
	fi

# The code gates: lint, formatting, types. `make test` runs them before the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(STAMP) system-test-deps lint
	bash scripts/test.sh

bench: $(STAMP)
	$(PY) bench/bench_index.py --sections 200
	$(PY) bench/bench_plan.py --sections 200

clean:
	rm -rf $(VENV) vectorstore/chroma* vectorstore/*.json data test-output
