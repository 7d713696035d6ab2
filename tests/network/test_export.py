"""Exports parse back: GraphML and GEXF through networkx, FtM lines as JSON, HTML self-contained."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import polars as pl
import pytest

from fentrace.exc import UsageError
from fentrace.network import (
    PartyGraph,
    build_graph,
    format_of,
    risk_column,
    rows_from_frame,
    simple_name_key,
    spread_risk,
    to_networkx,
    write_graph,
)
from fentrace.network.html import embed_json, render_html

FTM_SCHEMATA = {"Company", "LegalEntity", "UnknownLink"}


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_graphml_and_gexf_read_back_with_every_party_and_edge(
    small: PartyGraph, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"g{suffix}"
    write_graph(small, path)
    back = nx.read_graphml(path) if suffix == ".graphml" else nx.read_gexf(path)
    assert back.number_of_nodes() == small.n_parties
    assert back.number_of_edges() == small.n_shipments + small.links.height
    kinds = [d.get("kind") for _, _, d in back.edges(data=True)]
    assert kinds.count("shipment") == small.n_shipments
    names = {d.get("name") for _, d in back.nodes(data=True)} | {
        d.get("label") for _, d in back.nodes(data=True)
    }
    assert "Laboratorio Sinaloa" in names


def test_graphml_keeps_edge_details(small: PartyGraph, tmp_path: Path) -> None:
    path = tmp_path / "g.graphml"
    write_graph(small, path)
    back = nx.read_graphml(path)
    s2 = next(
        d
        for _, _, d in back.edges(data=True)
        if d.get("shipment_id") == "S2" and d["kind"] == "shipment"
    )
    assert s2["date"] == "2024-01-20"
    assert s2["transit"] == "PA"
    assert s2["cas"] == "39742-60-4"
    assert float(s2["quantity_kg"]) == 100.0


def test_ftm_lines_are_entities_with_known_schemata(small: PartyGraph, tmp_path: Path) -> None:
    path = tmp_path / "g.ftm.json"
    write_graph(small, path)
    entities = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(entities) == small.n_parties + small.n_shipments + small.links.height
    assert {e["schema"] for e in entities} <= FTM_SCHEMATA
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities)
    for entity in entities:
        assert all(isinstance(v, list) for v in entity["properties"].values())
        if entity["schema"] == "UnknownLink":
            assert entity["properties"]["subject"][0] in ids
            assert entity["properties"]["object"][0] in ids
    norte = next(
        e for e in entities if e["properties"].get("name") == ["Importadora del Norte SA de CV"]
    )
    assert norte["schema"] == "Company"
    assert norte["properties"]["country"] == ["mx"]
    assert "Importadora del Norte S.A. de C.V." in norte["properties"]["alias"]
    assert norte["properties"]["email"] == ["ventas@norte.example"]
    amarvel = next(e for e in entities if "watchlist" in " ".join(e["properties"].get("notes", [])))
    assert "indictment" in amarvel["properties"]["notes"][0]
    s4 = next(e for e in entities if e["properties"].get("recordId") == ["S4"])
    assert s4["properties"]["date"] == ["2024-02-01"]
    assert "MX-US" in s4["properties"]["summary"][0]


def test_html_is_self_contained_and_its_data_parses(small: PartyGraph, tmp_path: Path) -> None:
    path = tmp_path / "g.html"
    write_graph(risk_column(small, spread_risk(small)), path)
    page = path.read_text(encoding="utf-8")
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    match = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S)
    assert match is not None
    data = json.loads(match.group(1))
    assert len(data["nodes"]) == small.n_parties
    assert data["shipments"] == small.n_shipments
    by_name = {n["name"]: n for n in data["nodes"]}
    assert by_name["HUBEI AMARVEL BIOTECH CO LTD"]["risk"] == 1.0
    assert all(-1.5 <= n["x"] <= 1.5 for n in data["nodes"])
    assert {(e["source"], e["target"]) for e in data["edges"]}
    assert {link["kind"] for link in data["links"]} == {"shares_contact", "notify_for"}


def test_html_limits_to_top_parties(small: PartyGraph, tmp_path: Path) -> None:
    path = tmp_path / "g.html"
    write_graph(small, path, top=3)
    match = re.search(r'id="graph-data">(.*?)</script>', path.read_text(encoding="utf-8"), re.S)
    assert match is not None
    data = json.loads(match.group(1))
    assert len(data["nodes"]) == 3
    shown = {n["id"] for n in data["nodes"]}
    assert all(e["source"] in shown and e["target"] in shown for e in data["edges"])


def test_embedded_json_cannot_close_the_script() -> None:
    text = embed_json({"name": "</script><script>alert(1)</script>"})
    assert "</" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"
    assert "<title>a &amp; b</title>" in render_html({"title": "a & b", "nodes": [], "edges": []})


@pytest.mark.parametrize(
    ("path", "kind"),
    [("g.graphml", "graphml"), ("G.GEXF", "gexf"), ("g.ftm.json", "ftm"), ("x/g.html", "html")],
)
def test_format_by_extension(path: str, kind: str) -> None:
    assert format_of(path) == kind


@pytest.mark.parametrize("path", ["g.json", "g.txt", "g"])
def test_unknown_extension_is_a_usage_error(path: str) -> None:
    with pytest.raises(UsageError, match="format"):
        format_of(path)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
def test_html_script_draws_every_party_and_link_and_shows_details(
    small: PartyGraph, tmp_path: Path
) -> None:
    path = tmp_path / "g.html"
    graph = risk_column(small, spread_risk(small))
    write_graph(graph, path)
    stub = Path(__file__).parent / "data" / "dom_stub.js"
    run = subprocess.run(
        ["node", str(stub), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    drawn = json.loads(run.stdout)
    assert drawn["circles"] == small.n_parties
    assert drawn["lines"] > 0
    assert drawn["summary"].startswith(f"{small.n_parties} of {small.n_parties} parties shown")
    assert drawn["transform"].startswith("translate(")
    assert drawn["party"]["title"] == "HUBEI AMARVEL BIOTECH CO LTD"  # highest risk first
    assert ["risk", "1"] in drawn["party"]["rows"]
    assert drawn["link"]["rows"][0][0] == "shipments"
    assert drawn["dashed"] == 2  # the shared phone and the notify party; forwarders are trade legs
    assert ["link", "shares contact"] in drawn["contact"]["rows"]
    assert "hsl(0, 70%, 45%)" in drawn["fills"]  # risk 1 is red
    assert "hsl(120, 70%, 35%)" in drawn["fills"]  # no risk is green


def _canonical(g: nx.Graph) -> tuple[dict[str, dict[str, object]], list[tuple[str, str, str]]]:
    nodes = {n: dict(d) for n, d in g.nodes(data=True)}
    edges = sorted(
        (u, v, json.dumps(d, sort_keys=True, default=str)) for u, v, d in g.edges(data=True)
    )
    return nodes, edges


def test_column_graphml_writer_matches_the_networkx_writer(
    small: PartyGraph, tmp_path: Path
) -> None:
    ours, theirs = tmp_path / "ours.graphml", tmp_path / "theirs.graphml"
    write_graph(small, ours)
    nx.write_graphml(to_networkx(small), str(theirs))
    assert _canonical(nx.read_graphml(ours)) == _canonical(nx.read_graphml(theirs))


def test_graphml_escapes_markup_in_names(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "shipment_id": ["A&1"],
            "date": ["2024-01-01"],
            "shipper_name": ['Smith & <Sons> "Chem" Co'],
            "shipper_country": ["CN"],
            "consignee_name": ["Beta SA"],
            "consignee_country": ["MX"],
            "description": ["a < b"],
        }
    )
    graph = build_graph(rows_from_frame(frame), name_key=simple_name_key)
    path = tmp_path / "g.graphml"
    write_graph(graph, path)
    back = nx.read_graphml(path)
    assert 'Smith & <Sons> "Chem" Co' in {d["name"] for _, d in back.nodes(data=True)}
    assert [d["chemical"] for _, _, d in back.edges(data=True)] == ["a < b"]
