"""As-of status on both sides of effective dates, salts, class listings, and the gaps matrix."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fentrace.reference import KnowledgeBase, gap_matrix
from fentrace.reference.models import JURISDICTIONS

DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("sid", "jurisdiction", "effective"),
    [
        ("NPP", "UN", date(2017, 10, 18)),
        ("PIP", "US", date(2023, 5, 12)),
        ("BOCPIP", "CN", date(2025, 7, 20)),
        ("ANPP", "US", date(2010, 8, 30)),
        ("NORF", "US", date(2020, 5, 18)),
        ("4AP", "CN", date(2024, 9, 1)),
        ("4AP", "MX", date(2021, 5, 13)),
        ("NPP", "CA", date(2016, 11, 30)),
        ("4AP", "EU", date(2023, 2, 20)),
        ("BOC4AP", "US", date(2020, 5, 15)),  # as a carbamate of 4-AP, before its own listing
        ("BOCPIP", "US", date(2023, 5, 12)),
        ("F4AP", "US", date(2023, 11, 30)),
        ("PIPKETAL", "US", date(2023, 5, 12)),
        ("MFF", "US", date(2023, 12, 7)),
    ],
)
def test_both_sides_of_effective(
    kb: KnowledgeBase, sid: str, jurisdiction: str, effective: date
) -> None:
    before = kb.listed_status(sid, effective - DAY)[jurisdiction]
    on = kb.listed_status(sid, effective)[jurisdiction]
    assert before.status == "not_controlled"
    assert on.status == "controlled"
    assert on.since == effective


def test_status_has_every_jurisdiction(kb: KnowledgeBase) -> None:
    assert list(kb.listed_status("NPP", date(2026, 1, 1))) == list(JURISDICTIONS)


def test_unknown_substance_raises_key_error(kb: KnowledgeBase) -> None:
    with pytest.raises(KeyError):
        kb.listed_status("NOPE", date(2026, 1, 1))


def test_controlled_status_carries_basis_and_source(kb: KnowledgeBase) -> None:
    status = kb.listed_status("PIP", date(2024, 1, 1))["US"]
    assert status.basis == "88 FR 21902 (12 Apr 2023)"
    assert status.list_name == "List I"
    assert status.control_id == "us-pip-list1"
    assert status.source is not None
    assert "govinfo.gov" in status.source
    assert status.verified


def test_unverified_effective_date_marks_status(kb: KnowledgeBase) -> None:
    status = kb.listed_status("PIP", date(2025, 1, 1))["UN"]
    assert status.status == "controlled"
    assert not status.verified
    assert status.since == date(2024, 12, 3)
    confirmed = kb.listed_status("NPP", date(2020, 1, 1))["UN"]
    assert confirmed.verified
    assert confirmed.since == date(2017, 10, 18)


def test_since_spans_a_chain_of_records(kb: KnowledgeBase) -> None:
    # 4-AP in the US: the 2020 wording, then the 2023 wording with halides.
    status = kb.listed_status("4AP", date(2024, 1, 1))["US"]
    assert status.control_id == "us-4ap-list1-2023"
    assert status.since == date(2020, 5, 15)


def test_temporary_order_ends(kb: KnowledgeBase) -> None:
    # Canada's Ministerial Order for 1-boc-4-AP ran 2022-08-31..2023-08-30, then PCR item 31 took over.
    during = kb.listed_status("BOC4AP", date(2023, 1, 1))["CA"]
    after = kb.listed_status("BOC4AP", date(2023, 9, 1))["CA"]
    assert during.control_id == "ca-boc4ap-sched5"
    assert after.control_id == "ca-boc4ap-pcr31"
    assert after.since == date(2022, 8, 31)


@pytest.mark.parametrize(
    ("sid", "jurisdiction", "verified"),
    [
        ("4AP2HCl", "US", True),
        ("4AP2HCl", "CA", True),
        ("4AP2HCl", "CN", False),
        ("PIPHCl", "EU", False),
    ],
)
def test_salt_rows_inherit_from_their_base(
    kb: KnowledgeBase, sid: str, jurisdiction: str, verified: bool
) -> None:
    status = kb.listed_status(sid, date(2026, 1, 1))[jurisdiction]
    assert status.status == "controlled"
    assert status.verified is verified
    assert "as a salt of" in (status.basis or "")


def test_salt_row_listed_by_name(kb: KnowledgeBase) -> None:
    status = kb.listed_status("4AP2HCl", date(2022, 1, 1))["MX"]
    assert status.control_id == "mx-4ap2hcl-lfcpq"
    assert status.verified


def test_china_class_listing(kb: KnowledgeBase) -> None:
    before = kb.listed_status("CPRF", date(2019, 4, 30))["CN"]
    after = kb.listed_status("CPRF", date(2019, 5, 1))["CN"]
    assert before.status == "not_controlled"
    assert after.status == "class_controlled"
    assert after.control_id == "cn-frs"


def test_undated_listing_is_controlled_without_a_date(kb: KnowledgeBase) -> None:
    status = kb.listed_status("FENT", date(2026, 1, 1))["US"]
    assert status.status == "controlled"
    assert status.since is None
    assert status.basis == "Schedule II, 21 CFR 1308.12(c)"
    listed = kb.listed_status("AMF", date(2026, 1, 1))["US"]
    assert listed.status == "controlled"
    assert listed.since is None
    assert listed.verified
    unverified = kb.listed_status("BHMF", date(2026, 1, 1))["US"]
    assert unverified.since is None
    assert not unverified.verified


def test_not_controlled_keeps_the_reference_text(kb: KnowledgeBase) -> None:
    status = kb.listed_status("ANILINE", date(2026, 1, 1))["US"]
    assert status.status == "not_controlled"
    assert status.notes == ("reference: not a listed chemical",)


# -- gaps ---------------------------------------------------------------------------------------


def test_gap_matrix_on_a_known_date(kb: KnowledgeBase) -> None:
    rows = {r.substance_id: r for r in gap_matrix(kb, date(2021, 1, 1), "precursor")}
    # 4-AP on 2021-01-01: US (2020) and Canada (2016) only.
    assert rows["4AP"].controlled_in == ("US", "CA")
    assert rows["4AP"].free_in == ("UN", "CN", "MX", "EU")
    labels = {c.jurisdiction: c.label for c in rows["4AP"].cells}
    assert labels == {
        "UN": "—",
        "US": "2020-05-15",
        "CN": "—",
        "CA": "2016-11-30",
        "MX": "—",
        "EU": "—",
    }
    # NPP is controlled everywhere; the EU date and the US effective date are unverified.
    npp = {c.jurisdiction: c.label for c in rows["NPP"].cells}
    assert npp == {
        "UN": "2017-10-18",
        "US": "2007-04-23?",
        "CN": "2018-02-01",
        "CA": "2016-11-30",
        "MX": "2017-07-18",
        "EU": "2018-06-07?",
    }
    # 4-piperidone before any listing but Canada's.
    assert rows["PIP"].controlled_in == ("CA",)
    # Never-controlled substances are left out.
    assert "ANILINE" not in rows
    assert "BZPIP" not in rows


def test_gap_rows_sorted_by_free_count(kb: KnowledgeBase) -> None:
    rows = gap_matrix(kb, date(2026, 1, 1))
    counts = [len(r.free_in) for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert all(r.controlled_in for r in rows)


@pytest.mark.parametrize("family", ["precursor", "fentanyl", "reagent"])
def test_gap_family_filter(kb: KnowledgeBase, family: str) -> None:
    rows = gap_matrix(kb, date(2026, 1, 1), family)
    assert rows
    assert {r.family for r in rows} == {family}


def test_undated_cells(kb: KnowledgeBase) -> None:
    rows = {r.substance_id: r for r in gap_matrix(kb, date(2026, 1, 1), "fentanyl")}
    cells = {c.jurisdiction: c for c in rows["FENT"].cells}
    assert (cells["US"].state, cells["US"].label) == ("undated", "listed")
    # named in CDSA Schedule I item 16(5): listed, undated; furanyl fentanyl is not named there, so
    # its Canadian cell stays a reading of "derivatives and analogues" (unverified)
    assert (cells["CA"].state, cells["CA"].label) == ("undated", "listed")
    furanyl_cells = {c.jurisdiction: c for c in rows["FURF"].cells}
    assert (furanyl_cells["CA"].state, furanyl_cells["CA"].label) == ("unverified", "listed?")
    furanyl = {c.jurisdiction: c.label for c in rows["FURF"].cells}
    # individually listed in China's supplementary list from 1 March 2017 (UNODC summary)
    assert furanyl["CN"] == "2017-03-01"
    cyclopropyl = {c.jurisdiction: c.label for c in rows["CPRF"].cells}
    assert cyclopropyl["CN"] == "2019-05-01 (class)"
    assert furanyl["UN"] == "2018-03?"


@pytest.mark.parametrize(
    ("sid", "as_of", "text", "precision"),
    [
        ("FENT", date(2000, 1, 1), "1964", "year"),
        ("CARF", date(2019, 1, 1), "2018-03", "month"),
        ("NPP", date(2019, 1, 1), "2017-10-18", "day"),
    ],
)
def test_since_precision(
    kb: KnowledgeBase, sid: str, as_of: date, text: str, precision: str
) -> None:
    status = kb.listed_status(sid, as_of)["UN"]
    assert (status.since_text, status.since_precision) == (text, precision)


def test_not_controlled_has_no_since_text(kb: KnowledgeBase) -> None:
    assert kb.listed_status("FENT", date(1960, 1, 1))["UN"].since_text is None
