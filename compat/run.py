"""Run Optuna 5.0.0's own test suite against ferrotune and judge it (``make compat``).

1. Downloads the optuna 5.0.0 sdist from PyPI into .compat/ (cached) and unpacks it.
2. Runs its tests/ with pytest under the import alias of compat/site (``optuna`` and every
   ``optuna.X`` are ferrotune / ferrotune.X; ``optuna.testing`` comes from the sdist), with
   the ``optuna`` command on PATH being Optuna's console script under the same alias.
   Real servers: tests/storages_tests/test_with_server.py reads TEST_DB_URL / TEST_DB_MODE;
   it runs against PostgreSQL (FERROTUNE_TEST_POSTGRES_URL) in the main leg and again against
   Redis (FERROTUNE_TEST_REDIS_URL, TEST_DB_MODE=journal-redis) in a second leg, whose test
   ids get the suffix ``@journal-redis``.
3. Compares the outcomes with compat/expected-failures.txt and fails when
   - a test outside the list fails (or a test module fails to collect),
   - an individually listed test passes (the list only shrinks),
   - a listed test id no longer exists,
   - a real optuna module was imported, in pytest or in any subprocess.
4. Prints the public-behaviour pass rate = passed / (all - private - env), and the rate that
   also leaves out ``missing:*``, with counts.

expected-failures.txt: one entry a line, ``<test id or path> | <reason>``, where reason is
``private:<name>``, ``env:<why>``, ``missing:<feature>`` or ``bug:<what>``. A path (a folder or
a test file) is not run at all; add ``| tests=<N>`` to count its N tests in the denominators
(default 1). An id with ``*`` (any text) is a pattern: the tests it matches are deselected,
not run, and each counts as one failing test of its reason. ``#`` starts a comment line.

Slow paths (SLOW_PATHS) run only with --full (``make compat-full``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

OPTUNA_VERSION = "5.0.0"
REASONS = ("private", "env", "missing", "bug")
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = REPO / ".compat"
REDIS_SUFFIX = "@journal-redis"
WITH_SERVER = "tests/storages_tests/test_with_server.py"

# Imported by Optuna's tests or its optuna.testing helpers: module -> package (test extra).
REQUIRED_MODULES = {
    "fakeredis": "fakeredis",
    "moto": "moto[server]",
    "boto3": "boto3",
    "google.cloud.storage": "google-cloud-storage",
}

# Run only by `make compat-full`: they alone take most of the suite's time on 2 cores.
SLOW_PATHS: tuple[str, ...] = ()


@dataclass
class Entry:
    test_id: str
    reason: str
    tests: int = 1
    line: int = 0

    @property
    def category(self) -> str:
        return self.reason.split(":", 1)[0]

    @property
    def is_pattern(self) -> bool:
        return "*" in self.test_id

    @property
    def regex(self) -> str:
        return ".*".join(re.escape(part) for part in self.test_id.split("*"))

    @property
    def is_path(self) -> bool:
        return (
            "::" not in self.test_id and REDIS_SUFFIX not in self.test_id and not self.is_pattern
        )


@dataclass
class Expected:
    entries: dict[str, Entry] = field(default_factory=dict)

    @property
    def paths(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.is_path]

    @property
    def patterns(self) -> list[Entry]:
        return [e for e in self.entries.values() if e.is_pattern]

    def covering_path(self, test_id: str) -> Entry | None:
        for entry in self.paths:
            prefix = entry.test_id.rstrip("/")
            if test_id == prefix or test_id.startswith((prefix + "/", prefix + "::")):
                return entry
        for entry in self.patterns:
            if re.fullmatch(entry.regex, test_id):
                return entry
        return None


def load_expected(path: Path) -> Expected:
    expected = Expected()
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) not in (2, 3):
            raise SystemExit(f"{path}:{number}: expected '<test id> | <reason>': {raw!r}")
        test_id, reason = parts[0], parts[1]
        if reason.split(":", 1)[0] not in REASONS or ":" not in reason:
            raise SystemExit(f"{path}:{number}: reason must be one of {REASONS}: {reason!r}")
        tests = 1
        if len(parts) == 3:
            if not parts[2].startswith("tests="):
                raise SystemExit(f"{path}:{number}: third field must be tests=<N>")
            tests = int(parts[2].removeprefix("tests="))
        if test_id in expected.entries:
            raise SystemExit(f"{path}:{number}: duplicate entry {test_id}")
        expected.entries[test_id] = Entry(test_id, reason, tests, number)
    return expected


def fetch_sdist() -> Path:
    """The unpacked optuna sdist (downloaded once into .compat/)."""
    CACHE.mkdir(exist_ok=True)
    unpacked = CACHE / f"optuna-{OPTUNA_VERSION}"
    if (unpacked / "tests").is_dir() and (unpacked / "optuna" / "testing").is_dir():
        return unpacked
    archive = CACHE / f"optuna-{OPTUNA_VERSION}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"optuna=={OPTUNA_VERSION}",
                "-d",
                str(CACHE),
            ],
            check=True,
        )
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        shutil.rmtree(unpacked, ignore_errors=True)
        (Path(tmp) / f"optuna-{OPTUNA_VERSION}").rename(unpacked)
    return unpacked


def base_env(sdist: Path, violations: Path) -> dict[str, str]:
    env = dict(os.environ)
    extra = [str(HERE / "site"), str(REPO / "python")]
    if env.get("PYTHONPATH"):
        extra.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(extra)
    env["PATH"] = os.pathsep.join([str(HERE / "bin"), env.get("PATH", "")])
    env["COMPAT_OPTUNA_SDIST"] = str(sdist)
    env["COMPAT_VIOLATIONS_DIR"] = str(violations)
    env["COMPAT_PYTHON"] = sys.executable
    env.pop("TEST_DB_URL", None)
    env.pop("TEST_DB_MODE", None)
    env.pop("OPTUNA_STORAGE", None)
    return env


def run_leg(
    name: str,
    sdist: Path,
    targets: list[str],
    ignores: list[str],
    deselect: list[str],
    env: dict[str, str],
    results: Path,
    timeout: int,
    tb: str,
) -> dict[str, object]:
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "compat_plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "-o",
        "addopts=",
        "-o",
        "console_output_style=classic",
        "--continue-on-collection-errors",
        f"--tb={tb}",
        "-rN",
        *targets,
    ]
    args += [f"--ignore={p}" for p in ignores]
    have_timeout = subprocess.run(
        [sys.executable, "-c", "import pytest_timeout"], capture_output=True
    )
    if have_timeout.returncode == 0:
        args.append(f"--timeout={timeout}")
    env = {**env, "COMPAT_RESULTS": str(results), "COMPAT_DESELECT": "\n".join(deselect)}
    print(f"== compat leg {name}: {' '.join(args[3:])}", flush=True)
    started = time.monotonic()
    proc = subprocess.run(args, cwd=sdist, env=env)
    elapsed = time.monotonic() - started
    print(f"== compat leg {name}: pytest exit {proc.returncode}, {elapsed:.0f} s", flush=True)
    if not results.exists():
        raise SystemExit(f"compat leg {name}: pytest wrote no results (exit {proc.returncode})")
    data: dict[str, object] = json.loads(results.read_text())
    return data


def judge(
    expected: Expected,
    outcomes: dict[str, str],
    messages: dict[str, str],
    skipped_paths: list[str],
    count_paths: bool = True,
) -> int:
    problems: list[str] = []
    counts = {c: 0 for c in REASONS}
    passed = failed = skipped = deselected = 0
    for test_id, outcome in sorted(outcomes.items()):
        entry = expected.entries.get(test_id) or expected.covering_path(test_id)
        if outcome == "passed":
            passed += 1
            if entry is not None and not entry.is_path:
                problems.append(f"now passes, remove it from the list: {test_id}")
        elif outcome == "skipped":
            skipped += 1
        elif outcome == "deselected":
            assert entry is not None, test_id
            counts[entry.category] += 1
            deselected += 1
        else:
            failed += 1
            if entry is None:
                first = messages.get(test_id, "").strip().splitlines()[-1:]
                problems.append(f"unexpected failure: {test_id}  {' '.join(first)[:200]}")
            else:
                counts[entry.category] += 1
    ignored_tests = 0
    for entry in expected.paths:
        if entry.test_id in skipped_paths or not count_paths:
            continue
        counts[entry.category] += entry.tests
        ignored_tests += entry.tests
    for entry in expected.entries.values():
        if entry.is_path or entry.is_pattern:
            continue
        if entry.test_id not in outcomes and not any(
            entry.test_id.startswith(p.rstrip("/") + "/") or entry.test_id.startswith(p + "::")
            for p in skipped_paths
        ):
            problems.append(f"listed test not found (line {entry.line}): {entry.test_id}")

    total = passed + failed + deselected + ignored_tests
    public = total - counts["private"] - counts["env"]
    core = public - counts["missing"]
    print()
    print(f"compat: optuna {OPTUNA_VERSION} tests against ferrotune")
    print(
        f"  tests: {total} (run {passed + failed}: {passed} passed, {failed} failed; "
        f"{ignored_tests} in listed paths and {deselected} matching listed patterns not run; "
        f"{skipped} skipped, not counted)"
    )
    print(
        f"  failing by reason: private {counts['private']}, env {counts['env']}, "
        f"missing {counts['missing']}, bug {counts['bug']}"
    )
    if public > 0:
        print(
            f"  public-behaviour pass rate: {passed}/{public} = {100 * passed / public:.1f}% "
            f"(all - private - env)"
        )
    if core > 0:
        print(
            f"  excluding missing features too: {passed}/{core} = {100 * passed / core:.1f}% "
            f"(all - private - env - missing)"
        )
    if skipped_paths:
        print(f"  not run (make compat-full runs them): {', '.join(skipped_paths)}")
    if problems:
        print(f"\ncompat FAILED: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print("\ncompat OK")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also run the slow paths")
    parser.add_argument(
        "--expected", type=Path, default=HERE / "expected-failures.txt", help="the list"
    )
    parser.add_argument("--timeout", type=int, default=300, help="per-test limit, seconds")
    parser.add_argument("--tb", default="line", help="pytest --tb style")
    parser.add_argument("--dump", type=Path, help="write all outcomes and messages here")
    parser.add_argument("targets", nargs="*", help="test paths (default: tests)")
    args = parser.parse_args(argv)

    expected = load_expected(args.expected)
    # optuna.testing.storages imports fakeredis at module level: without it most test files
    # fail to collect. The artifacts tests import moto, boto3 and google.cloud.storage.
    for module, package in REQUIRED_MODULES.items():
        probe = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
        if probe.returncode != 0:
            raise SystemExit(
                f"compat: needs the {package} package (pip install -e '.[test]' has them all)"
            )
    sdist = fetch_sdist()
    work = Path(tempfile.mkdtemp(prefix="ferrotune-compat-"))
    violations = work / "violations"
    env = base_env(sdist, violations)
    if os.environ.get("FERROTUNE_TEST_POSTGRES_URL"):
        env["TEST_DB_URL"] = os.environ["FERROTUNE_TEST_POSTGRES_URL"]
    elif os.environ.get("CI"):
        raise SystemExit("compat: FERROTUNE_TEST_POSTGRES_URL is not set (.ci/services.sh)")

    skipped_paths = [] if args.full else list(SLOW_PATHS)
    targets = args.targets or ["tests"]
    ignores = [e.test_id for e in expected.paths] + skipped_paths
    deselect = [e.regex for e in expected.patterns]
    data = run_leg(
        "main", sdist, targets, ignores, deselect, env, work / "main.json", args.timeout, args.tb
    )
    outcomes: dict[str, str] = dict(data["outcomes"])  # type: ignore[call-overload]
    messages: dict[str, str] = dict(data["messages"])  # type: ignore[call-overload]
    imported: list[str] = list(data["real_optuna_imported"])  # type: ignore[call-overload]

    redis_url = os.environ.get("FERROTUNE_TEST_REDIS_URL")
    if redis_url and not args.targets:
        redis_env = {**env, "TEST_DB_URL": redis_url, "TEST_DB_MODE": "journal-redis"}
        data = run_leg(
            "journal-redis",
            sdist,
            [WITH_SERVER],
            [],
            [],
            redis_env,
            work / "redis.json",
            args.timeout,
            args.tb,
        )
        for key, value in dict(data["outcomes"]).items():  # type: ignore[call-overload]
            outcomes[key + REDIS_SUFFIX] = value
        for key, value in dict(data["messages"]).items():  # type: ignore[call-overload]
            messages[key + REDIS_SUFFIX] = value
        imported += list(data["real_optuna_imported"])  # type: ignore[call-overload]
    elif os.environ.get("CI") and not args.targets:
        raise SystemExit("compat: FERROTUNE_TEST_REDIS_URL is not set (.ci/services.sh)")

    if args.dump:
        args.dump.write_text(json.dumps({"outcomes": outcomes, "messages": messages}, indent=1))
    if args.targets:
        # a partial run: judge only what ran, count no listed path
        keep = {
            k: v for k, v in expected.entries.items() if v.is_pattern or v.is_path or k in outcomes
        }
        expected = Expected(keep)
    status = judge(expected, outcomes, messages, skipped_paths, count_paths=not args.targets)
    if imported:
        print("\ncompat FAILED: the real optuna package was imported:")
        for line in imported:
            print(f"  {line}")
        status = 1
    shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
