"""Side-by-side benchmark harness: each measurement runs in a fresh child process.

Frameworks are interleaved (ferrotune, optuna, rustuna, ferrotune, ...) so that machine
noise hits them alike; the report prints medians and ratios from one run.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

FRAMEWORKS = ("ferrotune", "optuna", "rustuna")


def import_framework(name: str):  # type: ignore[no-untyped-def]
    """Import ``name`` and silence its per-trial logging."""
    if name == "ferrotune":
        import ferrotune as module

        module.logging.set_verbosity(module.logging.WARNING)
    elif name == "optuna":
        import optuna as module

        module.logging.set_verbosity(module.logging.WARNING)
    elif name == "rustuna":
        import rustuna as module
    else:
        raise ValueError(f"unknown framework {name!r}")
    return module


def run_child(script: Path, args: Sequence[str], timeout: float = 3600) -> dict[str, float]:
    """Run ``script`` with ``args`` in a child interpreter; it prints one JSON line."""
    out = subprocess.run(
        [sys.executable, str(script), *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def table(rows: Sequence[Sequence[str]]) -> str:
    """Format rows as a GitHub markdown table (first row is the header)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, row in enumerate(rows):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
        if k == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux: ru_maxrss in KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
