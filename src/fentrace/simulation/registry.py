"""The company registry: realistic, varied names with spelling variants, contacts and roles."""

from __future__ import annotations

import itertools
import random
import warnings
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import polars as pl

from fentrace.exc import FentraceError

CN_PLACES = (
    "Wuhan", "Hubei", "Shanghai", "Hangzhou", "Zhejiang", "Jinan", "Shandong", "Qingdao",
    "Nanjing", "Jiangsu", "Suzhou", "Guangzhou", "Shenzhen", "Hebei", "Shijiazhuang", "Tianjin",
    "Henan", "Zhengzhou", "Changsha", "Hunan", "Chengdu", "Xiamen", "Ningbo", "Weifang",
)  # fmt: skip
CN_WORDS = (
    "Yuancheng", "Huayang", "Jinlong", "Hengrui", "Xinyuan", "Tianhe", "Kangda", "Shengda",
    "Ruiheng", "Haoyuan", "Baike", "Longsheng", "Zhongxin", "Fuxing", "Anhe", "Mingde",
    "Yongtai", "Hongda", "Jiahe", "Chenguang", "Dongfang", "Lianyi", "Weida", "Xingrui",
)  # fmt: skip
CN_TRADES = (
    "Chemical", "Biotech", "Pharmaceutical", "Technology", "Trading", "New Material",
    "Fine Chemical", "Import & Export", "Industrial", "Materials",
)  # fmt: skip
IN_WORDS = (
    "Shree", "Sai", "Aarti", "Vardhman", "Krishna", "Ganesh", "Lakshmi", "Omkar", "Balaji",
    "Siddhi", "Mahalaxmi", "Navkar", "Jay", "Shiv", "Om", "Hari", "Ambica", "Gayatri",
)  # fmt: skip
IN_PLACES = (
    "Vapi", "Ankleshwar", "Dahej", "Bharuch", "Vadodara", "Ahmedabad", "Hyderabad", "Pune",
    "Mumbai", "Thane", "Surat", "Tarapur", "Visakha", "Chennai",
)  # fmt: skip
IN_TRADES = ("Chemicals", "Pharma", "Organics", "Life Sciences", "Intermediates", "Labs")
MX_NAMES = (
    "Hernández", "García", "Martínez", "López", "González", "Rodríguez", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Reyes",
    "Jiménez", "Ortiz", "Castillo",
)  # fmt: skip
MX_TRADES = (
    "Comercializadora", "Distribuidora", "Importadora", "Química", "Grupo Industrial",
    "Servicios Logísticos", "Farmacéutica", "Agroquímicos",
)  # fmt: skip
MX_PLACES = ("del Pacífico", "del Norte", "de Occidente", "Sinaloense", "Jalisciense", "Bajío")
US_WORDS = (
    "Summit", "Pioneer", "Atlas", "Keystone", "Harbor", "Liberty", "Frontier", "Cascade",
    "Sterling", "Apex", "Granite", "Meridian", "Evergreen", "Lakeside", "Crescent", "Beacon",
    "Redwood", "Bluewater", "Ironwood", "Northstar", "Silverline", "Oakridge", "Clearwater",
    "Highland", "Riverside", "Bayview", "Pinnacle", "Horizon", "Trident", "Cornerstone",
)  # fmt: skip
US_PLACES = (
    "", "Gulf Coast", "Midwest", "Carolina", "Ohio Valley", "Bay Area", "Delaware Valley",
    "Great Plains", "Hudson", "Texas", "Pacific", "Rocky Mountain", "Atlantic", "Southern",
)  # fmt: skip
US_TRADES = (
    "Chemical Supply", "Labs", "Distributors", "Pharma Services", "Trading", "Specialty Chemicals",
)  # fmt: skip
CA_WORDS = (
    "Maple", "Northern", "Laurentian", "Pacific Rim", "Great Lakes", "Prairie", "Boreal",
    "Cariboo", "Fundy", "Algonquin", "Okanagan", "Saint Lawrence", "Muskoka", "Kootenay",
)  # fmt: skip
DE_WORDS = ("Rhein", "Nord", "Alpen", "Elbe", "Main", "Weser", "Neckar", "Mosel", "Isar", "Ruhr")
DE_PLACES = (
    "", "Hamburg", "Köln", "Leverkusen", "Ludwigshafen", "Mannheim", "Düsseldorf", "Bremen",
    "Hannover", "Stuttgart", "Leipzig", "Frankfurt", "Marl", "Dormagen",
)  # fmt: skip
DE_TRADES = ("Chemie", "Feinchemie", "Chemiehandel", "Pharmachemie", "Spezialchemie")
FORWARDER_WORDS = (
    "Express", "Freight", "Logistics", "Shipping", "Cargo", "Forwarding", "Supply Chain",
)  # fmt: skip

