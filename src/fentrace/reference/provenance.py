"""Which records rest on a primary text (law, official notice) and which on secondary reporting alone.

Every source in sources.yaml says ``primary: true`` (the legal text or official notice itself,
even when read through a copy whose URL the record gives) or ``primary: false`` (press, blogs,
summaries, the project's own research notes). A record is *secondary-only* when none of the
sources it cites is primary. The bundled watchlist cites its sources as free text with URLs;
a row counts as primary when one of its URLs is an official government site or a copy of an
official document named below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from fentrace.reference.diff import read_watchlist_rows
from fentrace.reference.kb import KnowledgeBase

RecordSection = Literal["control", "listing", "class", "timeline", "overdose", "watchlist"]

#: Government sites whose pages are the official notice itself.
OFFICIAL_DOMAINS: tuple[str, ...] = (
    "irs.gov",
    "justice.gov",
    "treasury.gov",
    "state.gov",
    "federalregister.gov",
    "govinfo.gov",
    "dea.gov",
)
#: Sites the watchlist cites for the text of an official document (not for commentary):
#: wenxuecity.com carries the OFAC press release of 14 Apr 2023, lexbuild.dev the Federal
#: Register notice 90 FR 53045.
OFFICIAL_COPIES: tuple[str, ...] = ("wenxuecity.com", "lexbuild.dev")
_URL_HOST = re.compile(r"https?://([^/\s;,]+)")


@dataclass(frozen=True, slots=True)
class SourcedRecord:
    """One record with the sources it cites and which of them are primary."""

    section: RecordSection
    id: str
    jurisdiction: str
    summary: str
    source_ids: tuple[str, ...]
    primary_ids: tuple[str, ...]

    @property
    def secondary_only(self) -> bool:
        """True when none of the cited sources is a primary text."""
        return not self.primary_ids

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        return {
            "section": self.section,
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "summary": self.summary,
            "source_ids": list(self.source_ids),
            "primary_ids": list(self.primary_ids),
            "secondary_only": self.secondary_only,
        }


def _primary(kb: KnowledgeBase, ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(i for i in ids if (s := kb.sources.get(i)) is not None and s.primary is True)


def _host_is_official(host: str) -> bool:
    host = host.lower().removeprefix("www.")
    return any(host == d or host.endswith("." + d) for d in (*OFFICIAL_DOMAINS, *OFFICIAL_COPIES))


def watchlist_hosts(source_text: str) -> tuple[str, ...]:
    """The web hosts a watchlist row's source text cites, in order."""
    return tuple(
        dict.fromkeys(m.lower().removeprefix("www.") for m in _URL_HOST.findall(source_text))
    )


def sourced_records(kb: KnowledgeBase) -> list[SourcedRecord]:
    """Every control, undated listing, class, timeline event, overdose year and watchlist row."""
    out: list[SourcedRecord] = []
    for c in kb.controls:
        summary = f"{c.target} {c.list_name} from {c.effective}: {c.citation}"
        out.append(
            SourcedRecord(
                "control", c.id, c.jurisdiction, summary, c.source_ids, _primary(kb, c.source_ids)
            )
        )
    for s in kb.substances.values():
        for position, u in enumerate(s.undated_listings, start=1):
            if u.class_id is not None:
                continue  # the class control it points to carries the sources
            out.append(
                SourcedRecord(
                    "listing",
                    f"{s.id}/undated_listings[{position}]",
                    u.jurisdiction,
                    f"{s.id}: {u.basis}",
                    u.source_ids,
                    _primary(kb, u.source_ids),
                )
            )
    for k in kb.classes.values():
        out.append(
            SourcedRecord(
                "class",
                k.id,
                k.jurisdiction,
                f"{k.name}: {k.citation}",
                k.source_ids,
                _primary(kb, k.source_ids),
            )
        )
    for e in kb.timeline:
        out.append(
            SourcedRecord(
                "timeline",
                e.id,
                e.jurisdiction,
                f"{e.date} {e.action}",
                e.source_ids,
                _primary(kb, e.source_ids),
            )
        )
    for o in kb.overdose_deaths:
        out.append(
            SourcedRecord(
                "overdose",
                str(o.year),
                "US",
                f"{o.year}: {o.synthetic_opioid_deaths} synthetic-opioid deaths ({o.status})",
                o.source_ids,
                _primary(kb, o.source_ids),
            )
        )
    for key, row in read_watchlist_rows(kb.data_dir).items():
        hosts = watchlist_hosts(row.get("source", ""))
        official = tuple(h for h in hosts if _host_is_official(h))
        out.append(
            SourcedRecord(
                "watchlist",
                key,
                row.get("list", ""),
                f"{row.get('name', '')}: {row.get('action', '')} since {row.get('since', '')}",
                hosts,
                official,
            )
        )
    return out


def secondary_only_records(kb: KnowledgeBase) -> list[SourcedRecord]:
    """The records that rest on secondary reporting alone."""
    return [r for r in sourced_records(kb) if r.secondary_only]
