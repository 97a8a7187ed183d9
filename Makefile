# ferrotune developer commands. `make demo` and `make test` are all a new user needs.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
PYTEST_ARGS ?=

.PHONY: help deps dev demo test test-deps test-rust test-python lint fmt bench docs wheel \
	wheel-smoke msrv compat clean

help:
	@echo "make demo   - build ferrotune and tune a RandomForest on iris (SQLite study, plots)"
	@echo "make test   - install test deps, build, run cargo test and pytest"
	@echo "make lint   - ruff, ruff format --check, mypy, cargo fmt --check, clippy"
	@echo "make docs   - build the documentation site into site/ (mkdocs --strict)"
	@echo "make wheel  - build an abi3 manylinux wheel into dist/ (installs without Rust)"
	@echo "make bench  - side-by-side benchmarks against optuna and rustuna"
	@echo "make compat - Optuna 5.0.0's own test suite against ferrotune (compat/run.py)"

deps:
	$(PIP) install --quiet --disable-pip-version-check "maturin>=1.7,<2" numpy tqdm

# Editable install: python/ferrotune is used in place, the Rust extension is rebuilt.
dev: deps
	$(PIP) install --quiet --disable-pip-version-check --no-build-isolation -e .

# The demo needs the plots (visualization extra) and scikit-learn for its model.
demo: deps
	$(PIP) install --quiet --disable-pip-version-check --no-build-isolation -e ".[visualization]" \
		scikit-learn
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
	$(PYTHON) -m ruff check python tests benches examples docs .ci compat
	$(PYTHON) -m ruff format --check python tests benches examples docs .ci compat
	$(PYTHON) -m mypy
	# the hand-written stub of the compiled module against the module itself; accepted
	# differences (each with its reason) are listed in .ci/stubtest-allowlist.txt
	$(PYTHON) -m mypy.stubtest ferrotune._core --allowlist .ci/stubtest-allowlist.txt
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	$(PYTHON) -m ruff format python tests benches examples docs .ci compat
	$(PYTHON) -m ruff check --fix python tests benches examples docs .ci compat
	cargo fmt --all

# Optuna 5.0.0's own tests/ (from its sdist, cached in .compat/) against ferrotune through the
# import alias of compat/site, with real PostgreSQL and Redis. Fails on a failure outside
# compat/expected-failures.txt or on a listed test that passes; prints the pass rates.
# Needs the test extra: fakeredis (Optuna's optuna.testing imports it), moto, boto3 and
# google-cloud-storage (its artifacts tests) and, as a per-test time guard, pytest-timeout.
# About 12 minutes on 2 cores.
COMPAT_ARGS ?=
compat:
	@set -e; eval "$$(bash .ci/services.sh start)"; \
	trap 'bash .ci/services.sh stop >/dev/null 2>&1 || true' EXIT; \
	$(PYTHON) compat/run.py $(COMPAT_ARGS)

bench: dev
	$(PIP) install --quiet --disable-pip-version-check -e ".[bench]" --no-build-isolation
	$(PYTHON) benches/compare_random.py

# The documentation site: API reference from the docstrings (mkdocstrings), plot pictures
# drawn by docs/_scripts/plot_images.py. --strict turns every warning (broken link, bad
# reference) into a failure.
docs: deps
	$(PIP) install --quiet --disable-pip-version-check --no-build-isolation -e ".[docs]"
	$(PYTHON) docs/_scripts/plot_images.py
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict --site-dir site

# An abi3 (CPython >= 3.11) manylinux2014 wheel, release profile: zig (the ziglang package
# from PyPI) links against glibc 2.17 symbols, so the wheel installs on any x86_64 Linux with
# glibc >= 2.17, not only on machines as new as the build machine. auditwheel checks the tag.
wheel: deps
	$(PIP) install --quiet --disable-pip-version-check "ziglang>=0.13" "auditwheel>=6"
	rm -rf dist
	$(PYTHON) -m maturin build --release --locked --zig --compatibility manylinux2014 --out dist
	$(PYTHON) .ci/check_wheel.py dist

# Installs dist/*.whl into a fresh virtual environment with no Rust toolchain on PATH and
# runs .ci/wheel_smoke.py there (a TPE study, a SQLite study that resumes, a plot).
wheel-smoke:
	bash .ci/wheel_smoke.sh

# Builds the crates with the oldest Rust that Cargo.toml's rust-version claims.
msrv:
	bash .ci/msrv.sh

clean:
	cargo clean
	rm -f python/ferrotune/_core*.so
	rm -rf dist site demo_out
