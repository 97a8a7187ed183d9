# ferrotune developer commands. `make demo` and `make test` are all a new user needs.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
PYTEST_ARGS ?=

.PHONY: help deps dev demo test test-deps test-rust test-python lint fmt bench clean

help:
	@echo "make demo   - build ferrotune and run the demo study (SQLite-backed when available)"
	@echo "make test   - install test deps, build, run cargo test and pytest"
	@echo "make lint   - ruff, ruff format --check, mypy, cargo fmt --check, clippy"
	@echo "make bench  - side-by-side benchmarks against optuna and rustuna"

deps:
	$(PIP) install --quiet --disable-pip-version-check "maturin>=1.7,<2" numpy tqdm

# Editable install: python/ferrotune is used in place, the Rust extension is rebuilt.
dev: deps
	$(PIP) install --quiet --disable-pip-version-check --no-build-isolation -e .

demo: dev
	$(PIP) install --quiet --disable-pip-version-check scikit-learn
	$(PYTHON) examples/demo.py

test-deps: deps
	$(PIP) install --quiet --disable-pip-version-check -e ".[test]" --no-build-isolation

test: test-deps test-rust test-python

test-rust:
	cargo test --workspace --quiet

# Storage tests need real PostgreSQL and Redis servers: .ci/services.sh installs them from
# Debian packages when missing and starts throwaway instances on loopback for this run.
test-python:
	@set -e; eval "$$(bash .ci/services.sh start)"; \
	trap 'bash .ci/services.sh stop >/dev/null 2>&1 || true' EXIT; \
	$(PYTHON) -m pytest -q $(PYTEST_ARGS)

lint:
	$(PIP) install --quiet --disable-pip-version-check "ruff>=0.6" "mypy>=1.10"
	ruff check python tests benches examples
	ruff format --check python tests benches examples
	$(PYTHON) -m mypy
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	ruff format python tests benches examples
	ruff check --fix python tests benches examples
	cargo fmt --all

bench: dev
	$(PIP) install --quiet --disable-pip-version-check -e ".[bench]" --no-build-isolation
	$(PYTHON) benches/compare_random.py

clean:
	cargo clean
	rm -f python/ferrotune/_core*.so
