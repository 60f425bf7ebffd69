# restcorn: the two commands a newcomer needs are `make demo` and `make test`.
# Both set everything up on a fresh Debian 12 machine (run as root, or have the
# packages of tools/install-deps.sh installed already).

SYSTEM_PYTHON ?= /usr/bin/python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_CONFIG ?= pg_config
ENGINE_MAKE := $(MAKE) -C engine with_llvm=no PG_CONFIG=$(PG_CONFIG) PYTHON=$(SYSTEM_PYTHON)

.PHONY: all deps venv engine test demo bench clean

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

engine: deps
	$(ENGINE_MAKE)
	$(ENGINE_MAKE) install

test: engine venv
	$(PY) -m pytest -q tests

demo: engine venv
	$(PY) -m tools.demo

bench: engine venv
	$(PY) -m bench

clean:
	$(ENGINE_MAKE) clean
	rm -rf $(VENV) bench/results
