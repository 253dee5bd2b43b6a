# The two commands a user needs:
#   make serve   create .venv, install, and run the service on 127.0.0.1:8000
#   make test    create .venv, install with the test extras, and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: serve test bench openapi lint audit lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# torch first, pinned to its CPU build: lightning's plain torch requirement
# would otherwise pull the multi-GB CUDA build.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,keras,lightning]'
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
	$(BIN)/diagnose-api openapi > openapi.yaml

# --- Operations: container lint, dependency audit, pinned versions ---
lint: $(TEST_STAMP)
	$(BIN)/hadolint --failure-threshold style Dockerfile

# Fails on a known vulnerability in requirements.lock; an unreachable
# advisory service only warns (AUDIT_ARGS=--strict makes it fail too).
audit: $(TEST_STAMP)
	$(BIN)/python scripts/audit_dependencies.py $(AUDIT_ARGS)

# Pins the runtime dependencies, as a fresh install resolves them, for the image.
lock:
	rm -rf build/lock-venv
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet '.[postgres]'
	{ sed -n '1,3p' requirements.lock; \
	  build/lock-venv/bin/python -m pip freeze --exclude-editable \
	    | grep -v '^diagnose[-_]api'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf build/lock-venv

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
