"""Route reasoning: how many documented reaction steps separate a chemical from fentanyl.

A library of forward reaction templates (data/reactions.yaml: reaction SMARTS, reagent, route
family, literature source) is applied breadth-first to the query: one substrate per step, the
other reactant named as the step's reagent (so a route starts from the piperidine-side
molecule; aniline or propionyl chloride alone give none). Products are deduplicated by
canonical SMILES. The search stops at the first fentanyl-class opioid (fentanyl or a US-class
analogue) and records on the way the first product that is a precursor controlled on the
as-of date: listed in the knowledge base in some jurisdiction, or caught by a verified class
or derivative rule. Breadth-first order makes both routes the shortest the library knows.

Pruning: a route needs a piperidine whose C4 carries a ketone, ketal, aryl imine or anilino N
(``patterns.ROUTE_RELEVANT``): no template makes that bond from nothing, so neither the query
(``can_react``) nor an intermediate without it is expanded.

Bounds (per molecule): depth ``max_depth`` (4 by default: every documented route from a listed
precursor needs at most 4 steps), at most ``MAX_NODES`` distinct products, ``MAX_PRODUCTS``
per template application and ``MAX_SECONDS`` of wall time (a search cut short reports what it
found, and no fentanyl route).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from rdkit import Chem
from rdkit.Chem import rdChemReactions

from fentrace.chemistry import patterns as p
from fentrace.chemistry.classes import class_matches, is_fentanyl_opioid, is_plausible_opioid
from fentrace.chemistry.kbindex import kb_index
from fentrace.exc import ConfigError
from fentrace.reference import load_knowledge_base

REACTIONS_FILE = "reactions.yaml"
#: Most distinct products one search may create (a guard for molecules with many handles).
MAX_NODES = 200
#: Most seconds one search may take before it gives up (what it found so far is kept).
MAX_SECONDS = 2.0
#: Most products kept from applying one template to one substrate.
MAX_PRODUCTS = 8
ROUTE_FAMILIES = frozenset({"janssen", "siegfried", "gupta", "mask"})


@dataclass(frozen=True)
class ReactionTemplate:
    """One documented forward reaction: one substrate in, one product out."""

    id: str
    name: str
    smarts: str
    reagent: str
    family: str
    source: str
    reaction: rdChemReactions.ChemicalReaction
    substrate: Chem.Mol
    #: A step counts towards a precursor route only when the substrate loses at most this
    #: many heavy atoms (a small protecting group); None: every application counts.
    plausible_if_lost_at_most: int | None = None

    def plausible(self, lost_atoms: int) -> bool:
        """True when removing ``lost_atoms`` heavy atoms is a step a chemist would take."""
        return (
            self.plausible_if_lost_at_most is None or lost_atoms <= self.plausible_if_lost_at_most
        )


@dataclass(frozen=True)
class RouteStep:
    """One step of a route: the reaction, its reagent and source, and what it makes."""

    reaction: str
    template_id: str
    reagent: str
    source: str
    product: str
    product_name: str | None
    product_substance: str | None


@dataclass(frozen=True)
class RouteSearch:
    """The shortest routes found: to a fentanyl-class opioid, and to a controlled precursor.

    ``precursor_route`` is the shortest route a chemist would recognise: every step plausible
    (no drug-sized group cleaved as if it were a protecting group) and the end product
    fentanyl, a precursor listed by name in the US or by the UN, or a class-caught structure
    that keeps the opioid pharmacophore (``classes.opioid_pharmacophore``). The query itself
    keeping the pharmacophore is a 0-step precursor route.
    """

    fentanyl_route: tuple[RouteStep, ...] | None
    controlled_route: tuple[RouteStep, ...] | None
    nodes: int = 0
    precursor_route: tuple[RouteStep, ...] | None = None

    @property
    def steps_to_fentanyl(self) -> int | None:
        """Number of reaction steps to a fentanyl-class opioid; None when none was found."""
        return None if self.fentanyl_route is None else len(self.fentanyl_route)


def parse_templates(raw: Any) -> tuple[ReactionTemplate, ...]:
    """Validate the reactions file's content and compile every template once."""
    if not isinstance(raw, dict) or not isinstance(raw.get("templates"), list):
        raise ConfigError(f"{REACTIONS_FILE}: expected a mapping with a 'templates' list")
    templates: list[ReactionTemplate] = []
    seen: set[str] = set()
    for position, item in enumerate(raw["templates"], start=1):
        if not isinstance(item, dict):
            raise ConfigError(f"{REACTIONS_FILE}, template {position}: expected a mapping")
        record = str(item.get("id", position))
        missing = [
            k for k in ("id", "name", "smarts", "reagent", "family", "source") if not item.get(k)
        ]
        if missing:
            raise ConfigError(f"{REACTIONS_FILE}, template {record}: missing {', '.join(missing)}")
        if record in seen:
            raise ConfigError(f"{REACTIONS_FILE}, template {record}: duplicate id")
        seen.add(record)
        limit = item.get("plausible_if_lost_at_most")
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < 0
        ):
            raise ConfigError(
                f"{REACTIONS_FILE}, template {record}, field 'plausible_if_lost_at_most': "
                f"{limit!r} is not a whole number of atoms"
            )
        if item["family"] not in ROUTE_FAMILIES:
            raise ConfigError(
                f"{REACTIONS_FILE}, template {record}, field 'family': {item['family']!r} is not "
                f"one of {', '.join(sorted(ROUTE_FAMILIES))}"
            )
        try:
            reaction = rdChemReactions.ReactionFromSmarts(str(item["smarts"]))
        except ValueError as error:
            raise ConfigError(
                f"{REACTIONS_FILE}, template {record}, field 'smarts': {error}"
            ) from error
        if reaction.GetNumReactantTemplates() != 1 or reaction.GetNumProductTemplates() != 1:
            raise ConfigError(
                f"{REACTIONS_FILE}, template {record}, field 'smarts': one reactant and one "
                "product expected (the second reactant is named as the reagent)"
            )
        reaction.Initialize()
        templates.append(
            ReactionTemplate(
                id=record,
                name=str(item["name"]),
                smarts=str(item["smarts"]),
                reagent=str(item["reagent"]),
                family=str(item["family"]),
                source=str(item["source"]),
                reaction=reaction,
                substrate=reaction.GetReactantTemplate(0),
                plausible_if_lost_at_most=limit,
            )
        )
    return tuple(templates)


