"""Shared fixtures: the shipped knowledge base, and writable copies of its data files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from fentrace.reference import KnowledgeBase, load_knowledge_base
from fentrace.reference.loader import DATA_DIR

# The C loader and dumper when PyYAML has them: the pure-Python ones make each edit ~10x slower.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The shipped knowledge base."""
    return load_knowledge_base()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data directory."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


EditRecords = Callable[[str, Callable[[list[dict[str, Any]]], None]], None]


@pytest.fixture
def edit_yaml(data_copy: Path) -> EditRecords:
    """Apply an edit to the records of one YAML file of the copy."""

    def edit(name: str, change: Callable[[list[dict[str, Any]]], None]) -> None:
        path = data_copy / name
        records = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(records)
        path.write_text(
            yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )

    return edit
