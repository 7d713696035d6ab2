"""Scoring a manifest in parts with the whole manifest's answers equals scoring it whole.

This is the contract the Spark engine rests on (``score_rows`` with ``latest`` and
``cross_row``; ``shared_contact_details`` and ``structuring_details`` on complete groups).
"""

from __future__ import annotations

import polars as pl
import pytest

from fentrace.shipments import read_manifest, sample_manifest_path, screen_manifest
from fentrace.shipments.engine import (
    Lookups,
    cross_row_details,
    latest_date,
    score_rows,
    shared_contact_details,
    structuring_details,
)
from fentrace.shipments.rules import load_rules

_COMPARED = ["shipment_id", "row", "score", "level", "reasons"]


@pytest.fixture(scope="module")
def manifest():  # type: ignore[no-untyped-def]
    return read_manifest(sample_manifest_path())


@pytest.mark.parametrize("parts", [1, 3, 17])
def test_parts_scored_with_the_whole_manifests_answers_equal_the_whole(
    manifest, fake_lookups: Lookups, parts: int
) -> None:
    rules = load_rules()
    whole = screen_manifest(manifest, rules, lookups=fake_lookups).alerts.select(_COMPARED)
    frame = manifest.frame
    latest = latest_date(frame, None)
    cross = pl.DataFrame(cross_row_details(frame, rules))
    part_of = frame.get_column("row") * 7919 % parts
    scored = [
        score_rows(
            frame.filter(part_of == p),
            rules,
            None,
            fake_lookups,
            passthrough=manifest.passthrough,
            latest=latest,
            cross_row=list(cross.filter(part_of == p)),
        ).alerts.select(_COMPARED)
        for p in range(parts)
    ]
    assert pl.concat(scored).sort("row").equals(whole.sort("row"))


def test_a_part_scored_alone_differs_where_whole_manifest_indicators_fire(
    manifest, fake_lookups: Lookups
) -> None:
    """Negative control: without the whole manifest's answers, a part loses cross-row reasons."""
    rules = load_rules()
    frame = manifest.frame
    whole = cross_row_details(frame, rules)
    fired = whole[1].is_not_null() | whole[0].is_not_null()
    assert fired.sum() > 0
    half = frame.filter(frame.get_column("row") % 2 == 0)
    alone = cross_row_details(half, rules)
    with_whole = pl.DataFrame(whole).filter(frame.get_column("row") % 2 == 0)
    assert not pl.DataFrame(alone).equals(with_whole)


def test_complete_groups_give_the_whole_manifests_details(manifest) -> None:  # type: ignore[no-untyped-def]
    """Shared contacts and structuring computed on groups kept whole match the whole run."""
    rules = load_rules()
    frame = manifest.frame
    shared, structuring = cross_row_details(frame, rules)
    for field_name in rules.shared_fields:
        details = shared_contact_details(frame, field_name, rules)
        fired = {d for d in details.values() if d is not None}
        assert all(any(d in (s or "") for s in shared.to_list()) for d in fired)
    pair = pl.concat_str(
        [
            pl.col("shipper_name").str.to_lowercase(),
            pl.col("consignee_name").str.to_lowercase(),
        ],
        separator="\x00",
    )
    groups = frame.with_columns(pair.alias("_pair")).partition_by("_pair", maintain_order=True)
    per_group = pl.concat(
        [
            g.select("row").with_columns(
                structuring_details(g, rules).cast(pl.String).alias("detail")
            )
            for g in groups
        ]
    ).sort("row")
    assert per_group.get_column("detail").to_list() == structuring.to_list()
