"""Golden file: the full JSON result (scores, features, explanations) of a fixed set of queries.

A change of weights, vocabulary or thresholds shows here as a readable diff. After a deliberate
change, regenerate with ``FENTRACE_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/parties/test_golden.py``
and review the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fentrace.parties import PartyScreener

GOLDEN = Path(__file__).parent / "data" / "golden_screen.json"

QUERIES: list[tuple[str, str | None]] = [
    ("HUBEI AMARVEL BIO-TECH CO LTD", "CN"),
    ("Hubei Green Valley Textiles Co Ltd", "CN"),
    ("武漢碩康生物科技有限公司", None),
    ("Shuokang Biological Technology (Wuhan)", None),
    ("Wuhan Biotech Trading Co", None),
    ("HEBEI SHENGHAO IMP & EXP CO", None),
    ("Hebei Vast Chemical Co Ltd", "HK"),
    ("Hubei Amarvel Chemical Co Ltd", None),
    ("Sinaloa Cartel", None),
    ("Sinaloa Fresh Produce SA de CV", "MX"),
    ("Golfo Logistics", "MX"),
    ("CJNG", None),
    ("CJNG Imports SA de CV", "MX"),
    ("WANG QING ZHOU", None),
    ("Wang Hongwei", None),
    ("Anita Yang", None),
    ("", None),
]


def _results(screener: PartyScreener) -> list[dict[str, Any]]:
    return [screener.screen(query, country).to_dict() for query, country in QUERIES]


def test_golden_results(screener: PartyScreener) -> None:
    results = _results(screener)
    if os.environ.get("FENTRACE_REGENERATE_GOLDEN"):
        GOLDEN.write_text(
            json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert [r["query"] for r in expected] == [q for q, _ in QUERIES]
    for got, want in zip(results, expected, strict=True):
        assert got == want, got["query"]
