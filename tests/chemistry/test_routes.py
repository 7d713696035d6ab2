"""Route reasoning: required shortest routes, named intermediates, negatives, bad template files."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rdkit import Chem

from fentrace.chemistry import routes
from fentrace.chemistry.routes import (
    apply_template,
    can_react,
    parse_templates,
    reaction_templates,
    search_routes,
)
from fentrace.exc import ConfigError

AS_OF = date(2025, 12, 1)
with (Path(__file__).parent / "data" / "rules" / "routes.csv").open(encoding="utf-8") as handle:
    ROUTE_ROWS = list(csv.DictReader(handle))


def _mol(smiles: str) -> Chem.Mol:
    mol = Chem.MolFromSmiles(smiles)
    assert mol is not None, smiles
    return mol


@pytest.mark.parametrize("row", ROUTE_ROWS, ids=[r["case"] for r in ROUTE_ROWS])
def test_shortest_routes(row: dict[str, str]) -> None:
    found = search_routes(_mol(row["smiles"]), AS_OF)
    if row["steps"] == "-":
        assert found.fentanyl_route is None
        assert found.steps_to_fentanyl is None
        return
    assert found.steps_to_fentanyl == int(row["steps"])
    assert found.fentanyl_route is not None
    assert ">".join(step.template_id for step in found.fentanyl_route) == row["route"]
    if row["controlled_first"] == "-":
        assert found.controlled_route is None
    else:
        assert found.controlled_route is not None
        assert found.controlled_route[-1].product_substance == row["controlled_first"]


def test_boc_piperidone_route_names_its_intermediates() -> None:
    found = search_routes(_mol("CC(C)(C)OC(=O)N1CCC(=O)CC1"), AS_OF)
    assert found.fentanyl_route is not None
    names = [step.product_name for step in found.fentanyl_route]
    assert all(names), names
    assert found.fentanyl_route[-1].product_substance == "FENT"
    assert all(step.source and step.reagent for step in found.fentanyl_route)


def test_controlled_precursor_depends_on_the_date() -> None:
    # 4-piperidone is listed in the US from 2023-05-12 and in Canada since 2016: before 2016
    # only the route's later products (4-AP is not yet listed either) can be controlled.
    early = search_routes(_mol("O=C1CCN(Cc2ccccc2)CC1"), date(2010, 1, 1))
    late = search_routes(_mol("O=C1CCN(Cc2ccccc2)CC1"), AS_OF)
    assert late.controlled_route is not None
    assert len(late.controlled_route) == 1
    assert early.controlled_route is None or len(early.controlled_route) > 1
    assert early.steps_to_fentanyl == late.steps_to_fentanyl == 4


def test_depth_bound() -> None:
    found = search_routes(_mol("CC(C)(C)OC(=O)N1CCC(=O)CC1"), AS_OF, max_depth=3)
    assert found.fentanyl_route is None


def test_node_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "MAX_NODES", 2)
    found = search_routes(_mol("CC(C)(C)OC(=O)N1CCC(=O)CC1"), AS_OF)
    assert found.fentanyl_route is None
    assert found.nodes <= 3


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        ("O=C1CCN(CCc2ccccc2)CC1", True),
        ("C1CC2(CCN1)OCCO2", True),
        ("Nc1ccccc1", False),
        ("CCC(=O)Cl", False),
        ("CCOC(=O)C1(c2ccccc2)CCN(C)CC1", False),
        ("CCO", False),
    ],
)
def test_can_react(smiles: str, expected: bool) -> None:
    assert can_react(_mol(smiles)) is expected


def test_every_template_applies_to_its_own_example() -> None:
    examples = {
        "reductive-amination-aniline": "O=C1CCNCC1",
        "imine-formation-aniline": "O=C1CCNCC1",
        "imine-reduction": "c1ccc(CCN2CCC(=Nc3ccccc3)CC2)cc1",
        "n-phenethylation": "c1ccc(NC2CCNCC2)cc1",
        "n-propionylation": "c1ccc(NC2CCNCC2)cc1",
        "boc-removal": "CC(C)(C)OC(=O)N1CCC(=O)CC1",
        "cbz-removal": "O=C(OCc1ccccc1)N1CCC(=O)CC1",
        "alkyl-carbamate-hydrolysis": "CCOC(=O)N1CCC(=O)CC1",
        "piperidine-amide-hydrolysis": "CC(=O)N1CCC(=O)CC1",
        "n-debenzylation": "O=C1CCN(Cc2ccccc2)CC1",
        "ketal-hydrolysis": "C1CC2(CCN1)OCCO2",
    }
    templates = {t.id: t for t in reaction_templates()}
    assert set(templates) == set(examples)
    for template_id, smiles in examples.items():
        products = apply_template(templates[template_id], _mol(smiles))
        assert products, template_id
        for product_smiles, product in products:
            assert "." not in product_smiles
            assert product.GetNumAtoms() > 0


GOOD: dict[str, Any] = {
    "id": "t",
    "name": "n",
    "smiles": "",
    "smarts": "[#7:1]>>[#7:1]C",
    "reagent": "r",
    "family": "mask",
    "source": "s",
}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "expected a mapping with a 'templates' list"),
        ({"templates": [1]}, "template 1: expected a mapping"),
        ({"templates": [{"id": "t"}]}, "template t: missing name"),
        ({"templates": [{**GOOD, "family": "x"}]}, "field 'family'"),
        ({"templates": [{**GOOD, "smarts": "[#7:1].[#6]>>[#7:1]"}]}, "one reactant"),
        ({"templates": [{**GOOD, "smarts": "not a reaction"}]}, "field 'smarts'"),
        ({"templates": [GOOD, GOOD]}, "duplicate id"),
    ],
)
def test_bad_templates_file_is_a_located_config_error(raw: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_templates(raw)


def test_time_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    routes.clear_caches()
    monkeypatch.setattr(routes, "MAX_SECONDS", -1.0)
    found = search_routes(_mol("CC(C)(C)OC(=O)N1CCC(=O)CC1"), AS_OF)
    assert found.fentanyl_route is None
    assert found.nodes == 0
