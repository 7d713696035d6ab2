"""Batch output writes a certainly-clear record's row straight from the shared clear assessment.

``screen_lines`` (what ``screen-file`` writes to CSV) builds the row of a record that
``certainly_clear`` clears from the record's own cells and a tail of text shared by every clear
row of the date, instead of a result record, its flat row and 27 formatted cells. Its text must
be exactly what ``write_csv`` writes for ``screen_records`` (the result records), whatever the id
(quoted, formula-like), whatever standardisation removed (salts, charges, stereo), and for
parents met before under another spelling (the assessment cache marks them as proved clear).
These use the real knowledge base and rules, so the shortcut is taken.
"""

from __future__ import annotations

import io
from datetime import date

import pytest

from fentrace.chemistry import batch
from fentrace.chemistry import screen as screen_module
from fentrace.chemistry.batch import Record, screen_lines, screen_records
from fentrace.chemistry.screen import ClearParent

AS_OF = date(2026, 12, 1)

#: Clear structures: plain, a salt, a charged form, stereo, and spellings of one parent.
CLEAR = [
    "CCOc1ccccc1",
    "c1ccc2ccccc2c1",
    "CCOc1ccccc1.Cl",  # removed: HCl (salt)
    "CC(=O)[O-].[Na+]",  # removed: sodium (counter-ion), charge on O neutralised
    "C[C@H](O)c1ccccc1",  # removed: stereo
    "C/C=C/c1ccccc1",  # removed: stereo
    "O(CC)c1ccccc1",  # the first structure spelt another way: a cached parent
    "Cl.c1ccccc1OCC",  # and again, with a salt this time
]
#: Not clear (a listing, a route, a class): their rows take the general path in the same batch.
NOT_CLEAR = [
    "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
    "O=C1CCN(CCc2ccccc2)CC1",
    "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
]
#: Ids a CSV writer must quote or make formula-safe.
ODD_IDS = [None, "plain", "with,comma", 'with"quote', "=HYPERLINK()", "-1", "line\nbreak", ""]


def _records() -> list[Record]:
    texts = [*CLEAR, *NOT_CLEAR]
    return [
        Record(i + 1, ODD_IDS[i % len(ODD_IDS)], texts[i % len(texts)], "smiles")
        for i in range(3 * len(texts))
    ]


@pytest.fixture(autouse=True)
def _fresh_assessments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_module, "_ASSESSED", screen_module._AssessmentCache())


def test_clear_records_take_the_shortcut() -> None:
    for smiles in CLEAR:
        found = batch._safe_screen(Record(1, None, smiles, "smiles"), AS_OF)
        assert isinstance(found, ClearParent), smiles
    for smiles in NOT_CLEAR:
        found = batch._safe_screen(Record(1, None, smiles, "smiles"), AS_OF)
        assert not isinstance(found, ClearParent), smiles


@pytest.mark.parametrize("jobs", [1, 2])
def test_clear_rows_are_the_text_written_for_the_result_records(jobs: int) -> None:
    records = _records()
    rows = list(screen_records(records, AS_OF, jobs=1, full=False))
    sink = io.StringIO(newline="")
    batch.write_csv(rows, sink)
    expected = sink.getvalue().split("\r\n", 1)[1]  # without the header row
    lines = list(screen_lines(records, AS_OF, jobs=jobs, full=False, chunk_size=5))
    assert "".join(line for _, line, _ in lines) == expected
    assert [status for _, _, status in lines] == [
        (row.row[batch._VERDICT], row.row[batch._TIER]) for row in rows
    ]


def test_a_parent_proved_clear_before_keeps_its_own_smiles_and_removals() -> None:
    first = batch._safe_screen(Record(1, None, "CCOc1ccccc1", "smiles"), AS_OF)
    again = batch._safe_screen(Record(2, None, "Cl.c1ccccc1OCC", "smiles"), AS_OF)
    assert isinstance(first, ClearParent)
    assert isinstance(again, ClearParent)
    assert again.smiles == first.smiles == "CCOc1ccccc1"
    assert (first.removed, again.removed) == ((), ("HCl (salt)",))
    fresh = screen_module._AssessmentCache()
    screen_module._ASSESSED = fresh  # the fixture puts the batch's cache back afterwards
    alone = batch.screen_record(Record(2, None, "Cl.c1ccccc1OCC", "smiles"), AS_OF)
    assert batch.screen_record(Record(2, None, "Cl.c1ccccc1OCC", "smiles"), AS_OF) == alone
    assert batch._clear_csv_line(Record(2, None, "Cl.c1ccccc1OCC", "smiles"), again, AS_OF) == (
        batch._csv_line(batch._row(Record(2, None, "Cl.c1ccccc1OCC", "smiles"), alone))
    )


def test_the_clear_tail_follows_the_date() -> None:
    clear = ClearParent("CCO", (), None)
    record = Record(1, None, "CCO", "smiles")
    for when in (date(2020, 1, 1), AS_OF):
        expected = screen_module.clear_result("CCO", "smiles", clear, when)
        assert batch._clear_csv_line(record, clear, when) == batch._csv_line(
            batch._row(record, expected)
        )
