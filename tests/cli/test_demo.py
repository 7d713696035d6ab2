"""`fentrace demo` runs the main job end to end on bundled data."""

from __future__ import annotations

from pathlib import Path

import pytest

from fentrace.cli import main


def test_demo_screens_chemicals_parties_and_shipments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for verdict in ("controlled", "class_controlled", "designer_precursor", "clear"):
        assert verdict in out
    assert "HUBEI AMARVEL BIO-TECH CO LTD" in out
    # the shipments screened are the simulated ones, measured against their ground truth
    assert (tmp_path / "simulation" / "shipments.parquet").is_file()
    assert "pr_auc" in out
    assert "risk spread" in out
    assert "shipments flagged high or above" in out  # the hubs of the suspicious trade
    report = tmp_path / "report.html"
    assert report.is_file()
    assert "<html" in report.read_text(encoding="utf-8").lower()
    assert (tmp_path / "alerts.csv").stat().st_size > 0
