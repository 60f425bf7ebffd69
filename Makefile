# restcorn: the two commands a newcomer needs are `make demo` and `make test`.
# Both set everything up on a fresh Debian 12 machine (run as root, or have the
# packages of tools/install-deps.sh installed already).

SYSTEM_PYTHON ?= /usr/bin/python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_CONFIG ?= pg_config
ENGINE_MAKE := $(MAKE) -C engine with_llvm=no PG_CONFIG=$(PG_CONFIG) PYTHON=$(SYSTEM_PYTHON)

# The engine is also built and tested against PostgreSQL 16 and 18: relocatable
# builds that tools/pgversions.py installs into .pg/ (git-ignored, for tests
# only). A version that cannot be had or built here is skipped with the reason.
PG_VERSIONS := 16 18
VERSION_TESTS := $(wildcard tests/test_engine*.py) tests/test_dictionary.py \
	tests/test_sql_scripts.py tests/test_pg_dump.py tests/test_versions.py

.PHONY: all deps venv bytecode engine engine-versions json-server test test-stand-in test-versions fuzz demo bench clean

all: engine venv

deps:
	@tools/install-deps.sh

# A virtual environment made from the Python the server embeds; the backend
# imports the wrappers from it (setting restcorn.venv).
venv: deps $(VENV)/.ready
$(VENV)/.ready: requirements.txt setup.py
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check -e .
	touch $@

# Backends run as the database's OS user, which may not write __pycache__ here:
# without compiled files every new backend would compile the wrappers again.
bytecode: venv
	$(PY) -m compileall -q fdw

engine: deps
	$(ENGINE_MAKE)
	$(ENGINE_MAKE) install

# Fetch 16 and 18 (once), build the engine against 15, 16 and 18 from a copy
# of its sources, and install it into 16's and 18's folders.
engine-versions: deps venv
	$(PY) -m tools.pgversions setup 15 $(PG_VERSIONS)

# json-server 0.17.4 from npm into .json-server/ (git-ignored), for tests/test_json_server.py.
json-server:
	@tools/install-json-server.sh

test: engine venv bytecode engine-versions json-server
	$(PY) -m pytest -q tests
	$(MAKE) --no-print-directory test-stand-in
	$(MAKE) --no-print-directory test-versions

# The wrapper tests again under the engine's Multicorn2 stand-in
# (restcorn.multicorn2_behaviour = on): the same rows under both hosts.
STAND_IN_TESTS = tests/test_dictionary.py tests/test_generic_resources.py \
	tests/test_generic_paging.py tests/test_generic_options.py tests/test_generic_pushdown.py \
	tests/test_faults.py tests/test_conventions.py tests/test_json_server.py \
	tests/test_readme_examples.py
test-stand-in:
	@echo "== the wrapper tests under the Multicorn2 stand-in"
	RESTCORN_TEST_HOST=multicorn2 $(PY) -m pytest -q $(STAND_IN_TESTS)

# The engine's and the dictionary's tests on each of PG_VERSIONS.
test-versions:
	@for v in $(PG_VERSIONS); do \
	  echo "== PostgreSQL $$v: the engine's and the dictionary's tests"; \
	  PG_CONFIG="$$($(PY) -m tools.pgversions pg-config $$v)" $(PY) -m pytest -q -rs $(VERSION_TESTS) \
	    || exit 1; \
	done

# The differential test (tests/differential/), unseeded: until stopped, or N queries
# (make fuzz N=20000); it stops at the first mismatch and prints the full report.
fuzz: engine venv bytecode
	$(PY) -m tests.differential $(if $(N),--queries $(N))

demo: engine venv bytecode
	$(PY) -m tools.demo

bench: engine venv bytecode
	$(PY) -m bench

clean:
	$(ENGINE_MAKE) clean
	rm -rf $(VENV) bench/results .pg
