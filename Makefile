# The two commands a user needs:
#   make serve   create .venv, install, and run the service on 127.0.0.1:8000
#   make test    create .venv, install with the test extras, and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: serve test bench openapi lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

serve: $(STAMP)
	exec $(BIN)/gunicorn -c gunicorn.conf.py 'diagnose_api:create_app()'

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks: writes BENCHMARKS.md; fails when an analyzer grows faster than
# 12x from 10,000 to 100,000 points. Uses wrk for HTTP load when installed.
# One BLAS thread, as gunicorn.conf.py gives each worker.
bench: $(STAMP)
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} $(BIN)/python -m benchmarks.run $(BENCH_ARGS)

openapi: $(STAMP)
	$(BIN)/python -m diagnose_api.openapi > openapi.yaml

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
