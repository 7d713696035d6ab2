"""Legal class definitions and derivative wordings as structural rules.

Each rule is one legal text (the US and Chinese fentanyl-related-substance classes; the
derivative wording of the US 4-AP and 4-piperidone listings; Canada's "derivatives and
analogues" of 4-AP and ANPP) turned into code that reports *which* conditions of the text a
structure meets and the atoms that meet them. The fentanyl classes use one generic core,
4-(N-aryl-N-acyl-amino)piperidine, and classify every modification by inspecting the matched
atoms' neighbourhoods with the words of the legal text (patterns.py); no analogue is written
down as its own pattern.

Fentanyl itself is not a class match: both texts describe substances that differ from fentanyl
by one or more modifications, and fentanyl is listed by name everywhere. ``is_fentanyl_class``
still says True for it (it is a fentanyl-class opioid for route search).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, cast

import yaml
from rdkit import Chem

from fentrace.chemistry import patterns as p
from fentrace.exc import ConfigError, UsageError
from fentrace.reference import KnowledgeBase, load_knowledge_base

RULES_FILE = "legal_rules.yaml"

US_CONDITION_TEXT = {
    "A": "the phenethyl's phenyl is replaced by, or is, a substituted monocycle",
    "B": "the phenethyl group bears {kinds}",
    "C": "the piperidine ring bears {kinds}",
    "D": "the aniline ring is replaced by, or is, a substituted aromatic monocycle",
    "E": "the N-propionyl group is replaced by another acyl group",
}
CN_CONDITION_TEXT = {
    "1": "another acyl group replaces the propionyl group",
    "2": "a substituted or other monocyclic aromatic group replaces the N-phenyl",
    "3": "the piperidine ring bears {kinds}",
    "4": "another group replaces the phenethyl group",
}


@dataclass(frozen=True)
class ClassMatch:
    """One legal class or derivative rule that a structure falls under, with its evidence."""

    rule_id: str
    kind: Literal["class", "derivative"]
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
class WordSpan:
    """One derivative word (or "class") of one legal instrument, and when it applies."""

    word: str
    since: date
    end: date | None = None
    control_id: str | None = None

    def in_force(self, as_of: date) -> bool:
        """True when the instrument has taken effect on ``as_of`` and not yet ended."""
        return self.since <= as_of and (self.end is None or as_of < self.end)


@dataclass(frozen=True)
class LegalRule:
    """The legal record behind a structural rule: what text, where, since when, how sure."""

    rule_id: str
    kind: Literal["class", "derivative"]
    jurisdiction: str
    name: str
    citation: str
    source: str
    since: date
    verified: bool
    class_id: str | None = None
    target: str | None = None
    spans: tuple[WordSpan, ...] = ()

    def span_for(self, word: str, as_of: date) -> WordSpan | None:
        """The instrument that makes ``word`` (e.g. "halides", "class") apply on ``as_of``."""
        for span in self.spans:
            if span.word == word and span.in_force(as_of):
                return span
        return None


def _as_date(value: Any, record: str, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ConfigError(f"{RULES_FILE}, rule {record}, field {field!r}: {error}") from error


def parse_rules(raw: Any) -> tuple[LegalRule, ...]:
    """Validate the rules file's content and build the legal records."""
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        raise ConfigError(f"{RULES_FILE}: expected a mapping with a 'rules' list")
    rules: list[LegalRule] = []
    for position, item in enumerate(raw["rules"], start=1):
        if not isinstance(item, dict):
            raise ConfigError(f"{RULES_FILE}, rule {position}: expected a mapping")
        record = str(item.get("rule_id", position))
        missing = [
            key
            for key in ("rule_id", "kind", "jurisdiction", "name", "citation", "since", "source")
            if key not in item
        ]
        if missing:
            raise ConfigError(f"{RULES_FILE}, rule {record}: missing {', '.join(missing)}")
        if item["kind"] not in ("class", "derivative"):
            raise ConfigError(f"{RULES_FILE}, rule {record}, field 'kind': {item['kind']!r}")
        since = _as_date(item["since"], record, "since")
        words = item.get("words") or {}
        if not isinstance(words, dict):
            raise ConfigError(f"{RULES_FILE}, rule {record}, field 'words': expected a mapping")
        spans = tuple(
            WordSpan(str(word), _as_date(day, record, f"words.{word}"))
            for word, day in words.items()
        ) or (WordSpan("class", since),)
        rules.append(
            LegalRule(
                rule_id=str(item["rule_id"]),
                kind=cast(Literal["class", "derivative"], item["kind"]),
                jurisdiction=str(item["jurisdiction"]),
                name=str(item["name"]),
                citation=str(item["citation"]),
                source=str(item["source"]),
                since=since,
                verified=bool(item.get("verified", False)),
                class_id=item.get("class_id"),
                target=item.get("target"),
                spans=spans,
            )
        )
    return tuple(rules)


