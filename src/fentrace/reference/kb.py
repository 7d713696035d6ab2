"""The knowledge base: every data file loaded, validated and indexed, with as-of queries.

``load_knowledge_base()`` is cached: every command calls it, and it reads the shipped files
once per process. A test passes ``data_dir`` to load a (possibly broken) copy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType

from fentrace.exc import DataFileError, UsageError
from fentrace.reference import loader
from fentrace.reference.models import (
    JURISDICTIONS,
    ClassDefinition,
    Control,
    HSCode,
    JurisdictionStatus,
    OverdoseYear,
    Release,
    Source,
    Substance,
    TimelineEvent,
)
from fentrace.reference.names import normalise_chemical_name, strip_salt_words


class KnowledgeBase:
    """Substances, controls, classes, sources, timeline, HS codes and overdose figures."""

    def __init__(
        self,
        *,
        substances: Mapping[str, Substance],
        controls: tuple[Control, ...],
        classes: Mapping[str, ClassDefinition],
        sources: Mapping[str, Source],
        timeline: tuple[TimelineEvent, ...],
        hs_codes: Mapping[str, HSCode],
        overdose_deaths: tuple[OverdoseYear, ...],
        negative_controls: tuple[tuple[str, str, str], ...],
        data_dir: Path,
        release: Release | None = None,
    ) -> None:
        self.substances: Mapping[str, Substance] = MappingProxyType(dict(substances))
        self.controls = controls
        self.classes: Mapping[str, ClassDefinition] = MappingProxyType(dict(classes))
        self.sources: Mapping[str, Source] = MappingProxyType(dict(sources))
        self.timeline = timeline
        self.hs_codes: Mapping[str, HSCode] = MappingProxyType(dict(hs_codes))
        self.overdose_deaths = overdose_deaths
        self.negative_controls = negative_controls
        self.data_dir = data_dir
        #: The release these files are (kb.yaml); None for a directory without one.
        self.release = release
        self._by_cas = {s.cas: s for s in substances.values() if s.cas}
        self._by_inchikey = {s.inchikey: s for s in substances.values()}
        self._by_name: dict[str, Substance] = {}
        for substance in substances.values():
            for name in (substance.name, *substance.synonyms):
                self._by_name[normalise_chemical_name(name)] = substance
        self._by_id_folded = {ident.casefold(): s for ident, s in substances.items()}
        self._controls_by_target: dict[tuple[str, str], list[Control]] = {}
        for control in controls:
            key = (control.target_kind, control.target)
            self._controls_by_target.setdefault(key, []).append(control)

    # -- lookups -------------------------------------------------------------------------

    def substance_by_cas(self, cas: str) -> Substance | None:
        """The substance with this CAS number (verified or not), if any."""
        return self._by_cas.get(cas.strip())

    def substance_by_inchikey(self, key: str) -> Substance | None:
        """The substance with this standard InChIKey, if any (the salt row for a salt's key)."""
        return self._by_inchikey.get(key.strip().upper())

    def substance_by_name(self, name: str) -> Substance | None:
        """The substance one of whose names matches after normalisation; salt words fall back to the base."""
        key = normalise_chemical_name(name)
        found = self._by_name.get(key)
        if found is None and " " in key:
            found = self._by_name.get(strip_salt_words(key))
        return found

    def substance_by_id(self, ident: str) -> Substance | None:
        """The substance with this id, ignoring case."""
        return self._by_id_folded.get(ident.strip().casefold())

    def find_substance(self, query: str) -> Substance | None:
        """Resolve a text query: an id, then a CAS number, an InChIKey, then a name or synonym."""
        return (
            self.substance_by_id(query)
            or self.substance_by_cas(query)
            or self.substance_by_inchikey(query)
            or self.substance_by_name(query)
        )

    # -- controls ------------------------------------------------------------------------

    def controls_for(self, target_kind: str, target: str) -> tuple[Control, ...]:
        """Every control record of a substance or class, in effective-date order (history included)."""
        found = self._controls_by_target.get((target_kind, target), [])
        return tuple(sorted(found, key=lambda c: (c.jurisdiction, c.effective, c.id)))

    def class_controls_in_force(self, as_of: date) -> tuple[Control, ...]:
        """The class controls in force on ``as_of``."""
        return tuple(c for c in self.controls if c.target_kind == "class" and c.in_force(as_of))

    def format_sources(self, source_ids: Iterable[str]) -> str:
        """Sources as one line for people: "Publisher, Title <url>; ..."."""
        parts: list[str] = []
        for source_id in source_ids:
            source = self.sources.get(source_id)
            if source is None:
                parts.append(source_id)
                continue
            text = f"{source.publisher}, {source.title}"
            parts.append(f"{text} <{source.url}>" if source.url else text)
        return "; ".join(parts)

    def listed_status(self, substance_id: str, as_of: date) -> dict[str, JurisdictionStatus]:
        """The listed status of a substance in every jurisdiction on ``as_of``.

        Order of evidence: a control of the substance itself; for a salt row, a control of its
        free base (verified only when that listing names salts); a class control the reference
        states covers the substance; a listing the reference states without a date.
        """
        substance = self.substances.get(substance_id)
        if substance is None:
            raise KeyError(substance_id)
        return {j: self._status_in(substance, j, as_of) for j in JURISDICTIONS}

    def _chain_start(self, controls: list[Control], current: Control) -> Control:
        """The earliest control of an unbroken run of controls ending in ``current``."""
        start = current
        changed = True
        while changed:
            changed = False
            for control in controls:
                if control.effective < start.effective and (
                    control.end is None or control.end >= start.effective
                ):
                    start = control
                    changed = True
        return start

    def _controls_in(self, target_kind: str, target: str, jurisdiction: str) -> list[Control]:
        """Every control record of one target in one jurisdiction, whatever its dates."""
        return [
            c
            for c in self._controls_by_target.get((target_kind, target), [])
            if c.jurisdiction == jurisdiction
        ]

    def _status_from(
        self, controls: list[Control], as_of: date, *, status: str = "controlled"
    ) -> JurisdictionStatus | None:
        current = [c for c in controls if c.in_force(as_of)]
        if not current:
            return None
        chosen = max(current, key=lambda c: (c.effective, c.id))
        start = self._chain_start([c for c in controls if c.effective <= as_of], chosen)
        verified = chosen.verified and start.verified and "effective" not in start.unverified_fields
        notes: list[str] = []
        if chosen.unverified_fields:
            notes.append("unverified: " + ", ".join(chosen.unverified_fields))
        if start.effective_precision != "day":
            notes.append(f"effective date known to the {start.effective_precision} only")
        if chosen.note:
            notes.append(chosen.note)
        return JurisdictionStatus(
            jurisdiction=chosen.jurisdiction,
            status="class_controlled" if status == "class_controlled" else "controlled",
            basis=chosen.citation,
            list_name=chosen.list_name,
            since=start.effective,
            source=self.format_sources(chosen.source_ids),
            verified=verified,
            control_id=chosen.id,
            notes=tuple(notes),
            since_precision=start.effective_precision,
        )

    def _status_in(
        self, substance: Substance, jurisdiction: str, as_of: date
    ) -> JurisdictionStatus:
        own = self._controls_in("substance", substance.id, jurisdiction)
        found = self._status_from(own, as_of)
        if found is not None:
            return found
        if substance.salt_of is not None:
            parent = self.substances[substance.salt_of]
            inherited = self._status_from(
                self._controls_in("substance", parent.id, jurisdiction), as_of
            )
            if inherited is not None:
                control = next(c for c in self.controls if c.id == inherited.control_id)
                names_salts = "salts" in control.derivatives
                note = (
                    f"as a salt of {parent.name}"
                    if names_salts
                    else f"as a salt of {parent.name}; the listing's coverage of salts is unverified"
                )
                return JurisdictionStatus(
                    jurisdiction=jurisdiction,
                    status="controlled",
                    basis=f"{inherited.basis} ({note})",
                    list_name=inherited.list_name,
                    since=inherited.since,
                    source=inherited.source,
                    verified=inherited.verified and names_salts,
                    control_id=inherited.control_id,
                    notes=(note, *inherited.notes),
                    since_precision=inherited.since_precision,
                )
        for listing in substance.undated_listings:
            if listing.jurisdiction != jurisdiction:
                continue
            if listing.class_id is not None:
                by_class = self._status_from(
                    self._controls_in("class", listing.class_id, jurisdiction),
                    as_of,
                    status="class_controlled",
                )
                if by_class is not None:
                    return JurisdictionStatus(
                        jurisdiction=jurisdiction,
                        status="class_controlled",
                        basis=by_class.basis,
                        list_name=by_class.list_name,
                        since=by_class.since,
                        source=by_class.source,
                        verified=by_class.verified and listing.verified,
                        control_id=by_class.control_id,
                        notes=(f"reference: {listing.basis}", *by_class.notes),
                        since_precision=by_class.since_precision,
                    )
                continue
            return JurisdictionStatus(
                jurisdiction=jurisdiction,
                status="controlled",
                basis=listing.basis,
                list_name=None,
                since=None,
                source=self.format_sources(listing.source_ids),
                verified=listing.verified,
                control_id=None,
                notes=("listed per the reference; effective date unknown",),
            )
        reference = dict(substance.reference_status).get(jurisdiction, "")
        return JurisdictionStatus(
            jurisdiction=jurisdiction,
            status="not_controlled",
            notes=(f"reference: {reference}",) if reference else (),
        )


def build_knowledge_base(data_dir: Path) -> KnowledgeBase:
    """Load and validate every data file under ``data_dir`` (uncached)."""
    sources = loader.load_sources(data_dir / "sources.yaml")
    substances = loader.load_substances(data_dir / "substances.yaml", sources)
    classes = loader.load_classes(data_dir / "classes.yaml", sources)
    hs_codes = loader.load_hs_codes(data_dir / "hs_codes.yaml", sources)
    loader.check_cross_references(substances, classes, hs_codes)
    controls = loader.load_controls(data_dir / "controls.yaml", sources, substances, classes)
    timeline = loader.load_timeline(data_dir / "timeline.yaml", sources, substances)
    overdose = loader.load_overdose(data_dir / "overdose_deaths.csv", sources)
    negatives = loader.load_negative_controls(data_dir / "negative_controls.csv", substances)
    manifest = data_dir / "kb.yaml"
    release = loader.load_release(manifest) if manifest.exists() else None
    return KnowledgeBase(
        substances=substances,
        controls=controls,
        classes=classes,
        sources=sources,
        timeline=timeline,
        hs_codes=hs_codes,
        overdose_deaths=overdose,
        negative_controls=negatives,
        data_dir=data_dir,
        release=release,
    )


@functools.cache
def _cached(data_dir: Path) -> KnowledgeBase:
    return build_knowledge_base(data_dir)


def load_knowledge_base(data_dir: Path | None = None) -> KnowledgeBase:
    """The knowledge base, validated at load and cached per data directory."""
    return _cached((data_dir or loader.DATA_DIR).resolve())


#: Earlier releases shipped with the package, one directory per version.
RELEASES_DIR = loader.DATA_DIR / "releases"


def shipped_releases() -> dict[str, Path]:
    """Every release shipped with the package, current one included: version -> data directory."""
    found: dict[str, Path] = {}
    if RELEASES_DIR.is_dir():
        for child in sorted(RELEASES_DIR.iterdir()):
            if (child / "kb.yaml").is_file():
                found[child.name] = child
    current = loader.load_release(loader.DATA_DIR / "kb.yaml")
    found[current.version] = loader.DATA_DIR
    return found


def resolve_knowledge_base(spec: str | Path) -> Path:
    """A data directory from a path, a shipped release version, or ``current``.

    Raises :class:`~fentrace.exc.UsageError` when ``spec`` is neither an existing directory nor
    a shipped version; the message lists the versions that are shipped.
    """
    text = str(spec)
    if text == "current":
        return loader.DATA_DIR
    path = Path(text)
    if path.is_dir():
        return path
    releases = shipped_releases()
    if text in releases:
        return releases[text]
    raise UsageError(
        f"{text!r} is neither a knowledge-base directory nor a shipped release "
        f"(shipped: {', '.join(releases)}, current)"
    )


def validate_structures(kb: KnowledgeBase, inchikey_of: Callable[[str], str | None]) -> None:
    """Check that each substance's InChIKey is the one its SMILES gives.

    ``inchikey_of`` comes from the chemistry package (the only one that may import RDKit);
    it returns None for a SMILES that does not parse. The chemistry package calls this when
    it first builds its index; ``tests/reference/test_structures.py`` runs it with RDKit.
    """
    for substance in kb.substances.values():
        computed = inchikey_of(substance.smiles)
        if computed is None:
            raise DataFileError(
                f"SMILES {substance.smiles!r} does not parse",
                file="substances.yaml",
                record=substance.id,
                field="smiles",
            )
        if computed != substance.inchikey:
            raise DataFileError(
                f"InChIKey {substance.inchikey} does not match the SMILES (which gives {computed})",
                file="substances.yaml",
                record=substance.id,
                field="inchikey",
            )
