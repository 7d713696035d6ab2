"""``screen()``: is this chemical controlled, class-controlled, a designer precursor, or close?

One query goes through five stages, each cheap test first:

1. resolve the identifier (identifiers.py) and standardise it to its parent (standardise.py);
2. **listing** -- exact parent-SMILES lookup in the knowledge-base index; a hit gives the
   per-jurisdiction listed status on the as-of date (``kb.listed_status``);
3. **class rules** -- only when the rules' cheap prefilter says a rule could match
   (``could_match_any_rule``): every class definition and derivative rule in force; a
   jurisdiction where the substance is not listed but a class rule matches becomes
   ``class_controlled``;
4. **routes** -- only when a reaction template could apply (``can_react``): the fewest documented
   steps to a fentanyl-class opioid and to a controlled precursor (depth capped, so bounded);
5. **similarity** -- nearest knowledge-base neighbours, looked at when no rule fired.

Verdict precedence: controlled > class_controlled > designer_precursor > watch > clear.

Unverified records never decide a verdict alone. Two verdicts are worked out: from all the
evidence, and from the *verified* evidence only. When they differ, the verdict reported is one
level below the one from all the evidence (but never below the verified one), and a note names
the unverified records that would have decided more. For example, a substance whose only
listing is unverified, and on which nothing else fires, is reported ``class_controlled``, not
``controlled``; an unverified (interpretive) class rule alone gives ``designer_precursor``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from typing import Any, NamedTuple, Protocol

from rdkit import Chem, DataStructs

from fentrace.chemistry import classes, routes, similarity
from fentrace.chemistry.identifiers import Resolution, resolve
from fentrace.chemistry.kbindex import KBIndex, KnowledgeBase, kb_index, knowledge_base
from fentrace.chemistry.results import (
    VERDICTS,
    ContestedReadingResult,
    JurisdictionResult,
    Match,
    RouteLink,
    ScreenResult,
    Tier,
    Verdict,
)
from fentrace.chemistry.standardise import StandardisedMol, mol_to_inchikey, standardise
from fentrace.exc import UsageError
from fentrace.limits import BOUNDS, int_bound, over_limit
from fentrace.reference.models import JURISDICTIONS, JurisdictionStatus, Substance

#: Structures larger than this are rejected unscreened: no controlled substance comes close,
#: and substructure and route searches on polymers could take unbounded time.
MAX_HEAVY_ATOMS = int(BOUNDS["heavy_atoms"].default)
#: Route search depth: documented fentanyl routes from a listed precursor need at most 4 steps.
ROUTE_DEPTH = 4
#: How the class texts' "monocycle" may be read (classes.MONOCYCLE_READINGS); "literal" decides
#: unless a caller chooses "broad". Both readings are reported whenever they differ.
MONOCYCLE_READINGS: tuple[str, ...] = classes.MONOCYCLE_READINGS
DEFAULT_MONOCYCLE_READING = "literal"


class StructureBounds(NamedTuple):
    """The structure bounds screening enforces (``FENTRACE_MAX_HEAVY_ATOMS``,
    ``FENTRACE_MAX_RINGS``), read from the environment by :func:`structure_bounds`."""

    heavy_atoms: int
    rings: int


def structure_bounds() -> StructureBounds:
    """The structure bounds now (batch screening reads them once per batch, not per record:
    the environment look-ups showed in the batch profile)."""
    return StructureBounds(int_bound("heavy_atoms"), int_bound("rings"))


# --- what chemistry reads from the rules modules (classes, routes, similarity) --------------


class ClassMatchLike(Protocol):
    """What screening reads of a class match (classes.ClassMatch)."""

    @property
    def rule_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def jurisdiction(self) -> str: ...
    @property
    def class_id(self) -> str | None: ...
    @property
    def control_id(self) -> str | None: ...
    @property
    def parent_substance(self) -> str | None: ...
    @property
    def name(self) -> str: ...
    @property
    def conditions(self) -> tuple[str, ...]: ...
    @property
    def atoms(self) -> tuple[int, ...]: ...
    @property
    def citation(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def since(self) -> date: ...
    @property
    def verified(self) -> bool: ...
    @property
    def explanation(self) -> str: ...


class RouteStepLike(Protocol):
    """What screening reads of a route step (routes.RouteStep)."""

    @property
    def reaction(self) -> str: ...
    @property
    def template_id(self) -> str: ...
    @property
    def reagent(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def product(self) -> str: ...
    @property
    def product_name(self) -> str | None: ...
    @property
    def product_substance(self) -> str | None: ...


class RouteSearchLike(Protocol):
    """What screening reads of a route search (routes.RouteSearch)."""

    @property
    def fentanyl_route(self) -> tuple[RouteStepLike, ...] | None: ...
    @property
    def controlled_route(self) -> tuple[RouteStepLike, ...] | None: ...


class ContestedLike(Protocol):
    """What screening reads of a contested reading (classes.ContestedReading)."""

    @property
    def rule_id(self) -> str: ...
    @property
    def jurisdiction(self) -> str: ...
    @property
    def literal(self) -> tuple[str, ...] | None: ...
    @property
    def broad(self) -> tuple[str, ...] | None: ...
    @property
    def literal_match(self) -> ClassMatchLike | None: ...
    @property
    def broad_match(self) -> ClassMatchLike | None: ...
    @property
    def note(self) -> str: ...


class PharmacophoreLike(Protocol):
    """What screening reads of a pharmacophore match (similarity.PharmacophoreMatch)."""

    @property
    def atoms(self) -> tuple[int, ...]: ...
    def explanation(self) -> str: ...


class NeighbourLike(Protocol):
    """What screening reads of a neighbour (similarity.Neighbour)."""

    @property
    def substance_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def family(self) -> str: ...
    @property
    def similarity(self) -> float: ...


@dataclass(frozen=True)
class Rules:
    """The rule functions screening calls (tests pass stand-ins; None skips a stage)."""

    class_matches: Callable[[Chem.Mol, date], Sequence[ClassMatchLike]] | None
    #: Fentanyl or a US-class analogue: the end product a route aims at (0 steps). China's wider
    #: class (benzylfentanyl, Boc-norfentanyl) holds precursors, which still get their route.
    is_fentanyl_opioid: Callable[[Chem.Mol], bool] | None
    could_match_any_rule: Callable[[Chem.Mol], bool] | None
    search_routes: Callable[[Chem.Mol, date, int], RouteSearchLike] | None
    can_react: Callable[[Chem.Mol], bool] | None
    nearest: Callable[[Chem.Mol, int], Sequence[NeighbourLike]] | None
    watch_threshold: float | None
    #: The highest similarity to any reference, cheaper than ``nearest`` (no ranking); batch
    #: mode calls ``nearest`` only when this reaches the watch threshold.
    best_similarity: Callable[[Chem.Mol], float] | None = None
    #: The query keeps the fentanyl opioid pharmacophore (tier of a class-caught structure).
    is_plausible_opioid: Callable[[Chem.Mol], bool] | None = None
    #: Class rules whose outcome depends on how "monocycle" is read.
    contested_readings: Callable[[Chem.Mol, date], Sequence[ContestedLike]] | None = None
    #: Fentanyl's pharmacophore by feature types and distances (the second way onto watch).
    pharmacophore: Callable[[Chem.Mol], PharmacophoreLike | None] | None = None
    #: Morgan similarity a pharmacophore match needs to reach to put a structure on watch.
    pharmacophore_floor: float = 0.0


@lru_cache(maxsize=1)
def rules() -> Rules:
    """The rule functions of chemistry's classes, routes and similarity modules."""
    return Rules(
        class_matches=classes.class_matches,
        is_fentanyl_opioid=classes.is_fentanyl_opioid,
        could_match_any_rule=classes.could_match_any_rule,
        search_routes=routes.search_routes,
        can_react=routes.can_react,
        nearest=similarity.nearest,
        watch_threshold=similarity.WATCH_THRESHOLD,
        best_similarity=_best_similarity,
        is_plausible_opioid=classes.is_plausible_opioid,
        contested_readings=classes.contested_readings,
        pharmacophore=similarity.pharmacophore_match,
        pharmacophore_floor=similarity.PHARMACOPHORE_FLOOR,
    )