def _kb_word(word: str) -> str:
    return word.replace("_", " ")


def with_kb_records(rules: tuple[LegalRule, ...], kb: KnowledgeBase) -> tuple[LegalRule, ...]:
    """Take citation, dates, end dates and sources from the knowledge base's records.

    A class rule applies while a class control of its class id is in force; a derivative word
    applies while a control of the rule's jurisdiction and target that lists the word is in
    force. The file's values stay only where the knowledge base has no record.
    """
    updated: list[LegalRule] = []
    for rule in rules:
        if rule.kind == "class" and rule.class_id is not None and rule.class_id in kb.classes:
            record = kb.classes[rule.class_id]
            controls = kb.controls_for("class", record.id)
            spans = tuple(WordSpan("class", c.effective, c.end, c.id) for c in controls) or (
                WordSpan("class", record.effective, record.end, None),
            )
            rule = replace(
                rule,
                citation=record.citation,
                since=min(s.since for s in spans),
                source=kb.format_sources(record.source_ids) or rule.source,
                spans=spans,
            )
        elif rule.kind == "derivative" and rule.target is not None:
            listings = [
                c
                for c in kb.controls_for("substance", rule.target)
                if c.jurisdiction == rule.jurisdiction
                and any(_kb_word(w) in {s.word for s in rule.spans} for w in c.derivatives)
            ]
            if listings:
                spans = tuple(
                    WordSpan(_kb_word(word), c.effective, c.end, c.id)
                    for c in listings
                    for word in c.derivatives
                    if _kb_word(word) in {s.word for s in rule.spans}
                )
                ids = tuple(dict.fromkeys(i for c in listings for i in c.source_ids))
                rule = replace(
                    rule,
                    since=min(s.since for s in spans),
                    source=kb.format_sources(ids) or rule.source,
                    verified=rule.verified and all(c.verified for c in listings),
                    spans=spans,
                )
        updated.append(rule)
    return tuple(updated)


@lru_cache(maxsize=1)
def legal_rules() -> dict[str, LegalRule]:
    """The legal records of every structural rule, keyed by rule id (loaded once)."""
    text = resources.files("fentrace.chemistry").joinpath("data", RULES_FILE).read_text("utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{RULES_FILE}: not valid YAML: {error}") from error
    rules = with_kb_records(parse_rules(raw), load_knowledge_base())
    return {rule.rule_id: rule for rule in rules}


# --------------------------------------------------------------------------- fentanyl core


@dataclass(frozen=True)
class CoreAnalysis:
    """What one match of the fentanyl core says about the US and Chinese class conditions.

    ``us``/``cn`` are the conditions met, or None when the structure falls outside that text
    (for example a substituent the text does not name). Empty conditions mean fentanyl itself.
    """

    us: tuple[str, ...] | None
    us_atoms: tuple[int, ...]
    us_details: dict[str, str]
    cn: tuple[str, ...] | None
    cn_atoms: tuple[int, ...]
    cn_details: dict[str, str]
    modified: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Phenethyl:
    chain: tuple[int, int]
    ring: tuple[int, ...]
    side: tuple[p.Substituent, ...]
    ring_subs: tuple[p.Substituent, ...]


def _find_arylethyl(
    mol: Chem.Mol, n1: int, core: set[int], broad: bool = False
) -> _Phenethyl | None:
    """The N1-CH2-CH2-monocycle group (substituents allowed on all three parts), if present.

    ``broad``: the contested reading in which a ring with another ring fused onto it is a
    substituted monocycle (the fused system is one substituent of the ring).
    """
    outside = [a for a in p.heavy_neighbours(mol.GetAtomWithIdx(n1)) if a.GetIdx() not in core]
    if len(outside) != 1:
        return None
    first = outside[0]
    if not _is_chain_carbon(first) or _bond(mol, n1, first.GetIdx()) != Chem.BondType.SINGLE:
        return None
    for second in p.heavy_neighbours(first):
        if second.GetIdx() == n1 or not _is_chain_carbon(second):
            continue
        if _bond(mol, first.GetIdx(), second.GetIdx()) != Chem.BondType.SINGLE:
            continue
        for ring_atom in p.heavy_neighbours(second):
            if ring_atom.GetIdx() == first.GetIdx() or not ring_atom.IsInRing():
                continue
            ring = p.ring_of(mol, ring_atom.GetIdx())
            fused = False
            if ring is None and broad:
                ring = p.ring_with_fused(mol, ring_atom.GetIdx(), aromatic=False)
                fused = ring is not None
            if ring is None:
                continue
            group = core | {first.GetIdx(), second.GetIdx()} | set(ring)
            side = p.substituents(mol, (first.GetIdx(), second.GetIdx()), group)
            ring_subs = (
                p.substituents_with_fused(mol, ring, group)
                if fused
                else p.substituents(mol, ring, group)
            )
            if side is None or ring_subs is None:
                continue
            return _Phenethyl(
                (first.GetIdx(), second.GetIdx()), ring, tuple(side), tuple(ring_subs)
            )
    return None


