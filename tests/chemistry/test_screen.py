"""screen() on the bundled knowledge base: listed substances on both sides of their dates."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdkit import Chem

from fentrace.chemistry import screen as screen_module
from fentrace.chemistry.batch import Record, screen_record
from fentrace.chemistry.screen import canonical_atom_order, screen, screen_many
from fentrace.cli import main
from fentrace.reference.models import JURISDICTIONS

LISTING_DATES = [
    # (query, jurisdiction, the day the listing took effect)
    ("4-anilinopiperidine", "US", date(2020, 5, 15)),
    ("23056-29-3", "CA", date(2016, 11, 30)),
    ("125541-22-2", "CN", date(2024, 9, 1)),
    ("1-boc-4-AP", "CA", date(2022, 8, 31)),
    ("NPP", "MX", date(2017, 7, 18)),
    ("furanyl fentanyl", "US", date(2018, 11, 29)),
]


@pytest.mark.parametrize(("query", "jurisdiction", "since"), LISTING_DATES)
def test_listing_on_both_sides_of_its_date(query: str, jurisdiction: str, since: date) -> None:
    before = screen(query, date.fromordinal(since.toordinal() - 1))
    on = screen(query, since)
    assert before.jurisdictions[jurisdiction].status != "controlled"
    entry = on.jurisdictions[jurisdiction]
    assert entry.status == "controlled"
    assert entry.since == since
    assert entry.verified
    assert entry.source
    assert on.verdict == "controlled"


def test_class_before_individual_listing() -> None:
    # furanyl fentanyl fell under the US class order (6 Feb 2018) before its own listing
    result = screen("furanyl fentanyl", date(2018, 11, 28))
    us = result.jurisdictions["US"]
    assert us.status == "class_controlled"
    assert us.since == date(2018, 2, 6)
    assert any(m.kind == "class" and m.jurisdiction == "US" for m in result.matches)
    assert result.steps_to_fentanyl == 0
    assert result.family == "fentanyl"


@pytest.mark.parametrize(
    ("query", "steps"),
    [
        ("NPP", 2),
        ("4-anilinopiperidine", 2),
        ("1-boc-4-piperidone", 4),
        ("ANPP", 1),
        ("fentanyl", 0),
    ],
)
def test_listed_precursors_carry_their_steps(query: str, steps: int) -> None:
    result = screen(query, date(2026, 1, 1))
    assert result.steps_to_fentanyl == steps
    if steps:
        assert len(result.route) == steps
        assert result.route[-1].product_substance is not None


def test_designer_precursor_by_route() -> None:
    result = screen("1-benzyl-4-piperidone", date(2026, 1, 1))
    assert result.verdict == "designer_precursor"
    assert result.route
    assert any(m.kind == "route" for m in result.matches)
    assert result.substance == "BZPIP"  # a KB record, but listed nowhere: no "listed" match
    assert not any(m.kind == "listed" for m in result.matches)


def test_unverified_listing_alone_is_one_level_down() -> None:
    # on 23 Apr 2007 NPP's only listing is the US interim rule, whose record is unverified
    result = screen("NPP", date(2007, 4, 23))
    assert result.jurisdictions["US"].status == "controlled"
    assert result.jurisdictions["US"].verified is False
    assert result.verdict == "class_controlled"
    assert result.notes[0].startswith("verdict class_controlled rather than controlled")


def test_nothing_in_force_before_any_listing() -> None:
    result = screen("NPP", date(2000, 1, 1))
    assert {j.status for j in result.jurisdictions.values()} == {"not_controlled"}
    assert result.verdict not in ("controlled", "class_controlled")


def test_salt_screens_as_its_free_base() -> None:
    result = screen("4-AP dihydrochloride", date(2026, 1, 1))
    assert result.substance == "4AP"
    assert result.smiles == "c1ccc(NC2CCNCC2)cc1"
    assert result.verdict == "controlled"


def test_screen_many_keeps_order_and_rejections() -> None:
    queries = ["NPP", "not a thing", "CCO", "fentanyl", "NPP"]
    serial = screen_many(queries, date(2026, 1, 1), jobs=1)
    parallel = screen_many(queries, date(2026, 1, 1), jobs=2)
    assert [r.query for r in parallel] == queries
    assert [r.to_dict() for r in parallel] == [r.to_dict() for r in serial]
    assert parallel[1].resolved is False
    assert parallel[1].error == (
        "name 'not a thing': not in the knowledge base "
        "(systematic names are not parsed in batch mode)"
    )
    assert parallel[4] is parallel[0]  # a repeated query is screened once


def test_done_when_three_precursors(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 2's done-when: CAS, name and SMILES resolve to NPP, 4AP, BOC4AP with the facts."""
    status = main(
        [
            "chem",
            "screen",
            "39742-60-4",
            "4-anilinopiperidine",
            "CC(C)(C)OC(=O)N1CCC(Nc2ccccc2)CC1",
            "--as-of",
            "2026-01-01",
            "--json",
        ]
    )
    assert status == 0
    payload = json.loads(capsys.readouterr().out)
    assert [item["substance"] for item in payload] == ["NPP", "4AP", "BOC4AP"]
    assert [item["input_type"] for item in payload] == ["cas", "name", "smiles"]
    for item in payload:
        assert item["verdict"] == "controlled"
        assert set(item["jurisdictions"]) == set(JURISDICTIONS)
        for code, entry in item["jurisdictions"].items():
            assert entry["status"] in ("controlled", "class_controlled", "not_controlled")
            if entry["status"] == "controlled":
                assert entry["since"], (item["substance"], code)
                assert entry["source"], (item["substance"], code)
                assert entry["basis"], (item["substance"], code)
        assert item["matches"][0]["kind"] == "listed"
    assert payload[0]["jurisdictions"]["CA"]["since"] == "2016-11-30"
    assert payload[1]["jurisdictions"]["US"]["since"] == "2020-05-15"
    assert payload[2]["jurisdictions"]["CN"]["since"] == "2024-09-01"
    assert [item["steps_to_fentanyl"] for item in payload] == [2, 2, 3]
    assert payload[0]["route"][-1]["product_name"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="CNOcno()[]=#+-1234./\\HlBrF@", min_size=1, max_size=40))