@lru_cache(maxsize=1)
def _reference_prints() -> list[DataStructs.ExplicitBitVect]:
    # one list for every call (building it per molecule showed in the batch profile)
    return list(similarity.reference_fingerprints()[1])


def _best_similarity(mol: Chem.Mol) -> float:
    """The highest Tanimoto similarity of ``mol`` to the similarity module's references."""
    prints = _reference_prints()
    if not prints:
        return 0.0
    return float(max(DataStructs.BulkTanimotoSimilarity(similarity.fingerprint(mol), prints)))


# --- evidence -> jurisdictions, matches, verdict ------------------------------------------------


def _listed_jurisdictions(
    kb: KnowledgeBase, substance: Substance | None, as_of: date
) -> dict[str, JurisdictionStatus]:
    if substance is None:
        return {}
    return dict(kb.listed_status(substance.id, as_of))


_NOT_CONTROLLED = {code: JurisdictionResult(status="not_controlled") for code in JURISDICTIONS}


def _jurisdictions(
    listed: dict[str, JurisdictionStatus], classes: Sequence[ClassMatchLike]
) -> dict[str, JurisdictionResult]:
    """Per jurisdiction: listed if listed; else class-controlled if a class rule matches."""
    if not listed and not classes:
        return dict(_NOT_CONTROLLED)  # the common case in bulk screening: one shared record
    out: dict[str, JurisdictionResult] = {}
    for code in JURISDICTIONS:
        status = listed.get(code)
        if status is not None and status.status != "not_controlled":
            # the knowledge base itself may say a class covers a listed substance (China 2019)
            out[code] = JurisdictionResult(
                status=status.status,
                basis=status.basis,
                since=status.since,
                source=status.source,
                verified=status.verified,
                list=status.list_name,
            )
            continue
        in_class = [m for m in classes if m.jurisdiction == code]
        if in_class:
            # a verified rule speaks before an interpretive one; then the oldest rule
            best = min(in_class, key=lambda m: (not m.verified, m.since))
            out[code] = JurisdictionResult(
                status="class_controlled",
                basis=f"{best.name}: {best.citation}",
                since=best.since,
                source=best.source,
                verified=best.verified,
                list=best.rule_id,
            )
            continue
        out[code] = JurisdictionResult(status="not_controlled")
    return out