def _is_chain_carbon(atom: Chem.Atom) -> bool:
    return atom.GetAtomicNum() == 6 and not atom.IsInRing() and not atom.GetIsAromatic()


def _bond(mol: Chem.Mol, a: int, b: int) -> Chem.BondType:
    return mol.GetBondBetweenAtoms(a, b).GetBondType()


def _kinds(subs: tuple[p.Substituent, ...] | list[p.Substituent]) -> str:
    names = sorted({s.kind for s in subs})
    if len(names) == 1 and len(subs) > 1:
        return f"{names[0]} groups"
    if len(names) == 1:
        article = "an" if names[0][0] in "aeiou" else "a"
        return f"{article} {names[0]} group"
    return ", ".join(names[:-1]) + f" and {names[-1]} groups"


def _fused_words(subs: Sequence[p.Substituent]) -> str:
    """ " with a fused ring (broad reading of 'monocycle')" when a fused system was read."""
    if any(s.kind == p.FUSED_RING for s in subs):
        return " with a fused ring (broad reading of 'monocycle')"
    return ""


def _ring_name(mol: Chem.Mol, ring: tuple[int, ...]) -> str:
    if p.is_benzene_ring(mol, ring):
        return "phenyl"
    elements = sorted(
        {
            mol.GetAtomWithIdx(i).GetSymbol()
            for i in ring
            if mol.GetAtomWithIdx(i).GetAtomicNum() != 6
        }
    )
    aromatic = "aromatic " if p.is_aromatic_ring(mol, ring) else ""
    hetero = f" with {', '.join(elements)}" if elements else ""
    return f"{len(ring)}-membered {aromatic}ring{hetero}"


