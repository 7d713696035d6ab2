"""Steps to fentanyl as screen() reports them: precursors in China's wider class keep their route."""

from __future__ import annotations

from datetime import date

import pytest

from fentrace.chemistry.screen import screen

STEP_CASES = [
    # (query, steps): end products are 0; benzylfentanyl and Boc-norfentanyl are in China's
    # class (condition 4) but are precursors, two steps (debenzylation or Boc removal, then
    # N-phenethylation) from fentanyl.
    ("fentanyl", 0),
    ("carfentanil", 0),
    ("CCC(=O)N(c1cccc(Cl)c1)C1CCN(CCc2ccccc2)CC1", 0),
    ("benzylfentanyl", 2),
    ("CCC(=O)N(c1ccccc1)C1CCN(C(=O)OC(C)(C)C)CC1", 2),
    ("norfentanyl", 1),
    ("NPP", 2),
]


@pytest.mark.parametrize(("query", "steps"), STEP_CASES)
def test_steps_to_fentanyl(query: str, steps: int) -> None:
    result = screen(query, date(2026, 1, 1)).to_dict()
    assert result["steps_to_fentanyl"] == steps
    assert len(result["route"]) == steps
