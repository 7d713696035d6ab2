"""Precision and recall of party screening on a labelled set of names.

The labelled CSV has columns ``query``, ``country`` (may be empty), ``expected`` (the
entity id the name stands for, empty for an innocent name) and ``variant`` (what kind of
spelling it is). A positive counts as found when the best match is the expected entity;
an innocent name counts as a false alarm when it gets any match.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fentrace.exc import DataFileError
from fentrace.parties.screen import PartyResult

LABEL_COLUMNS = ("query", "country", "expected", "variant")


@dataclass(frozen=True, slots=True)
class LabelledName:
    """One name of the evaluation set and what it truly is."""

    line: int
    query: str
    country: str | None
    expected: str | None
    variant: str


@dataclass(slots=True)
class Quality:
    """Counts and rates of one verdict rule over the evaluation set."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of flagged names that were flagged as the right entity."""
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        """Share of listed names that were flagged as the right entity."""
        positives = self.true_positives + self.false_negatives
        return self.true_positives / positives if positives else 1.0


def load_labels(path: Path) -> list[LabelledName]:
    """Read the labelled evaluation CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in LABEL_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataFileError(f"missing columns {', '.join(missing)}", file=str(path), record=1)
        return [
            LabelledName(
                line=reader.line_num,
                query=row["query"],
                country=row["country"].strip() or None,
                expected=row["expected"].strip() or None,
                variant=row["variant"].strip(),
            )
            for row in reader
        ]


def judge(
    labels: Sequence[LabelledName],
    results: Sequence[PartyResult],
    flagged: Callable[[PartyResult], bool],
) -> Quality:
    """Count hits, misses and false alarms of the rule ``flagged`` over the results."""
    quality = Quality()
    for label, result in zip(labels, results, strict=True):
        hit = flagged(result)
        best = result.best
        if label.expected is None:
            if hit:
                quality.false_positives += 1
                name = best.name if best else "?"
                score = best.score if best else 0.0
                quality.false_alarms.append(f"{label.query!r} -> {name} ({score:.2f})")
            else:
                quality.true_negatives += 1
        elif hit and best is not None and best.entity_id == label.expected:
            quality.true_positives += 1
        else:
            if hit:
                quality.false_positives += 1  # flagged as the wrong entity
            quality.false_negatives += 1
            got = f"{best.name} ({best.score:.2f}, {result.verdict})" if best else "nothing"
            quality.misses.append(f"{label.query!r} [{label.variant}] -> {got}")
    return quality


def flagged_match(result: PartyResult) -> bool:
    """The rule for automatic stops: verdict ``match``."""
    return result.verdict == "match"


def flagged_review(result: PartyResult) -> bool:
    """The rule for analyst review: verdict ``match`` or ``possible``."""
    return result.verdict in {"match", "possible"}
