"""Both backends start, migrate and answer."""

from __future__ import annotations

from typing import Any


def test_ready(api: Any) -> None:
    answer = api.client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json()["ok"] is True