ROLES = ("supplier", "broker", "forwarder", "importer")
#: Street numbers an address can have at least (times five streets: 10,000 addresses); a
#: bigger registry gets as many numbers as it needs.
ADDRESS_NUMBERS = 2000
#: The company counts ``build_registry`` takes, each an ``agents.*`` parameter.
AGENT_COUNTS = (
    "illicit_suppliers",
    "legit_suppliers",
    "brokers",
    "forwarders",
    "front_importers",
    "legit_importers",
)


@dataclass(frozen=True, slots=True)
class Registry:
    """Companies as parallel arrays; ``variants[i]`` are the spellings company ``i`` uses."""

    ids: np.ndarray
    names: np.ndarray
    variants: np.ndarray  # (n, 3) object array of spellings; column 0 is the canonical name
    country: np.ndarray
    role: np.ndarray
    is_illicit: np.ndarray
    watch_since: np.ndarray  # datetime64[M]; NaT when not on a watchlist
    address: np.ndarray
    phone: np.ndarray
    email: np.ndarray

    def frame(self) -> pl.DataFrame:
        """The registry table: id, name, country, role, is_illicit, aliases (``|``-joined)."""
        aliases = []
        for row in self.variants:
            seen = [v for v in dict.fromkeys(row.tolist()) if v != row[0]]
            aliases.append("|".join(seen))
        return pl.DataFrame(
            {
                "id": self.ids.tolist(),
                "name": self.names.tolist(),
                "country": self.country.tolist(),
                "role": self.role.tolist(),
                "is_illicit": self.is_illicit.tolist(),
                "aliases": aliases,
                "watchlisted_since": [None if np.isnat(d) else str(d) for d in self.watch_since],
                "address": self.address.tolist(),
                "phone": self.phone.tolist(),
                "email": self.email.tolist(),
            }
        )


def _pool(country: str, role: str) -> str:
    """The name pool a company draws from: forwarders apart, then one pool per naming style."""
    if country in ("CN", "HK"):
        style = "cn"
    elif country in ("IN", "MX", "CA", "DE"):
        style = country.lower()
    else:
        style = "us"
    if role == "forwarder":
        return "forwarder-cn" if style == "cn" else "forwarder-us"
    return style


def _bases(pool: str) -> list[tuple[str, ...]]:
    """Every name base ``pool`` can give, as word tuples whose word sets all differ.

    The parties package's name key ignores word order and legal forms, so bases are
    combinations, not permutations, and no two pools share a trade word.
    """
    if pool == "cn":
        return list(itertools.product(CN_PLACES, CN_WORDS, CN_TRADES))
    if pool == "in":
        pairs = list(itertools.combinations(IN_WORDS, 2))
        return list(itertools.product(("", *IN_PLACES), pairs, IN_TRADES))  # type: ignore[arg-type]
    if pool == "mx":
        return list(itertools.product(MX_TRADES, MX_NAMES, MX_PLACES))
    if pool == "ca":
        return list(itertools.product(CA_WORDS, US_WORDS, US_TRADES))
    if pool == "de":
        return list(itertools.product(DE_WORDS, DE_PLACES, DE_TRADES))
    if pool == "us":
        return list(itertools.product(US_WORDS, US_PLACES, US_TRADES))
    # The name key drops the forwarding trade words (Freight, Logistics, ...): the base is the
    # word and the place, and the trade word is drawn with the spelling.
    places = CN_PLACES if pool == "forwarder-cn" else US_PLACES
    return list(itertools.product(US_WORDS + CN_WORDS, places))