def _analyse_match(
    mol: Chem.Mol, match: tuple[int, ...], broad: bool = False
) -> CoreAnalysis | None:
    core = set(match)
    n1, aniline_n, aryl = match[p.CORE_N1], match[p.CORE_NAN], match[p.CORE_ARYL]
    acyl = match[p.CORE_ACYL]
    aryl_ring = p.ring_of(mol, aryl)
    aryl_fused = False
    if aryl_ring is None and broad:
        aryl_ring = p.ring_with_fused(mol, aryl, aromatic=True)
        aryl_fused = aryl_ring is not None
    if aryl_ring is None or not p.is_aromatic_ring(mol, aryl_ring):
        return None  # neither text covers a fused (literal reading) or non-aromatic ring
    aryl_subs = (
        p.substituents_with_fused(mol, aryl_ring, core)
        if aryl_fused
        else p.substituents(mol, aryl_ring, set(aryl_ring) | core)
    )
    acyl_subs = p.substituents(mol, (acyl,), core)
    if aryl_subs is None or acyl_subs is None:
        return None
    acyl_kind = p.acyl_kind(mol, acyl, aniline_n)
    aryl_modified = not p.is_benzene_ring(mol, aryl_ring) or bool(aryl_subs)
    acyl_atoms = tuple(a for s in acyl_subs for a in s.atoms)

    arylethyl = _find_arylethyl(mol, n1, core, broad)
    n1_outside = [
        a.GetIdx() for a in p.heavy_neighbours(mol.GetAtomWithIdx(n1)) if a.GetIdx() not in core
    ]
    n1_group: set[int] = set()
    if n1_outside:
        n1_group = set(p.fragment_atoms(mol, n1_outside[0], core))
    pip_carbons = [match[i] for i in (p.CORE_C2, p.CORE_C3, p.CORE_C4, p.CORE_C5, p.CORE_C6)]
    pip_subs = p.substituents(mol, pip_carbons, core | n1_group | set(acyl_atoms))
    if pip_subs is None:
        return None
    # the aniline ring and what hangs off it and off the piperidine: the atoms a modification
    # (C, D; China 2, 3) is about, so that a drawing highlights them
    modified_atoms = (
        set(aryl_ring)
        | {a for sub in aryl_subs for a in sub.atoms}
        | {a for sub in pip_subs for a in sub.atoms}
    )
    exact_phenethyl = (
        arylethyl is not None
        and p.is_benzene_ring(mol, arylethyl.ring)
        and not arylethyl.side
        and not arylethyl.ring_subs
    )

    # United States, 21 U.S.C. 812(c) Schedule I(e) / 83 FR 5188: modifications A-E only.
    us: tuple[str, ...] | None = None
    us_atoms: tuple[int, ...] = ()
    us_details: dict[str, str] = {}
    if arylethyl is not None and all(s.kind in p.PIPERIDINE_KINDS for s in pip_subs):
        side_ok = all(s.kind in p.PHENETHYL_KINDS for s in arylethyl.side)
        if side_ok:
            codes: list[str] = []
            ring_name = _ring_name(mol, arylethyl.ring)
            if not p.is_benzene_ring(mol, arylethyl.ring) or arylethyl.ring_subs:
                codes.append("A")
                us_details["A"] = (
                    f"the phenethyl's phenyl is a {'substituted ' if arylethyl.ring_subs else ''}"
                    f"{ring_name}{_fused_words(arylethyl.ring_subs)}"
                )
            phenethyl_subs = list(arylethyl.side) + [
                s for s in arylethyl.ring_subs if s.kind in p.PHENETHYL_KINDS
            ]
            if arylethyl.side or (
                arylethyl.ring_subs
                and all(s.kind in p.PHENETHYL_KINDS for s in arylethyl.ring_subs)
            ):
                codes.append("B")
                us_details["B"] = US_CONDITION_TEXT["B"].format(kinds=_kinds(phenethyl_subs))
            if pip_subs:
                codes.append("C")
                us_details["C"] = US_CONDITION_TEXT["C"].format(kinds=_kinds(pip_subs))
            if aryl_modified:
                codes.append("D")
                us_details["D"] = (
                    f"the aniline ring is a {'substituted ' if aryl_subs else ''}"
                    f"{_ring_name(mol, aryl_ring)}{_fused_words(aryl_subs)}"
                )
            if acyl_kind != "propionyl":
                codes.append("E")
                us_details["E"] = f"the N-propionyl group is replaced by a {acyl_kind} group"
            us = tuple(codes)
            phenethyl_atoms = {a for sub in arylethyl.side + arylethyl.ring_subs for a in sub.atoms}
            us_atoms = tuple(
                sorted(
                    core
                    | set(arylethyl.chain)
                    | set(arylethyl.ring)
                    | phenethyl_atoms
                    | set(acyl_atoms)
                    | modified_atoms
                )
            )

    # China, 2019 announcement: conditions 1-4; the phenethyl may be replaced by any group.
    cn: tuple[str, ...] | None = None
    cn_atoms: tuple[int, ...] = ()
    cn_details: dict[str, str] = {}
    if n1_outside:
        codes = []
        if acyl_kind != "propionyl":
            codes.append("1")
            cn_details["1"] = f"a {acyl_kind} group replaces the propionyl group"
        if aryl_modified:
            codes.append("2")
            cn_details["2"] = (
                f"a {'substituted ' if aryl_subs else ''}{_ring_name(mol, aryl_ring)}"
                f"{_fused_words(aryl_subs)} replaces the N-phenyl"
            )
        if pip_subs:
            codes.append("3")
            cn_details["3"] = CN_CONDITION_TEXT["3"].format(kinds=_kinds(pip_subs))
        if not exact_phenethyl:
            codes.append("4")
            cn_details["4"] = "another group replaces the phenethyl group"
        cn = tuple(codes)
        cn_atoms = tuple(sorted(core | n1_group | set(acyl_atoms) | modified_atoms))
    if us is None and cn is None:
        return None
    changed = {a for sub in pip_subs for a in sub.atoms}
    if aryl_modified:
        changed |= set(aryl_ring) | {a for sub in aryl_subs for a in sub.atoms}
    if acyl_kind != "propionyl":
        changed |= {acyl, match[p.CORE_ACYL_O], *acyl_atoms}
    if arylethyl is not None:
        changed |= {a for sub in arylethyl.side + arylethyl.ring_subs for a in sub.atoms}
        if not p.is_benzene_ring(mol, arylethyl.ring):
            changed |= set(arylethyl.ring)
    elif n1_outside:
        changed |= n1_group
    return CoreAnalysis(us, us_atoms, us_details, cn, cn_atoms, cn_details, tuple(sorted(changed)))


def analyse_fentanyl_core(mol: Chem.Mol, reading: str = "literal") -> CoreAnalysis | None:
    """The best reading of the fentanyl core in ``mol`` (US and China), or None.

    ``reading`` is how "monocycle" is read (:data:`MONOCYCLE_READINGS`).
    """
    broad = _is_broad(reading)
    best: CoreAnalysis | None = None
    for match in mol.GetSubstructMatches(p.FENTANYL_CORE, uniquify=False, maxMatches=64):
        analysis = _analyse_match(mol, match, broad)
        if analysis is None:
            continue
        if analysis.us is not None and analysis.cn is not None:
            return analysis
        if best is None or (best.us is None and analysis.us is not None):
            best = analysis
    return best


