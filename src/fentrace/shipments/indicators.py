"""Risk indicators: small pure functions, one per code, each returning a detail or None.

Each function's one-sentence docstring is the explanation shown to the analyst (see
:data:`EXPLANATIONS`); its weight lives in ``rules.yaml``. Functions here take the values
of one *distinct* input (a description, a name, a route, a payment method); the engine
applies them once per distinct value and joins the result back to every row. The
row-window indicators (SHARED_CONTACT, STRUCTURING) and the quantity test are vectorised
in engine.py; their explanations are declared here so every code has one.

Sources: FinCEN Advisory FIN-2019-A006 (illicit financial schemes related to fentanyl
trafficking) and FinCEN Supplemental Advisory FIN-2024-A002 (procurement of precursor
chemicals and manufacturing equipment for illicit fentanyl) list the red flags behind
SMALL_QTY_COURIER, PAYMENT_RISK, CONSIGNEE_UNRELATED_TRADE, SHARED_CONTACT, STRUCTURING,
VAGUE_DESCRIPTION and HS_MISMATCH.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fentrace.shipments.lookups import VERDICT_RANK, ChemFinding, PartyFinding
from fentrace.shipments.rules import RouteRule
from fentrace.shipments.text import (
    CHEMICAL_MATCHER,
    HETEROCYCLE_PATTERN,
    ChemicalMentions,
    TermMatcher,
)

EXPLANATIONS: dict[str, str] = {}

#: Chemistry verdict -> the code it fires.
VERDICT_CODES: dict[str, str] = {
    "controlled": "CHEM_CONTROLLED",
    "class_controlled": "CHEM_CLASS",
    "designer_precursor": "CHEM_DESIGNER",
    "watch": "CHEM_WATCH",
}

_F = TypeVar("_F", bound=Callable[..., Any])


def indicator(code: str) -> Callable[[_F], _F]:
    """Register a function's first docstring line as the analyst's explanation of ``code``."""

    def register(function: _F) -> _F:
        doc = (function.__doc__ or "").strip().splitlines()
        EXPLANATIONS[code] = doc[0] if doc else code
        return function

    return register


def worst_finding(findings: Sequence[ChemFinding]) -> ChemFinding | None:
    """The finding with the most severe verdict among resolved ones (None if none resolved)."""
    resolved = [f for f in findings if f.resolved]
    if not resolved:
        return None
    return min(resolved, key=lambda f: VERDICT_RANK.get(f.verdict, len(VERDICT_RANK)))


def _chem_detail(finding: ChemFinding, status: str) -> str:
    name = finding.name or finding.query
    where = [j for j, s in finding.statuses.items() if s == status] or finding.controlled_in()
    jurisdictions = f" in {', '.join(where)}" if where else ""
    shown = f" (from {finding.query!r})" if finding.query and finding.query != name else ""
    return f"{name}{shown}: {finding.verdict.replace('_', ' ')}{jurisdictions}"


@indicator("CHEM_CONTROLLED")
def chem_controlled(finding: ChemFinding) -> str | None:
    """The goods are a chemical individually listed as controlled on the shipment date in at least one jurisdiction."""
    return _chem_detail(finding, "controlled") if finding.verdict == "controlled" else None


@indicator("CHEM_CLASS")
def chem_class(finding: ChemFinding) -> str | None:
    """The goods are caught by a legal class definition of fentanyl-related substances."""
    return (
        _chem_detail(finding, "class_controlled") if finding.verdict == "class_controlled" else None
    )


@indicator("CHEM_DESIGNER")
def chem_designer(finding: ChemFinding) -> str | None:
    """The goods are a designer precursor: uncontrolled, but a documented route leads to a controlled precursor or fentanyl."""
    if finding.verdict != "designer_precursor":
        return None
    target = f" to {finding.related}" if finding.related else " to a controlled substance"
    return f"{finding.name or finding.query}: designer precursor (documented route{target})"


@indicator("CHEM_WATCH")
def chem_watch(finding: ChemFinding) -> str | None:
    """The goods are structurally close to a listed fentanyl precursor although no rule fired."""
    if finding.verdict != "watch":
        return None
    return f"{finding.name or finding.query}: structurally close to {finding.related or 'a listed substance'}"


CHEM_INDICATORS: dict[str, Callable[[ChemFinding], str | None]] = {
    "CHEM_CONTROLLED": chem_controlled,
    "CHEM_CLASS": chem_class,
    "CHEM_DESIGNER": chem_designer,
    "CHEM_WATCH": chem_watch,
}

#: HS chapters that are not chemicals, with the section they belong to (HS 2022 nomenclature).
_NON_CHEMICAL_CHAPTERS: tuple[tuple[int, int, str], ...] = (
    (1, 24, "food, animal or vegetable products"),
    (39, 40, "plastics and rubber"),
    (41, 43, "hides, leather and furs"),
    (44, 49, "wood, paper and printed matter"),
    (50, 63, "textiles and clothing"),
    (64, 67, "footwear and headgear"),
    (68, 71, "stone, ceramics, glass and jewellery"),
    (72, 83, "base metals"),
    (84, 85, "machinery and electrical equipment"),
    (86, 89, "vehicles and transport equipment"),
    (90, 92, "instruments, clocks and musical instruments"),
    (93, 93, "arms"),
    (94, 96, "furniture, toys and miscellaneous manufactures"),
    (97, 97, "works of art"),
)


def _digits(hs_code: str) -> str:
    return "".join(ch for ch in hs_code if ch.isdigit())


def non_chemical_chapter(hs_code: str) -> str | None:
    """The kind of goods an HS code's chapter holds, when that chapter is not chemicals."""
    digits = _digits(hs_code)
    if len(digits) < 2:
        return None
    chapter = int(digits[:2])
    for first, last, kind in _NON_CHEMICAL_CHAPTERS:
        if first <= chapter <= last:
            return f"chapter {digits[:2]} ({kind})"
    return None


