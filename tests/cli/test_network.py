"""`fentrace network build|trace|hubs|risk`: outputs, JSON shapes and exit statuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from fentrace.cli import main

SMALL = Path(__file__).parents[1] / "network" / "data" / "small.csv"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".ftm.json", ".html"])
def test_build_writes_each_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    out = tmp_path / f"graph{suffix}"
    summary = _json(
        capsys, ["network", "build", str(SMALL), "-o", str(out), "--no-watchlist", "--json"]
    )
    assert out.is_file()
    assert summary["parties"] == 10
    assert summary["shipments"] == 8
    assert summary["rows_rejected"] == 0
    if suffix == ".graphml":
        assert nx.read_graphml(out).number_of_nodes() == 10


def test_build_table_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.html"
    assert main(["network", "build", str(SMALL), "-o", str(out), "--no-watchlist"]) == 0
    assert "parties" in capsys.readouterr().out


def test_build_unknown_format_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["network", "build", str(SMALL), "-o", str(tmp_path / "g.txt")]) == 2
    assert "format" in capsys.readouterr().err


def test_trace_forward_json(capsys: pytest.CaptureFixture[str]) -> None:
    body = _json(
        capsys,
        [
            "network",
            "trace",
            str(SMALL),
            "--from",
            "Hubei Amarvel Biotech",
            "--hops",
            "3",
            "--json",
        ],
    )
    assert body["direction"] == "forward"
    reached = {r["party"]: r for r in body["reached"]}
    assert "Laboratorio Sinaloa" not in reached
    border = reached["Border Logistics LLC"]
    assert [s["shipment_id"] for s in border["path"]] == ["S1", "S2", "S4"]
    assert border["route"] == ["CN", "HK", "PA", "MX", "US"]


def test_trace_chemical_to_country_through_third_country(
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = _json(
        capsys,
        [
            "network",
            "trace",
            str(SMALL),
            "--chemical",
            "NPP",
            "--to-country",
            "US",
            "--via-third-country",
            "--json",
        ],
    )
    assert [r["party"] for r in body["reached"]] == ["Border Logistics LLC"]


def test_trace_backward_from_country_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "trace", str(SMALL), "--from-country", "CN", "--hops", "3"]) == 0
    out = capsys.readouterr().out
    assert "Border Logistics LLC" in out
    assert "part(ies) reached" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "X", "--from-country", "CN"], "not both"),
        ([], "to start from"),
        (["--hops", "0", "--from", "Yuli"], "hops"),
    ],
)
def test_trace_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["network", "trace", str(SMALL), *argv]) == 2
    captured = capsys.readouterr()
    assert message in (captured.err + captured.out).lower()


def test_trace_unknown_party_fails_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "trace", str(SMALL), "--from", "Nobody Whatsoever"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no party named")
    assert "Traceback" not in err


def test_missing_manifest_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["network", "hubs", str(tmp_path / "absent.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_hubs_json_ranks_the_broker_first(capsys: pytest.CaptureFixture[str]) -> None:
    body = _json(capsys, ["network", "hubs", str(SMALL), "--top", "2", "--no-watchlist", "--json"])
    assert [h["rank"] for h in body["hubs"]] == [1, 2]
    assert body["hubs"][0]["party"] == "PACIFIC CHEM BROKERS LTD"


def test_hubs_on_flagged_shipments_say_what_they_ranked_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["network", "hubs", str(SMALL), "--flagged", "high", "--no-watchlist", "--json"]
    body = _json(capsys, argv)
    assert body["ranked_on"] == {"chemicals": [], "flagged": "high", "min_score": None}
    assert body["hubs"][0]["party"] == "PACIFIC CHEM BROKERS LTD"
    assert all("Toronto" not in h["party"] for h in body["hubs"])


def test_hubs_table_title_names_the_trade(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "hubs", str(SMALL), "--flagged", "medium", "--no-watchlist"]) == 0
    assert "flagged medium or above" in capsys.readouterr().out


def test_hubs_above_a_screening_score(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["network", "hubs", str(SMALL), "--min-score", "70", "--no-watchlist", "--json"]
    body = _json(capsys, argv)
    assert body["ranked_on"]["min_score"] == 70.0
    assert body["hubs"][0]["party"] == "PACIFIC CHEM BROKERS LTD"


@pytest.mark.parametrize("score", ["-1", "101", "many"])
def test_hubs_refuse_a_score_outside_0_to_100(
    capsys: pytest.CaptureFixture[str], score: str
) -> None:
    assert main(["network", "hubs", str(SMALL), "--min-score", score]) == 2
    assert "--min-score" in capsys.readouterr().err


def test_hubs_refuse_an_unknown_screening_level(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "hubs", str(SMALL), "--flagged", "severe"]) == 2
    assert "severe" in capsys.readouterr().err


def test_risk_with_analyst_named_seed(capsys: pytest.CaptureFixture[str]) -> None:
    body = _json(
        capsys,
        ["network", "risk", str(SMALL), "--no-watchlist", "--watch", "Yuli Trading Co", "--json"],
    )
    scores = {r["party"]: r for r in body["risk"]}
    assert scores["Yuli Trading Co"]["risk"] == 1.0
    assert scores["PACIFIC CHEM BROKERS LTD"]["risk"] == 0.5
    assert scores["PACIFIC CHEM BROKERS LTD"]["path"][0]["evidence"] == "shipment S5"


def test_risk_without_any_seed_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "risk", str(SMALL), "--no-watchlist"]) == 0
    assert "--watch" in capsys.readouterr().err


def test_rejected_rows_are_reported_and_exit_is_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    text = SMALL.read_text(encoding="utf-8").splitlines()
    text.append("S9,yesterday,Ghost Co,CN,Phantom SA,MX,NPP,,,,,,,,,,")
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    body = _json(capsys, ["network", "hubs", str(bad), "--no-watchlist", "--json"])
    assert body["rejected"][0]["row"] == 10
    assert body["rejected"][0]["field"] == "date"


@pytest.mark.parametrize(
    ("chemical", "first"),
    [("NPP", "PACIFIC CHEM BROKERS LTD"), ("4-anilinopiperidine", None), ("acetone", None)],
)
def test_hubs_on_one_chemical_only(
    capsys: pytest.CaptureFixture[str], chemical: str, first: str | None
) -> None:
    body = _json(
        capsys,
        ["network", "hubs", str(SMALL), "--chemical", chemical, "--no-watchlist", "--json"],
    )
    assert [h["party"] for h in body["hubs"]][:1] == ([first] if first else [])


def test_communities_json_puts_every_traded_party_in_one_group(
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = _json(capsys, ["network", "communities", str(SMALL), "--no-watchlist", "--json"])
    members = [m for c in body["communities"] for m in c["members"]]
    assert len(members) == len(set(members))
    canada = next(c for c in body["communities"] if "Maple Pharma Ltd" in c["members"])
    assert set(canada["members"]) == {"Maple Pharma Ltd", "Toronto Chem Supply Inc"}
    assert canada["countries"] == ["CA"]
    assert [c["size"] for c in body["communities"]] == sorted(
        (c["size"] for c in body["communities"]), reverse=True
    )


def test_communities_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["network", "communities", str(SMALL), "--no-watchlist", "--min-size", "3"]) == 0
    assert "communities" in capsys.readouterr().out


def test_trace_from_country_reports_how_many_starts(capsys: pytest.CaptureFixture[str]) -> None:
    body = _json(capsys, ["network", "trace", str(SMALL), "--from-country", "cn", "--json"])
    assert body["start_count"] == 2
    assert set(body["start"]) == {"HUBEI AMARVEL BIOTECH CO LTD", "Yuli Trading Co"}
