"""The engine with fake lookups: distinct screening, per-shipment dates, windows and the score."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fentrace.shipments import Lookups, read_manifest, screen_manifest
from fentrace.shipments.engine import structuring_counts
from fentrace.shipments.rules import load_rules

HEADER = (
    "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,description,"
    "hs_code,cas,quantity_kg,transport_mode,payment_method,consignee_phone,transit_countries"
)


def _screen(tmp_path: Path, lines: list[str], lookups: Lookups, **options: object) -> pl.DataFrame:
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    result = screen_manifest(read_manifest(path), lookups=lookups, **options)  # type: ignore[arg-type]
    return result.alerts.with_columns(
        pl.col("reasons").list.eval(pl.element().struct.field("code")).alias("codes")
    )


def _codes(alerts: pl.DataFrame, shipment: str) -> list[str]:
    row = alerts.filter(pl.col("shipment_id") == shipment).row(0, named=True)
    return list(row["codes"])


def test_illicit_pattern_scores_high_and_legit_trade_none(
    tmp_path: Path, fake_lookups: Lookups
) -> None:
    alerts = _screen(
        tmp_path,
        [
            "A1,2024-03-01,HUBEI AMARVEL BIO-TECH CO LTD,CN,Taqueria El Sol,MX,pharmaceutical intermediate,2915.90,39742-60-4,2,courier,USDT,+52 33 1234 5678,",
            "B1,2024-03-01,Rheinaue Chemie GmbH,DE,Gulf Coast Polymers LLC,US,Aniline oil 99.9%,2921.41,62-53-3,20000,sea,Letter of credit,+1 281 555 0110,",
            "C1,2024-03-01,Ningbo Garments,CN,Taqueria Los Compadres,US,Men's cotton T-shirts,6109.10,,900,sea,Bank transfer,,",
        ],
        fake_lookups,
    )
    a1 = alerts.filter(pl.col("shipment_id") == "A1").row(0, named=True)
    assert a1["level"] == "high"
    assert _codes(alerts, "A1") == [
        "CHEM_CONTROLLED",
        "HS_MISMATCH",
        "VAGUE_DESCRIPTION",
        "PARTY_WATCHLIST",
        "ROUTE_RISK",
        "SMALL_QTY_COURIER",
        "PAYMENT_RISK",
        "CONSIGNEE_UNRELATED_TRADE",
    ]
    weights = [r["weight"] for r in a1["reasons"]]
    assert a1["score"] == pytest.approx(round(100 * (1 - np.prod([1 - w for w in weights])), 1))
    assert _codes(alerts, "B1") == []
    assert _codes(alerts, "C1") == []  # a taqueria importing T-shirts: no chemical, no alert
    assert alerts.filter(pl.col("shipment_id") == "C1").get_column("level").to_list() == ["none"]


def test_a_listing_after_the_shipment_is_pointed_out(tmp_path: Path, fake_lookups: Lookups) -> None:
    # the fake lists Amarvel from 2023-06-23
    alerts = _screen(
        tmp_path,
        [
            "EARLY,2023-01-05,HUBEI AMARVEL BIO-TECH CO LTD,CN,Bar SA,MX,T-shirts,6109.10,,900,sea,Bank,,",
            "LATE,2024-01-05,HUBEI AMARVEL BIO-TECH CO LTD,CN,Bar SA,MX,T-shirts,6109.10,,900,sea,Bank,,",
        ],
        fake_lookups,
    )
    details = {r["shipment_id"]: r["reasons"][0]["detail"] for r in alerts.iter_rows(named=True)}
    assert details["EARLY"].endswith("— listed after this shipment")
    assert details["LATE"].endswith("score 0.97)")


def test_each_distinct_value_is_screened_once(tmp_path: Path, fake_lookups: Lookups) -> None:
    lines = [
        f"S{i},2024-03-0{1 + i % 5},Acme,CN,Bar SA,MX,NPP,2933.37,39742-60-4,{i + 1},sea,Bank,,"
        for i in range(20)
    ]
    _screen(tmp_path, lines, fake_lookups)
    chemistry = fake_lookups.chemicals
    parties = fake_lookups.parties
    queried = [q for call in chemistry.calls for q in call[0]]  # type: ignore[attr-defined]
    assert queried.count("39742-60-4") == 1  # all dates in one control epoch
    assert sorted(parties.calls) == [("Acme", "CN"), ("Bar SA", "MX")]  # type: ignore[attr-defined]


def test_control_status_is_taken_on_each_shipment_date(
    tmp_path: Path, fake_lookups: Lookups
) -> None:
    # the fake controls NPP in the US from 2007-04-23 and in CN from 2018-02-01
    lines = [
        "OLD,2005-01-10,Acme,CN,Bar SA,US,NPP,2933.37,,500,sea,Bank,,",
        "MID,2010-01-10,Acme,CN,Bar SA,US,NPP,2933.37,,500,sea,Bank,,",
        "NEW,2024-01-10,Acme,CN,Bar SA,US,NPP,2933.37,,500,sea,Bank,,",
    ]
    alerts = _screen(tmp_path, lines, fake_lookups)
    details = {
        r["shipment_id"]: (r["codes"], r["reasons"][0]["detail"] if r["reasons"] else "")
        for r in alerts.iter_rows(named=True)
    }
    assert details["OLD"][0] == ["CHEM_DESIGNER"]
    assert details["MID"] == (
        ["CHEM_CONTROLLED"],
        "NPP (from '39742-60-4'): controlled in US, read from \"NPP\" on the shipment date",
    )
    assert details["NEW"] == (
        ["CHEM_CONTROLLED"],
        "NPP (from '39742-60-4'): controlled in US, CN, read from \"NPP\" on the shipment date",
    )
    # one screening at the latest date, then one per earlier epoch in use
    dates = sorted(d for _q, d in fake_lookups.chemicals.calls)  # type: ignore[attr-defined]
    assert dates == [date(2007, 4, 22), date(2007, 4, 23), date(2024, 1, 10)]


def test_as_of_screens_every_row_on_one_date(tmp_path: Path, fake_lookups: Lookups) -> None:
    lines = ["OLD,2005-01-10,Acme,CN,Bar SA,US,NPP,2933.37,,500,sea,Bank,,"]
    alerts = _screen(tmp_path, lines, fake_lookups, as_of=date(2024, 1, 1))
    assert _codes(alerts, "OLD") == ["CHEM_CONTROLLED"]
    assert alerts.row(0, named=True)["reasons"][0]["detail"].endswith("as of 2024-01-01")
    assert fake_lookups.chemicals.calls == [(("39742-60-4",), date(2024, 1, 1))]  # type: ignore[attr-defined]


def test_shared_contact_and_structuring(tmp_path: Path, fake_lookups: Lookups) -> None:
    lines = [
        "P1,2024-03-01,Broker,CN,Taqueria Uno,MX,NPP,2933.37,,2,courier,Bank,+52 (667) 555-0142,",
        "P2,2024-03-02,Broker,CN,Muebles Dos,MX,NPP,2933.37,,2,courier,Bank,52 667 555 0142,",
        "P3,2024-03-03,Other,CN,Solo SA,MX,NPP,2933.37,,2,courier,Bank,+52 667 555 0199,",
        "S1,2024-04-01,Broker,CN,Ropa Tres,MX,NPP,2933.37,,2,courier,Bank,,",
        "S2,2024-04-08,Broker,CN,Ropa Tres,MX,NPP,2933.37,,2,courier,Bank,,",
        "S3,2024-04-15,Broker,CN,Ropa Tres,MX,NPP,2933.37,,2,courier,Bank,,",
        "S4,2024-04-29,Broker,CN,Ropa Tres,MX,NPP,2933.37,,2,courier,Bank,,",
        "S5,2024-07-29,Broker,CN,Ropa Tres,MX,NPP,2933.37,,2,courier,Bank,,",
        "S6,2024-04-20,Broker,CN,Ropa Tres,MX,NPP,2933.37,,900,sea,Bank,,",
    ]
    alerts = _screen(tmp_path, lines, fake_lookups)
    shared = {
        r["shipment_id"] for r in alerts.iter_rows(named=True) if "SHARED_CONTACT" in r["codes"]
    }
    structured = {
        r["shipment_id"] for r in alerts.iter_rows(named=True) if "STRUCTURING" in r["codes"]
    }
    assert shared == {"P1", "P2"}
    assert structured == {"S1", "S2", "S3", "S4"}


@pytest.mark.parametrize(
    ("pairs", "days", "window", "minimum", "expected"),
    [
        ([0, 0, 0, 0, 0], [0, 10, 20, 29, 100], 30, 4, [4, 4, 4, 4, 0]),
        ([0, 0, 0, 0], [0, 10, 20, 30], 30, 4, [0, 0, 0, 0]),  # 31 days apart: no window holds all
        ([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2], 30, 3, [3, 3, 3, 3, 3, 3]),
        ([0, 0, 1, 1], [0, 1, 2, 3], 30, 3, [0, 0, 0, 0]),  # two pairs never add up
        ([0, 0, 0, 0, 0], [0, 5, 40, 41, 42], 30, 3, [0, 0, 3, 3, 3]),
        ([], [], 30, 3, []),
    ],
)
def test_structuring_counts(
    pairs: list[int], days: list[int], window: int, minimum: int, expected: list[int]
) -> None:
    got = structuring_counts(
        np.array(pairs, dtype=np.int64), np.array(days, dtype=np.int64), window, minimum
    )
    assert got.tolist() == expected


def test_counts_and_levels_add_up(tmp_path: Path, fake_lookups: Lookups) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        HEADER
        + "\nA,2024-03-01,X,CN,Y,MX,NPP,2933.37,,2,sea,Bank,,\nB,2024-02-30,X,CN,Y,MX,NPP,,,,,,,\n",
        encoding="utf-8",
    )
    result = screen_manifest(read_manifest(path), lookups=fake_lookups)
    counts = result.counts
    assert counts["read"] == counts["screened"] + counts["rejected"] == 2
    assert sum(counts[level] for level in ("high", "medium", "low", "none")) == counts["screened"]
    assert set(result.timings) == {"goods", "chemicals", "parties", "rules", "score"}


def test_empty_manifest_screens_to_nothing(tmp_path: Path, fake_lookups: Lookups) -> None:
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    result = screen_manifest(read_manifest(path), lookups=fake_lookups)
    assert result.alerts.height == 0
    assert result.counts["screened"] == 0


def test_weights_come_from_the_rules(tmp_path: Path, fake_lookups: Lookups) -> None:
    rules_path = tmp_path / "rules.yaml"
    rules_path.write_text("weights:\n  CHEM_CONTROLLED: 0.1\n")
    alerts = _screen(
        tmp_path,
        ["A,2024-03-01,X,DE,Y,US,NPP,2933.37,,500,sea,Bank,,"],
        fake_lookups,
        rules=load_rules(rules_path),
    )
    row = alerts.row(0, named=True)
    assert row["score"] == 10.0
    assert row["level"] == "none"
