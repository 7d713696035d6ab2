"""The CBP fentanyl seizure series: every figure cites a stored source; bad files are located."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fentrace.exc import DataFileError
from fentrace.reference.seizures import KG_PER_POUND, load_cbp_fentanyl_seizures, parse_seizures


def test_bundled_series_cites_its_sources_and_marks_nothing_verified() -> None:
    series = load_cbp_fentanyl_seizures()
    years = [y.fiscal_year for y in series.years]
    assert years == sorted(years)
    assert years[0] == 2019
    for year in series.years:
        assert year.source_ids
        assert all(s in series.sources for s in year.source_ids)
        # The figures come from reports quoting CBP, not from CBP's page itself.
        assert not year.verified
        assert year.status == "secondary"
    assert all(s.url and s.retrieved for s in series.sources.values())
    fy2020 = next(y for y in series.years if y.fiscal_year == 2020)
    assert fy2020.pounds == 4776
    assert fy2020.kg == pytest.approx(4776 * KG_PER_POUND)


def _file(**row: Any) -> dict[str, Any]:
    base = {"fiscal_year": 2020, "pounds": 10, "status": "secondary", "sources": ["s1"]}
    base.update(row)
    source = {"id": "s1", "publisher": "p", "title": "t", "url": "u", "retrieved": "2026-01-01"}
    return {"sources": [source], "series": [base]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1], "needs a 'sources' list"),
        ({"sources": [{"id": "s1"}], "series": []}, "needs id, publisher and title"),
        ({**_file(), "series": []}, "at least one fiscal year"),
        (_file(pounds=-3), "positive number"),
        (_file(fiscal_year="2020"), "must be a year"),
        (_file(sources=[]), "cites no source"),
        (_file(sources=["nope"]), "unknown source 'nope'"),
        (_file(status=""), "needs a status"),
        ({**_file(), "series": [_file()["series"][0]] * 2}, "appears twice"),
    ],
)
def test_bad_seizure_files_are_located_errors(data: object, message: str) -> None:
    with pytest.raises(DataFileError, match=message) as caught:
        parse_seizures(data, "seizures.yaml")
    assert "seizures.yaml" in str(caught.value)


def test_a_seizure_file_on_disk_is_read_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_file()), encoding="utf-8")
    assert load_cbp_fentanyl_seizures(path).years[0].pounds == 10
    with pytest.raises(DataFileError, match="cannot read"):
        load_cbp_fentanyl_seizures(tmp_path / "missing.yaml")
