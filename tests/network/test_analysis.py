"""Hubs, communities and risk spread on graphs with known answers."""

from __future__ import annotations

import polars as pl
import pytest
from tests.network.conftest import SMALL, node

from fentrace.exc import UsageError
from fentrace.network import (
    RISK_PASSES,
    PartyGraph,
    build_graph,
    communities,
    flagged_mask,
    hubs,
    read_manifests,
    risk_column,
    rows_from_frame,
    simple_name_key,
    spread_risk,
    watch_lookup_from_names,
)

COLUMNS = [
    "shipment_id",
    "date",
    "shipper_name",
    "shipper_country",
    "consignee_name",
    "consignee_country",
    "quantity_kg",
]


def _frame(rows: list[tuple[object, ...]], *extra: str) -> pl.DataFrame:
    """A manifest of chemical shipments from row tuples: COLUMNS, then ``extra`` columns."""
    return pl.DataFrame(rows, schema=[*COLUMNS, *extra], orient="row").with_columns(
        pl.lit("chemical").alias("description")
    )


def _chain_graph(keep: set[str] | None = None) -> PartyGraph:
    """Three suppliers -> one broker -> three consignees, plus one direct supplier-consignee pair.

    ``keep`` builds the graph from the shipments with those ids only.
    """
    rows = [
        ("1", "2024-01-01", "Supplier One", "CN", "Broker Hongkongub", "HK", 10.0),
        ("2", "2024-01-02", "Supplier Two", "CN", "Broker Hongkongub", "HK", 10.0),
        ("3", "2024-01-03", "Supplier Three", "CN", "Broker Hongkongub", "HK", 10.0),
        ("4", "2024-01-04", "Broker Hongkongub", "HK", "Consignee Alpha", "MX", 10.0),
        ("5", "2024-01-05", "Broker Hongkongub", "HK", "Consignee Beta", "MX", 10.0),
        ("6", "2024-01-06", "Consignee Beta", "MX", "Retail Gamma", "US", 5.0),
        ("7", "2024-01-07", "Lone Seller", "IN", "Lone Buyer", "BR", 1.0),
    ]
    rows = [row for row in rows if keep is None or row[0] in keep]
    watch = watch_lookup_from_names([("Supplier One", "sanction", "test list")])
    return build_graph(rows_from_frame(_frame(rows)), name_key=simple_name_key, watch=watch)


def test_broker_ranks_first_then_the_reseller() -> None:
    graph = _chain_graph()
    ranked = hubs(graph, top=3)
    assert [h.name for h in ranked[:2]] == ["Broker Hongkongub", "Consignee Beta"]
    assert ranked[0].suppliers == 3
    assert ranked[0].customers == 2
    assert ranked[0].throughput_kg == pytest.approx(20.0)
    assert ranked[0].betweenness > ranked[1].betweenness > 0


def test_sampled_betweenness_keeps_the_broker_on_top() -> None:
    assert hubs(_chain_graph(), top=1, samples=6, seed=1)[0].name == "Broker Hongkongub"


def test_communities_separate_the_unconnected_pair() -> None:
    graph = _chain_graph()
    groups = communities(graph)
    lone = {node(graph, "Lone Seller"), node(graph, "Lone Buyer")}
    assert lone in [set(g) for g in groups]
    assert sum(len(g) for g in groups) == graph.n_parties


def test_risk_decays_by_declared_factor_per_link() -> None:
    graph = _chain_graph()
    scores = {s.name: s for s in spread_risk(graph)}
    shipment = RISK_PASSES["shipment"]
    assert scores["Supplier One"].risk == pytest.approx(1.0)
    assert scores["Broker Hongkongub"].risk == pytest.approx(shipment)
    assert scores["Consignee Beta"].risk == pytest.approx(shipment**2)
    assert scores["Retail Gamma"].risk == pytest.approx(shipment**3)
    assert "Lone Buyer" not in scores  # unconnected to any watchlisted party


