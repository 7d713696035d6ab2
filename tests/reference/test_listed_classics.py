"""The issue #14 acceptance cases through the chemistry engine: listed classics are `controlled`.

Structures are given as SMILES (from the knowledge base's own records), so the case runs the full
path a user takes: resolve, standardise, look up the listing, read the status per jurisdiction.
"""

from __future__ import annotations

from datetime import date

import pytest

from fentrace.chemistry.screen import screen
from fentrace.reference import KnowledgeBase

ON = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("substance", "un", "us", "cn", "cn_since"),
    [
        # 1961 Convention Schedule I and 21 CFR 1308.11(b), dates of placement not captured;
        # China: covered by the 2019 class (the list that names them was not read)
        ("AMF", "controlled", "controlled", "class_controlled", date(2019, 5, 1)),
        ("3MF", "controlled", "controlled", "class_controlled", date(2019, 5, 1)),
        ("PFF", "controlled", "controlled", "class_controlled", date(2019, 5, 1)),
        ("TF", "controlled", "controlled", "class_controlled", date(2019, 5, 1)),
        ("BHF", "controlled", "controlled", "class_controlled", date(2019, 5, 1)),
        # acetyl fentanyl: China's supplementary list from 1 October 2015 (US and UN dates below)
        ("ACF", "controlled", "controlled", "controlled", date(2015, 10, 1)),
    ],
)
def test_listed_classics_are_controlled(
    kb: KnowledgeBase, substance: str, un: str, us: str, cn: str, cn_since: date
) -> None:
    result = screen(kb.substances[substance].smiles, ON, use_opsin=False)
    assert result.verdict == "controlled"
    statuses = {j: e.status for j, e in result.jurisdictions.items()}
    assert (statuses["UN"], statuses["US"], statuses["CN"]) == (un, us, cn)
    assert result.jurisdictions["CN"].since == cn_since


@pytest.mark.parametrize(
    ("day", "us_since", "un_status", "un_since"),
    [
        # 82 FR 26349: permanent US placement effective 7 June 2017; before it, the temporary order
        # of 80 FR 42381 (effective date not read) keeps "controlled, date unknown"
        (date(2026, 12, 1), date(2017, 6, 7), "controlled", date(2016, 3, 1)),
        (date(2017, 6, 7), date(2017, 6, 7), "controlled", date(2016, 3, 1)),
        (date(2017, 6, 6), None, "controlled", date(2016, 3, 1)),
        # CND 59th session, 18 March 2016 (UNIS/NAR/1267): month only, its effect date unverified
        (date(2016, 2, 29), None, "not_controlled", None),
    ],
)
def test_acetyl_fentanyl_us_and_un_dates(
    kb: KnowledgeBase, day: date, us_since: date | None, un_status: str, un_since: date | None
) -> None:
    result = screen(kb.substances["ACF"].smiles, day, use_opsin=False)
    us, un = result.jurisdictions["US"], result.jurisdictions["UN"]
    assert (us.status, us.since, us.verified) == ("controlled", us_since, True)
    assert (un.status, un.since) == (un_status, un_since)
    if un_since is not None:
        assert not un.verified  # the month of the CND decision, not its entry into force


# The nine classics of issue #14 on 1 December 2026: (UN since, US since, US verified, CN since).
# Only acetyl-alpha-methylfentanyl has a date (52 FR 20070, effective 29 May 1987, from a secondary
# compilation, so the US column is unverified); the others stay "controlled, date unknown" until a
# primary text dates them. 3-methylthiofentanyl has no UN record: no text read lists it.
CLASSIC_DATES = [
    ("AMF", "controlled", None, None, True),
    ("3MF", "controlled", None, None, True),
    ("PFF", "controlled", None, None, True),
    ("TF", "controlled", None, None, True),
    ("BHF", "controlled", None, None, True),
    ("BHMF", "controlled", None, None, False),
    ("AAMF", "controlled", None, date(1987, 5, 29), False),
    ("AMTF", "controlled", None, None, False),
    ("3MTF", "not_controlled", None, None, True),
]


@pytest.mark.parametrize(("substance", "un", "un_since", "us_since", "us_verified"), CLASSIC_DATES)
def test_classic_dates_per_jurisdiction(
    kb: KnowledgeBase,
    substance: str,
    un: str,
    un_since: date | None,
    us_since: date | None,
    us_verified: bool,
) -> None:
    result = screen(kb.substances[substance].smiles, ON, use_opsin=False)
    un_status, us_status, cn_status = (result.jurisdictions[j] for j in ("UN", "US", "CN"))
    assert (un_status.status, un_status.since) == (un, un_since)
    assert (us_status.status, us_status.since, us_status.verified) == (
        "controlled",
        us_since,
        us_verified,
    )
    # China: the 2019 class, the catalogue that may name them before it was not read
    assert (cn_status.status, cn_status.since) == ("class_controlled", date(2019, 5, 1))


@pytest.mark.parametrize(
    ("day", "since", "verified", "basis"),
    [
        # 52 FR 20070 (per the compilation): paragraph (b) from 29 May 1987, date unverified
        (date(1987, 5, 29), date(1987, 5, 29), False, "52 FR 20070"),
        (date(2026, 12, 1), date(1987, 5, 29), False, "52 FR 20070"),
        # the day before: the undated CFR listing (the earlier temporary listing has no date here)
        (date(1987, 5, 28), None, True, "21 CFR 1308.11(b)"),
        (date(1970, 1, 1), None, True, "21 CFR 1308.11(b)"),
    ],
)
def test_acetyl_alpha_methylfentanyl_us_date(
    kb: KnowledgeBase, day: date, since: date | None, verified: bool, basis: str
) -> None:
    us = screen(kb.substances["AAMF"].smiles, day, use_opsin=False).jurisdictions["US"]
    assert (us.status, us.since, us.verified) == ("controlled", since, verified)
    assert basis in us.basis


def test_acetyl_alpha_methylfentanyl_date_rests_on_a_secondary_source(kb: KnowledgeBase) -> None:
    control = next(c for c in kb.controls if c.id == "us-aamf-sched1")
    assert set(control.unverified_fields) == {"effective", "citation"}
    primary = {s for s in control.source_ids if kb.sources[s].primary}
    assert primary == {"cfr-21-1308-11"}  # the listing; the date comes from the compilation
    assert kb.sources["isomerdesign-csa-schedule-i"].primary is False


def test_2019_permanent_listing_dates(kb: KnowledgeBase) -> None:
    result = screen(kb.substances["CPRF"].smiles, ON, use_opsin=False)
    assert result.verdict == "controlled"
    assert result.jurisdictions["US"].since == date(2019, 10, 25)


@pytest.mark.parametrize(
    ("day", "status"),
    [(date(2024, 9, 2), "not_controlled"), (date(2024, 9, 3), "controlled")],
)
def test_canada_1_boc_4_piperidone_from_2024_09_03(day: date, status: str) -> None:
    result = screen("79099-07-3", day, use_opsin=False)
    assert result.jurisdictions["CA"].status == status
    if status == "controlled":
        assert result.jurisdictions["CA"].since == date(2024, 9, 3)