def _spellings(pool: str, base: tuple[str, ...], rng: random.Random) -> tuple[str, str, str]:
    """The canonical name and two variants a company of ``pool`` writes for ``base``."""
    if pool == "cn":
        place, word, trade = base
        return (
            f"{place} {word} {trade} Co., Ltd.",
            f"{place} {word} {trade} CO LTD".upper(),
            # Romanised names are often run together: "Wuhan Yuanchengchemical".
            f"{place} {word}{trade.replace(' ', '').replace('&', 'and').lower()} Company Limited",
        )
    if pool == "in":
        place, pair, trade = base
        first, second = rng.sample(pair, 2)
        text = " ".join(w for w in (place, first, second, trade) if w)
        return (f"{text} Pvt. Ltd.", f"{text} Private Limited", f"{text.upper()} PVT LTD")
    text = " ".join(w for w in base if w)
    if pool == "mx":
        ascii_text = text.translate(str.maketrans("áéíóúÁÉÍÓÚ", "aeiouAEIOU"))
        return (f"{text} S.A. de C.V.", f"{ascii_text} SA de CV", f"{ascii_text.upper()} SA DE CV")
    if pool == "ca":
        return (f"{text} Inc.", f"{text} Incorporated", f"{text.upper()} INC")
    if pool == "de":
        return (f"{text} GmbH", f"{text.upper()} GMBH", f"{text} G.m.b.H.")
    if pool == "us":
        form = str(rng.choice(("LLC", "Inc.", "Corp.")))
        return (f"{text} {form}", f"{text}, {form.rstrip('.')}", f"{text.upper()} {form.upper()}")
    text = f"{text} {rng.choice(FORWARDER_WORDS)}"
    return (f"{text} Ltd.", f"{text.upper()} LTD", text)


def _branch(spellings: tuple[str, str, str], number: int) -> tuple[str, str, str]:
    """The spellings with a branch number after their first word ("Atlas 2 Trading LLC")."""
    first, second, third = (
        f"{head} {number} {rest}" for head, _, rest in (s.partition(" ") for s in spellings)
    )
    return (first, second, third)


