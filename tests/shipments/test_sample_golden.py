"""End to end on the bundled sample manifest with the real engines, against a golden file.

The golden file holds every shipment's expected level and reason codes. When a rule,
weight, knowledge-base fact or watchlist entry changes on purpose, regenerate it with::

    FENTRACE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/shipments/test_sample_golden.py
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import polars as pl
import pytest

from fentrace.shipments import ScreeningResult, read_manifest, screen_manifest
from fentrace.shipments.sample import generate, sample_manifest_path

GOLDEN = Path(__file__).parent / "golden" / "sample_expected_levels.csv"


@pytest.fixture(scope="module")
def result() -> ScreeningResult:
    return screen_manifest(read_manifest(sample_manifest_path()))


def _observed(result: ScreeningResult) -> list[dict[str, str]]:
    frame = result.alerts.select(
        "shipment_id",
        "level",
        pl.col("reasons")
        .list.eval(pl.element().struct.field("code"))
        .list.join("|")
        .alias("codes"),
    ).sort("shipment_id")
    return [{k: str(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def test_sample_matches_golden_levels(result: ScreeningResult) -> None:
    observed = _observed(result)
    if os.environ.get("FENTRACE_UPDATE_GOLDEN"):
        with GOLDEN.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=["shipment_id", "level", "codes"], lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows(observed)
    with GOLDEN.open(encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    assert observed == expected


def test_sample_counts(result: ScreeningResult) -> None:
    counts = result.counts
    assert counts["read"] == 342
    assert counts["rejected"] == 6
    assert counts["read"] == counts["screened"] + counts["rejected"]


def test_every_courier_shipment_is_high_and_no_sea_shipment_is(result: ScreeningResult) -> None:
    """The sample's illicit patterns all travel by courier or post; its legitimate trade does not."""
    modes = result.alerts.group_by("transport_mode").agg(pl.col("level").unique().sort())
    levels = dict(modes.iter_rows())
    assert levels["courier"] == ["high"]
    assert levels["post"] == ["high"]
    assert "high" not in levels["sea"]


def test_watchlisted_spellings_are_caught(result: ScreeningResult) -> None:
    amarvel = result.alerts.filter(
        pl.col("shipper_name").str.to_lowercase().str.contains("amarvel")
    )
    assert amarvel.height > 0
    for reasons in amarvel.get_column("reasons").to_list():
        assert "PARTY_WATCHLIST" in {r["code"] for r in reasons}


def test_the_bundled_csv_is_what_the_generator_writes() -> None:
    with sample_manifest_path().open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == generate()


def test_run_sample_writes_alerts_and_report(tmp_path: Path) -> None:
    from fentrace.shipments import run_sample

    run = run_sample(tmp_path / "out")
    assert run.alerts_path is not None
    assert run.alerts_path.read_text(encoding="utf-8").startswith("shipment_id,")
    assert run.report_path is not None
    assert "<h2>Top alerts</h2>" in run.report_path.read_text(encoding="utf-8")
    assert run.result.counts["read"] == run.manifest.read_count == 342
