#!/usr/bin/env bash
# Installs the wheel from dist/ into a fresh virtual environment whose PATH holds no Rust
# toolchain, then runs .ci/wheel_smoke.py in it from a scratch folder (so the import comes
# from site-packages, not from this checkout). Only binary wheels are installed: nothing
# may be compiled on the way.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d /tmp/ferrotune-wheel-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
wheel=$(ls dist/ferrotune-*.whl)
python3 -m venv "$work/venv"
# A PATH with the venv and the system's folders only: no ~/.cargo/bin, no rustup.
clean_path="$work/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
for tool in cargo rustc rustup; do
    if PATH="$clean_path" command -v "$tool" >/dev/null 2>&1; then
        echo "wheel-smoke: $tool is on the clean PATH ($(PATH="$clean_path" command -v "$tool"))"
        exit 1
    fi
done
echo "wheel-smoke: no cargo, rustc or rustup on PATH"
env -u CARGO_HOME -u RUSTUP_HOME -u VIRTUAL_ENV PATH="$clean_path" PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$work/venv/bin/python" -m pip install --quiet --only-binary=:all: \
    "$root/$wheel[visualization]"
cp .ci/wheel_smoke.py "$work/"
cd "$work"
env -u CARGO_HOME -u RUSTUP_HOME -u VIRTUAL_ENV PATH="$clean_path" \
    "$work/venv/bin/python" wheel_smoke.py "$work/out"
