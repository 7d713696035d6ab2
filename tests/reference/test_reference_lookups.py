"""Every substance is found by its CAS number, InChIKey, name and each synonym, however typed."""

from __future__ import annotations

import pytest

from fentrace.reference import KnowledgeBase, load_knowledge_base

_KB = load_knowledge_base()
NAMES = [(s.id, n) for s in _KB.substances.values() for n in (s.name, *s.synonyms)]
CAS = [(s.id, s.cas) for s in _KB.substances.values() if s.cas]
KEYS = [(s.id, s.inchikey) for s in _KB.substances.values()]


def _variants(name: str) -> list[str]:
    """Spellings a clerk produces: case, hyphens as spaces, no hyphens, padded."""
    return [
        name,
        name.upper(),
        name.lower(),
        name.replace("-", " "),
        name.replace("-", ""),
        f"  {name} ",
    ]


@pytest.mark.parametrize(("sid", "name"), NAMES, ids=[f"{s}:{n}" for s, n in NAMES])
def test_by_name_and_synonym(kb: KnowledgeBase, sid: str, name: str) -> None:
    for variant in _variants(name):
        found = kb.substance_by_name(variant)
        assert found is not None, variant
        assert found.id == sid, variant


@pytest.mark.parametrize(("sid", "cas"), CAS, ids=[s for s, _ in CAS])
def test_by_cas(kb: KnowledgeBase, sid: str, cas: str) -> None:
    found = kb.substance_by_cas(cas)
    assert found is not None
    assert found.id == sid
    assert kb.find_substance(f" {cas} ") is found


@pytest.mark.parametrize(("sid", "key"), KEYS, ids=[s for s, _ in KEYS])
def test_by_inchikey(kb: KnowledgeBase, sid: str, key: str) -> None:
    found = kb.substance_by_inchikey(key.lower())
    assert found is not None
    assert found.id == sid


@pytest.mark.parametrize(
    ("query", "sid"),
    [
        ("α-methylfentanyl", "AMF"),
        ("ALPHA METHYLFENTANYL", "AMF"),
        ("β-hydroxyfentanyl", "BHF"),
        ("β-Hydroxy-3-methylfentanyl", "BHMF"),
        ("beta-bromoethylbenzene", "PEBr"),
        ("β-bromoethylbenzene", "PEBr"),
        ("fentanyl citrate", "FENT"),
        ("Fentanyl HCl", "FENT"),
        ("norfentanyl hydrochloride", "NORF"),
        ("4-ANPP dihydrochloride", "ANPP"),
        ("4-AP 2HCl", "4AP2HCl"),  # the salt row's own name wins over the base
        ("4-AP dihydrochloride", "4AP2HCl"),
        ("4-AP HCl", "4AP"),  # no monohydrochloride row: falls back to the base
        ("4-piperidone hydrochloride", "PIPHCl"),
        ("4-Piperidone HCl", "PIPHCl"),
        ("N-BOC-4-piperidone", "BOCPIP"),
        ("1-Boc-4-AP", "BOC4AP"),
        ("carfentanyl", "CARF"),
        ("npp", "NPP"),
    ],
)
def test_tolerant_name_lookup(kb: KnowledgeBase, query: str, sid: str) -> None:
    found = kb.substance_by_name(query)
    assert found is not None
    assert found.id == sid


@pytest.mark.parametrize(
    "query", ["lidocaine", "aspirin", "", "hydrochloride", "fentanylx", "gamma-methylfentanyl"]
)
def test_unknown_names(kb: KnowledgeBase, query: str) -> None:
    assert kb.substance_by_name(query) is None


@pytest.mark.parametrize("query", ["1609-66-7", "0000-00-0", "437-38-8"])
def test_unknown_cas(kb: KnowledgeBase, query: str) -> None:
    assert kb.substance_by_cas(query) is None


@pytest.mark.parametrize(
    ("query", "sid"),
    [
        ("npp", "NPP"),
        ("4ap2hcl", "4AP2HCl"),
        ("39742-60-4", "NPP"),
        ("ZCMDXDQUYIWEKB-UHFFFAOYSA-N", "ANPP"),
        ("Fentanilo", "FENT"),
    ],
)
def test_find_substance_tries_each_kind(kb: KnowledgeBase, query: str, sid: str) -> None:
    found = kb.find_substance(query)
    assert found is not None
    assert found.id == sid


def test_salt_inchikey_finds_the_salt_row(kb: KnowledgeBase) -> None:
    salt = kb.substance_by_inchikey(kb.substances["4AP2HCl"].inchikey)
    assert salt is not None
    assert salt.id == "4AP2HCl"