def test_risk_is_explained_by_its_path() -> None:
    scores = {s.name: s for s in spread_risk(_chain_graph())}
    retail = scores["Retail Gamma"]
    assert retail.hops == 3
    assert [link.from_name for link in retail.path] == [
        "Consignee Beta",
        "Broker Hongkongub",
        "Supplier One",
    ]
    assert retail.explain().startswith("Retail Gamma traded with Consignee Beta (shipment 6)")
    assert (
        "Supplier One is on a watchlist (Supplier One on test list, sanction)" in retail.explain()
    )


def test_risk_below_minimum_is_not_reported() -> None:
    scores = {s.name for s in spread_risk(_chain_graph(), min_risk=0.2)}
    assert "Retail Gamma" not in scores  # 0.125
    assert "Consignee Beta" in scores  # 0.25


def test_shared_contact_passes_more_risk_than_trade(small: PartyGraph) -> None:
    scores = {s.name: s for s in spread_risk(small)}
    norte = scores["Importadora del Norte SA de CV"]
    sinaloa = scores["Laboratorio Sinaloa"]
    assert norte.risk == pytest.approx(RISK_PASSES["shipment"])
    assert sinaloa.risk == pytest.approx(RISK_PASSES["shipment"] * RISK_PASSES["shares_contact"])
    assert sinaloa.path[0].kind == "shares_contact"
    assert "phone" in sinaloa.path[0].evidence


def test_no_watchlisted_party_means_no_risk() -> None:
    graph = _chain_graph()
    graph.parties = graph.parties.with_columns(pl.lit(None, dtype=pl.String).alias("watch_verdict"))
    assert spread_risk(graph) == []


def test_risk_column_puts_zero_where_risk_did_not_reach() -> None:
    graph = risk_column(_chain_graph(), spread_risk(_chain_graph()))
    risk = dict(zip(graph.parties["name"], graph.parties["risk"], strict=True))
    assert risk["Lone Buyer"] == 0.0
    assert risk["Supplier One"] == 1.0


def test_hubs_on_masked_trade_ignore_other_shipments() -> None:
    graph = _chain_graph()
    only_lone = (graph.shipments["shipment_id"] == "7").to_numpy()
    assert hubs(graph, top=3, edge_mask=only_lone) == []  # a lone pair has nobody between
    via_beta = graph.shipments["shipment_id"].is_in(["5", "6"]).to_numpy()
    ranked = hubs(graph, top=3, edge_mask=via_beta)
    assert [h.name for h in ranked] == ["Consignee Beta"]  # the broker receives nothing here
    assert ranked[0].throughput_kg == pytest.approx(5.0)


def test_hubs_on_masked_trade_score_as_if_the_rest_were_not_there() -> None:
    # Betweenness is normalised among the parties of the ranked trade, and every sampled
    # source is one of them, so a subset ranks as a graph of that subset alone would.
    graph = _chain_graph()
    ids = {"1", "2", "4", "5", "6"}
    chain = graph.shipments["shipment_id"].is_in(list(ids)).to_numpy()
    alone = _chain_graph(ids)
    masked = {h.name: h.betweenness for h in hubs(graph, edge_mask=chain)}
    assert masked == pytest.approx({h.name: h.betweenness for h in hubs(alone)})
    sampled = hubs(graph, edge_mask=chain, samples=5, seed=3)
    assert {h.name for h in sampled} == set(masked)


def test_a_forwarder_does_not_join_the_pairs_it_carries_for() -> None:
    # One forwarder carries A -> B and C -> D: no goods went from A to D, so the forwarder
    # sits on no trade path; it is listed by the kilograms it forwarded, after the broker.
    rows = [
        ("1", "2024-01-01", "Seller Anhui", "CN", "Buyer Baja", "MX", 10.0, "Carrier Fastway"),
        ("2", "2024-01-02", "Seller Canton", "CN", "Buyer Durango", "MX", 10.0, "Carrier Fastway"),
        ("3", "2024-01-03", "Seller Anhui", "CN", "Broker Hongkong", "HK", 1.0, None),
        ("4", "2024-01-04", "Broker Hongkong", "HK", "Buyer Durango", "MX", 1.0, None),
    ]
    graph = build_graph(rows_from_frame(_frame(rows, "forwarder_name")), name_key=simple_name_key)
    ranked = hubs(graph)
    assert [h.name for h in ranked] == ["Broker Hongkong", "Carrier Fastway"]
    assert ranked[1].betweenness == 0.0
    assert ranked[1].throughput_kg == pytest.approx(20.0)


