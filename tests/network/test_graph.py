"""Building the party graph: spellings merge, roles and contacts are kept, indexes are sorted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from tests.network.conftest import node

from fentrace.exc import InputError
from fentrace.network import (
    PartyGraph,
    build_graph,
    hubs,
    read_manifests,
    rows_from_frame,
    simple_name_key,
    spread_risk,
    trace,
    write_graph,
)

BASE = {
    "shipment_id": ["A", "B"],
    "date": ["2024-01-01", "2024-01-02"],
    "shipper_name": ["Alpha Chem Co., Ltd.", "ALPHA CHEM CO LTD"],
    "shipper_country": ["CN", "CN"],
    "consignee_name": ["Beta SA de CV", "Gamma Inc"],
    "consignee_country": ["MX", "MX"],
    "description": ["NPP", "acetone"],
}


@pytest.mark.parametrize(
    ("spellings", "merged"),
    [
        (("Hubei Amarvel Bio-Tech Co., Ltd.", "HUBEI AMARVEL BIOTECH CO LTD"), True),
        (("Pacific Chem Brokers Limited", "PACIFIC CHEM BROKERS LTD"), True),
        (("Importadora del Norte SA de CV", "Importadora del Norte S.A. de C.V."), True),
        (("Laboratorio Sinaloa", "Border Logistics LLC"), False),
        (("Yuli Trading Co", "Toronto Chem Supply Inc"), False),
    ],
)
def test_spelling_variants_merge_into_one_node(
    small: PartyGraph, spellings: tuple[str, str], merged: bool
) -> None:
    assert (node(small, spellings[0]) == node(small, spellings[1])) is merged


def test_merged_node_keeps_every_spelling_and_the_most_used_as_name(small: PartyGraph) -> None:
    broker = small.party(node(small, "Pacific Chem Brokers Ltd."))
    assert set(broker["spellings"]) == {
        "Pacific Chem Brokers Limited",
        "PACIFIC CHEM BROKERS LTD",
        "Pacific Chem Brokers Ltd.",
        "Pacific Chem Brokers",
    }
    assert broker["name"] in broker["spellings"]
    assert broker["roles"] == ["shipper", "consignee"]
    assert broker["countries"] == ["HK"]
    assert (broker["shipments_in"], broker["shipments_out"]) == (2, 2)
    assert broker["kg_in"] == pytest.approx(120.0)


def test_forwarder_and_notify_are_nodes_with_their_roles(small: PartyGraph) -> None:
    assert small.party(node(small, "Swift Forwarding Ltd"))["roles"] == ["forwarder"]
    assert small.party(node(small, "Culiacan Customs Agency"))["roles"] == ["notify"]
    kinds = small.links.group_by("kind").len().sort("kind")
    assert dict(kinds.iter_rows()) == {"forwarder_of": 3, "notify_for": 1, "shares_contact": 1}


def test_phone_spelled_two_ways_links_the_two_consignees(small: PartyGraph) -> None:
    shared = small.links.filter(pl.col("kind") == "shares_contact").row(0, named=True)
    pair = {shared["a"], shared["b"]}
    assert pair == {
        node(small, "Importadora del Norte SA de CV"),
        node(small, "Laboratorio Sinaloa"),
    }
    assert shared["value"].startswith("phone:")


def test_same_email_in_two_cases_on_one_party_makes_no_link(small: PartyGraph) -> None:
    emails = small.contacts.filter(pl.col("kind") == "email")
    assert emails.height == 1
    assert small.links.filter(pl.col("value").str.starts_with("email:")).height == 0


def test_shipment_edges_carry_date_chemical_and_route(small: PartyGraph) -> None:
    s2 = small.shipments.filter(pl.col("shipment_id") == "S2").row(0, named=True)
    assert s2["src"] == node(small, "PACIFIC CHEM BROKERS LTD")
    assert s2["dst"] == node(small, "Importadora del Norte SA de CV")
    assert str(s2["date"]) == "2024-01-20"
    assert s2["cas"] == "39742-60-4"
    assert s2["quantity_kg"] == pytest.approx(100.0)
    assert (s2["origin"], s2["transit"], s2["destination"]) == ("HK", ["PA"], "MX")
    assert s2["hs_code"] == "2933.37"


def test_time_index_is_sorted_by_node_then_day(small: PartyGraph) -> None:
    for index, endpoint in ((small.out_index, small.src()), (small.in_index, small.dst())):
        assert np.all(np.diff(index.keys) >= 0)
        for v in range(small.n_parties):
            edges = index.order[index.offsets[v] : index.offsets[v + 1]]
            assert np.all(endpoint[edges] == v)
            assert np.all(np.diff(small.day()[edges]) >= 0)


def test_large_contact_group_links_as_a_star_not_a_clique() -> None:
    n = 30
    frame = pl.DataFrame(
        {
            "shipment_id": [f"X{i}" for i in range(n)],
            "date": ["2024-01-01"] * n,
            "shipper_name": ["Hub Supplier"] * n,
            "shipper_country": ["CN"] * n,
            "consignee_name": [
                f"Front Company {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(n)
            ],
            "consignee_country": ["MX"] * n,
            "description": ["NPP"] * n,
            "consignee_phone": ["+52 55 0000 1111"] * n,
        }
    )
    graph = build_graph(rows_from_frame(frame), name_key=simple_name_key)
    shared = graph.links.filter(pl.col("kind") == "shares_contact")
    assert shared.height == n - 1
    assert shared["a"].n_unique() == 1


def test_simple_name_key_ignores_case_punctuation_legal_form_and_order() -> None:
    assert simple_name_key("Alpha Chem Co., Ltd.") == simple_name_key("CHEM ALPHA LIMITED")
    assert simple_name_key("Alpha Chem") != simple_name_key("Alpha Pharm")


def test_frame_without_required_columns_is_refused_with_their_names() -> None:
    frame = pl.DataFrame({k: v for k, v in BASE.items() if k != "consignee_country"})
    with pytest.raises(InputError, match="consignee_country"):
        rows_from_frame(frame)


def test_graph_from_frame_uses_plain_fallback_key() -> None:
    graph = build_graph(rows_from_frame(pl.DataFrame(BASE)), name_key=simple_name_key)
    assert graph.n_parties == 3
    assert graph.n_shipments == 2


def test_manifest_with_every_row_rejected_gives_an_empty_graph_that_works(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,"
        "description\nA,not-a-date,X Co,CN,Y SA,MX,NPP\n",
        encoding="utf-8",
    )
    graph = build_graph(read_manifests([path]), name_key=simple_name_key)
    assert (graph.n_parties, graph.n_shipments, graph.read_count) == (0, 0, 1)
    assert len(graph.rejected) == 1
    assert trace(graph, start_edges=np.empty(0, dtype=np.int64)).reached == ()
    assert hubs(graph) == []
    assert spread_risk(graph) == []
    for suffix in (".graphml", ".gexf", ".ftm.json", ".html"):
        write_graph(graph, tmp_path / f"g{suffix}")
        written = (tmp_path / f"g{suffix}").read_text(encoding="utf-8")
        assert written == "" if suffix == ".ftm.json" else written.strip()
