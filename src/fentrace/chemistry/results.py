"""The chemical screening result: the DESIGN.md contract as typed, frozen records.

``ScreenResult.to_dict()`` gives exactly the JSON object of the contract (plus the documented
extras ``name``, ``substance``, ``standardisation`` and ``notes``); ``to_row()`` flattens it
to one table row for CSV and Parquet output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from rdkit import Chem

from fentrace.reference.models import JURISDICTIONS

Verdict = Literal["controlled", "class_controlled", "designer_precursor", "watch", "clear"]
MatchKind = Literal["listed", "class", "route", "similar"]
Status = Literal["controlled", "class_controlled", "not_controlled"]
#: How strong a rule- or route-based finding is (docs/chemistry.md, "Tiers"):
#: ``precursor_route`` -- a route a chemist would recognise reaches fentanyl, a precursor listed
#: by name in the US or by the UN, or a class-caught opioid that keeps the pharmacophore (the
#: structure itself keeping it is a 0-step route); ``letter_of_law`` -- the wording of a listing
#: or class definition catches the structure (or a route reaches only such wording), but no
#: plausible route to an opioid exists.
Tier = Literal["precursor_route", "letter_of_law"]
TIERS: tuple[Tier, ...] = ("precursor_route", "letter_of_law")

#: Verdicts from the strongest to the weakest (the precedence of DESIGN.md).
VERDICTS: tuple[Verdict, ...] = (
    "controlled",
    "class_controlled",
    "designer_precursor",
    "watch",
    "clear",
)


#: The flat columns of one result (CSV, Parquet), in order.
ROW_FIELDS: tuple[str, ...] = (
    "query",
    "input_type",
    "resolved",
    "error",
    "smiles",
    "inchikey",
    "verdict",
    "tier",
    "family",
    "steps_to_fentanyl",
    "substance",
    "name",
    "rules",
    *(f"status_{code}" for code in JURISDICTIONS),
    "route",
    "tier_reason",
    "contested",
    "removed",
)


@dataclass(frozen=True)
class RouteLink:
    """One documented reaction step on the way from the query to a controlled product."""

    reaction: str
    template_id: str
    reagent: str
    source: str
    product: str
    product_name: str | None
    product_substance: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reaction": self.reaction,
            "template": self.template_id,
            "reagent": self.reagent,
            "product": self.product,
            "product_name": self.product_name,
            "product_substance": self.product_substance,
            "source": self.source,
        }


@dataclass(frozen=True)
class JurisdictionResult:
    """The status of the query in one jurisdiction on the as-of date, and why."""

    status: Status
    basis: str | None = None
    since: date | None = None
    source: str | None = None
    verified: bool = True
    list: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "basis": self.basis,
            "since": None if self.since is None else self.since.isoformat(),
            "source": self.source,
            "verified": self.verified,
            "list": self.list,
        }


@dataclass(frozen=True)
class Match:
    """One piece of evidence: a listing, a class rule, a route or a near neighbour."""

    kind: MatchKind
    substance: str | None
    name: str
    rule: str | None
    similarity: float | None = None
    atoms: tuple[int, ...] = ()
    conditions: tuple[str, ...] = ()
    jurisdiction: str | None = None
    citation: str | None = None
    verified: bool = True
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": self.kind,
            "substance": self.substance,
            "name": self.name,
            "rule": self.rule,
            "similarity": None if self.similarity is None else round(self.similarity, 3),
            "atoms": list(self.atoms),
            "verified": self.verified,
        }
        if self.kind == "class":
            body["conditions"] = list(self.conditions)
            body["jurisdiction"] = self.jurisdiction
            body["citation"] = self.citation
        if self.explanation:
            body["explanation"] = self.explanation
        return body


@dataclass(frozen=True)
class ContestedReadingResult:
    """A class rule whose outcome depends on a contested legal reading, both readings shown."""

    rule: str
    jurisdiction: str
    question: str
    #: reading -> the conditions met under it, or None when that reading puts it outside
    readings: dict[str, tuple[str, ...] | None]
    deciding: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "jurisdiction": self.jurisdiction,
            "question": self.question,
            "readings": {
                name: {"in_class": conditions is not None, "conditions": list(conditions or ())}
                for name, conditions in self.readings.items()
            },
            "deciding": self.deciding,
            "note": self.note,
        }

    def text(self) -> str:
        """One line: ``us-frs: literal outside, broad A (deciding: literal)``."""
        said = ", ".join(
            f"{name} {'outside' if c is None else ','.join(c) or 'in'}"
            for name, c in self.readings.items()
        )
        return f"{self.rule}: {said} (deciding: {self.deciding})"


@dataclass(frozen=True)
class ScreenResult:
    """Everything the screening of one query found, with the reasons for its verdict."""

    query: str
    input_type: str
    resolved: bool
    error: str | None = None
    smiles: str | None = None
    inchikey: str | None = None
    verdict: Verdict | None = None
    tier: Tier | None = None
    tier_reason: str | None = None
    family: str | None = None
    substance: str | None = None
    name: str | None = None
    steps_to_fentanyl: int | None = None
    route: tuple[RouteLink, ...] = ()
    #: The steps of the precursor_route tier's route (empty for the other tiers, and when the
    #: structure is itself an opioid keeping the pharmacophore).
    precursor_route: tuple[RouteLink, ...] = ()
    contested: tuple[ContestedReadingResult, ...] = ()
    jurisdictions: dict[str, JurisdictionResult] = field(default_factory=dict)
    matches: tuple[Match, ...] = ()
    standardisation: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    as_of: date | None = None
    mol: Chem.Mol | None = field(default=None, compare=False, repr=False)

    def for_query(
        self,
        query: str,
        input_type: str,
        standardisation: tuple[str, ...],
        mol: Chem.Mol | None,
    ) -> ScreenResult:
        """This assessment as the result of one query: a copy with the query's own fields.

        The same as ``dataclasses.replace`` without re-running ``__init__`` over every field
        (every batch row makes one; profiled at a tenth of the batch time); the record is frozen
        and its other fields are shared, never changed.
        """
        copy = object.__new__(ScreenResult)
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(
            query=query, input_type=input_type, standardisation=standardisation, mol=mol
        )
        return copy

    def for_parent(
        self,
        query: str,
        input_type: str,
        smiles: str,
        standardisation: tuple[str, ...],
        mol: Chem.Mol | None,
    ) -> ScreenResult:
        """:meth:`for_query` with the parent's SMILES too: one shared assessment (the batch's
        certainly-clear one) as the result of many different structures."""
        copy = self.for_query(query, input_type, standardisation, mol)
        copy.__dict__["smiles"] = smiles
        return copy

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready object of the DESIGN.md contract."""
        return {
            "query": self.query,
            "input_type": self.input_type,
            "resolved": self.resolved,
            "error": self.error,
            "smiles": self.smiles,
            "inchikey": self.inchikey,
            "verdict": self.verdict,
            "tier": self.tier,
            "tier_reason": self.tier_reason,
            "family": self.family,
            "substance": self.substance,
            "name": self.name,
            "steps_to_fentanyl": self.steps_to_fentanyl,
            "route": [step.to_dict() for step in self.route],
            "precursor_route": [step.to_dict() for step in self.precursor_route],
            "contested": [reading.to_dict() for reading in self.contested],
            "jurisdictions": {code: j.to_dict() for code, j in self.jurisdictions.items()},
            "matches": [m.to_dict() for m in self.matches],
            "standardisation": list(self.standardisation),
            "notes": list(self.notes),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
        }

    def route_text(self) -> str:
        """The route as one line: ``reaction -> product ; reaction -> product``."""
        return " ; ".join(
            f"{step.reaction} -> {step.product_name or step.product}" for step in self.route
        )

    def row_values(self) -> tuple[Any, ...]:
        """The flat row as a tuple in :data:`ROW_FIELDS` order (batch output builds millions)."""
        # the columns between ``smiles`` and ``standardisation`` depend only on the assessment,
        # which ``for_query`` shares: worked out once per assessment and kept beside the fields
        middle = self.__dict__.get("_row_middle")
        if middle is None:
            middle = self._row_middle()
            self.__dict__["_row_middle"] = middle
        return (
            self.query,
            self.input_type,
            self.resolved,
            self.error,
            self.smiles,
            *middle,
            "|".join(self.standardisation) or None,
        )

    def _row_middle(self) -> tuple[Any, ...]:
        rules = sorted({m.rule for m in self.matches if m.rule and m.kind in ("listed", "class")})
        statuses = tuple(
            None if (entry := self.jurisdictions.get(code)) is None else entry.status
            for code in JURISDICTIONS
        )
        return (
            self.inchikey,
            self.verdict,
            self.tier,
            self.family,
            self.steps_to_fentanyl,
            self.substance,
            self.name,
            "|".join(rules) or None,
            *statuses,
            self.route_text() or None,
            self.tier_reason,
            " | ".join(reading.text() for reading in self.contested) or None,
        )

    def to_row(self) -> dict[str, Any]:
        """One flat table row (CSV, Parquet): scalars only, one status column per jurisdiction."""
        return dict(zip(ROW_FIELDS, self.row_values(), strict=True))