@lru_cache(maxsize=1)
def reaction_templates() -> tuple[ReactionTemplate, ...]:
    """The compiled template library (loaded and compiled once per process)."""
    text = resources.files("fentrace.chemistry").joinpath("data", REACTIONS_FILE).read_text("utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{REACTIONS_FILE}: not valid YAML: {error}") from error
    return parse_templates(raw)


def can_react(mol: Chem.Mol) -> bool:
    """Cheap prefilter: True when at least one template could apply to the molecule."""
    mol = p.prepared(mol)
    if not mol.HasSubstructMatch(p.ROUTE_RELEVANT):
        return False
    return any(mol.HasSubstructMatch(t.substrate) for t in reaction_templates())


def _product_of(raw: Chem.Mol) -> Chem.Mol | None:
    """The sanitised product fragment that holds the substrate's reacting atom."""
    try:
        Chem.SanitizeMol(raw)
    except (ValueError, RuntimeError):
        return None
    fragments = Chem.GetMolFrags(raw, asMols=False)
    if len(fragments) > 1:
        keep = next(
            (
                frag
                for frag in fragments
                if any(raw.GetAtomWithIdx(i).HasProp("old_mapno") for i in frag)
            ),
            max(fragments, key=len),
        )
        editable = Chem.RWMol(raw)
        for index in sorted(set(range(raw.GetNumAtoms())) - set(keep), reverse=True):
            editable.RemoveAtom(index)
        raw = editable.GetMol()
        try:
            Chem.SanitizeMol(raw)
        except (ValueError, RuntimeError):
            return None
    return raw


