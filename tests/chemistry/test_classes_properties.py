"""Properties of the class readings over generated analogues: the US class sits inside China's.

Analogues are assembled from the fentanyl core with a generated acyl group, anilino ring,
piperidine substituent and N1 group; whatever is generated, the US reading must imply the
Chinese one, condition by condition (E <-> 1, D <-> 2, C -> 3, A or B -> 4).
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from rdkit import Chem

from fentrace.chemistry.classes import class_matches, is_fentanyl_class

ACYL = ["CC", "C", "CCC", "C(C)C", "C=C", "c1ccco1", "C1CC1", "OCC", "COC", "[H]"]
ARYL = ["c1ccccc1", "c1ccc(F)cc1", "c1cccc(Cl)c1", "c1ccncc1", "c1cccs1", "c1ccc2ccccc2c1"]
PIPERIDINE = ["", "C", "OC", "C(=O)OC", "COC", "O", "F", "c1ccccc1", "C#N"]
N1 = [
    "CCc1ccccc1",
    "CCc1cccs1",
    "C(C)Cc1ccccc1",
    "CC(O)c1ccccc1",
    "CCc1ccc(F)cc1",
    "CCC1CCCCC1",
    "Cc1ccccc1",
    "CCCc1ccccc1",
    "CC(=O)c1ccccc1",
    "C(=O)OC(C)(C)C",
    "C",
    "[H]",
]
AS_OF = date(2025, 12, 1)


def _analogue(acyl: str, aryl: str, piperidine: str, n1: str) -> Chem.Mol | None:
    acyl_part = "O=C" if acyl == "[H]" else f"O=C({acyl})"
    ring_sub = f"({piperidine})" if piperidine else ""
    n1_part = "" if n1 == "[H]" else "(" + n1.replace("1", "7") + ")"
    # ring-closure digits of the pieces (1, 2) are rewritten so they cannot clash with the core's
    aryl_part = aryl.replace("1", "8").replace("2", "9")
    return Chem.MolFromSmiles(f"{acyl_part}N({aryl_part})C1CCN{n1_part}CC1{ring_sub}")


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(ACYL),
    st.sampled_from(ARYL),
    st.sampled_from(PIPERIDINE),
    st.sampled_from(N1),
)
def test_us_reading_implies_china_reading(acyl: str, aryl: str, piperidine: str, n1: str) -> None:
    mol = _analogue(acyl, aryl, piperidine, n1)
    assert mol is not None
    found = {m.rule_id: set(m.conditions) for m in class_matches(mol, AS_OF)}
    us, cn = found.get("us-frs"), found.get("cn-frs")
    for match in class_matches(mol, AS_OF):
        assert set(match.atoms) <= set(range(mol.GetNumAtoms()))
    if us is not None:
        assert cn is not None
        assert ("E" in us) == ("1" in cn)
        assert ("D" in us) == ("2" in cn)
        if "C" in us:
            assert "3" in cn
        if us & {"A", "B"}:
            assert "4" in cn
    if us is not None or cn is not None:
        assert is_fentanyl_class(mol)
    if n1 == "[H]":
        assert us is None
        assert cn is None