def modified_atoms(mol: Chem.Mol) -> tuple[int, ...]:
    """The atoms where a fentanyl-class structure differs from fentanyl (for drawings)."""
    mol = p.prepared(mol)
    analysis = analyse_fentanyl_core(mol) if mol.HasSubstructMatch(p.FENTANYL_CORE) else None
    return () if analysis is None else analysis.modified


def is_fentanyl_class(mol: Chem.Mol) -> bool:
    """True for fentanyl and every structure in the US or Chinese class (date-free)."""
    mol = p.prepared(mol)
    if not mol.HasSubstructMatch(p.FENTANYL_CORE):
        return False
    return analyse_fentanyl_core(mol) is not None


def could_match_any_rule(mol: Chem.Mol) -> bool:
    """Cheap prefilter: False when no class or derivative rule can possibly match."""
    mol = p.prepared(mol)
    return any(mol.HasSubstructMatch(pattern) for pattern in p.prefilter_patterns())


# --------------------------------------------------------------------------- derivative words


def _anilinopiperidine_words(mol: Chem.Mol) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """Derivative words of 4-AP (amide, carbamate, halide) the structure shows, with atoms."""
    for match in mol.GetSubstructMatches(p.ANILINOPIPERIDINE, maxMatches=16):
        core = set(match)
        words: set[str] = set()
        atoms = set(core)
        ok = True
        for nitrogen in (match[p.AP_N1], match[p.AP_NAN]):
            kind, group = p.nitrogen_group(mol, nitrogen, core)
            if kind == "other":
                ok = False
                break
            if kind != "H":
                words.add(kind)
                atoms |= set(group)
        if not ok:
            continue
        carbons = [match[i] for i in p.AP_PIPERIDINE_CARBONS + p.AP_BENZENE]
        subs = p.substituents(mol, carbons, atoms)
        if subs is None or any(s.kind != "halo" for s in subs):
            continue
        if subs:
            words.add("halide")
            atoms |= {a for s in subs for a in s.atoms}
        return tuple(sorted(words)), tuple(sorted(atoms))
    return None


def _piperidone_words(mol: Chem.Mol) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """Derivative words of 4-piperidone (acetal, amide, carbamate) the structure shows."""
    for match in mol.GetSubstructMatches(p.PIPERIDONE, maxMatches=8):
        core = set(match)
        words: set[str] = set()
        atoms = set(core)
        c4 = mol.GetAtomWithIdx(match[p.PIP_C4])
        c4_groups = p.substituents(mol, (c4.GetIdx(),), core)
        if p.heavy_degree(c4) == 4:
            oxygens = [n for n in c4.GetNeighbors() if n.GetAtomicNum() == 8]
            group = {a for o in oxygens for a in p.fragment_atoms(mol, o.GetIdx(), core)}
            elements = {mol.GetAtomWithIdx(i).GetAtomicNum() for i in group}
            if (
                len(oxygens) != 2
                or any(p.heavy_degree(o) != 2 for o in oxygens)
                or not elements <= {6, 8}
                or any(mol.GetAtomWithIdx(i).GetIsAromatic() for i in group)
            ):
                continue
            words.add("acetal")
            atoms |= group
        elif c4_groups is None or len(c4_groups) != 1:
            continue
        else:
            atoms |= {a for s in c4_groups for a in s.atoms}
        kind, n_group = p.nitrogen_group(mol, match[p.PIP_N1], core)
        if kind == "other":
            continue
        if kind != "H":
            words.add(kind)
            atoms |= set(n_group)
        ring_subs = p.substituents(mol, [match[i] for i in p.PIP_RING_CARBONS], atoms)
        if ring_subs is None or ring_subs:
            continue
        return tuple(sorted(words)), tuple(sorted(atoms))
    return None


WORD_OF = {"amide": "amides", "carbamate": "carbamates", "halide": "halides", "acetal": "acetals"}


def _canonical(smiles: str) -> str:
    return str(Chem.MolToSmiles(Chem.MolFromSmiles(smiles)))


@lru_cache(maxsize=1)
def _listed_parents() -> dict[str, str]:
    """Canonical SMILES of the parents whose "derivatives and analogues" Canada lists."""
    return {
        "4AP": _canonical("c1ccc(NC2CCNCC2)cc1"),
        "ANPP": _canonical("c1ccc(CCN2CCC(Nc3ccccc3)CC2)cc1"),
        "NORF": _canonical("CCC(=O)N(c1ccccc1)C1CCNCC1"),
    }


def _canada_4ap(mol: Chem.Mol) -> tuple[int, ...] | None:
    """A 4-anilinopiperidine skeleton with anything attached (not 4-AP itself)."""
    for match in mol.GetSubstructMatches(p.ANILINOPIPERIDINE, maxMatches=16):
        if Chem.MolToSmiles(mol) != _listed_parents()["4AP"]:
            return tuple(sorted(match))
    return None


