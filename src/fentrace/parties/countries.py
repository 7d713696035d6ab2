"""Country names as watchlists write them -> ISO 3166-1 alpha-2 codes."""

from __future__ import annotations

import re
from typing import Final

from anyascii import anyascii

#: Country and territory names seen in OFAC, OpenSanctions and the bundled list.
COUNTRY_CODES: Final[dict[str, str]] = {
    "china": "CN",
    "peoples republic of china": "CN",
    "prc": "CN",
    "hong kong": "HK",
    "hong kong sar": "HK",
    "china hong kong": "HK",
    "macau": "MO",
    "macao": "MO",
    "taiwan": "TW",
    "mexico": "MX",
    "canada": "CA",
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "guatemala": "GT",
    "el salvador": "SV",
    "honduras": "HN",
    "venezuela": "VE",
    "colombia": "CO",
    "ecuador": "EC",
    "peru": "PE",
    "panama": "PA",
    "costa rica": "CR",
    "nicaragua": "NI",
    "belize": "BZ",
    "dominican republic": "DO",
    "argentina": "AR",
    "brazil": "BR",
    "chile": "CL",
    "bolivia": "BO",
    "paraguay": "PY",
    "india": "IN",
    "pakistan": "PK",
    "myanmar": "MM",
    "burma": "MM",
    "thailand": "TH",
    "laos": "LA",
    "vietnam": "VN",
    "philippines": "PH",
    "malaysia": "MY",
    "singapore": "SG",
    "indonesia": "ID",
    "japan": "JP",
    "korea south": "KR",
    "south korea": "KR",
    "korea north": "KP",
    "north korea": "KP",
    "united arab emirates": "AE",
    "uae": "AE",
    "turkey": "TR",
    "iran": "IR",
    "russia": "RU",
    "ukraine": "UA",
    "germany": "DE",
    "netherlands": "NL",
    "belgium": "BE",
    "france": "FR",
    "spain": "ES",
    "italy": "IT",
    "united kingdom": "GB",
    "uk": "GB",
    "ireland": "IE",
    "switzerland": "CH",
    "poland": "PL",
    "australia": "AU",
    "new zealand": "NZ",
    "fiji": "FJ",
    "nigeria": "NG",
    "south africa": "ZA",
}

_NON_WORD = re.compile(r"[^a-z]+")
_CODE = re.compile(r"^[A-Za-z]{2}$")


def country_code(value: str | None) -> str | None:
    """The alpha-2 code of a country name or code, or None when it is not known."""
    if value is None:
        return None
    text = value.strip()
    if not text or text in {"-0-", "-0- "}:
        return None
    if _CODE.match(text):
        code = text.upper()
        return "GB" if code == "UK" else code
    key = _NON_WORD.sub(" ", anyascii(text).lower()).strip()
    return COUNTRY_CODES.get(key)
