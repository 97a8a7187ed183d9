"""Check the wheel that ``make wheel`` built: one abi3 manylinux wheel, confirmed by auditwheel.

Usage: ``python .ci/check_wheel.py dist``. Prints the wheel's name, size and auditwheel's
verdict; exits non-zero when the folder does not hold exactly one wheel, when its tag is not
``cp311-abi3-manylinux_*``, or when auditwheel does not find it consistent with the
manylinux policy its tag names.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "dist")
    wheels = sorted(folder.glob("ferrotune-*.whl"))
    if len(wheels) != 1:
        print(f"expected one ferrotune wheel in {folder}, found {[w.name for w in wheels]}")
        return 1
    wheel = wheels[0]
    size_mb = wheel.stat().st_size / 1e6
    print(f"wheel: {wheel.name} ({size_mb:.2f} MB)")
    tag = re.search(r"-(cp\d+)-(abi3)-(.+)\.whl$", wheel.name)
    if tag is None or tag.group(1) != "cp311" or "manylinux" not in tag.group(3):
        print(f"{wheel.name}: expected a cp311-abi3-manylinux_* tag")
        return 1
    shown = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    print(shown.stdout.strip())
    if shown.returncode != 0:
        print(shown.stderr.strip())
        return 1
    text = " ".join(shown.stdout.split())
    policy = re.search(r'consistent with the following platform tag: "([^"]+)"', text)
    if policy is None or not policy.group(1).startswith("manylinux"):
        print("auditwheel does not find the wheel consistent with a manylinux policy")
        return 1
    if policy.group(1) not in tag.group(3).split("."):
        print(f"the wheel's tag {tag.group(3)} claims more than auditwheel's {policy.group(1)}")
        return 1
    print(f"auditwheel: consistent with {policy.group(1)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