def _canada_anpp(mol: Chem.Mol) -> tuple[int, ...] | None:
    """A 4-anilinopiperidine with an N1-CH2-CH2-monocycle group (not ANPP itself)."""
    for match in mol.GetSubstructMatches(p.ANILINOPIPERIDINE, maxMatches=16):
        arylethyl = _find_arylethyl(mol, match[p.AP_N1], set(match))
        if arylethyl is None or Chem.MolToSmiles(mol) == _listed_parents()["ANPP"]:
            continue
        return tuple(sorted(set(match) | set(arylethyl.chain) | set(arylethyl.ring)))
    return None


def _canada_norfentanyl(mol: Chem.Mol) -> tuple[int, ...] | None:
    """The N-aryl-N-(piperidin-4-yl)amide skeleton of norfentanyl (not norfentanyl itself)."""
    for match in mol.GetSubstructMatches(p.FENTANYL_CORE, maxMatches=16):
        if Chem.MolToSmiles(mol) != _listed_parents()["NORF"]:
            return tuple(sorted(match))
    return None


# --------------------------------------------------------------------------- the one pass


def _class_match(
    rule: LegalRule,
    span: WordSpan,
    conditions: tuple[str, ...],
    atoms: tuple[int, ...],
    explanation: str,
    parent: str | None = None,
) -> ClassMatch:
    return ClassMatch(
        rule_id=rule.rule_id,
        kind=rule.kind,
        jurisdiction=rule.jurisdiction,
        class_id=rule.class_id,
        control_id=span.control_id,
        parent_substance=parent if parent is not None else rule.target,
        name=rule.name,
        conditions=conditions,
        atoms=atoms,
        citation=rule.citation,
        source=rule.source,
        since=span.since,
        verified=rule.verified,
        explanation=explanation,
    )


def _fentanyl_class_matches(
    analysis: CoreAnalysis, rules: dict[str, LegalRule], as_of: date
) -> list[ClassMatch]:
    found: list[ClassMatch] = []
    for rule_id, conditions, atoms, details, wording in (
        ("us-frs", analysis.us, analysis.us_atoms, analysis.us_details, "with modification(s)"),
        ("cn-frs", analysis.cn, analysis.cn_atoms, analysis.cn_details, "meeting condition(s)"),
    ):
        rule = rules[rule_id]
        span = rule.span_for("class", as_of)
        if not conditions or span is None:
            continue
        said = "; ".join(f"({c}) {details[c]}" for c in conditions)
        explanation = f"Fentanyl core {wording} {', '.join(conditions)}: {said}."
        found.append(_class_match(rule, span, conditions, atoms, explanation, parent="FENT"))
    return found


def _derivative_word_matches(
    mol: Chem.Mol, rules: dict[str, LegalRule], as_of: date
) -> list[ClassMatch]:
    found: list[ClassMatch] = []
    for rule_id, reader, parent_name in (
        ("us-4ap-derivatives", _anilinopiperidine_words, "4-AP"),
        ("us-4piperidone-derivatives", _piperidone_words, "4-piperidone"),
    ):
        rule = rules[rule_id]
        read = reader(mol)
        if read is None or not read[0]:
            continue
        words, atoms = read
        spans = [rule.span_for(WORD_OF[w], as_of) for w in words]
        if len(words) > 1 and rule_id == "us-4ap-derivatives":
            spans.append(rule.span_for("combinations", as_of))
        if any(span is None for span in spans):
            continue  # a word (e.g. "halides" before 2023-11-30) not yet in force
        latest = max((s for s in spans if s is not None), key=lambda s: s.since)
        covered = " and ".join(WORD_OF[w] for w in words)
        combined = " in combination" if len(words) > 1 else ""
        explanation = (
            f"A {' and '.join(words)} of {parent_name}: the listing covers its {covered}{combined}."
        )
        found.append(_class_match(rule, latest, words, atoms, explanation))
    for rule_id, skeleton_reader, what in (
        ("ca-4ap-derivatives", _canada_4ap, "4-anilinopiperidine"),
        ("ca-anpp-derivatives", _canada_anpp, "4-anilino-1-(2-arylethyl)piperidine"),
        ("ca-norf-derivatives", _canada_norfentanyl, "N-aryl-N-(piperidin-4-yl)amide"),
    ):
        rule = rules[rule_id]
        span = rule.span_for("derivatives and analogues", as_of)
        if span is None:
            continue
        skeleton = skeleton_reader(mol)
        if skeleton is not None:
            explanation = (
                f"Contains the {what} skeleton with further groups; read as a derivative or "
                "analogue (an interpretive reading, not verified)."
            )
            found.append(
                _class_match(rule, span, ("derivatives and analogues",), skeleton, explanation)
            )
    return found


