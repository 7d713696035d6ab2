"""Time-respecting traces on the small manifest, whose answers are worked out by hand.

Shipments (date, shipper -> consignee, chemical): S3 01-05 broker -> Sinaloa NPP;
S1 01-10 Amarvel -> broker NPP; S5 01-15 Yuli -> broker 4-AP; S2 01-20 broker -> Norte NPP;
S4 02-01 Norte -> Border NPP; S8 02-15 Sinaloa -> Border ANPP; S6 03-01 Amarvel -> Norte 4-AP.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.network.conftest import node

from fentrace.exc import InputError
from fentrace.network import (
    PartyGraph,
    chemical_mask,
    consumer_edges,
    origin_edges,
    resolve_party,
    supplier_edges,
    trace,
)


def _reached(graph: PartyGraph, **kwargs: object) -> dict[str, tuple[int, list[str]]]:
    result = trace(graph, **kwargs)  # type: ignore[arg-type]
    return {r.name: (r.hops, [s.shipment_id for s in r.path]) for r in result.reached}


def test_forward_trace_does_not_follow_a_shipment_made_before_the_delivery(
    small: PartyGraph,
) -> None:
    got = _reached(small, start_nodes=[node(small, "Hubei Amarvel Bio-Tech Co., Ltd.")], hops=3)
    assert "Laboratorio Sinaloa" not in got  # S3 left the broker before S1 arrived
    assert got["PACIFIC CHEM BROKERS LTD"] == (1, ["S1"])
    assert got["Importadora del Norte SA de CV"] == (1, ["S6"])
    assert got["Border Logistics LLC"] == (3, ["S1", "S2", "S4"])


@pytest.mark.parametrize(
    ("hops", "expected"),
    [
        (1, {"PACIFIC CHEM BROKERS LTD", "Importadora del Norte SA de CV"}),
        (2, {"PACIFIC CHEM BROKERS LTD", "Importadora del Norte SA de CV"}),
        (3, {"PACIFIC CHEM BROKERS LTD", "Importadora del Norte SA de CV", "Border Logistics LLC"}),
    ],
)
def test_hop_limit(small: PartyGraph, hops: int, expected: set[str]) -> None:
    start = [node(small, "HUBEI AMARVEL BIOTECH CO LTD")]
    assert set(_reached(small, start_nodes=start, hops=hops)) == expected


def test_backward_trace_runs_back_in_time(small: PartyGraph) -> None:
    got = _reached(small, start_nodes=[node(small, "Border Logistics LLC")], hops=3, backward=True)
    assert got["Laboratorio Sinaloa"] == (1, ["S8"])
    assert got["Importadora del Norte SA de CV"] == (1, ["S4"])
    assert got["PACIFIC CHEM BROKERS LTD"][0] == 2
    assert got["Yuli Trading Co"] == (3, ["S5", "S2", "S4"])
    # S6 reached Norte on 03-01, after S4 left it, so it explains nothing about Border's goods.
    assert got["HUBEI AMARVEL BIOTECH CO LTD"] == (3, ["S1", "S2", "S4"])


def test_backward_trace_never_goes_forward_in_time(small: PartyGraph) -> None:
    got = _reached(small, start_nodes=[node(small, "Maple Pharma Ltd")], hops=5, backward=True)
    assert set(got) == {"Toronto Chem Supply Inc"}


@pytest.mark.parametrize(
    ("gap", "reaches_border"),
    [(None, True), (12, True), (11, False), (0, False)],
)
def test_max_gap_bounds_the_wait_between_hops(
    small: PartyGraph, gap: int | None, reaches_border: bool
) -> None:
    # S1 01-10 -> S2 01-20 (10 days) -> S4 02-01 (12 days)
    start = [node(small, "HUBEI AMARVEL BIOTECH CO LTD")]
    got = _reached(small, start_nodes=start, hops=3, max_gap_days=gap)
    assert ("Border Logistics LLC" in got) is reaches_border


def test_chemical_filter_follows_only_that_chemical(small: PartyGraph) -> None:
    mask = chemical_mask(small, "39742-60-4")
    assert mask.sum() == 4
    got = _reached(
        small, start_nodes=[node(small, "HUBEI AMARVEL BIOTECH CO LTD")], edge_mask=mask, hops=3
    )
    assert got["Importadora del Norte SA de CV"] == (2, ["S1", "S2"])  # not S6, which is 4-AP


@pytest.mark.parametrize(("query", "count"), [("NPP", 4), ("acetone", 1), ("23056-29-3", 2)])
def test_chemical_query_by_name_id_or_cas(small: PartyGraph, query: str, count: int) -> None:
    assert int(chemical_mask(small, query).sum()) == count


def test_unknown_chemical_is_an_input_error(small: PartyGraph) -> None:
    with pytest.raises(InputError, match="no shipment"):
        chemical_mask(small, "unobtainium")


def test_chemical_trace_starts_at_its_suppliers(small: PartyGraph) -> None:
    mask = chemical_mask(small, "NPP")
    starts = {small.shipments["shipment_id"][int(e)] for e in supplier_edges(small, mask)}
    assert starts == {"S1"}  # the broker and Norte also ship NPP, but they received it first


def test_country_to_country_through_third_countries(small: PartyGraph) -> None:
    result = trace(small, start_edges=origin_edges(small, "CN"), hops=3)
    to_us = [r for r in result.reached if r.path[-1].destination == "US"]
    assert [r.name for r in to_us] == ["Border Logistics LLC"]
    assert to_us[0].route == ("CN", "HK", "PA", "MX", "US")


def test_no_start_shipments_gives_an_empty_result(small: PartyGraph) -> None:
    result = trace(small, start_edges=np.empty(0, dtype=np.int64), hops=3)
    assert result.reached == ()
    assert result.shipments_followed == 0


def test_zero_hops_is_refused(small: PartyGraph) -> None:
    with pytest.raises(InputError, match="hops"):
        trace(small, [0], hops=0)


@pytest.mark.parametrize(
    ("query", "spelling"),
    [
        ("hubei amarvel bio tech co ltd", "HUBEI AMARVEL BIOTECH CO LTD"),
        ("Pacific Chem Brokers", "Pacific Chem Brokers Ltd."),
        ("Laboratorio Sinaloaa", "Laboratorio Sinaloa"),
    ],
)
def test_resolve_party_by_key_or_close_spelling(
    small: PartyGraph, query: str, spelling: str
) -> None:
    assert resolve_party(small, query) == node(small, spelling)


def test_resolve_unknown_party_names_the_closest(small: PartyGraph) -> None:
    with pytest.raises(InputError, match="closest"):
        resolve_party(small, "Nobody Whatsoever")


def test_limit_keeps_the_nearest_and_counts_all(small: PartyGraph) -> None:
    start = [node(small, "HUBEI AMARVEL BIOTECH CO LTD")]
    result = trace(small, start, hops=3, limit=1)
    assert result.reached_total == 3
    assert [r.hops for r in result.reached] == [1]


def test_to_country_keeps_parties_reached_by_a_shipment_there(small: PartyGraph) -> None:
    start = [node(small, "HUBEI AMARVEL BIOTECH CO LTD")]
    result = trace(small, start, hops=3, to_country="us")
    assert [r.name for r in result.reached] == ["Border Logistics LLC"]
    assert result.reached_total == 1


def test_chemical_backward_trace_starts_at_its_end_points(small: PartyGraph) -> None:
    mask = chemical_mask(small, "NPP")
    ends = {small.shipments["shipment_id"][int(e)] for e in consumer_edges(small, mask)}
    assert ends == {"S3", "S4"}  # Sinaloa and Border receive NPP and never ship it on
    result = trace(small, start_edges=consumer_edges(small, mask), edge_mask=mask, backward=True)
    got = {r.name: [s.shipment_id for s in r.path] for r in result.reached}
    assert got["HUBEI AMARVEL BIOTECH CO LTD"] == ["S1", "S2", "S4"]


def test_backward_to_country_keeps_parties_that_shipped_from_it(small: PartyGraph) -> None:
    start = [node(small, "Border Logistics LLC")]
    result = trace(small, start, hops=3, backward=True, to_country="CN")
    assert {r.name for r in result.reached} == {"HUBEI AMARVEL BIOTECH CO LTD", "Yuli Trading Co"}
