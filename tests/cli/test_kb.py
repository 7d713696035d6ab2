"""`fentrace kb`: exit statuses, table output and the --json shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rich.console import Console

from fentrace.cli import _common, main
from fentrace.reference.models import JURISDICTIONS


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that cells are not folded, so their text can be asserted."""
    monkeypatch.setattr(_common, "stdout_console", Console(width=400, soft_wrap=True))


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["kb", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = _run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(
    "query", ["NPP", "39742-60-4", "1-phenethyl-4-piperidone", "YDJXNYNKKXZBMP-UHFFFAOYSA-N"]
)
def test_substance_json(capsys: pytest.CaptureFixture[str], query: str) -> None:
    payload = _json(capsys, "substance", query, "--as-of", "2024-01-01")
    assert payload["substance"]["id"] == "NPP"
    assert payload["as_of"] == "2024-01-01"
    assert list(payload["status"]) == list(JURISDICTIONS)
    assert payload["status"]["US"]["status"] == "controlled"
    assert (
        payload["status"]["US"]["verified"] is False
    )  # effective date of the interim rule unverified
    assert payload["status"]["CA"]["since"] == "2016-11-30"
    assert {c["id"] for c in payload["controls"]} >= {
        "us-npp-list1",
        "cn-npp-precursor",
        "eu-npp-cat1",
    }
    assert {s["id"] for s in payload["sources"]} >= {"fr-72-20039", "sor-2016-294"}


def test_substance_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "substance", "4-AP", "--as-of", "2024-01-01")
    assert code == 0
    assert "N-Phenylpiperidin-4-amine" in out
    assert "us-4ap-list1-2023" in out
    assert "Sources:" in out


def test_salt_substance_lists_base_controls(capsys: pytest.CaptureFixture[str]) -> None:
    payload = _json(capsys, "substance", "4-AP 2HCl")
    ids = {c["id"] for c in payload["controls"]}
    assert {"mx-4ap2hcl-lfcpq", "us-4ap-list1-2023"} <= ids
    assert payload["substance"]["cas"] is None
    assert payload["substance"]["cas_verified"] is False


def test_status_as_of(capsys: pytest.CaptureFixture[str]) -> None:
    before = _json(capsys, "status", "4-piperidone", "--as-of", "2023-05-11")
    after = _json(capsys, "status", "4-piperidone", "--as-of", "2023-05-12")
    assert before["status"]["US"]["status"] == "not_controlled"
    assert after["status"]["US"]["status"] == "controlled"
    assert after["status"]["US"]["basis"] == "88 FR 21902 (12 Apr 2023)"


def test_status_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "status", "NPP", "--as-of", "2020-01-01")
    assert code == 0
    assert "controlled (unverified)" in out  # UN: day of entry into force unverified


def test_unknown_query_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "status", "unobtainium")
    assert code == 1
    assert out == ""
    assert "no substance matches 'unobtainium'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ("status", "NPP", "--as-of", "2020-13-01"),
        ("gaps", "--as-of", "yesterday"),
        ("timeline", "--from", "2020-01-01", "--to", "2019-01-01"),
        ("timeline", "--kind", "party"),
        ("gaps", "--family", "opioids"),
        ("status",),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert "Traceback" not in err


def test_gaps_json(capsys: pytest.CaptureFixture[str]) -> None:
    payload = _json(capsys, "gaps", "--as-of", "2021-01-01", "--family", "precursor")
    assert payload["jurisdictions"] == list(JURISDICTIONS)
    rows = {r["substance_id"]: r for r in payload["rows"]}
    assert rows["4AP"]["free_in"] == ["UN", "CN", "MX", "EU"]
    assert rows["4AP"]["cells"]["US"] == {
        "state": "controlled",
        "since": "2020-05-15",
        "verified": True,
        "control_id": "us-4ap-list1-2020",
    }
    # in force 18 Oct 2017 per the INCB Precursors Report 2017; the EU date is still unverified
    assert rows["NPP"]["cells"]["UN"]["verified"] is True
    assert rows["NPP"]["cells"]["EU"]["verified"] is False
    free = [len(r["free_in"]) for r in payload["rows"]]
    assert free == sorted(free, reverse=True)


def test_gaps_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "gaps", "--as-of", "2021-01-01")
    assert code == 0
    assert "2017-10-18" in out
    assert "2018-06-07?" in out
    assert "—" in out


def test_timeline_filters(capsys: pytest.CaptureFixture[str]) -> None:
    events = _json(
        capsys, "timeline", "--from", "2023-01-01", "--to", "2023-12-31", "--jurisdiction", "US"
    )
    assert events
    assert all("2023-01-01" <= e["date"] <= "2023-12-31" for e in events)
    assert all("US" in e["jurisdiction"].split("/") for e in events)
    sanctions = _json(capsys, "timeline", "--kind", "sanctions")
    assert {e["date"] for e in sanctions} == {"2023-04-14", "2023-10-03", "2025-09-03"}
    month = _json(capsys, "timeline", "--from", "2018-06-01", "--to", "2018-06-01")
    assert month[0]["date_precision"] == "month"
    unverified = _json(capsys, "timeline", "--from", "2022-11-23", "--to", "2022-11-23")
    assert unverified[0]["verified"] is False


def test_timeline_joint_jurisdiction(capsys: pytest.CaptureFixture[str]) -> None:
    events = _json(capsys, "timeline", "--jurisdiction", "CN", "--kind", "diplomacy")
    assert {e["jurisdiction"] for e in events} == {"CN", "US/CN"}


def test_timeline_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "timeline", "--kind", "ruling")
    assert code == 0
    assert "Learning Resources" in out


def test_sources(capsys: pytest.CaptureFixture[str]) -> None:
    payload = _json(capsys, "sources")
    ids = {s["id"] for s in payload}
    assert {"fr-83-5188", "eu-2023-196", "sor-2016-294", "cnd-65", "hktdc-2018"} <= ids
    assert {s["retrieved"] for s in payload} == {"2026-11-29", "2026-12-02"}
    assert all(isinstance(s["primary"], bool) for s in payload)
    code, out, _ = _run(capsys, "sources")
    assert code == 0
    assert "hktdc-2018" in out
