"""Shared fixtures of the parties tests: the test data folder and one screener per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from fentrace.parties import PartyScreener, load_watchlist

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def screener() -> PartyScreener:
    return PartyScreener(load_watchlist())
