# driftcheck — every target installs what it needs into .venv from pyproject.toml, at the
# versions pinned in constraints.txt (`make constraints` refreshes them).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= -n 2
CONSTRAINTS := constraints.txt

# A second venv with the oldest boto3/botocore that pyproject allows: the emulator must answer
# the routes of every supported botocore (tests/emulator/test_emulator_botocore_versions.py).
OLDEST_VENV ?= .venv-oldest
OLDEST_PINS := tests/emulator/botocore-oldest.txt
OLDEST_STAMP := $(OLDEST_VENV)/.installed

.PHONY: help venv venv-oldest test lint typecheck pytest demo bench schema constraints clean

help:
	@echo "make demo   - start the emulator with a demo live state and plan specs/ against it"
	@echo "make test   - ruff, mypy (strict) and pytest"
	@echo "make bench  - benchmarks, printed as ratios against baselines measured in the same run"
	@echo "make constraints - re-pin constraints.txt to the newest versions pyproject.toml allows"

$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -c $(CONSTRAINTS)
	@touch $@

venv: $(STAMP)

$(OLDEST_STAMP): $(OLDEST_PINS)
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install --quiet -r $(OLDEST_PINS)
	@touch $@

venv-oldest: $(OLDEST_STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check driftcheck tests
	$(VENV)/bin/ruff format --check driftcheck tests

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) $(OLDEST_STAMP)
	DRIFTCHECK_OLDEST_PYTHON=$(abspath $(OLDEST_VENV))/bin/python $(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

demo: $(STAMP)
	@log=$$(mktemp); \
	$(PY) -m driftcheck emulator --port 0 --state driftcheck/emulator/demo-state.json >$$log & \
	emulator=$$!; trap 'kill $$emulator 2>/dev/null; rm -f '"$$log" EXIT; \
	for _ in $$(seq 100); do grep -q listening $$log && break; sleep 0.1; done; \
	url=$$(sed -n 's/.* on \(http[^ ]*\).*/\1/p' $$log); \
	test -n "$$url" || { echo "the emulator did not start" >&2; exit 1; }; \
	echo "Emulator with a demo live state at $$url"; \
	echo "\$$ driftcheck plan specs/ --endpoint-url $$url"; echo; \
	AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1 \
	$(PY) -m driftcheck plan specs/ --endpoint-url $$url; \
	code=$$?; echo; echo "driftcheck exited $$code (0 in sync, 2 drift found, 1 error)"; \
	test $$code -ne 1

schema: $(STAMP)
	$(PY) -m driftcheck.desired.json_schema > driftcheck/desired/schema.json

bench: $(STAMP)
	$(PY) -m tests.bench

# A fresh venv with the newest versions the bounds in pyproject.toml allow, frozen.
constraints:
	@tmp=$$(mktemp -d); trap 'rm -rf '"$$tmp" EXIT; \
	$(PYTHON) -m venv $$tmp/venv && \
	$$tmp/venv/bin/pip install --quiet --upgrade pip && \
	$$tmp/venv/bin/pip install --quiet '.[dev]' && \
	{ sed -n '/^#/p' $(CONSTRAINTS); $$tmp/venv/bin/pip freeze --exclude driftcheck; } \
		> $$tmp/constraints.txt && \
	mv $$tmp/constraints.txt $(CONSTRAINTS)
	@git diff --stat -- $(CONSTRAINTS) 2>/dev/null || true
	@echo "constraints.txt re-pinned; run make test before committing it"

clean:
	rm -rf $(VENV) $(OLDEST_VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
