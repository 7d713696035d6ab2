"""What changed between two releases of the knowledge base: controls, classes, watchlist, substances.

A change is one record of one section, ``added``, ``removed``, ``ended`` (a control or class
that had no end, or another end, now ends) or ``changed`` (any other field). The comparison is
by record id (watchlist rows by entity, list and action), so a corrected date or citation shows
as a change of that record, with the fields named and their old and new values.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fentrace.exc import DataFileError
from fentrace.reference.kb import KnowledgeBase
from fentrace.reference.models import ClassDefinition, Control, Substance

ChangeKind = Literal["added", "removed", "ended", "changed"]
Section = Literal["control", "class", "watchlist", "substance"]
SECTIONS: tuple[Section, ...] = ("control", "class", "watchlist", "substance")
_WATCHLIST = "watchlist.csv"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one record: its value in the old release and in the new one."""

    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Change:
    """One record added, removed, ended or changed between two releases."""

    section: Section
    kind: ChangeKind
    id: str
    jurisdiction: str
    target: str
    summary: str
    fields: tuple[FieldChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON-ready data."""
        return {
            "section": self.section,
            "kind": self.kind,
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "target": self.target,
            "summary": self.summary,
            "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in self.fields],
        }


@dataclass(frozen=True, slots=True)
class KnowledgeBaseDiff:
    """Every change from ``old`` to ``new`` (release versions, or directory names)."""

    old: str
    new: str
    changes: tuple[Change, ...]

    def counts(self) -> dict[str, dict[str, int]]:
        """Number of changes per section and kind."""
        out: dict[str, dict[str, int]] = {s: {} for s in SECTIONS}
        for change in self.changes:
            bucket = out[change.section]
            bucket[change.kind] = bucket.get(change.kind, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The difference as JSON-ready data."""
        return {
            "old": self.old,
            "new": self.new,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _field_changes(old: Any, new: Any, skip: Iterable[str] = ()) -> tuple[FieldChange, ...]:
    skipped = set(skip)
    out: list[FieldChange] = []
    for spec in fields(old):
        if spec.name in skipped:
            continue
        before, after = getattr(old, spec.name), getattr(new, spec.name)
        if before != after:
            out.append(FieldChange(spec.name, _text(before), _text(after)))
    return tuple(out)


def _control_summary(control: Control) -> str:
    end = f" until {control.end}" if control.end else ""
    mark = "" if control.verified else " (unverified)"
    return f"{control.list_name} from {control.effective}{end}: {control.citation}{mark}"


def _dated_diff(
    section: Section,
    old: Mapping[str, Control] | Mapping[str, ClassDefinition],
    new: Mapping[str, Control] | Mapping[str, ClassDefinition],
) -> list[Change]:
    out: list[Change] = []
    for ident in sorted(set(old) | set(new)):
        before, after = old.get(ident), new.get(ident)
        record = after if after is not None else before
        assert record is not None
        target = record.target if isinstance(record, Control) else record.name
        summary = (
            _control_summary(record)
            if isinstance(record, Control)
            else f"{record.citation} from {record.effective}"
        )
        if before is None:
            out.append(Change(section, "added", ident, record.jurisdiction, target, summary))
        elif after is None:
            out.append(Change(section, "removed", ident, record.jurisdiction, target, summary))
        else:
            changed = _field_changes(before, after)
            if not changed:
                continue
            ended = after.end is not None and after.end != before.end
            kind: ChangeKind = "ended" if ended else "changed"
            if ended:
                summary = f"ends {after.end}: {summary}"
            out.append(Change(section, kind, ident, record.jurisdiction, target, summary, changed))
    return out


def _substance_diff(old: Mapping[str, Substance], new: Mapping[str, Substance]) -> list[Change]:
    out: list[Change] = []
    for ident in sorted(set(old) | set(new)):
        before, after = old.get(ident), new.get(ident)
        record = after if after is not None else before
        assert record is not None
        if before is None or after is None:
            kind: ChangeKind = "added" if before is None else "removed"
            out.append(Change("substance", kind, ident, "", ident, record.name))
            continue
        changed = _field_changes(before, after)
        if changed:
            what = ", ".join(f.field for f in changed)
            out.append(Change("substance", "changed", ident, "", ident, what, changed))
    return out


def read_watchlist_rows(data_dir: Path) -> dict[str, dict[str, str]]:
    """The bundled watchlist's rows keyed ``entity_id|list|action`` (empty when the file is absent)."""
    path = data_dir / _WATCHLIST
    if not path.exists():
        return {}
    rows: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if not row.get("entity_id"):
                raise DataFileError("missing entity_id", file=_WATCHLIST, record=line)
            key = f"{row['entity_id']}|{row.get('list', '')}|{row.get('action', '')}"
            rows[key] = {k: v or "" for k, v in row.items() if k is not None}
    return rows


def _watchlist_diff(
    old: Mapping[str, dict[str, str]], new: Mapping[str, dict[str, str]]
) -> list[Change]:
    out: list[Change] = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        row = after if after is not None else before
        assert row is not None
        summary = f"{row.get('name', '')}: {row.get('action', '')} ({row.get('list', '')}) since {row.get('since', '')}"
        jurisdiction = row.get("list", "")
        if before is None or after is None:
            kind: ChangeKind = "added" if before is None else "removed"
            out.append(Change("watchlist", kind, key, jurisdiction, row.get("name", ""), summary))
            continue
        changed = tuple(
            FieldChange(name, before.get(name, ""), after.get(name, ""))
            for name in sorted(set(before) | set(after))
            if before.get(name, "") != after.get(name, "")
        )
        if changed:
            out.append(
                Change(
                    "watchlist", "changed", key, jurisdiction, row.get("name", ""), summary, changed
                )
            )
    return out


def _label(kb: KnowledgeBase) -> str:
    return kb.release.version if kb.release is not None else str(kb.data_dir)


def diff_knowledge_bases(old: KnowledgeBase, new: KnowledgeBase) -> KnowledgeBaseDiff:
    """Every added, removed, ended and changed control, class, watchlist entry and substance."""
    changes = [
        *_dated_diff("control", {c.id: c for c in old.controls}, {c.id: c for c in new.controls}),
        *_dated_diff("class", old.classes, new.classes),
        *_watchlist_diff(read_watchlist_rows(old.data_dir), read_watchlist_rows(new.data_dir)),
        *_substance_diff(old.substances, new.substances),
    ]
    return KnowledgeBaseDiff(_label(old), _label(new), tuple(changes))