def test_screening_any_smiles_like_text_never_raises(text: str) -> None:
    record = Record(1, None, text, "smiles")
    result = screen_record(record, date(2026, 1, 1))
    assert result.resolved == (result.error is None)
    if result.resolved:
        assert result.verdict in (
            "controlled",
            "class_controlled",
            "designer_precursor",
            "watch",
            "clear",
        )
        assert set(result.jurisdictions) == set(JURISDICTIONS)


def test_repeated_structure_keeps_its_own_query_and_removals() -> None:
    salt = screen("Cl.O=C1CCN(CCc2ccccc2)CC1", date(2026, 1, 1))
    base = screen("C1CN(CCc2ccccc2)CCC1=O", date(2026, 1, 1))  # assessed once, reused
    assert (salt.query, salt.input_type, salt.standardisation) == (
        "Cl.O=C1CCN(CCc2ccccc2)CC1",
        "smiles",
        ("HCl (salt)",),
    )
    assert (base.query, base.standardisation) == ("C1CN(CCc2ccccc2)CCC1=O", ())
    # the same assessment, its matched atoms renumbered onto each molecule (tested below)
    unnumbered = {"query": "", "standardisation": [], "matches": []}
    assert salt.to_dict() | unnumbered == base.to_dict() | unnumbered
    assert [m.name for m in salt.matches] == [m.name for m in base.matches]


def test_for_query_is_replace_with_the_query_fields() -> None:
    from dataclasses import replace

    result = screen("O=C1CCN(CCc2ccccc2)CC1", date(2026, 1, 1))
    copy = result.for_query("NPP", "name", ("HCl (salt)",), None)
    assert copy == replace(
        result, query="NPP", input_type="name", standardisation=("HCl (salt)",), mol=None
    )
    assert copy.to_dict()["query"] == "NPP"
    assert result.query == "O=C1CCN(CCc2ccccc2)CC1"  # the original is untouched


# Two spellings of one parent share one cached assessment; the matched atoms must still be
# those of each query's own molecule (they were the first spelling's before).
SPELLINGS = [
    ("CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1", "c1ccccc1CCN1CCC(N(c2ccccc2)C(=O)CC)CC1"),
    ("O=C1CCN(CCc2ccccc2)CC1", "C1CN(CCc2ccccc2)CCC1=O"),
    ("c1ccc(NC2CCNCC2)cc1", "C1CNCCC1Nc1ccccc1"),
    ("CC(C)(C)OC(=O)N1CCC(Nc2ccccc2)CC1", "c1ccccc1NC1CCN(C(=O)OC(C)(C)C)CC1"),
]


def _fragments(result: Any) -> list[str]:
    """Each match's atoms as the canonical SMILES of that fragment of the result's molecule."""
    return [
        Chem.MolFragmentToSmiles(result.mol, atomsToUse=list(m.atoms)) if m.atoms else ""
        for m in result.matches
    ]


@pytest.mark.parametrize(("first", "second"), SPELLINGS)
def test_cached_assessment_renumbers_atoms_onto_each_spelling(first: str, second: str) -> None:
    day = date(2026, 1, 1)
    screen_module._ASSESSED.entries.clear()
    alone = screen(second, day)  # assessed on its own molecule
    screen_module._ASSESSED.entries.clear()
    screen(first, day)
    reused = screen(second, day)  # the first spelling's assessment, renumbered
    assert any(m.atoms for m in alone.matches)
    assert _fragments(reused) == _fragments(alone)
    assert [sorted(m.atoms) for m in reused.matches] == [sorted(m.atoms) for m in alone.matches]
    assert reused.to_dict() | {"query": ""} == alone.to_dict() | {"query": ""}


def test_canonical_atom_order_maps_spellings_onto_each_other() -> None:
    one, two = (Chem.MolFromSmiles(text) for text in SPELLINGS[0])
    order_one, order_two = canonical_atom_order(one), canonical_atom_order(two)
    assert sorted(order_one) == list(range(one.GetNumAtoms()))
    for a, b in zip(order_one, order_two, strict=True):
        assert one.GetAtomWithIdx(a).GetSymbol() == two.GetAtomWithIdx(b).GetSymbol()
        assert one.GetAtomWithIdx(a).GetDegree() == two.GetAtomWithIdx(b).GetDegree()
