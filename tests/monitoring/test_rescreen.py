"""Re-screening stored results: a change in the law or a new list, end to end and case by case."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from fentrace.cli import _common, main
from fentrace.monitoring import rescreen_chemicals, rescreen_parties, rises, stored_statuses
from fentrace.parties import PartyScreener, load_watchlist
from fentrace.reference import load_knowledge_base
from fentrace.reference.kb import resolve_knowledge_base

DATA = Path(__file__).parent / "data"
TODAY = "2026-12-01"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_common, "stdout_console", Console(width=400, soft_wrap=True))


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code = main([*args, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


# -- end to end: the law changes -----------------------------------------------------------


def test_manifest_screened_before_2023_05_12_then_today(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1-boc-4-piperidone becomes a listed chemical (US 2023-05-12, Canada 2024-09-03, ...)."""
    old = tmp_path / "alerts.jsonl"
    assert (
        main(
            [
                "shipments",
                "screen",
                str(DATA / "manifest.csv"),
                "-o",
                str(old),
                "--as-of",
                "2023-05-11",
                "--min-level",
                "none",
            ]
        )
        == 0
    )
    capsys.readouterr()
    before = {
        json.loads(line)["shipment_id"]: json.loads(line) for line in old.read_text().splitlines()
    }
    assert before["S2"]["level"] == "medium"
    payload = _json(
        capsys,
        "rescreen",
        "shipments",
        str(DATA / "manifest.csv"),
        "--alerts",
        str(old),
        "--as-of",
        TODAY,
    )
    rose = {c["shipment_id"]: c for c in payload["changes"]}
    # the small courier shipment of 1-boc-4-piperidone rises to high on CHEM_CONTROLLED
    assert set(rose) == {"S2"}
    assert (rose["S2"]["old_level"], rose["S2"]["new_level"]) == ("medium", "high")
    assert [r["code"] for r in rose["S2"]["new_reasons"]] == ["CHEM_CONTROLLED"]
    assert "1-carboxylate" in rose["S2"]["new_reasons"][0]["detail"]
    # 4-piperidone was already a Canadian Class A precursor (2016): no rise; titanium dioxide: none
    assert "S3" not in rose
    assert "S4" not in rose
    # the same manifest against its own alerts: nothing rose
    same = _json(
        capsys,
        "rescreen",
        "shipments",
        str(DATA / "manifest.csv"),
        "--alerts",
        str(old),
        "--as-of",
        "2023-05-11",
    )
    assert same["rose"] == 0


