"""MkDocs hook: tidy the reST markup that ferrotune's numpy-style docstrings use.

The docstrings keep Sphinx roles (``:class:`~ferrotune.samplers.TPESampler```) and
``.. code-block::`` directives, as Optuna's do. Markdown renders a role as its name followed by
a code span, and a directive as a paragraph before the (indented) code block. This hook turns
``:role:`~a.b.C``` into the code span ``C`` (``a.b.C`` without the tilde) and drops the
directive line, so the API reference reads as plain text with code.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|ref|const):<code>(~?)([^<]*)</code>"
)
_DIRECTIVE = re.compile(r"<p>\s*\.\. code-block::\s*[\w-]*\s*</p>\s*")


def _role(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    if tilde:
        target = target.rsplit(".", 1)[-1]
    return f"<code>{target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    """Rewrite the rendered HTML of every page (only API pages contain these patterns)."""
    return _DIRECTIVE.sub("", _ROLE.sub(_role, html))