def class_matches(mol: Chem.Mol, as_of: date, reading: str = "literal") -> list[ClassMatch]:
    """Every class and derivative rule in force on ``as_of`` that the structure falls under.

    ``reading`` is how the class texts' "monocycle" is read (:data:`MONOCYCLE_READINGS`).
    """
    broad = _is_broad(reading)
    mol = p.prepared(mol)
    if not could_match_any_rule(mol):
        return []
    rules = legal_rules()
    found: list[ClassMatch] = []
    if mol.HasSubstructMatch(p.FENTANYL_CORE):
        analysis = analyse_fentanyl_core(mol, "broad" if broad else "literal")
        if analysis is not None:
            found.extend(_fentanyl_class_matches(analysis, rules, as_of))
    found.extend(_derivative_word_matches(mol, rules, as_of))
    return found


# --------------------------------------------------------------------------- contested readings

#: How the class texts' "monocycle" (US modifications A and D; China condition 2) is read:
#: ``literal`` -- an isolated ring only, so a ring with another ring fused onto it
#: (3,4-methylenedioxyphenyl, benzofuranyl, indolyl, quinolinyl) is outside; ``broad`` -- the
#: ring the group is attached by is the monocycle and the fused ring is one of its
#: substituents ("whether or not further substituted").
MONOCYCLE_READINGS: tuple[str, ...] = ("literal", "broad")

#: The rule's note shown with every contested reading.
MONOCYCLE_NOTE = (
    "Contested reading: the US text (modifications A and D) and the Chinese text (condition 2) "
    "speak of a monocycle or monocyclic aromatic group 'whether or not further substituted'. "
    "Read literally, a ring with another ring fused onto it (3,4-methylenedioxyphenyl, "
    "benzofuranyl, indolyl, quinolinyl) is not a monocycle and the structure is outside the "
    "class; read broadly, the ring the group is attached by is the monocycle and the fused ring "
    "is a substituent on it. No court ruling or agency guidance settling the question is in "
    "the knowledge base; the reading used to decide is a setting (monocycle_reading)."
)


def _is_broad(reading: str) -> bool:
    if reading not in MONOCYCLE_READINGS:
        raise UsageError(
            f"monocycle reading {reading!r}: expected one of {', '.join(MONOCYCLE_READINGS)}"
        )
    return reading == "broad"


@dataclass(frozen=True)
class ContestedReading:
    """One class rule whose outcome depends on how "monocycle" is read, both readings shown."""

    rule_id: str
    jurisdiction: str
    literal: tuple[str, ...] | None
    broad: tuple[str, ...] | None
    #: The class match under the broad reading (None when that reading puts it outside).
    broad_match: ClassMatch | None
    literal_match: ClassMatch | None
    note: str = MONOCYCLE_NOTE


def contested_readings(mol: Chem.Mol, as_of: date) -> list[ContestedReading]:
    """The fentanyl class rules in force whose outcome for ``mol`` depends on the reading.

    Empty for nearly every structure: only a fentanyl core whose anilino aryl or arylethyl
    ring has a ring fused onto it reads differently.
    """
    mol = p.prepared(mol)
    if not mol.HasSubstructMatch(p.FENTANYL_CORE):
        return []
    literal = analyse_fentanyl_core(mol, "literal")
    broad = analyse_fentanyl_core(mol, "broad")
    if literal == broad:
        return []
    rules = legal_rules()
    literal_matches = {
        m.rule_id: m for m in (_fentanyl_class_matches(literal, rules, as_of) if literal else [])
    }
    broad_matches = {
        m.rule_id: m for m in (_fentanyl_class_matches(broad, rules, as_of) if broad else [])
    }
    found: list[ContestedReading] = []
    for rule_id in ("us-frs", "cn-frs"):
        said = literal_matches.get(rule_id)
        wide = broad_matches.get(rule_id)
        if (said is None) == (wide is None) and (
            said is None or wide is None or said.conditions == wide.conditions
        ):
            continue
        found.append(
            ContestedReading(
                rule_id=rule_id,
                jurisdiction=rules[rule_id].jurisdiction,
                literal=None if said is None else said.conditions,
                broad=None if wide is None else wide.conditions,
                broad_match=wide,
                literal_match=said,
            )
        )
    return found


# --------------------------------------------------------------------------- opioid pharmacophore

#: Largest group (heavy atoms) the plausibility test accepts on the anilide ring or the
#: piperidine carbons: the substituents of the known potent analogues (F, Cl, Br, CH3, OCH3,
#: CF3, CO2CH3, CH2OCH3) have at most four.
MAX_PHARMACOPHORE_SUBSTITUENT = 4
#: Largest acyl tail (heavy atoms after the carbonyl carbon): benzoyl and furanoyl (phenyl,
#: furanyl) and cyclopropanoyl sit well inside; a drug-sized acyl group does not.
MAX_PHARMACOPHORE_ACYL = 7