class _NamePools:
    """Company names drawn without replacement, so no two companies share a name key.

    Real registries do not hold two companies under one name, and the network would merge
    them into one node. A pool that runs dry starts again with numbered branches.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._left: dict[str, list[tuple[str, ...]]] = {}
        self._round: dict[str, int] = {}

    def draw(self, country: str, role: str) -> tuple[str, str, str]:
        pool = _pool(country, role)
        left = self._left.get(pool)
        if not left:
            left = _bases(pool)
            self._rng.shuffle(left)
            self._left[pool] = left
            self._round[pool] = self._round.get(pool, 0) + 1
        spellings = _spellings(pool, left.pop(), self._rng)
        number = self._round[pool]
        return spellings if number == 1 else _branch(spellings, number)


@cache
def _watchlisted_companies() -> tuple[tuple[str, str, date], ...]:
    """(name, variant spelling, first listing date) of companies on the bundled watchlist."""
    try:
        from fentrace.parties.watchlist import load_bundled

        watchlist = load_bundled()
    except (FentraceError, OSError) as error:
        warnings.warn(f"no bundled watchlist for the simulation ({error})", stacklevel=2)
        return ()
    found = []
    for entity in watchlist.entities:
        if entity.type != "company":
            continue
        since = entity.first_listing().since
        if since is None:
            continue
        aliases = [a.name for a in entity.aliases if a.name != entity.name]
        variant = aliases[0] if aliases else entity.name.replace(",", "").upper()
        found.append((entity.name, variant, since))
    return tuple(found)


def build_registry(
    rng: np.random.Generator, counts: dict[str, int], supplier_shares: dict[str, float]
) -> Registry:
    """Draw every company: suppliers, brokers, forwarders and importers, legitimate and not."""
    rows: list[tuple[tuple[str, str, str], str, str, bool, np.datetime64]] = []
    # Names are drawn with Python's generator (seeded from numpy's): a scalar draw is far
    # cheaper there, and there are tens of thousands of them.
    py = random.Random(int(rng.integers(2**32)))
    nat = np.datetime64("NaT", "M")
    codes = list(supplier_shares)
    probs = np.array([supplier_shares[c] for c in codes])
    probs = probs / probs.sum()
    names = _NamePools(py)
    for _ in range(counts["illicit_suppliers"]):
        country = py.choices(codes, weights=probs.tolist())[0]
        rows.append((names.draw(country, "supplier"), country, "supplier", True, nat))
    legit_countries = ("CN", "IN", "DE", "US", "CN", "IN", "CN")
    for _ in range(counts["legit_suppliers"]):
        country = py.choice(legit_countries)
        rows.append((names.draw(country, "supplier"), country, "supplier", False, nat))
    for index in range(counts["brokers"]):
        country = "HK" if index % 3 == 0 else "CN"
        rows.append((names.draw(country, "broker"), country, "broker", index % 2 == 0, nat))
    for index in range(counts["forwarders"]):
        country = py.choice(("CN", "HK", "US", "MX", "IN"))
        rows.append((names.draw(country, "forwarder"), country, "forwarder", index % 5 == 0, nat))
    front_countries = ("MX", "MX", "MX", "US", "CA")
    for _ in range(counts["front_importers"]):
        country = py.choice(front_countries)
        rows.append((names.draw(country, "importer"), country, "importer", True, nat))
    for _ in range(counts["legit_importers"]):
        country = py.choice(("MX", "US", "US", "CA", "DE", "IN", "US"))
        rows.append((names.draw(country, "importer"), country, "importer", False, nat))
    for name, variant, since in _watchlisted_companies():
        spellings = (name, variant, name.replace(",", "").replace(".", ""))
        rows.append((spellings, "CN", "supplier", True, np.datetime64(since, "M")))
    n = len(rows)
    variants = np.empty((n, 3), dtype=object)
    for i, row in enumerate(rows):
        variants[i, :] = row[0]
    role = np.array([r[2] for r in rows])
    countries = np.array([r[1] for r in rows])
    is_illicit = np.array([r[3] for r in rows], dtype=bool)
    phones = np.array([f"+{py.randrange(10**9, 10**10)}" for _ in range(n)], dtype=object)
    fronts = np.flatnonzero((role == "importer") & is_illicit)
    # Front consignees share phones in small groups: one handler behind several fronts.
    for start in range(0, len(fronts) - 2, 3):
        phones[fronts[start : start + 3]] = phones[fronts[start]]
    streets = ("Industrial Park Rd", "Av. Reforma", "Keji Rd", "Zhongshan Rd", "Main St")
    # Addresses are drawn without replacement: two unrelated companies at one address would be
    # a false "shares a contact" link, the strongest evidence the network knows.
    numbers = max(ADDRESS_NUMBERS, -(-n // len(streets)))
    spots = py.sample(range(len(streets) * numbers), n)
    address = np.array(
        [
            f"No. {spot // len(streets) + 1} {streets[spot % len(streets)]}, {countries[i]}"
            for i, spot in enumerate(spots)
        ],
        dtype=object,
    )
    email = np.array(
        [f"sales{i}@{variants[i, 0].split()[0].lower()}-trade.example" for i in range(n)],
        dtype=object,
    )
    return Registry(
        ids=np.array([f"C{i:05d}" for i in range(n)], dtype=object),
        names=variants[:, 0].copy(),
        variants=variants,
        country=countries,
        role=role,
        is_illicit=is_illicit,
        watch_since=np.array([r[4] for r in rows], dtype="datetime64[M]"),
        address=address,
        phone=phones,
        email=email,
    )
