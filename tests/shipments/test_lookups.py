"""The default lookups are the real engines, and their results reduce to findings faithfully."""

from __future__ import annotations

from datetime import date

from fentrace.shipments.engine import default_lookups
from fentrace.shipments.lookups import finding_from_party_result, finding_from_screen_result


def test_default_lookups_use_the_real_engines() -> None:
    lookups = default_lookups()
    npp, aniline, unknown = lookups.chemicals(
        ["39742-60-4", "62-53-3", "no such chemical"], date(2024, 1, 1)
    )
    assert (npp.resolved, npp.verdict, npp.substance) == (True, "controlled", "NPP")
    assert npp.hs_codes == ("2933.37",)
    assert npp.since["US"] == "2007-04-23"
    assert (aniline.resolved, aniline.verdict) == (True, "clear")
    assert not unknown.resolved
    assert unknown.error
    match, nobody = lookups.parties(
        ["HUBEI AMARVEL BIO-TECH CO LTD", "Neckartal Arzneimittel GmbH"], ["CN", "DE"]
    )
    assert match.verdict == "match"
    assert match.matched_name == "Hubei Amarvel Biotech Co., Ltd."
    assert nobody.verdict == "none"
    assert lookups.lexicon["npp"] == "39742-60-4"
    assert lookups.lexicon["1-boc-4-ap"]
    assert "pethidine" in lookups.lexicon  # look-alike medicines are named too


def test_findings_from_plain_dicts() -> None:
    chem = finding_from_screen_result(
        {
            "query": "x",
            "resolved": True,
            "verdict": "not-a-verdict",
            "jurisdictions": {
                "US": {"status": "controlled", "since": "2020-05-15"},
                "MX": {"status": None},
            },
            "matches": [
                {"kind": "similar", "substance": "S0", "name": "Look-alike"},
                {"kind": "listed", "substance": "S1", "name": "Thing"},
            ],
        },
        None,
    )
    assert chem.verdict == "clear"  # an unknown verdict never raises a score
    assert chem.statuses == {"US": "controlled", "MX": "not_controlled"}
    assert (chem.substance, chem.name, chem.related) == ("S1", "Thing", "Look-alike")
    similar_only = finding_from_screen_result(
        {
            "query": "q",
            "resolved": True,
            "verdict": "clear",
            "matches": [{"kind": "similar", "substance": "NORF", "name": "Norfentanyl"}],
        },
        None,
    )
    assert similar_only.substance is None  # resemblance is not identity: no HS codes to expect
    assert similar_only.related == "Norfentanyl"
    party = finding_from_party_result(
        {
            "query": "A",
            "verdict": "possible",
            "matches": [
                {"name": "B", "score": 0.5},
                {"name": "C", "score": 0.9, "since": "2023-06-23"},
            ],
        }
    )
    assert (party.matched_name, party.score, party.since) == ("C", 0.9, "2023-06-23")
    assert (
        finding_from_party_result({"query": "A", "verdict": "none", "matches": []}).matched_name
        is None
    )