def _level(verdict: Verdict) -> int:
    return VERDICTS.index(verdict)


def decide_verdict(
    jurisdictions: dict[str, JurisdictionResult],
    has_route: bool,
    is_watch: bool,
) -> tuple[Verdict, tuple[str, ...]]:
    """The verdict by precedence, with unverified evidence kept from deciding alone."""
    verified: Verdict = "clear"
    strongest: Verdict = "clear"
    unverified_reasons: list[str] = []
    for code, entry in jurisdictions.items():
        if entry.status == "not_controlled":
            continue
        level: Verdict = entry.status
        if _level(level) < _level(strongest):
            strongest = level
        if entry.verified:
            if _level(level) < _level(verified):
                verified = level
        else:
            unverified_reasons.append(f"{code} {entry.status} ({entry.list or entry.basis})")
    weak: tuple[tuple[bool, Verdict], ...] = (
        (has_route, "designer_precursor"),
        (is_watch, "watch"),
    )
    for flag, level in weak:
        level_v: Verdict = level
        if flag and _level(level_v) < _level(verified):
            verified = level_v
        if flag and _level(level_v) < _level(strongest):
            strongest = level_v
    if strongest == verified:
        return verified, ()
    lowered = VERDICTS[min(_level(strongest) + 1, _level(verified))]
    note = (
        f"verdict {lowered} rather than {strongest}: that rests only on unverified records: "
        + "; ".join(unverified_reasons)
    )
    return lowered, (note,)


def _listed_match(substance: Substance, parent: StandardisedMol, rule: str | None) -> Match:
    return Match(
        kind="listed",
        substance=substance.id,
        name=substance.name,
        rule=rule,
        similarity=1.0,
        atoms=tuple(range(parent.mol.GetNumAtoms())),
        explanation=f"the structure is {substance.name}, listed by name",
    )


def _class_match(match: ClassMatchLike) -> Match:
    return Match(
        kind="class",
        substance=match.parent_substance,
        name=match.name,
        rule=match.rule_id,
        atoms=tuple(match.atoms),
        conditions=tuple(match.conditions),
        jurisdiction=match.jurisdiction,
        citation=match.citation,
        verified=match.verified,
        explanation=match.explanation,
    )


def _route_links(route: Sequence[RouteStepLike] | None) -> tuple[RouteLink, ...]:
    if not route:
        return ()
    return tuple(
        RouteLink(
            reaction=step.reaction,
            template_id=step.template_id,
            reagent=step.reagent,
            source=step.source,
            product=step.product,
            product_name=step.product_name,
            product_substance=step.product_substance,
        )
        for step in route
    )


def _route_match(route: tuple[RouteLink, ...], goal: str) -> Match:
    last = route[-1]
    return Match(
        kind="route",
        substance=last.product_substance,
        name=last.product_name or last.product,
        rule=" > ".join(step.template_id for step in route),
        atoms=(),
        explanation=f"{len(route)} documented step(s) lead to {goal}: {last.product_name or last.product}",
    )


def _family(
    substance: Substance | None,
    classes: Sequence[ClassMatchLike],
    fentanyl_class: bool,
    has_route: bool,
) -> str | None:
    if substance is not None:
        return substance.family
    if fentanyl_class or any(m.kind == "class" for m in classes):
        return "fentanyl"
    if has_route or any(m.kind == "derivative" for m in classes):
        return "precursor"
    return None


def unresolved(query: str, input_type: str, error: str, as_of: date | None = None) -> ScreenResult:
    """The result for a query that could not be screened, with its reason."""
    return ScreenResult(
        query=query, input_type=input_type, resolved=False, error=error, as_of=as_of
    )


class ClearParent(NamedTuple):
    """A parent that batch screening proved clear (:func:`certainly_clear`): what its result
    holds besides the shared clear assessment of the date (:func:`clear_result`).

    Batch output writes the row of such a structure -- most of any library -- straight from it,
    without copying the assessment into a result record first.
    """

    smiles: str
    removed: tuple[str, ...]
    mol: Chem.Mol | None


