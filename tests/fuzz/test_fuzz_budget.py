"""The example budget quoted in conftest.py's table is the one the tests use."""

from __future__ import annotations

import os
import re

from _fuzz import EXAMPLES


def test_the_table_quotes_the_budget() -> None:
    with open(os.path.join(os.path.dirname(__file__), "conftest.py"), encoding="utf-8") as f:
        text = f.read()
    quoted = [int(n) for n in re.findall(r"^\S.*?\s{2,}(\d+)$", text, flags=re.MULTILINE)]
    assert quoted == list(EXAMPLES.values())