@indicator("HS_MISMATCH")
def hs_mismatch(
    hs_code: str | None, finding: ChemFinding | None, description: str | None
) -> str | None:
    """The declared HS code does not fit the identified chemical or the description of the goods."""
    if not hs_code:
        return None
    declared = _digits(hs_code)
    is_chemical = finding is not None or bool(CHEMICAL_MATCHER.find(description))
    outside = non_chemical_chapter(hs_code)
    if is_chemical and outside is not None:
        what = finding.name if finding is not None and finding.name else "a chemical"
        return f"HS {hs_code} is {outside}, but the goods are {what}"
    if finding is not None and finding.hs_codes:
        expected = [_digits(c.split(" ")[0]) for c in finding.hs_codes if _digits(c)]
        # a declaration only as precise as a heading is compared at the heading
        length = min(6 if finding.hs_verified else 4, max(len(declared), 4))
        if expected and not any(declared[:length] == e[:length] for e in expected):
            codes = " or ".join(c.split(" ")[0] for c in finding.hs_codes)
            precision = "subheading" if length == 6 else "heading"
            return f"HS {hs_code} does not fit {finding.name or finding.query} ({precision} of {codes})"
        return None
    heterocycle = bool(description and HETEROCYCLE_PATTERN.search(description))
    if heterocycle and declared[:2] == "29" and declared[:4] not in ("2933", "2934"):
        return f"HS {hs_code} is outside headings 2933/2934, but the description names a nitrogen heterocycle"
    return None


@indicator("VAGUE_DESCRIPTION")
def vague_description(
    description: str | None, mentions: ChemicalMentions, vague: TermMatcher
) -> str | None:
    """The description uses a generic term instead of naming the chemical."""
    if mentions:
        return None
    terms = vague.find(description)
    if not terms:
        return None
    return f"description {description!r} names no chemical (term: {terms[0]})"


