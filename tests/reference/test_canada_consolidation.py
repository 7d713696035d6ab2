"""Canadian records read against Justice Canada's consolidated texts (the official XML).

CDSA Schedule I item 16 names fourteen fentanyls; the consolidated Narcotic Control Regulations
and Precursor Control Regulations date the items SOR/2019-120 changed from 15 May 2019.
"""

from __future__ import annotations

from datetime import date

import pytest

from fentrace.chemistry.screen import screen
from fentrace.reference import KnowledgeBase

ON = date(2026, 12, 1)


# CDSA Schedule I item 16 (Justice Canada's consolidated XML): the subitem that names each one
CDSA_ITEM_16 = [
    ("AAMF", "16(1)"),
    ("ALF", "16(2)"),
    ("CARF", "16(3)"),
    ("PFF", "16(4)"),
    ("FENT", "16(5)"),
    ("BHF", "16(6)"),
    ("BHMF", "16(7)"),
    ("AMF", "16(8)"),
    ("AMTF", "16(9)"),
    ("3MF", "16(10)"),
    ("3MTF", "16(11)"),
    ("REMI", "16(11.1)"),
    ("SUF", "16(12)"),
    ("TF", "16(13)"),
]


@pytest.mark.parametrize(("substance", "subitem"), CDSA_ITEM_16)
def test_canada_named_fentanyls_are_verified_item_16_listings(
    kb: KnowledgeBase, substance: str, subitem: str
) -> None:
    ca = screen(kb.substances[substance].smiles, ON, use_opsin=False).jurisdictions["CA"]
    assert (ca.status, ca.since, ca.verified) == ("controlled", None, True)
    assert f"item {subitem}, named" in ca.basis


@pytest.mark.parametrize("substance", ["THIAF", "FURF", "CPRF", "MFF", "ACF"])
def test_canada_unnamed_analogues_stay_a_reading_of_item_16(
    kb: KnowledgeBase, substance: str
) -> None:
    ca = screen(kb.substances[substance].smiles, ON, use_opsin=False).jurisdictions["CA"]
    assert (ca.status, ca.since, ca.verified) == ("controlled", None, False)
    assert "not named in the item" in ca.basis


def test_every_canadian_listing_cites_the_cdsa_text(kb: KnowledgeBase) -> None:
    listings = [
        (s.id, u)
        for s in kb.substances.values()
        for u in s.undated_listings
        if u.jurisdiction == "CA"
    ]
    assert len(listings) == 39
    assert all("cdsa-schedule-i" in u.source_ids for _, u in listings)
    named = {sid for sid, u in listings if u.verified}
    assert named == {sid for sid, _ in CDSA_ITEM_16}
    assert kb.sources["cdsa-schedule-i"].primary is True


@pytest.mark.parametrize(
    ("substance", "day", "since", "basis"),
    [
        # NCR schedule 15(14): in force 15 May 2019 per the consolidation (was the Gazette day, unverified)
        ("ANPP", date(2019, 5, 15), date(2019, 5, 15), "SOR/2019-120"),
        ("ANPP", date(2026, 12, 1), date(2019, 5, 15), "SOR/2019-120"),
        # PCR item 29: the 2019 wording (derivatives and analogues) from 15 May 2019, the 2016 item
        # ("and its salts") the day before; controlled without a break since 30 November 2016
        ("NORF", date(2019, 5, 15), date(2016, 11, 30), "SOR/2019-120"),
        ("NORF", date(2019, 5, 14), date(2016, 11, 30), "SOR/2016-294"),
    ],
)
def test_sor_2019_120_items_in_force_15_may_2019(
    kb: KnowledgeBase, substance: str, day: date, since: date, basis: str
) -> None:
    ca = screen(kb.substances[substance].smiles, day, use_opsin=False).jurisdictions["CA"]
    assert (ca.status, ca.since, ca.verified, ca.basis) == ("controlled", since, True, basis)


def test_anpp_not_controlled_in_canada_before_the_item(kb: KnowledgeBase) -> None:
    ca = screen(kb.substances["ANPP"].smiles, date(2019, 5, 14), use_opsin=False).jurisdictions[
        "CA"
    ]
    assert ca.status == "not_controlled"


def test_sor_2019_120_records_cite_the_consolidation(kb: KnowledgeBase) -> None:
    controls = {c.id: c for c in kb.controls}
    assert controls["ca-anpp-ncr"].unverified_fields == ()
    assert "ncr-schedule" in controls["ca-anpp-ncr"].source_ids
    assert controls["ca-norf-pcr29-2019"].unverified_fields == ()
    assert "pcr-schedule" in controls["ca-norf-pcr29-2019"].source_ids
    # FANPP: the date is the item's, but whether the item covers it stays a reading
    fanpp = controls["ca-fanpp-ncr"]
    assert (fanpp.verified, tuple(fanpp.unverified_fields)) == (False, ("instrument",))


# CDSA Schedule VI Part 1 (SOR/2026-38) and the PCR schedule both list them from 12 April 2026
@pytest.mark.parametrize(
    ("substance", "pcr_item", "cdsa_item"),
    [("PEBr", "34", "33"), ("PROPANH", "35", "34"), ("PECl", "37", "36")],
)
@pytest.mark.parametrize(
    ("day", "status", "since"),
    [
        (date(2026, 4, 11), "not_controlled", None),
        (date(2026, 4, 12), "controlled", date(2026, 4, 12)),
        (ON, "controlled", date(2026, 4, 12)),
    ],
)
def test_2026_class_a_precursors(
    kb: KnowledgeBase,
    substance: str,
    pcr_item: str,
    cdsa_item: str,
    day: date,
    status: str,
    since: date | None,
) -> None:
    ca = screen(kb.substances[substance].smiles, day, use_opsin=False).jurisdictions["CA"]
    assert (ca.status, ca.since) == (status, since)
    if status == "controlled":
        expected = f"PCR Schedule item {pcr_item} (CDSA Schedule VI, Part 1, item {cdsa_item})"
        assert ca.list == expected