def clear_result(query: str, input_type: str, clear: ClearParent, as_of: date) -> ScreenResult:
    """The result record of a certainly-clear parent (what :func:`screen_mol` returns for it)."""
    return _clear_assessment(as_of).for_parent(
        query, input_type, clear.smiles, clear.removed, clear.mol
    )


def screen_mol(
    query: str,
    input_type: str,
    mol: Chem.Mol,
    as_of: date,
    *,
    named: Substance | None = None,
    smiles_text: str | None = None,
    with_inchikey: bool = True,
    neighbours_always: bool = True,
    index: KBIndex | None = None,
    kb: KnowledgeBase | None = None,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
    bounds: StructureBounds | None = None,
) -> ScreenResult:
    """Screen one parsed molecule (see the module docstring for the stages and the verdict).

    ``monocycle_reading`` ("literal" or "broad") is the reading of the class texts' "monocycle"
    that decides; results show both readings whenever they differ.

    ``named`` is the knowledge-base record the identifier itself named (by CAS, name or
    InChIKey). ``smiles_text`` is the SMILES ``mol`` was parsed from, when it was: it lets
    standardisation skip steps the text rules out. ``with_inchikey=False`` skips the InChIKey for clear results (batch mode: the
    InChIKey costs about as much as the rest of screening). ``neighbours_always=False`` looks
    for neighbours only when no rule fired. ``bounds`` are the structure bounds to enforce
    (None: read them now).
    """
    if monocycle_reading not in MONOCYCLE_READINGS:
        raise UsageError(
            f"monocycle reading {monocycle_reading!r}: expected one of "
            + ", ".join(MONOCYCLE_READINGS)
        )
    found = _screen_parent(
        query,
        input_type,
        mol,
        as_of,
        named,
        smiles_text,
        with_inchikey,
        neighbours_always,
        index,
        kb,
        monocycle_reading,
        bounds,
    )
    return (
        found if isinstance(found, ScreenResult) else clear_result(query, input_type, found, as_of)
    )


def screen_smiles_batch(
    mol: Chem.Mol,
    smiles_text: str,
    as_of: date,
    monocycle_reading: str,
    bounds: StructureBounds,
) -> ScreenResult | ClearParent:
    """:func:`screen_mol` of a molecule parsed from the SMILES record ``smiles_text``, the batch
    way (no InChIKey for clear rows, neighbours only near the watch threshold), with a
    certainly-clear parent returned as its :class:`ClearParent` instead of a result record
    (:func:`clear_result` makes the record). ``monocycle_reading`` is not checked here: batches
    check it once.
    """
    return _screen_parent(
        smiles_text,
        "smiles",
        mol,
        as_of,
        None,
        smiles_text,
        False,
        False,
        None,
        None,
        monocycle_reading,
        bounds,
    )


def _screen_parent(
    query: str,
    input_type: str,
    mol: Chem.Mol,
    as_of: date,
    named: Substance | None,
    smiles_text: str | None,
    with_inchikey: bool,
    neighbours_always: bool,
    index: KBIndex | None,
    kb: KnowledgeBase | None,
    monocycle_reading: str,
    bounds: StructureBounds | None,
) -> ScreenResult | ClearParent:
    """:func:`screen_mol`, with a parent that batch mode proves certainly clear returned as
    its :class:`ClearParent`."""
    if bounds is None:
        bounds = structure_bounds()
    heavy_limit = bounds.heavy_atoms  # FENTRACE_MAX_HEAVY_ATOMS, default MAX_HEAVY_ATOMS
    heavy_atoms = mol.GetNumHeavyAtoms()
    if heavy_atoms > heavy_limit:
        return unresolved(
            query,
            input_type,
            f"{heavy_atoms} heavy atoms: more than {heavy_limit}, not screened",
            as_of,
        )
    if mol.GetNumAtoms() == 0:  # a molfile whose atom block is empty (found by fuzzing)
        return unresolved(query, input_type, "the structure has no atoms", as_of)
    too_many_rings = over_limit("rings", mol.GetRingInfo().NumRings(), bounds.rings)
    if too_many_rings is not None:
        return unresolved(query, input_type, f"not screened: {too_many_rings}", as_of)
    kb = knowledge_base() if kb is None else kb
    index = kb_index() if index is None else index
    parent = standardise(mol, smiles=smiles_text)
    substance = index.by_smiles(parent.smiles)
    if substance is None:
        substance = named
    active = rules()
    key = (
        parent.smiles,
        None if substance is None else substance.id,
        as_of,
        with_inchikey,
        neighbours_always,
        monocycle_reading,
    )
    owner = (kb, index, active)
    clear = _clear_assessment(as_of)
    assessed = _ASSESSED.get(key, owner)
    if assessed is clear:  # proved certainly clear before (see below)
        return ClearParent(parent.smiles, parent.removed, parent.mol)
    if assessed is not None:
        # the cached assessment may come from another spelling of this parent, whose atoms are
        # numbered differently: its matched atoms are renumbered onto this molecule
        origin = _ASSESSED.atom_orders.get(key)
        result = assessed.for_query(query, input_type, parent.removed, parent.mol)
        return result if origin is None else _renumbered(result, origin, parent.mol)
    if (
        not with_inchikey
        and not neighbours_always
        and substance is None
        and certainly_clear(parent.mol, active, as_of)
    ):
        # batch mode: most structures of a library are clear, and cheap tests prove it without
        # the assessment (the same result: tests/chemistry/test_screen_fast_clear.py); the
        # cache keeps the shared clear assessment itself, which marks the parent as proved
        _ASSESSED.put(key, owner, clear)
        return ClearParent(parent.smiles, parent.removed, parent.mol)
    assessed = _assess(
        parent,
        substance,
        as_of,
        with_inchikey,
        neighbours_always,
        kb,
        active,
        monocycle_reading,
    )
    _ASSESSED.put(key, owner, assessed)
    if any(match.atoms for match in assessed.matches):
        _ASSESSED.atom_orders[key] = canonical_atom_order(parent.mol)
    return assessed.for_query(query, input_type, parent.removed, parent.mol)


