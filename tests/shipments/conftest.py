"""Fakes of the chemistry and party engines, so the indicators are tested on their own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from fentrace.shipments.engine import Lookups
from fentrace.shipments.lookups import ChemFinding, PartyFinding

_ALL = ("UN", "US", "CN", "CA", "MX", "EU")


def _finding(
    query: str, name: str, verdict: str, since: dict[str, str], hs: str, family: str
) -> ChemFinding:
    return ChemFinding(
        query=query,
        resolved=True,
        verdict=verdict,
        name=name,
        substance=name,
        family=family,
        statuses={j: ("controlled" if j in since else "not_controlled") for j in _ALL},
        since=since,
        hs_codes=(hs,),
        hs_verified=True,
    )


class FakeChemistry:
    """NPP and 4-AP controlled from a date (US, CN), boc-4-piperidone a designer precursor,
    aniline and lidocaine clear; anything else unresolved. Counts its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], date | None]] = []

    def __call__(self, queries: Sequence[str], as_of: date | None) -> list[ChemFinding]:
        self.calls.append((tuple(queries), as_of))
        return [self.one(q, as_of) for q in queries]

    def one(self, query: str, as_of: date | None) -> ChemFinding:
        day = as_of or date.today()
        key = query.strip().lower()
        if key in ("39742-60-4", "npp"):
            since = {
                j: d
                for j, d in {"US": "2007-04-23", "CN": "2018-02-01"}.items()
                if date.fromisoformat(d) <= day
            }
            verdict = "controlled" if since else "designer_precursor"
            return _finding(query, "NPP", verdict, since, "2933.37", "precursor")
        if key == "23056-29-3":
            since = {"US": "2020-05-15"} if day >= date(2020, 5, 15) else {}
            return _finding(
                query, "4-AP", "controlled" if since else "watch", since, "2933.39", "precursor"
            )
        if key == "79099-07-3":
            return _finding(
                query, "1-boc-4-piperidone", "designer_precursor", {}, "2933.39", "precursor"
            )
        if key == "62-53-3":
            return _finding(query, "Aniline", "clear", {}, "2921.41", "reagent")
        if key == "137-58-6":
            return _finding(query, "Lidocaine", "clear", {}, "2924.29", "reagent")
        return ChemFinding(query=query, resolved=False, error=f"unknown: {query}")


LEXICON = {
    "NPP": "39742-60-4",
    "N-phenethyl-4-piperidone": "39742-60-4",
    "4-AP": "23056-29-3",
    "4-anilinopiperidine": "23056-29-3",
    "1-boc-4-piperidone": "79099-07-3",
    "aniline": "62-53-3",
    "lidocaine": "137-58-6",
}


class FakeParties:
    """'Amarvel' names match a watchlisted company; 'Rencheng' names are possible matches."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, names: Sequence[str], countries: Sequence[str | None]) -> list[PartyFinding]:
        self.calls.extend(zip(names, countries, strict=True))
        out = []
        for name in names:
            low = name.lower()
            if "amarvel" in low:
                out.append(
                    PartyFinding(
                        name,
                        "match",
                        "amarvel",
                        "Hubei Amarvel Biotech Co., Ltd.",
                        0.97,
                        "indictment",
                        "2023-06-23",
                    )
                )
            elif "rencheng" in low:
                out.append(
                    PartyFinding(
                        name,
                        "possible",
                        "rencheng",
                        "Anhui Rencheng Technology Co., Ltd.",
                        0.8,
                        "indictment",
                        "2023-06-23",
                    )
                )
            else:
                out.append(PartyFinding(name, "none"))
        return out


@pytest.fixture
def fake_chemistry() -> FakeChemistry:
    return FakeChemistry()


@pytest.fixture
def fake_parties() -> FakeParties:
    return FakeParties()


@pytest.fixture
def fake_lookups(fake_chemistry: FakeChemistry, fake_parties: FakeParties) -> Lookups:
    return Lookups(fake_chemistry, fake_parties, LEXICON)
