"""Properties over generated input: nothing is dropped, bad cells never crash, scores stay in range."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fentrace.exc import InputError
from fentrace.shipments import Lookups, read_manifest, screen_manifest

from .conftest import LEXICON, FakeChemistry, FakeParties

COLUMNS = (
    "shipment_id", "date", "shipper_name", "shipper_country", "consignee_name",
    "consignee_country", "description", "quantity_kg", "transport_mode", "hs_code",
    "payment_method", "consignee_phone", "transit_countries",
)  # fmt: skip
CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "CN",
            "MX",
            "2024-03-01",
            "NPP",
            "courier",
            "2",
            "USDT",
            "+52 1",
            "US|GT",
            "2933.37",
            "=1+1",
        ]
    ),
    st.text(max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=12))
def test_read_equals_screened_plus_rejected(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        try:
            manifest = read_manifest(path)
        except InputError:
            return  # a whole-file problem (e.g. control characters read as binary), reported
        result = screen_manifest(manifest, lookups=Lookups(FakeChemistry(), FakeParties(), LEXICON))
    counts = result.counts
    assert counts["read"] == counts["screened"] + counts["rejected"]
    assert counts["screened"] == manifest.frame.height
    scores = result.alerts.get_column("score").to_list()
    assert all(0.0 <= s <= 100.0 for s in scores)
    for record in result.alerts.iter_rows(named=True):
        if not record["reasons"]:
            assert record["score"] == 0.0