def canonical_atom_order(mol: Chem.Mol) -> tuple[int, ...]:
    """The atom indices of ``mol`` in the order its canonical SMILES writes them.

    Two molecules with the same canonical SMILES are mapped onto each other atom by atom
    through this order (the k-th atom written of one is the k-th written of the other).
    """
    Chem.MolToSmiles(mol)  # the same options as standardisation's canonical SMILES
    text = mol.GetProp("_smilesAtomOutputOrder")  # "[3,0,1,2,]"
    return tuple(int(part) for part in text.strip("[]").split(",") if part)


def _renumbered(result: ScreenResult, origin: tuple[int, ...], mol: Chem.Mol) -> ScreenResult:
    """``result`` with the matched atoms of the molecule written in ``origin`` order renumbered
    onto ``mol`` (the same parent, spelt differently)."""
    here = canonical_atom_order(mol)
    if here == origin:
        return result
    position = {atom: written for written, atom in enumerate(origin)}
    matches = []
    for match in result.matches:
        atoms = tuple(here[position[atom]] for atom in match.atoms)
        if list(match.atoms) == sorted(match.atoms):
            atoms = tuple(sorted(atoms))  # a set of atoms stays in index order, as screened
        matches.append(replace(match, atoms=atoms) if match.atoms else match)
    return replace(result, matches=tuple(matches))


def certainly_clear(mol: Chem.Mol, active: Rules, as_of: date | None = None) -> bool:
    """True when batch screening of ``mol`` (a parent named by no knowledge-base record) is
    certainly ``clear``: no rule or route can match, no reference is near enough for the watch,
    and it is below the pharmacophore floor or lacks the pharmacophore.

    The same tests, in the same order and with the same thresholds, as :func:`_assess` with
    ``neighbours_always=False``; False whenever a stage it relies on is switched off. Without
    ``as_of``, a structure that passes the rules' prefilter is not cleared; with it, the class
    rules in force that day, their contested readings and the route templates are tried (a
    prefilter-passing structure that none of them catches is as clear as one that fails it).
    """
    if (
        active.could_match_any_rule is None
        or active.nearest is None
        or active.best_similarity is None
    ):
        return False
    if active.could_match_any_rule(mol) and (as_of is None or _rules_catch(mol, active, as_of)):
        return False
    best = active.best_similarity(mol)
    if best + 1e-4 >= (active.watch_threshold or 0.0):
        return False
    return (
        active.pharmacophore is None
        or best + 1e-4 < active.pharmacophore_floor
        or active.pharmacophore(mol) is None
    )


def _rules_catch(mol: Chem.Mol, active: Rules, as_of: date) -> bool:
    """Whether :func:`_assess` would find a class match, a contested reading (under either
    reading) or a route search to run for ``mol``, which passes the rules' prefilter."""
    if active.class_matches is not None and (
        active.class_matches(mol, as_of)
        or (active.contested_readings is not None and active.contested_readings(mol, as_of))
    ):
        return True
    return active.search_routes is not None and (active.can_react is None or active.can_react(mol))


