"""Logs are JSON lines without secrets; the service package keeps to its place in the layers."""

from __future__ import annotations

import importlib
import io
import json
import logging
import re
from pathlib import Path
from typing import Any

from fentrace.service.logs import JsonFormatter


def test_request_logs_are_json_lines_without_the_key(api: Any) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("fentrace.service.http")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        token = api.tokens["analyst"]
        api.client.post(
            "/v1/chem/screen",
            json={"queries": ["CCO"]},
            headers={"Authorization": f"Bearer {token}"},
        )
        api.client.get("/v1/whoami", headers={"X-API-Key": token})
        api.client.get("/v1/whoami", headers={"X-API-Key": token + "x"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert [r["status"] for r in records] == [200, 200, 401]
    assert records[0]["route"] == "/v1/chem/screen"
    assert records[0]["principal"] == f"key:{token.split('_')[1]}"
    assert all({"ts", "level", "msg", "method", "path", "duration_ms"} <= set(r) for r in records)
    text = stream.getvalue()
    secret = token.split("_", 2)[2]
    assert secret not in text
    assert "Bearer" not in text
    assert "authorization" not in text.lower()


def test_the_service_imports_neither_the_cli_nor_the_web_package() -> None:
    root = Path(importlib.import_module("fentrace.service").__file__ or "").parent
    pattern = re.compile(r"^\s*(import|from)\s+fentrace\.(cli|web)\b", re.M)
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_nothing_below_the_edges_imports_the_service() -> None:
    src = Path(importlib.import_module("fentrace").__file__ or "").parent
    pattern = re.compile(r"^\s*(import|from)\s+fentrace\.service\b", re.M)
    below = ("reference", "chemistry", "parties", "shipments", "network", "simulation")
    offenders = [
        str(path.relative_to(src))
        for package in below
        for path in (src / package).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
