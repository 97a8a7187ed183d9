"""Install footprint: wheel size and ``import`` time of ferrotune, optuna 5.0.0 and rustuna 0.2.0.

Usage: python benches/compare_install.py [--wheel dist/ferrotune-*.whl] [--repeats 9]

The ferrotune wheel is the one ``make wheel`` built; optuna's and rustuna's are downloaded
from PyPI (``pip download --no-deps``). Import time is the cumulative time of the top-level
package in ``python -X importtime -c "import NAME"``, each run in a fresh interpreter with the
frameworks interleaved; the table gives medians. All three must be installed in this
interpreter (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import FRAMEWORKS, table

PINNED = {"optuna": "optuna==5.0.0", "rustuna": "rustuna==0.2.0"}


def wheel_of(framework: str, ferrotune_wheel: Path, folder: Path) -> Path:
    """The wheel file of ``framework``: ferrotune's local build, the others from PyPI."""
    if framework == "ferrotune":
        return ferrotune_wheel
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    subprocess.run([*pip, "-d", str(folder / framework), PINNED[framework]], check=True)
    (found,) = (folder / framework).glob("*.whl")
    return found


def import_time_ms(framework: str) -> float:
    """Cumulative import time of ``framework``'s top-level package in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {framework}"],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in out.stderr.splitlines():
        fields = [f.strip() for f in line.removeprefix("import time:").split("|")]
        if len(fields) == 3 and fields[2] == framework:
            return int(fields[1]) / 1000.0
    raise RuntimeError(f"no importtime line for {framework}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wheel", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    wheel = args.wheel or next(iter(sorted(Path("dist").glob("ferrotune-*.whl"))), None)
    if wheel is None:
        parser.error("no ferrotune wheel in dist/: run `make wheel` or pass --wheel")
    times: dict[str, list[float]] = {name: [] for name in FRAMEWORKS}
    for name in FRAMEWORKS:
        import_time_ms(name)  # warm the file cache once
    for _ in range(args.repeats):
        for name in FRAMEWORKS:
            times[name].append(import_time_ms(name))
    with tempfile.TemporaryDirectory() as folder:
        sizes = {name: wheel_of(name, wheel, Path(folder)) for name in FRAMEWORKS}
        rows = [
            ["package", "wheel", "wheel size (MB)", "import time, median (ms)", "vs ferrotune"]
        ]
        base = statistics.median(times["ferrotune"])
        for name in FRAMEWORKS:
            ms = statistics.median(times[name])
            rows.append(
                [
                    name,
                    sizes[name].name,
                    f"{sizes[name].stat().st_size / 1e6:.2f}",
                    f"{ms:.0f}",
                    f"{ms / base:.2f}x",
                ]
            )
    print(f"python -X importtime, {args.repeats} fresh interpreters each, interleaved")
    print(table(rows))


if __name__ == "__main__":
    main()