@lru_cache(maxsize=1)
def _search_order() -> tuple[ReactionTemplate, ...]:
    """Unmasking steps first, so that among equally short routes the one through a known,
    deprotected intermediate (4-piperidone, norfentanyl) is the one reported."""
    templates = reaction_templates()
    return tuple(sorted(templates, key=lambda t: t.family != "mask"))


def apply_template(template: ReactionTemplate, mol: Chem.Mol) -> list[tuple[str, Chem.Mol]]:
    """Distinct products (canonical SMILES, molecule) of one template on one substrate."""
    if not mol.HasSubstructMatch(template.substrate):
        return []
    products: dict[str, Chem.Mol] = {}
    for outcome in template.reaction.RunReactants((mol,), MAX_PRODUCTS):
        product = _product_of(Chem.Mol(outcome[0]))
        if product is None:
            continue
        smiles = Chem.MolToSmiles(product)
        if smiles not in products:
            products[smiles] = Chem.MolFromSmiles(smiles)
    return [(s, m) for s, m in products.items() if m is not None]


@lru_cache(maxsize=4096)
def _kb_name(smiles: str) -> tuple[str | None, str | None]:
    substance = kb_index().by_smiles(smiles)
    if substance is None:
        return None, None
    return substance.name, substance.id


@lru_cache(maxsize=16384)
def _parse(smiles: str) -> Chem.Mol:
    """The product molecule of a SMILES, parsed once: expansions, facts and the controlled
    test all read the same intermediates (profiled: three parses each before)."""
    return p.prepared(Chem.MolFromSmiles(smiles))


@lru_cache(maxsize=16384)
def _expansions(smiles: str) -> tuple[tuple[int, str, bool], ...]:
    """(template position, product SMILES, plausible step) of every template on one
    intermediate, cached: batches meet the same intermediates (4-piperidone, 4-AP, ANPP)
    again and again."""
    mol = _parse(smiles)
    templates = _search_order()
    found: list[tuple[int, str, bool]] = []
    for position, template in enumerate(templates):
        for product, made in apply_template(template, mol):
            lost = mol.GetNumHeavyAtoms() - made.GetNumHeavyAtoms()
            found.append((position, product, template.plausible(lost)))
    return tuple(found)


@lru_cache(maxsize=16384)
def _facts(smiles: str) -> tuple[bool, bool, bool]:
    """(is a fentanyl-class opioid, may lead further, keeps the opioid pharmacophore) for one
    product, cached."""
    mol = _parse(smiles)
    return (
        is_fentanyl_opioid(mol),
        bool(mol.HasSubstructMatch(p.ROUTE_RELEVANT)),
        is_plausible_opioid(mol),
    )


#: Jurisdictions whose listing by name makes a product an end point of a precursor route:
#: the US (the rules' home) and the UN conventions (what every party controls).
PRECURSOR_LISTING_JURISDICTIONS = frozenset({"US", "UN"})


@lru_cache(maxsize=16384)
def _listed_precursor(smiles: str, as_of: date) -> bool:
    """True when the product is listed by name in the US or by the UN on ``as_of``."""
    _, substance_id = _kb_name(smiles)
    if substance_id is None:
        return False
    statuses = load_knowledge_base().listed_status(substance_id, as_of)
    return any(
        code in PRECURSOR_LISTING_JURISDICTIONS and status.status == "controlled"
        for code, status in statuses.items()
    )


def _recognised_end(smiles: str, as_of: date, pharmacophore: bool) -> bool:
    """A product a precursor route may end at: listed (US, UN), or a class-caught structure
    keeping the opioid pharmacophore (which is in the Chinese class at least)."""
    return pharmacophore or _listed_precursor(smiles, as_of)


@lru_cache(maxsize=16384)
def _controlled(smiles: str, as_of: date) -> bool:
    return is_controlled_precursor(smiles, _parse(smiles), as_of)


def is_controlled_precursor(smiles: str, mol: Chem.Mol, as_of: date) -> bool:
    """True when the structure is listed somewhere on ``as_of`` or a verified rule catches it."""
    _, substance_id = _kb_name(smiles)
    if substance_id is not None:
        statuses = load_knowledge_base().listed_status(substance_id, as_of)
        if any(s.status == "controlled" for s in statuses.values()):
            return True
    return any(m.verified for m in class_matches(mol, as_of))


