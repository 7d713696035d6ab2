"""Shared graphs for the network tests: the hand-built manifest with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from fentrace.network import PartyGraph, build_graph, read_manifests, watch_lookup_from_names

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small.csv"


@pytest.fixture(scope="session")
def small() -> PartyGraph:
    """The small manifest, with Hubei Amarvel (under both spellings) watchlisted."""
    watch = watch_lookup_from_names([("Hubei Amarvel Biotech Co Ltd", "indictment", "test list")])
    return build_graph(read_manifests([SMALL]), watch=watch)


def node(graph: PartyGraph, name: str) -> int:
    """The node whose spellings include ``name`` exactly."""
    for row in graph.parties.iter_rows(named=True):
        if name in row["spellings"]:
            return int(row["node"])
    raise AssertionError(f"no party spelled {name!r}")