def test_parties_with_nothing_between_are_not_listed() -> None:
    names = {h.name for h in hubs(_chain_graph(), top=20)}
    assert names == {"Broker Hongkongub", "Consignee Beta"}


def test_a_broker_named_only_as_notify_party_sits_between_its_suppliers_and_buyers() -> None:
    """Two suppliers each ship to a different buyer, with the same broker to notify."""
    rows = [
        ("1", "2024-01-01", "Supplier One", "CN", "Buyer Alpha", "MX", 10.0, "Broker Notify"),
        ("2", "2024-01-02", "Supplier Two", "CN", "Buyer Bajaeta", "MX", 10.0, "Broker Notify"),
        ("3", "2024-01-03", "Supplier Three", "CN", "Buyer Gamma", "MX", 10.0, None),
    ]
    graph = build_graph(rows_from_frame(_frame(rows, "notify_party")), name_key=simple_name_key)
    ranked = hubs(graph, top=5)
    # Supplier One reaches Buyer Bajaeta (and Two reaches Alpha) only through the broker.
    assert [h.name for h in ranked] == ["Broker Notify"]
    assert ranked[0].betweenness > 0


@pytest.fixture(scope="module")
def screened() -> PartyGraph:
    """The small manifest read with shipment screening (the real rules and chemistry)."""
    return build_graph(read_manifests([SMALL], screen=True), name_key=simple_name_key)


def test_screening_rates_each_shipment(screened: PartyGraph) -> None:
    levels = dict(
        zip(screened.shipments["shipment_id"], screened.shipments["screen_level"], strict=True)
    )
    assert levels["S1"] == "high"  # NPP, controlled everywhere
    assert levels["S7"] != "high"  # acetone between two Canadian firms
    assert screened.shipments["screen_score"].null_count() == 0


@pytest.mark.parametrize(
    ("level", "kept", "dropped"),
    [("high", "S1", "S7"), ("low", "S2", None)],
)
def test_flagged_mask_keeps_the_level_and_above(
    screened: PartyGraph, level: str, kept: str, dropped: str | None
) -> None:
    mask = flagged_mask(screened, level)
    ids = screened.shipments["shipment_id"].to_list()
    assert mask[ids.index(kept)]
    if dropped is not None:
        assert not mask[ids.index(dropped)]


def test_flagged_mask_with_a_minimum_score(screened: PartyGraph) -> None:
    scores = screened.shipments["screen_score"].to_numpy()
    top = float(scores.max())
    mask = flagged_mask(screened, "low", min_score=top)
    assert mask.sum() == (scores == top).sum()
    assert mask.sum() < flagged_mask(screened, "low").sum()


@pytest.mark.parametrize("score", [-0.5, 100.5])
def test_flagged_mask_refuses_a_score_outside_0_to_100(screened: PartyGraph, score: float) -> None:
    with pytest.raises(UsageError, match="between 0 and 100"):
        flagged_mask(screened, "high", min_score=score)


def test_hubs_on_flagged_trade_rank_the_broker_first(screened: PartyGraph) -> None:
    ranked = hubs(screened, top=3, edge_mask=flagged_mask(screened, "high"))
    assert ranked[0].name.lower().startswith("pacific chem brokers")
    assert all("Toronto" not in h.name for h in ranked)


@pytest.mark.parametrize("level", ["none", "severe", ""])
def test_flagged_mask_refuses_an_unknown_level(screened: PartyGraph, level: str) -> None:
    with pytest.raises(UsageError, match="unknown screening level"):
        flagged_mask(screened, level)


def test_flagged_mask_needs_screened_shipments(small: PartyGraph) -> None:
    with pytest.raises(UsageError, match="not screened"):
        flagged_mask(small, "high")
