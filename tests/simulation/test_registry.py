"""The company registry: one name key per company, spellings that group, pools that never repeat."""

from __future__ import annotations

import random
from collections import Counter
from functools import cache

import numpy as np
import pytest

from fentrace.parties import normalise_name
from fentrace.simulation import load_params
from fentrace.simulation.registry import (
    ADDRESS_NUMBERS,
    AGENT_COUNTS,
    Registry,
    _bases,
    _NamePools,
    build_registry,
)


@cache
def registry() -> Registry:
    params = load_params()
    counts = {key: int(params.number(f"agents.{key}")) for key in AGENT_COUNTS}
    return build_registry(
        np.random.default_rng([0, 0]), counts, params.mapping("agents.supplier_country_shares")
    )


def test_no_two_companies_share_a_name_key() -> None:
    # The network groups names by this key: two companies under one key would be one node.
    owner: dict[str, int] = {}
    for company, spellings in enumerate(registry().variants):
        for spelling in spellings:
            assert owner.setdefault(normalise_name(spelling).key, company) == company, spelling


def test_only_front_companies_share_a_contact() -> None:
    # Fronts share phones by design (one handler); any other shared contact would be a false
    # link in the network.
    reg = registry()
    assert len(set(reg.address)) == len(reg.address)
    assert len(set(reg.email)) == len(reg.email)
    uses = Counter(reg.phone.tolist())
    sharing = [i for i, phone in enumerate(reg.phone) if uses[phone] > 1]
    assert sharing
    assert all(reg.role[i] == "importer" and reg.is_illicit[i] for i in sharing)


def test_a_registry_bigger_than_the_default_address_range_keeps_unique_addresses() -> None:
    counts = dict.fromkeys(AGENT_COUNTS, 0) | {"legit_importers": 5 * ADDRESS_NUMBERS + 1}
    big = build_registry(np.random.default_rng([0, 0]), counts, {"CN": 1.0})
    assert len(set(big.address)) == len(big.address) > 5 * ADDRESS_NUMBERS


def test_drawn_companies_spell_their_name_three_ways_under_one_key() -> None:
    reg = registry()
    drawn = np.isnat(reg.watch_since)  # listed companies keep their real aliases
    for spellings in reg.variants[drawn]:
        assert len(set(spellings)) == 3
        assert len({normalise_name(s).key for s in spellings}) == 1, spellings


def test_a_pool_that_runs_dry_starts_again_with_numbered_branches() -> None:
    pools = _NamePools(random.Random(0))
    size = len(_bases("de"))
    names = [pools.draw("DE", "importer")[0] for _ in range(size + 2)]
    assert len(set(names)) == size + 2
    assert all(name.split()[1] == "2" for name in names[size:])
    assert all(not name.split()[1].isdigit() for name in names[:size])


@pytest.mark.parametrize(
    ("country", "role", "ending"),
    [
        ("CN", "supplier", "Co., Ltd."),
        ("HK", "broker", "Co., Ltd."),
        ("IN", "supplier", "Pvt. Ltd."),
        ("MX", "importer", "S.A. de C.V."),
        ("DE", "importer", "GmbH"),
        ("CA", "importer", "Inc."),
        ("US", "forwarder", "Ltd."),
    ],
)
def test_each_country_writes_its_legal_form(country: str, role: str, ending: str) -> None:
    assert _NamePools(random.Random(1)).draw(country, role)[0].endswith(ending)
