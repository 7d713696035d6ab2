"""Typed records of the knowledge base. Pure data: no I/O, no business logic beyond dates.

Every record carries ``source_ids`` that point into :class:`Source` records, and a
``verified`` mark: a value that the reference research could not confirm stays marked
``verified=False``, is shown as unverified, and never decides a verdict alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

Family = Literal["fentanyl", "precursor", "reagent"]
Role = Literal[
    "fentanyl_analog", "immediate_precursor", "precursor", "designer_precursor", "reagent"
]
TargetKind = Literal["substance", "class"]
StatusValue = Literal["controlled", "class_controlled", "not_controlled"]

#: Jurisdictions the knowledge base covers, in display order.
JURISDICTIONS: tuple[str, ...] = ("UN", "US", "CN", "CA", "MX", "EU")


@dataclass(frozen=True, slots=True)
class Source:
    """A document a record cites: who published it, what it is, where, when it was read."""

    id: str
    publisher: str
    title: str
    url: str | None
    retrieved: date
    licence: str | None = None
    note: str = ""
    #: True for a legal text or official notice, False for a secondary report (press, blog,
    #: summary); None where the release that holds the record did not classify its sources.
    primary: bool | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """Which release of the knowledge base a data directory holds, and when it was published."""

    version: str
    released: date
    previous: str | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class UndatedListing:
    """A listing the reference states for one jurisdiction without an effective date.

    ``class_id`` is set when the reference says the substance is covered by a class
    definition of that jurisdiction (for example China's 2019 class); the status then
    follows the dated class control.
    """

    jurisdiction: str
    basis: str
    verified: bool
    source_ids: tuple[str, ...]
    class_id: str | None = None


@dataclass(frozen=True, slots=True)
class Substance:
    """One chemical the knowledge base knows, with its identifiers."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    cas: str | None
    cas_verified: bool
    smiles: str
    inchikey: str
    formula: str
    hs_codes: tuple[str, ...]
    hs_verified: bool
    family: Family
    role: Role
    notes: str
    source_ids: tuple[str, ...]
    #: Free base this salt row belongs to (4-AP for 4-AP dihydrochloride), else None.
    salt_of: str | None = None
    #: Listings stated by the reference without a known effective date.
    undated_listings: tuple[UndatedListing, ...] = ()
    #: The reference's status text per jurisdiction, verbatim: ``(("UN", "..."), ...)``.
    reference_status: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Control:
    """One legal instrument controlling a substance or a class in one jurisdiction.

    ``derivatives`` keeps the derivative wording of the listing as data (for example
    ``("amides", "carbamates", "halides", "salts")`` for 4-AP on US List I); the chemistry
    package turns it into structural rules.
    """

    id: str
    jurisdiction: str
    target_kind: TargetKind
    target: str
    instrument: str
    list_name: str
    effective: date
    end: date | None
    citation: str
    derivatives: tuple[str, ...]
    verified: bool
    unverified_fields: tuple[str, ...]
    note: str
    source_ids: tuple[str, ...]
    #: How much of ``effective`` is known: a year-only date is stored as 1 January.
    effective_precision: Literal["day", "month", "year"] = "day"

    def in_force(self, as_of: date) -> bool:
        """True when the control has taken effect on ``as_of`` and not yet ended."""
        return self.effective <= as_of and (self.end is None or as_of < self.end)

    def to_dict(self) -> dict[str, Any]:
        """The control as JSON (one shape for the command line and the service)."""
        payload = asdict(self)
        payload["effective"] = self.effective.isoformat()
        payload["end"] = self.end.isoformat() if self.end else None
        for key in ("derivatives", "unverified_fields", "source_ids"):
            payload[key] = list(payload[key])
        return payload


@dataclass(frozen=True, slots=True)
class ClassCondition:
    """One modification type of a class definition (US A-E, China 1-4)."""

    code: str
    text: str
    text_original: str = ""


@dataclass(frozen=True, slots=True)
class ClassDefinition:
    """The legal text of a class definition, with its conditions, citation and dates."""

    id: str
    jurisdiction: str
    name: str
    legal_text: str
    conditions: tuple[ClassCondition, ...]
    citation: str
    effective: date
    end: date | None
    note: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HSCode:
    """A Harmonized System 2022 subheading relevant to the trade."""

    code: str
    description: str
    verified: bool
    source_ids: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """A dated policy event: scheduling, indictment, sanctions, designation, tariff, ruling."""

    id: str
    date: date
    date_precision: Literal["day", "month"]
    jurisdiction: str
    kind: str
    action: str
    detail: str
    substances: tuple[str, ...]
    verified: bool
    source_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OverdoseYear:
    """Annual US overdose deaths: synthetic opioids other than methadone (ICD-10 T40.4) and all drugs."""

    year: int
    synthetic_opioid_deaths: int
    all_drug_deaths: int | None
    status: str
    verified: bool
    source_ids: tuple[str, ...]
    #: The citation as the reference research wrote it.
    source_text: str = ""


@dataclass(frozen=True, slots=True)
class JurisdictionStatus:
    """The listed status of one substance in one jurisdiction on one date."""

    jurisdiction: str
    status: StatusValue
    basis: str | None = None
    list_name: str | None = None
    since: date | None = None
    source: str | None = None
    verified: bool = True
    control_id: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: How much of ``since`` is known (a year-only listing is stored as 1 January).
    since_precision: Literal["day", "month", "year"] = "day"

    @property
    def since_text(self) -> str | None:
        """``since`` as far as it is known: 2017-10-18, 2018-03 or 1964."""
        if self.since is None:
            return None
        width = {"day": 10, "month": 7, "year": 4}[self.since_precision]
        return self.since.isoformat()[:width]

    def to_dict(self) -> dict[str, Any]:
        """The status as JSON (one shape for the command line and the service)."""
        payload = asdict(self)
        payload["since"] = self.since.isoformat() if self.since else None
        payload["since_text"] = self.since_text
        payload["notes"] = list(self.notes)
        return payload
