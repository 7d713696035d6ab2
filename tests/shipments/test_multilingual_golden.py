"""Descriptions in English, Spanish and Chinese, trade codes and CAS numbers, end to end with
the real engines: each resolves to its substance and the reason quotes the words it was read
from; Spanish and Chinese consignee trades raise CONSIGNEE_UNRELATED_TRADE, a chemical firm's
name ("Química Agrícola") does not. Regenerate the golden file on purpose with::

    FENTRACE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/shipments/test_multilingual_golden.py

Systematic names not in the knowledge base ("1-phenethylpiperidin-4-one") are parsed by OPSIN,
which needs Java (.ci/run installs it).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from pathlib import Path

import pytest

from fentrace.shipments import ScreeningResult, read_manifest, screen_manifest

HERE = Path(__file__).parent / "golden"
MANIFEST = HERE / "multilingual_manifest.csv"
GOLDEN = HERE / "multilingual_expected.csv"
_READ_FROM = re.compile(r'^(?P<substance>.+?) \(from .*, read from "(?P<words>[^"]+)"')

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None, reason="OPSIN needs Java; .ci/run installs it"
)


@pytest.fixture(scope="module")
def result() -> ScreeningResult:
    return screen_manifest(read_manifest(MANIFEST))


def _observed(result: ScreeningResult) -> list[dict[str, str]]:
    rows = []
    for row in result.alerts.sort("shipment_id").iter_rows(named=True):
        reasons = {r["code"]: r["detail"] for r in row["reasons"]}
        chem = next((d for c, d in reasons.items() if c.startswith("CHEM_")), "")
        read = _READ_FROM.match(chem)
        rows.append(
            {
                "shipment_id": row["shipment_id"],
                "level": row["level"],
                "codes": "|".join(sorted(reasons)),
                "substance": read["substance"] if read else "",
                "words": read["words"] if read else "",
            }
        )
    return rows


def test_multilingual_manifest_matches_golden(result: ScreeningResult) -> None:
    observed = _observed(result)
    if os.environ.get("FENTRACE_UPDATE_GOLDEN"):
        with GOLDEN.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(observed[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(observed)
    with GOLDEN.open(encoding="utf-8") as handle:
        assert observed == list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("shipment", "substance", "words"),
    [
        ("EN-SYS-1", "N-Phenethyl-4-piperidone", "1-phenethylpiperidin-4-one"),  # OPSIN
        ("EN-SYS-3", "Fentanyl", "N-(1-phenethylpiperidin-4-yl)-N-phenylpropionamide"),
        ("EN-CAS-1", "4-Anilino-N-phenethylpiperidine", "21409-26-7"),
        ("TRADE-1", "N-Phenethyl-4-piperidone", "NPP"),
        ("TRADE-2", "4-Anilino-N-phenethylpiperidine", "ANPP"),
        ("TRADE-3", "N-Phenylpiperidin-4-amine", "4-AP"),
        ("TRADE-4", "tert-Butyl 4-(phenylamino)piperidine-1-carboxylate", "1-boc-4-AP"),
        ("ES-1", "N-Phenethyl-4-piperidone", "N-fenetil-4-piperidona"),
        ("ES-3", "Norfentanyl", "Norfentanilo"),
        ("ES-4", "Propionyl chloride", "Cloruro de propionilo"),
        ("ZH-1", "N-Phenethyl-4-piperidone", "N-苯乙基-4-哌啶酮"),
        ("ZH-3", "tert-Butyl 4-(phenylamino)piperidine-1-carboxylate", "1-叔丁氧羰基-4-苯胺基哌啶"),
        ("ZH-4", "Propionic anhydride", "丙酸酐"),
    ],
)
def test_each_description_resolves_with_its_words(
    result: ScreeningResult, shipment: str, substance: str, words: str
) -> None:
    row = next(r for r in _observed(result) if r["shipment_id"] == shipment)
    assert (row["substance"], row["words"]) == (substance, words)


@pytest.mark.parametrize(
    ("shipment", "fires"),
    [
        ("ES-1", True),  # Abarrotes
        ("ES-2", True),  # Ferretería (accent optional)
        ("ES-3", True),  # Taller Mecánico
        ("ES-6", True),  # Agrícola, receiving aniline
        ("ZH-1", True),  # 餐饮
        ("ZH-2", True),  # 服装
        ("ZH-3", True),  # 五金
        ("ES-5", False),  # Química Agrícola: a chemical firm
        ("ES-8", False),  # Abarrotes receiving beans: no chemical
        ("ZH-4", False),  # 化工: a chemical trader
    ],
)
def test_unrelated_trade_in_spanish_and_chinese(
    result: ScreeningResult, shipment: str, fires: bool
) -> None:
    row = next(r for r in _observed(result) if r["shipment_id"] == shipment)
    assert ("CONSIGNEE_UNRELATED_TRADE" in row["codes"].split("|")) is fires