# one record per date, never rebuilt: the assessment cache marks proved-clear parents by
# identity with it (an evicted and rebuilt record would not be recognised)
@cache
def _clear_assessment(as_of: date) -> ScreenResult:
    """What :func:`_assess` gives a parent that :func:`certainly_clear` clears (``smiles`` left
    blank): no knowledge-base record, no rule, route, neighbour or pharmacophore match."""
    jurisdictions = _jurisdictions({}, [])
    verdict, notes = decide_verdict(jurisdictions, has_route=False, is_watch=False)
    template = ScreenResult(
        query="",
        input_type="",
        resolved=True,
        smiles="",
        inchikey=None,
        verdict=verdict,
        tier=None,
        tier_reason=None,
        family=_family(None, (), fentanyl_class=False, has_route=False),
        substance=None,
        name=None,
        steps_to_fentanyl=None,
        jurisdictions=jurisdictions,
        notes=notes,
        as_of=as_of,
    )
    template.row_values()  # its copies share the row's middle columns, worked out once here
    return template


class _AssessmentCache:
    """Assessments by parent SMILES (batches repeat structures), bounded, for one KB and rules.

    An assessment depends only on the parent, the record it matched, the date and the options,
    so a repeated structure -- common in seizure lists and manifests -- is assessed once. The
    cache empties itself when the knowledge base, index or rules it was filled with change.
    """

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self.owner: tuple[object, object, object] | None = None
        self.entries: dict[tuple[object, ...], ScreenResult] = {}
        #: key -> the canonical atom order of the molecule an assessment with matched atoms
        #: was made on (see :func:`canonical_atom_order`)
        self.atom_orders: dict[tuple[object, ...], tuple[int, ...]] = {}

    def get(
        self, key: tuple[object, ...], owner: tuple[object, object, object]
    ) -> ScreenResult | None:
        mine = self.owner
        # identity, not equality, of the knowledge base, index and rules (spelt out: a
        # generator over the pairs cost a microsecond per batch row)
        if (
            mine is None
            or mine[0] is not owner[0]
            or mine[1] is not owner[1]
            or mine[2] is not owner[2]
        ):
            self.owner = owner
            self.entries.clear()
            self.atom_orders.clear()
            return None
        return self.entries.get(key)

    def put(
        self, key: tuple[object, ...], owner: tuple[object, object, object], value: ScreenResult
    ) -> None:
        if len(self.entries) >= self.limit:
            self.entries.clear()
            self.atom_orders.clear()
        self.owner = owner
        self.entries[key] = value


_ASSESSED = _AssessmentCache()


