"""Hostile party names, descriptions and file names never become markup, script or formulas."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from fentrace.cli import main

HEADER = (
    "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,"
    "description,cas,quantity_kg"
)
IMG = "<img src=x onerror=alert(1)>"
CLOSE_SCRIPT = "</script><script>alert(2)</script>"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def hostile_manifest(tmp_path: Path) -> Path:
    # the file name itself is hostile too (it appears in the report's title)
    path = tmp_path / "<b onmouseover=alert(3)>.csv"
    path.write_text(
        f"{HEADER}\n"
        f'S1,2024-01-10,"{IMG}",CN,"{FORMULA}",MX,"NPP {CLOSE_SCRIPT}",39742-60-4,100\n'
        f'S2,2024-01-11,"{FORMULA}",CN,"{IMG}",MX,"4-AP",,5\n',
        encoding="utf-8",
    )
    return path


def _no_live_markup(page: str) -> None:
    assert IMG not in page
    assert CLOSE_SCRIPT not in page
    assert "<b onmouseover" not in page
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", page, flags=re.I), "an inline handler"


def test_the_shipments_report_escapes_every_value(hostile_manifest: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    alerts = tmp_path / "alerts.csv"
    args = ["shipments", "screen", str(hostile_manifest), "--report", str(report)]
    assert main([*args, "-o", str(alerts), "--min-level", "none"]) == 0
    _no_live_markup(report.read_text(encoding="utf-8"))
    for row in csv.DictReader(io.StringIO(alerts.read_text(encoding="utf-8"))):
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


def test_the_graph_page_escapes_every_value(hostile_manifest: Path, tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    assert main(["network", "build", str(hostile_manifest), "-o", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    _no_live_markup(text)
    assert text.count("</script>") == text.count("<script")  # no early end of the data block
