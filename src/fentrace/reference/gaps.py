"""The gaps matrix: where a substance controlled in one jurisdiction is free in another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from fentrace.reference.models import JURISDICTIONS, JurisdictionStatus

if TYPE_CHECKING:
    from fentrace.reference.kb import KnowledgeBase

CellState = Literal["controlled", "unverified", "undated", "free"]


@dataclass(frozen=True, slots=True)
class GapCell:
    """One substance in one jurisdiction on the matrix date."""

    jurisdiction: str
    state: CellState
    since: date | None
    status: JurisdictionStatus

    @property
    def label(self) -> str:
        """The cell as shown in a table: the date, '—' when free, a trailing '?' when unverified.

        A listing whose date is unknown shows as 'listed' ('listed?' when unverified); control
        through a class definition carries ' (class)'.
        """
        if self.state == "free":
            return "—"
        text = self.status.since_text or "listed"
        if self.status.status == "class_controlled":
            text += " (class)"
        return text + "?" if self.state == "unverified" else text


@dataclass(frozen=True, slots=True)
class GapRow:
    """One substance: its cells per jurisdiction and how many leave it free."""

    substance_id: str
    name: str
    family: str
    cells: tuple[GapCell, ...]

    @property
    def free_in(self) -> tuple[str, ...]:
        """Jurisdictions where the substance is not controlled on the matrix date."""
        return tuple(c.jurisdiction for c in self.cells if c.state == "free")

    @property
    def controlled_in(self) -> tuple[str, ...]:
        """Jurisdictions where it is controlled (verified or not)."""
        return tuple(c.jurisdiction for c in self.cells if c.state != "free")

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON (one shape for the command line and the service)."""
        return {
            "substance_id": self.substance_id,
            "name": self.name,
            "family": self.family,
            "free_in": list(self.free_in),
            "cells": {
                c.jurisdiction: {
                    "state": c.state,
                    "since": c.since.isoformat() if c.since else None,
                    "verified": c.status.verified,
                    "control_id": c.status.control_id,
                }
                for c in self.cells
            },
        }


def _cell(status: JurisdictionStatus) -> GapCell:
    if status.status == "not_controlled":
        state: CellState = "free"
    elif status.since is None:
        state = "undated" if status.verified else "unverified"
    else:
        state = "controlled" if status.verified else "unverified"
    return GapCell(status.jurisdiction, state, status.since, status)


def gap_matrix(kb: KnowledgeBase, as_of: date, family: str = "all") -> list[GapRow]:
    """Substances controlled somewhere on ``as_of`` and their status everywhere, most gaps first.

    ``family`` is ``precursor``, ``fentanyl``, ``reagent`` or ``all``. Rows are sorted by the
    number of jurisdictions that leave the substance free (descending), then by id.
    """
    rows: list[GapRow] = []
    for substance in kb.substances.values():
        if family != "all" and substance.family != family:
            continue
        statuses = kb.listed_status(substance.id, as_of)
        cells = tuple(_cell(statuses[j]) for j in JURISDICTIONS)
        row = GapRow(substance.id, substance.name, substance.family, cells)
        if row.controlled_in:
            rows.append(row)
    rows.sort(key=lambda r: (-len(r.free_in), r.substance_id))
    return rows