@indicator("PARTY_WATCHLIST")
def party_watchlist(role: str, name: str, finding: PartyFinding) -> str | None:
    """A party to the shipment matches an entity on a watchlist (indictment, sanctions, designation)."""
    if finding.verdict != "match":
        return None
    return f"{role} {name!r} matches {_party_detail(finding)}"


@indicator("PARTY_POSSIBLE")
def party_possible(role: str, name: str, finding: PartyFinding) -> str | None:
    """A party to the shipment resembles a watchlisted entity closely enough to check by hand."""
    if finding.verdict != "possible":
        return None
    return f"{role} {name!r} may be {_party_detail(finding)}"


def _party_detail(finding: PartyFinding) -> str:
    facts = [f for f in (finding.action, f"since {finding.since}" if finding.since else None) if f]
    extra = (
        f" ({', '.join(facts)}, score {finding.score:.2f})"
        if facts
        else f" (score {finding.score:.2f})"
    )
    return f"{finding.matched_name or finding.entity_id}{extra}"


@indicator("ROUTE_RISK")
def route_risk(
    origin: str, transit: tuple[str, ...], destination: str, routes: Sequence[RouteRule]
) -> tuple[float, str] | None:
    """The route from origin through transit to destination is a documented precursor route."""
    fitting = [r for r in routes if r.fits(origin, transit, destination)]
    if not fitting:
        return None
    best = max(fitting, key=lambda r: r.weight)
    path = "->".join((origin, *transit, destination))
    return best.weight, f"{path} fits {best.label()}: {best.rationale}"


@indicator("SMALL_QTY_COURIER")
def small_quantity_courier(
    quantity_kg: float | None, mode: str | None, max_kg: float, modes: Sequence[str]
) -> str | None:
    """A small quantity of a precursor travels by courier or post, as FinCEN describes for precursor orders."""
    if quantity_kg is None or mode not in modes or quantity_kg > max_kg:
        return None
    return f"{quantity_kg:g} kg by {mode} (at most {max_kg:g} kg)"


@indicator("PAYMENT_RISK")
def payment_risk(
    payment_method: str | None, virtual: TermMatcher, third_party: TermMatcher
) -> str | None:
    """Payment is by virtual currency or through a third party, FinCEN red flags for precursor purchases."""
    found = virtual.find(payment_method)
    if found:
        return f"payment {payment_method!r} is virtual currency ({found[0]})"
    found = third_party.find(payment_method)
    if found:
        return f"payment {payment_method!r} goes through a third party ({found[0]})"
    return None


@indicator("CONSIGNEE_UNRELATED_TRADE")
def consignee_unrelated_trade(
    consignee: str | None, trades: TermMatcher, chemical_trades: TermMatcher | None = None
) -> str | None:
    """The consignee's name shows a trade unrelated to chemicals while the goods are chemicals."""
    found = trades.find_quoted(consignee)
    if not found:
        return None
    if chemical_trades is not None and chemical_trades.find(consignee):
        return None  # "Quimica Agricola": a chemical firm, whatever else its name says
    term, words = next(iter(found.items()))
    shown = f"{term} ({words!r})" if words.lower() != term else term
    return f"consignee {consignee!r} trades as {shown} but receives chemicals"


@indicator("SHARED_CONTACT")
def shared_contact(field: str, value: str, consignees: Sequence[str]) -> str | None:
    """Several seemingly unrelated consignees share one phone number, email or address."""
    if len(consignees) < 2:
        return None
    shown = ", ".join(sorted(consignees)[:4]) + (" ..." if len(consignees) > 4 else "")
    return f"{field.removeprefix('consignee_')} {value!r} shared by {len(consignees)} consignees: {shown}"


@indicator("STRUCTURING")
def structuring(count: int, window_days: int, max_kg: float) -> str | None:
    """Many small shipments go from one shipper to one consignee within a short window."""
    if count <= 1:
        return None
    return f"one of {count} shipments of at most {max_kg:g} kg between this shipper and consignee within {window_days} days"
