"""The documentation covers the installed package: every public module has an API reference
block in docs/reference/, and every page in mkdocs.yml's nav exists.

Runs without mkdocs (``make docs`` builds the site itself, with ``--strict``).
"""

from __future__ import annotations

import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ferrotune

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"
MKDOCS_YML = ROOT / "mkdocs.yml"


def _walk(paths: list[str], prefix: str) -> Iterator[str]:
    """Dotted names of the modules and packages below ``paths``, without importing them."""
    for path in paths:
        for info in pkgutil.iter_modules([path]):
            name = f"{prefix}.{info.name}"
            yield name
            if info.ispkg:
                yield from _walk([str(Path(path) / info.name)], name)


def public_modules() -> list[str]:
    """Every module of the installed package whose dotted path has no ``_`` component."""
    names = ["ferrotune", *_walk(list(ferrotune.__path__), "ferrotune")]
    public = {n for n in names if not any(part.startswith("_") for part in n.split("."))}
    return sorted(public)


def documented_modules() -> set[str]:
    """Identifiers of the ``::: identifier`` blocks in docs/reference/."""
    found: set[str] = set()
    for page in REFERENCE.rglob("*.md"):
        found.update(re.findall(r"^:::\s*([\w.]+)\s*$", page.read_text(), flags=re.MULTILINE))
    return found


def _nav_pages(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _nav_pages(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _nav_pages(value)


def test_public_modules_are_found() -> None:
    modules = public_modules()
    for expected in (
        "ferrotune",
        "ferrotune.study",
        "ferrotune.samplers",
        "ferrotune.samplers.nsgaii",
        "ferrotune.storages.journal",
        "ferrotune.visualization.matplotlib",
        "ferrotune.integration.sklearn",
    ):
        assert expected in modules
    assert not any("._" in m for m in modules)


@pytest.mark.parametrize("module", public_modules())
def test_every_public_module_has_a_reference_block(module: str) -> None:
    assert module in documented_modules(), (
        f"{module} has no `::: {module}` block in docs/reference/*.md: add a page "
        f"docs/reference/{module}.md and list it in mkdocs.yml's nav."
    )


def test_every_nav_page_exists() -> None:
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load(MKDOCS_YML.read_text())
    pages = list(_nav_pages(config["nav"]))
    assert "index.md" in pages
    missing = [p for p in pages if not (DOCS / p).is_file()]
    assert not missing, f"pages in mkdocs.yml's nav but not in docs/: {missing}"


def test_every_reference_page_is_in_the_nav() -> None:
    yaml = pytest.importorskip("yaml")
    pages = set(_nav_pages(yaml.safe_load(MKDOCS_YML.read_text())["nav"]))
    reference = {str(p.relative_to(DOCS)) for p in REFERENCE.rglob("*.md")}
    assert reference <= pages, f"reference pages missing from the nav: {reference - pages}"