def test_chemicals_newly_controlled_on_their_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = tmp_path / "chem.csv"
    assert (
        main(
            [
                "chem",
                "screen-file",
                str(DATA / "chemicals.csv"),
                "-o",
                str(stored),
                "--as-of",
                "2023-05-11",
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    capsys.readouterr()
    payload = _json(capsys, "rescreen", "chemicals", str(stored), "--as-of", TODAY)
    by_query = {c["query"]: c for c in payload["changes"]}
    boc = by_query["79099-07-3"]
    assert boc["substance"] == "BOCPIP"
    assert boc["new_verdict"] == "controlled"
    assert boc["verdict_rose"] is True
    since = {j["jurisdiction"]: j["since"] for j in boc["jurisdictions"]}
    assert since["US"] == "2023-05-12"
    assert since["CA"] == "2024-09-03"
    assert since["CN"] == "2025-07-20"
    # 4-piperidone: Canada since 2016 already; newly US List I and the others, verdict unchanged
    pip = by_query["41661-47-6"]
    assert pip["verdict_rose"] is False
    assert "CA" not in {j["jurisdiction"] for j in pip["jurisdictions"]}
    assert "13463-67-7" not in by_query
    code = main(["rescreen", "chemicals", str(stored), "--as-of", TODAY])
    out = capsys.readouterr().out
    assert code == 0
    assert "CA controlled since 2024-09-03" in out


# -- end to end: a new list ----------------------------------------------------------------


def test_parties_file_before_and_after_a_new_sdn_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = tmp_path / "parties.csv"
    assert (
        main(
            [
                "parties",
                "screen-file",
                str(DATA / "parties.csv"),
                "-o",
                str(stored),
                "--column",
                "name",
                "--country-column",
                "country",
            ]
        )
        == 0
    )
    capsys.readouterr()
    payload = _json(
        capsys, "rescreen", "parties", str(stored), "--list", str(DATA / "sdn" / "sdn.csv")
    )
    assert payload["records"] == 3
    [change] = payload["changes"]
    assert change["name"] == "Zhengzhou Fictional Precursor Trading Co Ltd"
    assert (change["old_verdict"], change["new_verdict"]) == ("none", "match")
    assert change["entity_id"] == "ofac-91001"
    assert change["lists"] == ["us-ofac-sdn"]
    assert change["matched_name"] == "ZHENGZHOU FICTIONAL PRECURSOR TRADING CO., LTD."
    # without the new file nothing changes
    unchanged = _json(capsys, "rescreen", "parties", str(stored))
    assert unchanged["changed"] == 0


def test_shipments_rise_when_a_party_is_newly_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,description\n"
        "P1,2026-11-01,Zhengzhou Fictional Precursor Trading Co Ltd,CN,Pinturas Tres SA,MX,"
        "industrial chemicals\n",
        encoding="utf-8",
    )
    old = tmp_path / "old.jsonl"
    assert main(["shipments", "screen", str(manifest), "-o", str(old), "--min-level", "none"]) == 0
    capsys.readouterr()
    payload = _json(
        capsys,
        "rescreen",
        "shipments",
        str(manifest),
        "--alerts",
        str(old),
        "--list",
        str(DATA / "sdn" / "sdn.csv"),
    )
    [change] = payload["changes"]
    assert change["shipment_id"] == "P1"
    assert "PARTY_WATCHLIST" in {r["code"] for r in change["new_reasons"]}


# -- library cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "old", "new", "expected"),
    [
        (("high", "medium", "low", "none"), "medium", "high", True),
        (("high", "medium", "low", "none"), "high", "medium", False),
        (("high", "medium", "low", "none"), "low", "low", False),
        (("match", "possible", "none"), None, "possible", True),
        (("match", "possible", "none"), "match", "unknown", False),
    ],
)
def test_rises(order: tuple[str, ...], old: str | None, new: str, expected: bool) -> None:
    assert rises(order, old, new) is expected


def test_stored_statuses_read_flat_rows_and_full_json() -> None:
    flat = {"status_US": "controlled", "status_CA": None}
    assert stored_statuses(flat)["US"] == "controlled"
    assert stored_statuses(flat)["CA"] == "not_controlled"
    full = {"jurisdictions": {"UN": {"status": "class_controlled"}}}
    assert stored_statuses(full)["UN"] == "class_controlled"
    assert stored_statuses(full)["EU"] == "not_controlled"


def test_rescreen_under_the_previous_release_and_this_one() -> None:
    """Canada's SOR/2024-100 is in release 2026.12.02 only: 1-boc-4-piperidone's CA column."""
    stored = [
        {
            "query": "79099-07-3",
            "inchikey": "ROUYFJUVMYHXFJ-UHFFFAOYSA-N",
            "verdict": "controlled",
            "status_US": "controlled",
        }
    ]
    previous = load_knowledge_base(resolve_knowledge_base("2026.11.29"))
    current = load_knowledge_base()
    old = {
        j.jurisdiction
        for c in rescreen_chemicals(stored, previous, date(2026, 12, 1))
        for j in c.jurisdictions
    }
    new = {
        j.jurisdiction
        for c in rescreen_chemicals(stored, current, date(2026, 12, 1))
        for j in c.jurisdictions
    }
    assert "CA" not in old
    assert new - old == {"CA"}


def test_rescreen_leaves_unknown_and_unchanged_records_alone() -> None:
    kb = load_knowledge_base()
    stored = [
        {"query": "not in the kb", "inchikey": "AAAAAAAAAAAAAA-BBBBBBBBBB-N", "verdict": "clear"},
        {
            "query": "NPP",
            "substance": "NPP",
            "verdict": "controlled",
            **{f"status_{j}": "controlled" for j in ("UN", "US", "CN", "CA", "MX", "EU")},
        },
    ]
    assert rescreen_chemicals(stored, kb, date(2026, 12, 1)) == []


def test_rescreen_parties_skips_rows_without_a_name() -> None:
    screener = PartyScreener(load_watchlist([DATA / "sdn" / "sdn.csv"], bundled=False))
    assert rescreen_parties([{"name": ""}, {"query": "Pinturas Tres SA"}], screener) == []
    [change] = rescreen_parties([{"query": "MORALES RIVAS, Fictivo", "verdict": "none"}], screener)
    assert change.new_verdict == "match"


# -- bad input --------------------------------------------------------------------------------


def test_bad_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rescreen", "chemicals", str(tmp_path / "missing.csv")]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "x"}\nnot json\n', encoding="utf-8")
    assert main(["rescreen", "chemicals", str(bad)]) == 1
    assert "line 2" in capsys.readouterr().err
    odd = tmp_path / "x.txt"
    odd.write_text("x", encoding="utf-8")
    assert main(["rescreen", "parties", str(odd)]) == 2
    assert main(["rescreen", "chemicals", str(bad), "--kb", "1999.01.01"]) == 2
    assert main(["rescreen", "parties", str(bad), "--no-bundled"]) == 2
    capsys.readouterr()


def test_shipments_missing_from_the_stored_alerts_count_as_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An alerts file holds only the rows at its --min-level: the others were below it."""
    old = tmp_path / "old.jsonl"
    assert (
        main(
            [
                "shipments",
                "screen",
                str(DATA / "manifest.csv"),
                "-o",
                str(old),
                "--as-of",
                "2023-05-11",
                "--min-level",
                "high",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert old.read_text(encoding="utf-8").strip() == ""
    payload = _json(
        capsys,
        "rescreen",
        "shipments",
        str(DATA / "manifest.csv"),
        "--alerts",
        str(old),
        "--as-of",
        TODAY,
    )
    rose = {c["shipment_id"]: c for c in payload["changes"]}
    assert rose["S2"]["old_level"] == "none"
    assert rose["S2"]["old_score"] is None
    assert rose["S2"]["new_level"] == "high"
    assert "S4" not in rose