def search_routes(mol: Chem.Mol, as_of: date, max_depth: int = 4) -> RouteSearch:
    """Breadth-first search over the template library for the shortest routes (see module).

    The search goes on past the first fentanyl-class product until it also has a precursor
    route (every step plausible, a recognised end product) or runs out of nodes, depth or
    time. Nodes are (product, plausible so far): a product first reached by an implausible
    step may still be reached plausibly by another path.
    """
    mol = p.prepared(mol)
    start = Chem.MolToSmiles(mol)
    if is_fentanyl_opioid(mol):
        keeps = is_plausible_opioid(mol)
        return RouteSearch((), None, 0, precursor_route=() if keeps else None)
    if not can_react(mol):
        return RouteSearch(fentanyl_route=None, controlled_route=None, nodes=0)
    templates = _search_order()
    paths: dict[tuple[str, bool], tuple[RouteStep, ...]] = {(start, True): ()}
    seen: set[str] = {start}
    queue: deque[tuple[str, bool]] = deque([(start, True)])
    controlled: tuple[RouteStep, ...] | None = None
    fentanyl: tuple[RouteStep, ...] | None = None
    precursor: tuple[RouteStep, ...] | None = None
    deadline = time.monotonic() + MAX_SECONDS
    while queue and (precursor is None or fentanyl is None):
        if time.monotonic() > deadline:
            break
        node = queue.popleft()
        smiles, plausible_so_far = node
        path = paths[node]
        if len(path) >= max_depth:
            continue
        for position, product_smiles, plausible_step in _expansions(smiles):
            plausible = plausible_so_far and plausible_step
            child = (product_smiles, plausible)
            if child in paths or (not plausible and (product_smiles, True) in paths):
                continue
            template = templates[position]
            name, substance_id = _kb_name(product_smiles)
            step = RouteStep(
                reaction=template.name,
                template_id=template.id,
                reagent=template.reagent,
                source=template.source,
                product=product_smiles,
                product_name=name,
                product_substance=substance_id,
            )
            route = (*path, step)
            paths[child] = route
            seen.add(product_smiles)
            opioid, relevant, pharmacophore = _facts(product_smiles)
            if plausible and _recognised_end(product_smiles, as_of, pharmacophore):
                precursor = route
            if opioid and fentanyl is None:
                fentanyl = route
            elif fentanyl is None and controlled is None and _controlled(product_smiles, as_of):
                controlled = route  # the first controlled precursor on the way to fentanyl
            if (precursor is not None and fentanyl is not None) or len(seen) > MAX_NODES:
                queue.clear()
                break
            if relevant and not opioid:  # a route ends at its first fentanyl-class product
                queue.append(child)
    return RouteSearch(fentanyl, controlled, len(seen) - 1, precursor)


def clear_caches() -> None:
    """Forget the cached expansions and product facts (benchmarks start from cold caches)."""
    for cached in (_expansions, _facts, _controlled, _kb_name, _listed_precursor, _parse):
        cached.cache_clear()


@dataclass(frozen=True)
class ImplausibleStep:
    """A route step that cleaves more than a protecting group: why a route is not a precursor's."""

    template_id: str
    reaction: str
    lost_atoms: int
    limit: int


def implausible_step(start: Chem.Mol, route: Sequence[Any]) -> ImplausibleStep | None:
    """The first step of ``route`` (from ``start``) that removes more heavy atoms than its
    template allows for a precursor route, or None. Steps of unknown templates pass."""
    by_id = {t.id: t for t in reaction_templates()}
    atoms = start.GetNumHeavyAtoms()
    for step in route:
        made: Chem.Mol | None = Chem.MolFromSmiles(step.product)
        if made is None:
            return None
        template = by_id.get(step.template_id)
        lost = atoms - made.GetNumHeavyAtoms()
        if template is not None and not template.plausible(lost):
            assert template.plausible_if_lost_at_most is not None
            return ImplausibleStep(
                template.id, template.name, lost, template.plausible_if_lost_at_most
            )
        atoms = made.GetNumHeavyAtoms()
    return None
