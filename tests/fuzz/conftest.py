"""The fuzz suite (issue 15): every public entry point driven with hostile values.

Each example replaces one argument of a valid call by a hostile value (NaN, ±inf, huge
ints, numpy scalars, strings, bytes, None, bools, lists, dicts, very long strings, objects
of no expected type; see ``_fuzz.hostile``) and checks three things:

1. the call succeeds, or raises ``ValueError``, ``TypeError``, ``OverflowError``,
   ``KeyError`` or a ferrotune exception whose message *names the bad value*: it contains
   the name of the argument that received it as a whole word (``low``, ``step``,
   ``seed``, ...), or the value's ``repr``/``str`` (for numpy scalars also those of the
   Python scalar; reprs over 60 characters count by their first 30; for a list, tuple or
   dict, those of one of its items, keys or values also count). Any other exception
   (AttributeError, IndexError, AssertionError, a core RuntimeError, a driver error) fails;
2. the study stays usable: two more trials complete, ``best_trial`` (``best_trials``)
   works, and the study reloads from its SQLite file (journal file for the journal
   entry point) with the same trials and runs a trial there;
3. no call takes longer than ``_fuzz.MAX_SECONDS`` (5 s).

Hypothesis runs derandomized with a fixed budget per entry point, so the suite is
deterministic. Examples per entry point (``_fuzz.EXAMPLES``):

==================================================  ========
entry point                                         examples
==================================================  ========
suggest_* arguments (float/int/categorical/...)          300
create_study arguments                                   100
sampler constructor arguments                            300
pruner constructor arguments                             200
tell values and state                                    100
report values and steps                                  100
enqueue_trial                                            100
add_trial (create_trial arguments)                       150
objective return values                                  100
storage URLs                                             100
journal file contents (truncation, garbage)              150
==================================================  ========

Every example of the storage-backed entry points uses its own SQLite file in a temporary
directory (``enqueue_trial`` and ``add_trial``: SQLite or a journal file, drawn per example).
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

import pytest

import ferrotune

# The tests import the shared helpers as ``_fuzz`` (pytest runs with --import-mode=importlib).
sys.path.insert(0, os.path.dirname(__file__))

# Hypothesis imports this module to report a failing example; under filterwarnings=error a
# DeprecationWarning raised by its libcst import then hides the failure (INTERNALERROR).
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401


@pytest.fixture(autouse=True)
def _no_warning_logs() -> None:
    """Failed trials log warnings that repeat the hostile value (up to 5,000 characters)."""
    ferrotune.logging.set_verbosity(ferrotune.logging.ERROR)
