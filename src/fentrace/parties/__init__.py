"""Party screening: is this company or person on a fentanyl-related watchlist?

Public API::

    from fentrace.parties import load_watchlist, PartyScreener, normalise_name

    watchlist = load_watchlist()                  # bundled; load_watchlist(paths=[...]) for SDN/FtM
    screener = PartyScreener(watchlist)           # builds the index once
    result = screener.screen("HUBEI AMARVEL BIO-TECH CO LTD", country="CN")
    result.verdict, result.matches[0].explanation, result.to_dict()
    screener.screen("Ismael Zambada", birth_date="1948", kind="person")   # people, with a DOB
    load_screener(["sdn.csv"], bundled=False).screener   # index cached on the files' contents
"""

from fentrace.parties.cache import load_screener
from fentrace.parties.features import FEATURES, WEIGHTS
from fentrace.parties.normalise import MAX_NAME_LENGTH, NormalisedName, normalise_name
from fentrace.parties.screen import (
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    PartyMatch,
    PartyResult,
    PartyScreener,
)
from fentrace.parties.watchlist import Alias, Entity, Listing, Watchlist, load_watchlist

__all__ = [
    "FEATURES",
    "MATCH_THRESHOLD",
    "MAX_NAME_LENGTH",
    "POSSIBLE_THRESHOLD",
    "WEIGHTS",
    "Alias",
    "Entity",
    "Listing",
    "NormalisedName",
    "PartyMatch",
    "PartyResult",
    "PartyScreener",
    "Watchlist",
    "load_screener",
    "load_watchlist",
    "normalise_name",
]