def _assess(
    parent: StandardisedMol,
    substance: Substance | None,
    as_of: date,
    with_inchikey: bool,
    neighbours_always: bool,
    kb: KnowledgeBase,
    active: Rules,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
) -> ScreenResult:
    """The evidence and verdict for one standardised parent (query fields left blank)."""
    listed = _listed_jurisdictions(kb, substance, as_of)

    classes: list[ClassMatchLike] = []
    contested: tuple[ContestedReadingResult, ...] = ()
    broad_us_class = False
    # every rule and every route template needs a saturated piperidine ring N: one test
    # (patterns.PIPERIDINE_RING, which patterns.ROUTE_RELEVANT refines) clears most structures
    # of both stages
    prefilter = active.could_match_any_rule is None or active.could_match_any_rule(parent.mol)
    if active.class_matches is not None and prefilter:
        classes = list(active.class_matches(parent.mol, as_of))
        if active.contested_readings is not None:
            readings = active.contested_readings(parent.mol, as_of)
            contested = tuple(_contested(r, monocycle_reading) for r in readings)
            if monocycle_reading == "broad":
                classes, broad_us_class = _apply_broad_reading(classes, readings)
    fentanyl_class = (
        bool(classes)
        and active.is_fentanyl_opioid is not None
        and active.is_fentanyl_opioid(parent.mol)
    ) or broad_us_class

    route: tuple[RouteLink, ...] = ()
    steps: int | None = None
    goal_route: tuple[RouteLink, ...] = ()
    precursor_route: tuple[RouteLink, ...] | None = None
    if fentanyl_class or (substance is not None and substance.family == "fentanyl"):
        steps = 0
    elif (
        active.search_routes is not None
        and prefilter
        and (active.can_react is None or active.can_react(parent.mol))
    ):
        found = active.search_routes(parent.mol, as_of, ROUTE_DEPTH)
        route = _route_links(found.fentanyl_route)
        steps = len(route) if found.fentanyl_route else None
        goal_route = _route_links(found.controlled_route)
        if not route:
            route = goal_route
        plausible = getattr(found, "precursor_route", None)
        precursor_route = None if plausible is None else _route_links(plausible)

    jurisdictions = _jurisdictions(listed, classes)
    rule_fired = any(j.status != "not_controlled" for j in jurisdictions.values())
    has_route = bool(route)

    matches: list[Match] = []
    listing = next((j for j in jurisdictions.values() if j.status == "controlled"), None)
    if substance is not None and listing is not None:
        # a knowledge-base record that no jurisdiction lists (a designer precursor) is named
        # in ``substance``/``name`` but is not a listing
        matches.append(_listed_match(substance, parent, listing.list))
    matches.extend(_class_match(m) for m in classes)
    if route:
        goal = "a fentanyl-class opioid" if steps else "a controlled precursor"
        matches.append(_route_match(route, goal))

    is_watch = False
    quiet = not (rule_fired or route)
    look = active.nearest is not None and (neighbours_always or quiet)
    best: float | None = None
    if look and not neighbours_always and active.best_similarity is not None:
        # batch mode: rank neighbours only for rows that could be on watch (most are not)
        threshold = active.watch_threshold or 0.0
        best = active.best_similarity(parent.mol)
        look = best + 1e-4 >= threshold
    neighbours: Sequence[NeighbourLike] = ()
    if look and active.nearest is not None:
        neighbours = active.nearest(parent.mol, 3)
        for neighbour in neighbours:
            if substance is not None and neighbour.substance_id == substance.id:
                continue
            close = (
                active.watch_threshold is not None
                and neighbour.similarity >= active.watch_threshold
            )
            matches.append(
                Match(
                    kind="similar",
                    substance=neighbour.substance_id,
                    name=neighbour.name,
                    rule="tanimoto",
                    similarity=neighbour.similarity,
                    explanation=(
                        f"structurally close to {neighbour.name} ({neighbour.family}): Morgan "
                        f"Tanimoto {neighbour.similarity:.2f}"
                        + (f" >= the watch threshold {active.watch_threshold}" if close else "")
                    ),
                )
            )
            is_watch = is_watch or close
    if quiet and not is_watch and active.pharmacophore is not None:
        found_match = _pharmacophore_watch(parent.mol, neighbours, best, active)
        if found_match is not None:
            matches.append(found_match)
            is_watch = True

    verdict, notes = decide_verdict(jurisdictions, has_route, is_watch)
    tier, tier_reason, tier_route = _tier(
        verdict,
        parent.mol,
        listed_by_name=substance is not None and listing is not None,
        classes=classes,
        route=route,
        precursor_route=precursor_route,
        active=active,
    )
    inchikey = mol_to_inchikey(parent.mol) if with_inchikey or verdict != "clear" else None
    return ScreenResult(
        query="",
        input_type="",
        resolved=True,
        smiles=parent.smiles,
        inchikey=inchikey,
        verdict=verdict,
        tier=tier,
        tier_reason=tier_reason,
        family=_family(substance, classes, fentanyl_class, bool(route)),
        substance=None if substance is None else substance.id,
        name=None if substance is None else substance.name,
        steps_to_fentanyl=steps,
        route=route,
        precursor_route=tier_route,
        contested=contested,
        jurisdictions=jurisdictions,
        matches=tuple(matches),
        notes=notes,
        as_of=as_of,
    )


def _contested(reading: ContestedLike, deciding: str) -> ContestedReadingResult:
    return ContestedReadingResult(
        rule=reading.rule_id,
        jurisdiction=reading.jurisdiction,
        question="is a ring with another ring fused onto it a 'monocycle'?",
        readings={"literal": reading.literal, "broad": reading.broad},
        deciding=deciding,
        note=reading.note,
    )


def _apply_broad_reading(
    classes: list[ClassMatchLike], readings: Sequence[ContestedLike]
) -> tuple[list[ClassMatchLike], bool]:
    """The class matches under the broad reading, and whether it puts the structure in the
    US class (an N1-arylethyl opioid: the end product of a route, 0 steps)."""
    replaced = {r.rule_id for r in readings}
    kept = [m for m in classes if m.rule_id not in replaced]
    wide = [r.broad_match for r in readings if r.broad_match is not None]
    return kept + wide, any(m.jurisdiction == "US" and m.kind == "class" for m in wide)


def _pharmacophore_watch(
    mol: Chem.Mol,
    neighbours: Sequence[NeighbourLike],
    best: float | None,
    active: Rules,
) -> Match | None:
    """A watch match when the structure keeps fentanyl's pharmacophore and is not far off."""
    assert active.pharmacophore is not None
    if best is None:
        if neighbours:
            best = max(n.similarity for n in neighbours)
        elif active.best_similarity is not None:
            best = active.best_similarity(mol)
        else:
            best = 0.0
    if best + 1e-4 < active.pharmacophore_floor:
        return None
    found = active.pharmacophore(mol)
    if found is None:
        return None
    nearest = list(neighbours[:1]) or (
        list(active.nearest(mol, 1)) if active.nearest is not None else []
    )
    name = nearest[0].name if nearest else "the references"
    return Match(
        kind="similar",
        substance=nearest[0].substance_id if nearest else None,
        name=name,
        rule="pharmacophore",
        similarity=nearest[0].similarity if nearest else best,
        atoms=tuple(found.atoms),
        explanation=(
            f"{found.explanation()}; Morgan Tanimoto {best:.2f} to {name} (below the "
            f"fingerprint threshold, at least the pharmacophore floor "
            f"{active.pharmacophore_floor})"
        ),
    )


