"""The company registry: realistic, varied names with spelling variants, contacts and roles."""

from __future__ import annotations

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
    "Fine Chemical", "Bio-Tech", "Import & Export", "Industrial",
)  # fmt: skip
CN_FORMS = (("Co., Ltd.", "Co Ltd", "Company Limited"),)
IN_WORDS = (
    "Shree", "Sai", "Aarti", "Vardhman", "Krishna", "Ganesh", "Lakshmi", "Omkar", "Balaji",
    "Siddhi", "Mahalaxmi", "Navkar",
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
    "Sterling", "Apex", "Granite", "Meridian", "Evergreen", "Lakeside", "Crescent",
)  # fmt: skip
US_TRADES = ("Chemical Supply", "Labs", "Distributors", "Pharma Services", "Trading", "Logistics")
CA_WORDS = ("Maple", "Northern", "Laurentian", "Pacific Rim", "Great Lakes", "Prairie", "Boreal")
DE_WORDS = ("Rhein", "Nord", "Alpen", "Elbe", "Main", "Weser")
FORWARDER_WORDS = (
    "Express", "Freight", "Logistics", "Shipping", "Cargo", "Forwarding", "Supply Chain",
)  # fmt: skip

ROLES = ("supplier", "broker", "forwarder", "importer")


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


def _cn_name(rng: random.Random) -> tuple[str, str, str]:
    place = rng.choice(CN_PLACES)
    word = rng.choice(CN_WORDS)
    trade = rng.choice(CN_TRADES)
    base = f"{place} {word} {trade}"
    forms = CN_FORMS[0]
    return (
        f"{base} {forms[0]}",
        f"{base.upper()} {forms[1].upper()}",
        f"{place} {word}{trade.split()[0].lower()} {forms[2]}",
    )


def _name(rng: random.Random, country: str, role: str) -> tuple[str, str, str]:
    if role == "forwarder":
        word = rng.choice(US_WORDS + CN_WORDS)
        trade = rng.choice(FORWARDER_WORDS)
        return (f"{word} {trade} Ltd.", f"{word.upper()} {trade.upper()} LTD", f"{word} {trade}")
    if country in ("CN", "HK"):
        return _cn_name(rng)
    if country == "IN":
        base = f"{rng.choice(IN_WORDS)} {rng.choice(IN_TRADES)}"
        return (f"{base} Pvt. Ltd.", f"{base} Private Limited", f"{base.upper()} PVT LTD")
    if country == "MX":
        base = f"{rng.choice(MX_TRADES)} {rng.choice(MX_NAMES)} {rng.choice(MX_PLACES)}"
        ascii_base = base.translate(str.maketrans("áéíóúÁÉÍÓÚ", "aeiouAEIOU"))
        return (f"{base} S.A. de C.V.", f"{ascii_base} SA de CV", f"{ascii_base.upper()} SA DE CV")
    if country == "CA":
        base = f"{rng.choice(CA_WORDS)} {rng.choice(US_TRADES)}"
        return (f"{base} Inc.", f"{base} Incorporated", f"{base.upper()} INC")
    if country == "DE":
        base = f"{rng.choice(DE_WORDS)} Chemie"
        return (f"{base} GmbH", f"{base.upper()} GMBH", f"{base} G.m.b.H.")
    base = f"{rng.choice(US_WORDS)} {rng.choice(US_TRADES)}"
    form = str(rng.choice(("LLC", "Inc.", "Corp.")))
    return (f"{base} {form}", f"{base}, {form.rstrip('.')}", f"{base.upper()} {form.upper()}")


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
    for _ in range(counts["illicit_suppliers"]):
        country = py.choices(codes, weights=probs.tolist())[0]
        rows.append((_name(py, country, "supplier"), country, "supplier", True, nat))
    legit_countries = ("CN", "IN", "DE", "US", "CN", "IN", "CN")
    for _ in range(counts["legit_suppliers"]):
        country = py.choice(legit_countries)
        rows.append((_name(py, country, "supplier"), country, "supplier", False, nat))
    for index in range(counts["brokers"]):
        country = "HK" if index % 3 == 0 else "CN"
        rows.append((_name(py, country, "broker"), country, "broker", index % 2 == 0, nat))
    for index in range(counts["forwarders"]):
        country = py.choice(("CN", "HK", "US", "MX", "IN"))
        rows.append((_name(py, country, "forwarder"), country, "forwarder", index % 5 == 0, nat))
    front_countries = ("MX", "MX", "MX", "US", "CA")
    for _ in range(counts["front_importers"]):
        country = py.choice(front_countries)
        rows.append((_name(py, country, "importer"), country, "importer", True, nat))
    for _ in range(counts["legit_importers"]):
        country = py.choice(("MX", "US", "US", "CA", "DE", "IN", "US"))
        rows.append((_name(py, country, "importer"), country, "importer", False, nat))
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
    address = np.array(
        [f"No. {py.randrange(1, 999)} {py.choice(streets)}, {countries[i]}" for i in range(n)],
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
