"""screen_mol's combination of evidence, on a small knowledge-base double and stand-in rules.

The double (tests/chemistry/data/core/mini_kb.csv) lists each substance in one jurisdiction from
one date; the stand-in rules fire on fixed structures. This isolates the verdict logic --
precedence, dates, unverified records one level down -- from the bundled data and rules.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rdkit import Chem

from fentrace.chemistry import screen as screen_module
from fentrace.chemistry.identifiers import resolve
from fentrace.chemistry.kbindex import KBIndex, build_kb_index
from fentrace.chemistry.results import JurisdictionResult
from fentrace.chemistry.screen import Rules, decide_verdict, screen_mol, screen_resolution
from fentrace.reference.models import JURISDICTIONS

CORE = Path(__file__).parent / "data" / "core"


def load_minikb() -> Any:
    """The MiniKB class of data/core/minikb.py (a test double, not a package module)."""
    spec = importlib.util.spec_from_file_location("minikb", CORE / "minikb.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MiniKB


MiniKB = load_minikb()


@dataclass(frozen=True)
class FakeClassMatch:
    rule_id: str
    kind: str
    jurisdiction: str
    class_id: str | None
    control_id: str | None
    parent_substance: str | None
    name: str
    conditions: tuple[str, ...]
    atoms: tuple[int, ...]
    citation: str
    source: str
    since: date
    verified: bool
    explanation: str


@dataclass(frozen=True)
class FakeStep:
    reaction: str
    template_id: str
    reagent: str
    source: str
    product: str
    product_name: str | None
    product_substance: str | None


@dataclass(frozen=True)
class FakeRouteSearch:
    fentanyl_route: tuple[FakeStep, ...] | None
    controlled_route: tuple[FakeStep, ...] | None


@dataclass(frozen=True)
class FakeNeighbour:
    substance_id: str
    name: str
    family: str
    similarity: float


FENTANYL = "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"
CN_ONLY = "CCCCCCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1"  # heptanoyl: a stand-in class member
INTERPRETIVE = "Fc1ccc(NC2CCNCC2)cc1"  # caught only by an unverified (interpretive) rule
ROUTE_START = "O=C1CCN(Cc2ccccc2)CC1"  # benzylpiperidone: only a route
CLOSE = "O=C1CCN(CCc2ccccc2)CC1C"  # 3-methyl-NPP: only similar


def _fake_class_matches(mol: Chem.Mol, as_of: date) -> list[FakeClassMatch]:
    smiles = Chem.MolToSmiles(mol)
    out = []
    if smiles == Chem.CanonSmiles(CN_ONLY) and as_of >= date(2019, 5, 1):
        out.append(
            FakeClassMatch(
                "cn-frs",
                "class",
                "CN",
                "cn-frs",
                None,
                None,
                "China FRS",
                ("1",),
                (0, 1),
                "MPS announcement 2019",
                "src",
                date(2019, 5, 1),
                True,
                "another acyl group",
            )
        )
    if smiles == Chem.CanonSmiles(INTERPRETIVE):
        out.append(
            FakeClassMatch(
                "ca-4ap-analogues",
                "derivative",
                "CA",
                None,
                "ca-4ap",
                "4AP",
                "Canada PCR item 31 analogues",
                (),
                (1, 2),
                "SOR/2023-102",
                "src",
                date(2023, 8, 30),
                False,
                "an analogue of 4-AP",
            )
        )
    return out


def _fake_routes(mol: Chem.Mol, as_of: date, depth: int) -> FakeRouteSearch:
    if Chem.MolToSmiles(mol) == Chem.CanonSmiles(ROUTE_START):
        steps = (
            FakeStep(
                "reductive amination",
                "t1",
                "aniline",
                "Gupta 2005",
                "c1ccc(CN2CCC(Nc3ccccc3)CC2)cc1",
                None,
                None,
            ),
            FakeStep(
                "acylation",
                "t2",
                "propionyl chloride",
                "Gupta 2005",
                "CCC(=O)N(c1ccccc1)C1CCN(Cc2ccccc2)CC1",
                "Benzylfentanyl",
                "BZF",
            ),
        )
        return FakeRouteSearch(None, steps)
    return FakeRouteSearch(None, None)


def _fake_nearest(mol: Chem.Mol, k: int) -> list[FakeNeighbour]:
    if Chem.MolToSmiles(mol) == Chem.CanonSmiles(CLOSE):
        return [FakeNeighbour("NPP", "NPP", "precursor", 0.8)]
    return [FakeNeighbour("PIP", "4-Piperidone", "precursor", 0.1)]


FAKE_RULES = Rules(
    class_matches=_fake_class_matches,
    is_fentanyl_opioid=lambda mol: Chem.MolToSmiles(mol) == Chem.CanonSmiles(CN_ONLY),
    could_match_any_rule=lambda mol: True,
    search_routes=_fake_routes,
    can_react=lambda mol: True,
    nearest=_fake_nearest,
    watch_threshold=0.7,
)


@pytest.fixture
def mini() -> tuple[MiniKB, KBIndex]:
    kb = MiniKB()
    return kb, build_kb_index(kb.substances.values())


@pytest.fixture(autouse=True)
def _fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_module, "rules", lambda: FAKE_RULES)


def _screen(mini: tuple[MiniKB, KBIndex], query: str, as_of: date) -> dict[str, object]:
    kb, index = mini
    resolution = resolve(query, kb)
    result = screen_resolution(resolution, as_of, kb=kb, index=index)
    return result.to_dict()


VERDICT_CASES = [
    # (query, as_of, verdict, substance, US status)
    ("39742-60-4", date(2024, 1, 1), "controlled", "NPP", "controlled"),
    ("39742-60-4", date(2007, 4, 22), "clear", "NPP", "not_controlled"),  # the day before listing
    ("O=C1CCN(CCc2ccccc2)CC1.Cl", date(2007, 4, 23), "controlled", "NPP", "controlled"),
    ("4-anilinopiperidine dihydrochloride", date(2024, 1, 1), "controlled", "4AP", "controlled"),
    ("Cl.Cl.c1ccc(NC2CCNCC2)cc1", date(2020, 5, 14), "clear", "4AP", "not_controlled"),
    (CN_ONLY, date(2019, 5, 1), "class_controlled", None, "not_controlled"),
    (CN_ONLY, date(2019, 4, 30), "clear", None, "not_controlled"),
    (INTERPRETIVE, date(2024, 1, 1), "designer_precursor", None, "not_controlled"),
    (ROUTE_START, date(2024, 1, 1), "designer_precursor", None, "not_controlled"),
    (CLOSE, date(2024, 1, 1), "watch", None, "not_controlled"),
    ("CCO", date(2024, 1, 1), "clear", None, "not_controlled"),
    ("unverifiedfentanil", date(2024, 1, 1), "class_controlled", "UNV", "not_controlled"),
]


@pytest.mark.parametrize(("query", "as_of", "verdict", "substance", "us"), VERDICT_CASES)
def test_verdicts(
    mini: tuple[MiniKB, KBIndex],
    query: str,
    as_of: date,
    verdict: str,
    substance: str | None,
    us: str,
) -> None:
    result = _screen(mini, query, as_of)
    assert result["verdict"] == verdict
    assert result["substance"] == substance
    jurisdictions = result["jurisdictions"]
    assert isinstance(jurisdictions, dict)
    assert set(jurisdictions) == set(JURISDICTIONS)
    assert jurisdictions["US"]["status"] == us


def test_listed_jurisdiction_carries_basis_date_source(mini: tuple[MiniKB, KBIndex]) -> None:
    result = _screen(mini, "NPP", date(2024, 1, 1))
    us = result["jurisdictions"]["US"]  # type: ignore[index]
    assert us == {
        "status": "controlled",
        "basis": "21 CFR 1310.02(a)",
        "since": "2007-04-23",
        "source": "source of NPP",
        "verified": True,
        "list": "List I",
    }
    listed = result["matches"][0]  # type: ignore[index]
    assert listed["kind"] == "listed"
    assert listed["substance"] == "NPP"
    assert listed["similarity"] == 1.0


def test_class_controlled_jurisdiction_and_match(mini: tuple[MiniKB, KBIndex]) -> None:
    result = _screen(mini, CN_ONLY, date(2024, 1, 1))
    cn = result["jurisdictions"]["CN"]  # type: ignore[index]
    assert cn["status"] == "class_controlled"
    assert cn["since"] == "2019-05-01"
    assert cn["list"] == "cn-frs"
    assert result["family"] == "fentanyl"
    assert result["steps_to_fentanyl"] == 0
    match = result["matches"][0]  # type: ignore[index]
    assert match["kind"] == "class"
    assert match["conditions"] == ["1"]
    assert match["jurisdiction"] == "CN"
    assert match["atoms"] == [0, 1]


def test_unverified_records_are_one_level_down_with_a_note(mini: tuple[MiniKB, KBIndex]) -> None:
    listed = _screen(mini, "unverifiedfentanil", date(2024, 1, 1))
    assert listed["verdict"] == "class_controlled"
    assert "rests only on unverified records" in listed["notes"][0]  # type: ignore[index]
    assert listed["jurisdictions"]["CN"]["verified"] is False  # type: ignore[index]
    interpretive = _screen(mini, INTERPRETIVE, date(2024, 1, 1))
    assert interpretive["verdict"] == "designer_precursor"
    assert interpretive["jurisdictions"]["CA"]["status"] == "class_controlled"  # type: ignore[index]
    assert "CA class_controlled" in interpretive["notes"][0]  # type: ignore[index]


def test_route_is_reported(mini: tuple[MiniKB, KBIndex]) -> None:
    result = _screen(mini, ROUTE_START, date(2024, 1, 1))
    assert result["steps_to_fentanyl"] is None
    assert [step["template"] for step in result["route"]] == ["t1", "t2"]  # type: ignore[union-attr]
    assert result["family"] == "precursor"
    assert any(m["kind"] == "route" for m in result["matches"])  # type: ignore[union-attr]


DECIDE_CASES = [
    # (statuses as (status, verified), route, watch, verdict)
    ([("controlled", True)], False, False, "controlled"),
    ([("controlled", False)], False, False, "class_controlled"),
    ([("controlled", False), ("class_controlled", True)], False, False, "class_controlled"),
    ([("class_controlled", True)], True, True, "class_controlled"),
    ([("class_controlled", False)], False, False, "designer_precursor"),
    ([("class_controlled", False)], True, False, "designer_precursor"),
    ([], True, True, "designer_precursor"),
    ([], False, True, "watch"),
    ([], False, False, "clear"),
]


@pytest.mark.parametrize(("statuses", "route", "watch", "verdict"), DECIDE_CASES)
def test_decide_verdict(
    statuses: Sequence[tuple[str, bool]], route: bool, watch: bool, verdict: str
) -> None:
    jurisdictions = {
        code: JurisdictionResult(status=status, verified=verified, list="x")  # type: ignore[arg-type]
        for code, (status, verified) in zip(JURISDICTIONS, statuses, strict=False)
    }
    assert decide_verdict(jurisdictions, route, watch)[0] == verdict


def test_giant_molecule_is_rejected_unscreened(mini: tuple[MiniKB, KBIndex]) -> None:
    kb, index = mini
    giant = Chem.MolFromSmiles("C" * 1001)
    result = screen_mol("C" * 1001, "smiles", giant, date(2024, 1, 1), kb=kb, index=index)
    assert result.resolved is False
    assert result.error == "1001 heavy atoms: more than 1000, not screened"


@pytest.mark.parametrize(("best", "verdict", "similar"), [(0.2, "clear", 0), (0.9, "watch", 1)])
def test_batch_mode_ranks_neighbours_only_near_the_threshold(
    mini: tuple[Any, KBIndex],
    monkeypatch: pytest.MonkeyPatch,
    best: float,
    verdict: str,
    similar: int,
) -> None:
    calls: list[str] = []

    def nearest(mol: Chem.Mol, k: int) -> list[FakeNeighbour]:
        calls.append(Chem.MolToSmiles(mol))
        return [FakeNeighbour("NPP", "NPP", "precursor", best)]

    stand_in = Rules(None, None, None, None, None, nearest, 0.7, lambda mol: best)
    monkeypatch.setattr(screen_module, "rules", lambda: stand_in)
    kb, index = mini
    mol = Chem.MolFromSmiles("CCOc1ccccc1")
    batch = screen_mol(
        "q", "smiles", mol, date(2024, 1, 1), kb=kb, index=index, neighbours_always=False
    )
    assert batch.verdict == verdict
    assert len([m for m in batch.matches if m.kind == "similar"]) == similar
    assert len(calls) == similar
    single = screen_mol("q", "smiles", mol, date(2024, 1, 1), kb=kb, index=index)
    assert len([m for m in single.matches if m.kind == "similar"]) == 1  # single queries: always
