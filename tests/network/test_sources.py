"""Reading manifests into network rows through the shipments reader, with located rejections."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from tests.network.conftest import SMALL

from fentrace.exc import InputError
from fentrace.network import build_graph, read_manifests, simple_name_key, sources

HEADER = "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,description,transit_countries\n"
BAD = (
    HEADER
    + "A,2024-01-01,Alpha Co,CN,Beta SA,MX,NPP,HK|PA\n"
    + "B,not-a-date,Alpha Co,CN,Beta SA,MX,NPP,\n"
    + "C,2024-01-03,,CN,Beta SA,MX,NPP,\n"
    + "D,2024-01-04,Alpha Co,CN,Gamma Inc,MX,NPP,\n"
)


def test_bad_rows_are_rejected_with_row_and_field_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    rows = read_manifests([path])
    assert rows.read_count == 4
    assert sorted(rows.frame["shipment_id"].to_list()) == ["A", "D"]
    rejected = {(r.row, r.field) for r in rows.rejected}
    assert {row for row, _ in rejected} == {3, 4}  # file lines
    assert {"date", "shipper_name"} <= {f for _, f in rejected}
    assert all(r.file == str(path) for r in rows.rejected)
    transit = rows.frame.filter(pl.col("shipment_id") == "A")["transit_countries"].to_list()
    assert transit == [["HK", "PA"]]
    graph = build_graph(rows, name_key=simple_name_key)
    assert graph.n_shipments == 2
    assert len(graph.rejected) == len(rows.rejected)


def test_a_manifest_without_required_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("shipment_id,date\nA,2024-01-01\n", encoding="utf-8")
    with pytest.raises(InputError, match="shipper_name"):
        read_manifests([path])


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_manifests([tmp_path / "absent.csv"])


def test_several_manifests_make_one_graph(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text(HEADER + "Z,2024-05-01,Beta SA,MX,Delta LLC,US,NPP,\n", encoding="utf-8")
    rows = read_manifests([SMALL, other])
    assert rows.read_count == 9
    assert set(rows.frame["source"].unique().to_list()) == {str(SMALL), str(other)}


def test_chemical_labels_fall_back_to_the_description() -> None:
    label = sources.default_chemical_namer()(None, "mystery white powder")
    assert label == sources.ChemicalLabel(None, "mystery white powder")
