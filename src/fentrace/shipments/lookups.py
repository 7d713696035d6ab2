"""The chemistry, party and name lookups the indicators need, behind small injectable interfaces.

The engine calls each lookup once per *distinct* value of a batch: every distinct chemical
query once (per control epoch, see engine.py), every distinct (name, country) once. Tests
inject fakes; the defaults wrap the real engines: ``fentrace.chemistry.screen.screen_many``,
``fentrace.parties.PartyScreener`` and the knowledge base's substance names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from fentrace.exc import ConfigError

CHEM_VERDICTS: tuple[str, ...] = (
    "controlled",
    "class_controlled",
    "designer_precursor",
    "watch",
    "clear",
)
#: Verdict severity: lower is worse (the order of DESIGN.md's verdict precedence).
VERDICT_RANK: dict[str, int] = {v: i for i, v in enumerate(CHEM_VERDICTS)}


@dataclass(frozen=True, slots=True)
class ChemFinding:
    """What the chemistry engine says about one query, reduced to what the indicators use."""

    query: str
    resolved: bool
    verdict: str = "clear"
    name: str | None = None
    substance: str | None = None
    family: str | None = None
    #: jurisdiction -> status (controlled | class_controlled | not_controlled)
    statuses: Mapping[str, str] = field(default_factory=dict)
    #: jurisdiction -> the date the status took effect (ISO), where known
    since: Mapping[str, str] = field(default_factory=dict)
    hs_codes: tuple[str, ...] = ()
    hs_verified: bool = False
    error: str | None = None
    #: what a class, route or similarity match relates the chemical to (for the detail)
    related: str | None = None

    def controlled_in(self) -> list[str]:
        """The jurisdictions where the chemical is controlled or class-controlled."""
        return [j for j, s in self.statuses.items() if s in ("controlled", "class_controlled")]


@dataclass(frozen=True, slots=True)
class PartyFinding:
    """What party screening says about one (name, country): the verdict and the best match."""

    query: str
    verdict: str  # match | possible | none
    entity_id: str | None = None
    matched_name: str | None = None
    score: float = 0.0
    action: str | None = None
    since: str | None = None
    lists: tuple[str, ...] = ()


class ChemicalScreener(Protocol):
    """Screens chemical queries (CAS, SMILES, names) as of a date, one finding per query."""

    def __call__(self, queries: Sequence[str], as_of: date | None) -> list[ChemFinding]: ...


class PartyLookup(Protocol):
    """Screens party names with their countries, one finding per name."""

    def __call__(
        self, names: Sequence[str], countries: Sequence[str | None]
    ) -> list[PartyFinding]: ...


#: The chemical names and abbreviations to look for in free text: lower-case term -> query.
Lexicon = Mapping[str, str]
LexiconFactory = Callable[[], Lexicon]
#: Systematic names -> SMILES (None where a name cannot be parsed), one call per batch.
NameResolver = Callable[[Sequence[str]], list[str | None]]


def _module(name: str, what: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise ConfigError(f"the {what} ({name}) is not available: {error}") from error


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def finding_from_screen_result(result: Any, kb: Any | None) -> ChemFinding:
    """Reduce a chemistry ScreenResult (object or dict) to a :class:`ChemFinding`."""
    data: dict[str, Any] = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    statuses: dict[str, str] = {}
    since: dict[str, str] = {}
    for jurisdiction, entry in (data.get("jurisdictions") or {}).items():
        if isinstance(entry, Mapping):
            statuses[jurisdiction] = str(entry.get("status") or "not_controlled")
            if entry.get("since"):
                since[jurisdiction] = str(entry["since"])[:10]
    # identity (and so the HS codes to expect) only from a listed match; a class, route or
    # similarity match names what the chemical resembles, not what it is
    substance: str | None = None
    name: str | None = None
    related: str | None = None
    for match in data.get("matches") or []:
        if not isinstance(match, Mapping):
            continue
        if match.get("kind") == "listed" and match.get("substance") and substance is None:
            substance = str(match["substance"])
            name = _text(match.get("name"))
        elif related is None and match.get("name"):
            related = _text(match.get("name"))
    hs_codes: tuple[str, ...] = ()
    hs_verified = False
    if kb is not None and substance is not None:
        record = kb.substances.get(substance)
        if record is not None:
            hs_codes = tuple(record.hs_codes)
            hs_verified = bool(record.hs_verified)
            name = name or record.name
    verdict = str(data.get("verdict") or "clear")
    return ChemFinding(
        query=str(data.get("query", "")),
        resolved=bool(data.get("resolved")),
        verdict=verdict if verdict in VERDICT_RANK else "clear",
        name=name,
        substance=substance,
        family=_text(data.get("family")),
        statuses=statuses,
        since=since,
        hs_codes=hs_codes,
        hs_verified=hs_verified,
        error=_text(data.get("error")),
        related=related,
    )


def default_chemical_screener(jobs: int = 1) -> ChemicalScreener:
    """The chemistry engine (fentrace.chemistry.screen.screen_many) as a ChemicalScreener."""
    screen = _module("fentrace.chemistry.screen", "chemistry engine")
    reference = _module("fentrace.reference", "knowledge base")
    kb = reference.load_knowledge_base()

    def screener(queries: Sequence[str], as_of: date | None) -> list[ChemFinding]:
        results = screen.screen_many(list(queries), as_of, jobs=jobs)
        return [finding_from_screen_result(r, kb) for r in results]

    return screener


def finding_from_party_result(result: Any) -> PartyFinding:
    """Reduce a parties PartyResult (object or dict) to a :class:`PartyFinding`."""
    data: dict[str, Any] = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    matches = [m for m in data.get("matches") or [] if isinstance(m, Mapping)]
    best = max(matches, key=lambda m: float(m.get("score") or 0.0), default=None)
    verdict = str(data.get("verdict") or "none")
    if best is None:
        return PartyFinding(query=str(data.get("query", "")), verdict=verdict)
    return PartyFinding(
        query=str(data.get("query", "")),
        verdict=verdict,
        entity_id=_text(best.get("entity_id")),
        matched_name=_text(best.get("name")),
        score=float(best.get("score") or 0.0),
        action=_text(best.get("action")),
        since=None if best.get("since") is None else str(best["since"])[:10],
        lists=tuple(str(x) for x in best.get("lists") or ()),
    )


def default_party_lookup() -> PartyLookup:
    """Party screening (fentrace.parties.PartyScreener over the bundled watchlist)."""
    parties = _module("fentrace.parties", "party screener")
    screener = parties.PartyScreener(parties.load_watchlist())

    def lookup(names: Sequence[str], countries: Sequence[str | None]) -> list[PartyFinding]:
        results = screener.screen_many(list(names), list(countries))
        return [finding_from_party_result(r) for r in results]

    return lookup


def default_lexicon() -> Lexicon:
    """Names, synonyms and abbreviations of every knowledge-base substance -> the name to screen.

    A name with a parenthesised abbreviation ("N-Phenethyl-4-piperidone (NPP)") gives both
    parts; the knowledge base's look-alike medicines (negative controls) are named by their
    SMILES. Terms under three characters are left out: they match too much free text.
    """
    reference = _module("fentrace.reference", "knowledge base")
    kb = reference.load_knowledge_base()
    lexicon: dict[str, str] = {}
    for substance in kb.substances.values():
        query = substance.cas if substance.cas and substance.cas_verified else substance.name
        terms = [substance.name, *substance.synonyms]
        if "(" in substance.name and substance.name.endswith(")"):
            base, _, abbreviation = substance.name[:-1].partition("(")
            terms += [base.strip(), abbreviation.strip()]
        for term in terms:
            key = term.strip().lower()
            if len(key) >= 3:
                lexicon.setdefault(key, query)
    # look-alike medicines: named so that they are identified (and cleared) rather than missed
    for _id, name, smiles in kb.negative_controls:
        if len(name) >= 3:
            lexicon.setdefault(name.strip().lower(), smiles)
    return lexicon


_OPSIN_CACHE: dict[str, str | None] = {}


def default_name_resolver() -> NameResolver:
    """OPSIN (through the py2opsin package and Java) as a NameResolver: one Java start per batch.

    Results are kept per distinct name for the life of the process; without py2opsin or Java
    every name comes back None (the description is then read by its other words only).
    """

    def resolve(names: Sequence[str]) -> list[str | None]:
        wanted = [n for n in dict.fromkeys(names) if n not in _OPSIN_CACHE]
        if wanted:
            for name, smiles in zip(wanted, _opsin_batch(wanted), strict=True):
                _OPSIN_CACHE[name] = smiles
        return [_OPSIN_CACHE.get(n) for n in names]

    return resolve


def _opsin_batch(names: list[str]) -> list[str | None]:
    try:
        module = importlib.import_module("py2opsin")
    except ImportError:
        return [None] * len(names)
    import tempfile
    import warnings
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # OPSIN reports names it cannot parse as warnings
        try:
            out = module.py2opsin(names, tmp_fpath=str(Path(folder) / "names.txt"))
        except (OSError, RuntimeError, ValueError):
            return [None] * len(names)
    if isinstance(out, str):
        out = [out]
    if not isinstance(out, list) or len(out) != len(names):
        return [None] * len(names)
    return [value if isinstance(value, str) and value else None for value in out]
