#!/usr/bin/env bash
# Checks that Cargo.toml's `rust-version` is the real minimum: the crates (all targets) build
# with that toolchain, and do not with the minor version before it. Toolchains missing from
# rustup are installed (minimal profile). A separate target folder keeps the main build's
# artifacts untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
msrv=$(sed -n 's/^rust-version = "\([0-9.]*\)"/\1/p' Cargo.toml)
[ -n "$msrv" ] || { echo "msrv: no rust-version in Cargo.toml"; exit 1; }
major=${msrv%%.*}
minor=$(echo "$msrv" | cut -d. -f2)
previous="$major.$((minor - 1))"
target="${MSRV_TARGET_DIR:-/tmp/ferrotune-msrv-target}"

ensure() {
    rustup run "$1" rustc --version >/dev/null 2>&1 ||
        rustup toolchain install "$1" --profile minimal --no-self-update >&2
}

ensure "$msrv"
echo "msrv: cargo +$msrv check (rust-version = $msrv)"
CARGO_TARGET_DIR="$target" cargo "+$msrv" check --workspace --all-targets --locked --quiet
echo "msrv: builds with $(rustup run "$msrv" rustc --version)"

ensure "$previous"
# --ignore-rust-version: the older compiler must fail on the code, not on the declaration.
if CARGO_TARGET_DIR="$target-previous" cargo "+$previous" check --workspace --all-targets \
    --locked --quiet --ignore-rust-version >/tmp/ferrotune-msrv-previous.log 2>&1; then
    echo "msrv: the crates also build with $previous: lower rust-version in Cargo.toml"
    exit 1
fi
echo "msrv: $previous fails, as expected (first error below)"
grep -m 1 -A 3 '^error' /tmp/ferrotune-msrv-previous.log || true
