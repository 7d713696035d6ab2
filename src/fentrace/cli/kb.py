"""`fentrace kb` commands: what the knowledge base knows, where and since when it is controlled."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date

import click

from fentrace.cli._common import emit_json, parse_date, print_table
from fentrace.exc import FentraceError, UsageError
from fentrace.reference import gap_matrix, load_knowledge_base
from fentrace.reference.diff import SECTIONS, Change, diff_knowledge_bases
from fentrace.reference.kb import KnowledgeBase, resolve_knowledge_base, shipped_releases
from fentrace.reference.loader import EVENT_KINDS
from fentrace.reference.models import JURISDICTIONS, JurisdictionStatus, Substance
from fentrace.reference.provenance import secondary_only_records


class UnknownSubstanceError(FentraceError):
    """A kb query names no substance the knowledge base knows (exit status 1)."""


def _resolve(kb: KnowledgeBase, query: str) -> Substance:
    substance = kb.find_substance(query)
    if substance is None:
        raise UnknownSubstanceError(
            f"no substance matches {query!r} (tried id, CAS number, InChIKey, name and synonyms); "
            "for a structure use `fentrace chem screen`"
        )
    return substance


def _mark(text: str, verified: bool) -> str:
    return text if verified else f"{text} (unverified)"


def _status_rows(statuses: dict[str, JurisdictionStatus]) -> list[list[str]]:
    rows = []
    for j in JURISDICTIONS:
        s = statuses[j]
        since = (
            s.since.isoformat()
            if s.since
            else ("" if s.status == "not_controlled" else "date unknown")
        )
        rows.append(
            [
                j,
                _mark(s.status, s.verified) if s.status != "not_controlled" else s.status,
                since,
                s.list_name or "",
                s.basis or "",
            ]
        )
    return rows


@click.group(name="kb")
def kb() -> None:
    """Query the knowledge base: substances, legal status by jurisdiction and date, gaps, timeline."""


@kb.command(name="substance")
@click.argument("query")
@click.option("--as-of", "as_of_text", metavar="DATE", help="Status date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def substance_command(query: str, as_of_text: str | None, as_json: bool) -> None:
    """Everything known about one substance: identifiers, status, control history, sources.

    QUERY is an id (NPP), a CAS number, an InChIKey, a name or a synonym.
    """
    as_of = parse_date(as_of_text, "--as-of") or date.today()
    knowledge = load_knowledge_base()
    substance = _resolve(knowledge, query)
    statuses = knowledge.listed_status(substance.id, as_of)
    controls = knowledge.controls_for("substance", substance.id)
    if substance.salt_of:
        controls = controls + knowledge.controls_for("substance", substance.salt_of)
    source_ids = list(
        dict.fromkeys([*substance.source_ids, *(s for c in controls for s in c.source_ids)])
    )
    if as_json:
        emit_json(
            {
                "query": query,
                "as_of": as_of.isoformat(),
                "substance": {
                    "id": substance.id,
                    "name": substance.name,
                    "synonyms": list(substance.synonyms),
                    "cas": substance.cas,
                    "cas_verified": substance.cas_verified,
                    "smiles": substance.smiles,
                    "inchikey": substance.inchikey,
                    "formula": substance.formula,
                    "hs_codes": list(substance.hs_codes),
                    "hs_verified": substance.hs_verified,
                    "family": substance.family,
                    "role": substance.role,
                    "salt_of": substance.salt_of,
                    "notes": substance.notes,
                    "reference_status": dict(substance.reference_status),
                    "undated_listings": [
                        {**asdict(u), "source_ids": list(u.source_ids)}
                        for u in substance.undated_listings
                    ],
                },
                "status": {j: s.to_dict() for j, s in statuses.items()},
                "controls": [c.to_dict() for c in controls],
                "sources": [
                    {
                        **asdict(knowledge.sources[s]),
                        "retrieved": knowledge.sources[s].retrieved.isoformat(),
                    }
                    for s in source_ids
                ],
            }
        )
        return
    cas = "unknown" if substance.cas is None else _mark(substance.cas, substance.cas_verified)
    hs = ", ".join(substance.hs_codes) or "none"
    print_table(
        ["field", "value"],
        [
            ["id", substance.id],
            ["name", substance.name],
            ["synonyms", "; ".join(substance.synonyms)],
            ["CAS", cas],
            ["SMILES", substance.smiles],
            ["InChIKey", substance.inchikey],
            ["formula", substance.formula],
            ["HS 2022", _mark(hs, substance.hs_verified)],
            ["family / role", f"{substance.family} / {substance.role}"],
            ["salt of", substance.salt_of or ""],
            [
                "listed, date unknown",
                "; ".join(
                    f"{u.jurisdiction}: {_mark(u.basis, u.verified)}"
                    for u in substance.undated_listings
                    if u.class_id is None
                ),
            ],
            ["notes", substance.notes],
        ],
        title=f"{substance.name} ({substance.id})",
    )
    print_table(
        ["jurisdiction", "status", "since", "list", "basis"],
        _status_rows(statuses),
        title=f"Status on {as_of.isoformat()}",
    )
    print_table(
        ["id", "jur.", "effective", "end", "instrument", "citation", "derivatives"],
        [
            [
                c.id,
                c.jurisdiction,
                _mark(
                    c.effective.isoformat(), "effective" not in c.unverified_fields and c.verified
                ),
                c.end.isoformat() if c.end else "",
                c.instrument,
                c.citation,
                ", ".join(c.derivatives),
            ]
            for c in controls
        ],
        title="Control records (history included)",
    )
    click.echo("Sources:")
    for source_id in source_ids:
        click.echo(f"  [{source_id}] {knowledge.format_sources([source_id])}")


@kb.command(name="status")
@click.argument("query")
@click.option("--as-of", "as_of_text", metavar="DATE", help="Status date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def status_command(query: str, as_of_text: str | None, as_json: bool) -> None:
    """The listed status of one substance in each jurisdiction on a date."""
    as_of = parse_date(as_of_text, "--as-of") or date.today()
    knowledge = load_knowledge_base()
    substance = _resolve(knowledge, query)
    statuses = knowledge.listed_status(substance.id, as_of)
    if as_json:
        emit_json(
            {
                "query": query,
                "substance_id": substance.id,
                "name": substance.name,
                "as_of": as_of.isoformat(),
                "status": {j: s.to_dict() for j, s in statuses.items()},
            }
        )
        return
    print_table(
        ["jurisdiction", "status", "since", "list", "basis"],
        _status_rows(statuses),
        title=f"{substance.name} ({substance.id}) on {as_of.isoformat()}",
    )


@kb.command(name="gaps")
@click.option("--as-of", "as_of_text", metavar="DATE", help="Matrix date (default: today).")
@click.option(
    "--family",
    type=click.Choice(["precursor", "fentanyl", "reagent", "all"]),
    default="all",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def gaps_command(as_of_text: str | None, family: str, as_json: bool) -> None:
    """Where a substance controlled somewhere is free elsewhere: date controlled, '—' free, '?' unverified."""
    as_of = parse_date(as_of_text, "--as-of") or date.today()
    knowledge = load_knowledge_base()
    rows = gap_matrix(knowledge, as_of, family)
    if as_json:
        emit_json(
            {
                "as_of": as_of.isoformat(),
                "family": family,
                "jurisdictions": list(JURISDICTIONS),
                "rows": [r.to_dict() for r in rows],
            }
        )
        return
    print_table(
        ["substance", "name", "free in", *JURISDICTIONS],
        [[r.substance_id, r.name, str(len(r.free_in)), *(c.label for c in r.cells)] for r in rows],
        title=(
            f"Control gaps on {as_of.isoformat()} ('—' free, '?' unverified, "
            "'listed' date unknown, '(class)' by a class definition)"
        ),
    )


@kb.command(name="timeline")
@click.option("--from", "from_text", metavar="DATE", help="First date (inclusive).")
@click.option("--to", "to_text", metavar="DATE", help="Last date (inclusive).")
@click.option("--kind", type=click.Choice(EVENT_KINDS), help="Only events of this kind.")
@click.option("--jurisdiction", type=click.Choice(JURISDICTIONS), help="Only this jurisdiction.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def timeline_command(
    from_text: str | None,
    to_text: str | None,
    kind: str | None,
    jurisdiction: str | None,
    as_json: bool,
) -> None:
    """Dated policy events: scheduling, class controls, indictments, sanctions, tariffs, rulings."""
    first = parse_date(from_text, "--from")
    last = parse_date(to_text, "--to")
    if first and last and last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    knowledge = load_knowledge_base()
    events = [
        e
        for e in knowledge.timeline
        if (first is None or e.date >= first)
        and (last is None or e.date <= last)
        and (kind is None or e.kind == kind)
        and (jurisdiction is None or jurisdiction in e.jurisdiction.split("/"))
    ]
    if as_json:
        emit_json(
            [
                {
                    "id": e.id,
                    "date": e.date.isoformat(),
                    "date_precision": e.date_precision,
                    "jurisdiction": e.jurisdiction,
                    "kind": e.kind,
                    "action": e.action,
                    "detail": e.detail,
                    "substances": list(e.substances),
                    "verified": e.verified,
                    "source_ids": list(e.source_ids),
                }
                for e in events
            ]
        )
        return
    print_table(
        ["date", "jur.", "kind", "action", "detail"],
        [
            [
                _mark(
                    e.date.isoformat()[:7] if e.date_precision == "month" else e.date.isoformat(),
                    e.verified,
                ),
                e.jurisdiction,
                e.kind,
                e.action,
                e.detail,
            ]
            for e in events
        ],
        title=f"Timeline ({len(events)} events)",
    )


@kb.command(name="sources")
@click.option(
    "--secondary-only",
    is_flag=True,
    help="List the records (controls, listings, classes, events, figures, watchlist rows) "
    "that rest on secondary reporting alone.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def sources_command(secondary_only: bool, as_json: bool) -> None:
    """Every source the knowledge base cites, primary (law, official notice) or secondary."""
    knowledge = load_knowledge_base()
    if secondary_only:
        records = secondary_only_records(knowledge)
        if as_json:
            emit_json(
                {
                    "version": knowledge.release.version if knowledge.release else None,
                    "count": len(records),
                    "by_section": dict(Counter(r.section for r in records)),
                    "records": [r.to_dict() for r in records],
                }
            )
            return
        print_table(
            ["section", "id", "jur.", "record", "sources"],
            [
                [r.section, r.id, r.jurisdiction, r.summary, ", ".join(r.source_ids)]
                for r in records
            ],
            title=f"Records resting on secondary reporting alone ({len(records)})",
        )
        return
    if as_json:
        emit_json(
            [
                {**asdict(s), "retrieved": s.retrieved.isoformat()}
                for s in knowledge.sources.values()
            ]
        )
        return
    print_table(
        ["id", "kind", "publisher", "title", "url", "retrieved"],
        [
            [
                s.id,
                {True: "primary", False: "secondary", None: "unclassified"}[s.primary],
                s.publisher,
                s.title,
                s.url or "",
                s.retrieved.isoformat(),
            ]
            for s in knowledge.sources.values()
        ],
        title=f"Sources ({len(knowledge.sources)})",
    )


@kb.command(name="version")
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def version_command(as_json: bool) -> None:
    """The release of the bundled knowledge base and the releases shipped with it."""
    knowledge = load_knowledge_base()
    release = knowledge.release
    shipped = {
        version: load_knowledge_base(path).release for version, path in shipped_releases().items()
    }
    if as_json:
        emit_json(
            {
                "version": release.version if release else None,
                "released": release.released.isoformat() if release else None,
                "previous": release.previous if release else None,
                "shipped": [
                    {"version": v, "released": r.released.isoformat() if r else None}
                    for v, r in shipped.items()
                ],
            }
        )
        return
    print_table(
        ["version", "released", "previous", "note"],
        [
            [v, r.released.isoformat(), r.previous or "", r.note]
            for v, r in shipped.items()
            if r is not None
        ],
        title=f"Knowledge base {release.version if release else '(unversioned)'}",
    )


#: Fields whose old and new values are too long for a table cell: the table names them only.
_LONG_FIELDS = frozenset({"note", "notes", "source_ids", "undated_listings", "reference_status"})


def _what(change: Change) -> str:
    """A changed record's fields as 'field: old → new', long fields by name only."""
    if change.kind in ("added", "removed"):
        return change.summary
    return "; ".join(
        f.field if f.field in _LONG_FIELDS else f"{f.field}: {f.old or '—'} → {f.new or '—'}"
        for f in change.fields
    )