def opioid_pharmacophore(mol: Chem.Mol) -> tuple[int, ...] | None:
    """Atoms of the fentanyl opioid pharmacophore when the structure keeps it, else None.

    The pharmacophore a route must keep or install to make an opioid anyone makes: a *basic*
    piperidine nitrogen (bonded only to sp3 carbons) carrying a 2-arylethyl group (the second
    chain carbon may be a carbonyl, as in beta-ketofentanyl), and at C4 an N-acyl anilide on a
    benzene ring, with only small groups (at most four heavy atoms, acyclic) on the anilide
    ring and the piperidine and an acyl tail of at most seven heavy atoms. An N-aryl,
    N-sulfonyl, N-acyl or N-carbamoyl (urea) piperidine is not basic; no documented reaction
    removes those groups.
    """
    mol = p.prepared(mol)
    for match in mol.GetSubstructMatches(p.FENTANYL_CORE, maxMatches=16):
        atoms = _pharmacophore_atoms(mol, match)
        if atoms is not None:
            return atoms
    return None


def _pharmacophore_atoms(mol: Chem.Mol, match: tuple[int, ...]) -> tuple[int, ...] | None:
    core = set(match)
    n1 = mol.GetAtomWithIdx(match[p.CORE_N1])
    outside = [a for a in p.heavy_neighbours(n1) if a.GetIdx() not in core]
    if len(outside) != 1:
        return None
    first = outside[0]
    if not _is_chain_carbon(first) or first.GetHybridization() != Chem.HybridizationType.SP3:
        return None  # N-aryl, N-acyl, N-sulfonyl, urea: not a basic amine
    arylethyl: tuple[int, ...] | None = None
    for second in p.heavy_neighbours(first):
        if second.GetIdx() == n1.GetIdx() or not _is_chain_carbon(second):
            continue
        carbonyl = any(
            n.GetAtomicNum() == 8
            and _bond(mol, second.GetIdx(), n.GetIdx()) == Chem.BondType.DOUBLE
            for n in second.GetNeighbors()
        )
        if second.GetHybridization() != Chem.HybridizationType.SP3 and not carbonyl:
            continue
        ring_atom = next(
            (
                a
                for a in p.heavy_neighbours(second)
                if a.GetIdx() != first.GetIdx() and a.GetIsAromatic()
            ),
            None,
        )
        if ring_atom is not None:
            arylethyl = (first.GetIdx(), second.GetIdx(), ring_atom.GetIdx())
            break
    if arylethyl is None:
        return None
    aryl_ring = p.ring_of(mol, match[p.CORE_ARYL])
    if aryl_ring is None or not p.is_benzene_ring(mol, aryl_ring):
        return None
    aryl_subs = p.substituents(mol, aryl_ring, set(aryl_ring) | core)
    n1_group = set(p.fragment_atoms(mol, first.GetIdx(), core))
    pip_carbons = [match[i] for i in (p.CORE_C2, p.CORE_C3, p.CORE_C4, p.CORE_C5, p.CORE_C6)]
    acyl_subs = p.substituents(mol, (match[p.CORE_ACYL],), core)
    if aryl_subs is None or acyl_subs is None:
        return None
    acyl_atoms = {a for s in acyl_subs for a in s.atoms}
    pip_subs = p.substituents(mol, pip_carbons, core | n1_group | acyl_atoms)
    if pip_subs is None or len(acyl_atoms) > MAX_PHARMACOPHORE_ACYL:
        return None
    for sub in aryl_subs + pip_subs:
        if len(sub.atoms) > MAX_PHARMACOPHORE_SUBSTITUENT or any(
            mol.GetAtomWithIdx(i).IsInRing() for i in sub.atoms
        ):
            return None
    return tuple(sorted(core | set(arylethyl) | set(aryl_ring)))


def is_plausible_opioid(mol: Chem.Mol) -> bool:
    """True when the structure keeps the fentanyl opioid pharmacophore (see above)."""
    return opioid_pharmacophore(mol) is not None


def is_fentanyl_opioid(mol: Chem.Mol) -> bool:
    """True for fentanyl and the US-class analogues: the 1-(2-arylethyl) opioids routes aim at.

    China's class also covers structures whose phenethyl is replaced by any group (benzyl-
    fentanyl, Boc-norfentanyl); those are precursors to, not end products of, a fentanyl route.
    """
    mol = p.prepared(mol)
    if not mol.HasSubstructMatch(p.FENTANYL_CORE):
        return False
    analysis = analyse_fentanyl_core(mol)
    return analysis is not None and analysis.us is not None