def _tier(
    verdict: Verdict,
    mol: Chem.Mol,
    *,
    listed_by_name: bool,
    classes: Sequence[ClassMatchLike],
    route: tuple[RouteLink, ...],
    precursor_route: tuple[RouteLink, ...] | None,
    active: Rules,
) -> tuple[Tier | None, str | None, tuple[RouteLink, ...]]:
    """The tier of a rule- or route-based verdict, its one-sentence reason, and the route.

    None for clear and watch, and when a listing by name decides (the listing says what the
    substance is).
    """
    if verdict in ("watch", "clear") or listed_by_name:
        return None, None, ()
    class_caught = any(m.kind == "class" for m in classes)
    if class_caught and active.is_plausible_opioid is not None and active.is_plausible_opioid(mol):
        return (
            "precursor_route",
            "itself an opioid: keeps the fentanyl pharmacophore (a basic piperidine N carrying "
            "a 2-arylethyl group, a 4-anilido group with small substituents)",
            (),
        )
    if precursor_route:
        end = precursor_route[-1]
        chain = " > ".join(step.template_id for step in precursor_route)
        return (
            "precursor_route",
            f"{len(precursor_route)} plausible documented step(s) ({chain}) to "
            f"{end.product_name or end.product}",
            precursor_route,
        )
    rules = sorted({m.rule_id for m in classes})
    said = (
        f"caught by the wording of {', '.join(rules)}"
        if rules
        else "a documented route reaches a product caught only by a class's wording"
    )
    if route:
        cleaves = routes.implausible_step(mol, route)
        end = route[-1]
        if cleaves is not None:
            why = (
                f"; the documented route needs {cleaves.reaction} ({cleaves.template_id}) to "
                f"remove {cleaves.lost_atoms} heavy atoms, more than a protecting group "
                f"({cleaves.limit} at most)"
            )
        else:
            why = (
                f"; the documented route ends at {end.product_name or end.product}, which is "
                "not listed by name in the US or by the UN and lacks the opioid pharmacophore "
                "(a basic piperidine N with a 2-arylethyl group, the 4-anilido group)"
            )
    else:
        why = "; no documented route leads from it to fentanyl or a listed precursor"
    if class_caught:
        why += "; the structure itself lacks the opioid pharmacophore"
    return "letter_of_law", said + why, ()


def screen_resolution(resolution: Resolution, as_of: date, **options: Any) -> ScreenResult:
    """Screen an already resolved query (or report why it could not be)."""
    if not resolution.resolved or resolution.mol is None:
        return unresolved(
            resolution.query, resolution.input_type, resolution.error or "not resolved", as_of
        )
    try:
        return screen_mol(
            resolution.query,
            resolution.input_type,
            resolution.mol,
            as_of,
            named=resolution.substance,
            **options,
        )
    except (ValueError, RuntimeError) as error:  # RDKit raises these on pathological input
        return unresolved(
            resolution.query, resolution.input_type, f"could not be screened: {error}", as_of
        )


def screen(
    query: str,
    as_of: date | None = None,
    *,
    use_opsin: bool = True,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
) -> ScreenResult:
    """Screen one query (SMILES, CAS, name, InChI, InChIKey or molfile) as of a date (today).

    A name the knowledge base lacks goes to OPSIN when it is installed and ``use_opsin``.
    ``monocycle_reading`` chooses the reading of "monocycle" that decides ("literal", "broad").
    """
    when = date.today() if as_of is None else as_of
    return screen_resolution(
        resolve(query, use_opsin=use_opsin), when, monocycle_reading=monocycle_reading
    )


def screen_many(
    queries: Sequence[str],
    as_of: date | None = None,
    jobs: int = 1,
    *,
    use_opsin: bool = False,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
) -> list[ScreenResult]:
    """Screen many queries, in order; each distinct query once; ``jobs`` > 1 uses processes.

    Bulk callers (shipment descriptions) repeat queries and pass free text, so OPSIN -- a Java
    process per unknown name -- is off unless asked for.
    """
    when = date.today() if as_of is None else as_of
    distinct = list(dict.fromkeys(queries))
    if jobs <= 1 or len(distinct) < 2:
        found = {
            query: screen(query, when, use_opsin=use_opsin, monocycle_reading=monocycle_reading)
            for query in distinct
        }
    else:
        from fentrace.chemistry.batch import parallel_screen_queries

        results = parallel_screen_queries(
            distinct, when, jobs, use_opsin=use_opsin, monocycle_reading=monocycle_reading
        )
        found = dict(zip(distinct, results, strict=True))
    return [found[query] for query in queries]