@kb.command(name="diff")
@click.argument("old")
@click.argument("new", required=False, default="current")
@click.option(
    "--section",
    "sections",
    multiple=True,
    type=click.Choice(SECTIONS),
    help="Only these sections (repeatable; default: all).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
@click.option("--markdown", is_flag=True, help="A Markdown table (the form CHANGELOG.md keeps).")
def diff_command(
    old: str, new: str, sections: tuple[str, ...], as_json: bool, markdown: bool
) -> None:
    """What changed from knowledge base OLD to NEW: added, ended, changed and removed records.

    OLD and NEW are knowledge-base directories, shipped release versions (see `fentrace kb
    version`) or `current` (the default NEW).
    """
    before = load_knowledge_base(resolve_knowledge_base(old))
    after = load_knowledge_base(resolve_knowledge_base(new))
    result = diff_knowledge_bases(before, after)
    changes = [c for c in result.changes if not sections or c.section in sections]
    if as_json:
        payload = result.to_dict()
        payload["changes"] = [c.to_dict() for c in changes]
        emit_json(payload)
        return
    if markdown:
        click.echo("| section | change | id | jur. | target | what |")
        click.echo("|---|---|---|---|---|---|")
        for c in changes:
            what = _what(c).replace("|", "/")
            click.echo(
                f"| {c.section} | {c.kind} | `{c.id}` | {c.jurisdiction} | {c.target} | {what} |"
            )
        return
    print_table(
        ["section", "change", "id", "jur.", "target", "what"],
        [
            [
                c.section,
                c.kind,
                c.id,
                c.jurisdiction,
                c.target,
                _what(c),
            ]
            for c in changes
        ],
        title=f"Knowledge base {result.old} → {result.new} ({len(changes)} changes)",
    )
