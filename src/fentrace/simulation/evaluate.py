"""Screening quality on labelled simulated shipments: precision, recall and PR-AUC
(average precision), overall and per typology."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from fentrace.exc import InputError

#: Alert levels counted as a positive prediction for precision and recall.
ALERT_LEVELS: tuple[str, ...] = ("high", "medium")


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the precision-recall curve as average precision (ties ranked together)."""
    positives = int(labels.sum())
    if positives == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order].astype(float)
    tp = np.cumsum(y)
    # Evaluate only at the last index of each tied score block.
    last = np.r_[np.flatnonzero(np.diff(s) != 0), s.size - 1]
    tp_at = tp[last]
    precision = tp_at / (last + 1)
    recall_step = np.diff(np.r_[0.0, tp_at]) / positives
    return float(np.sum(precision * recall_step))


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Overall and per-typology figures."""

    overall: dict[str, float]
    by_typology: pl.DataFrame


def evaluate_scores(joined: pl.DataFrame) -> Evaluation:
    """``joined`` has score, level, is_illicit, typology per shipment."""
    missing = {"score", "level", "is_illicit", "typology"} - set(joined.columns)
    if missing:
        raise InputError(f"the labelled manifest lacks ground-truth columns: {sorted(missing)}")
    scores = joined["score"].fill_null(0).to_numpy().astype(float)
    labels = joined["is_illicit"].cast(pl.Boolean).to_numpy()
    flagged = joined["level"].is_in(list(ALERT_LEVELS)).to_numpy()

    def figures(mask: np.ndarray) -> dict[str, float]:
        y = labels[mask]
        f = flagged[mask]
        tp = float((y & f).sum())
        # Precision for a typology counts its true alerts against all false alerts overall.
        fp = float((~labels & flagged).sum())
        return {
            "shipments": float(mask.sum()),
            "illicit": float(y.sum()),
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / y.sum() if y.sum() else float("nan"),
            "pr_auc": average_precision(scores[mask | ~labels], labels[mask | ~labels]),
        }

    overall = figures(np.ones(labels.size, dtype=bool))
    rows = []
    for typology in sorted(set(joined["typology"].to_list()) - {"legit"}):
        mask = (joined["typology"] == typology).to_numpy()
        rows.append({"typology": typology, **figures(mask)})
    return Evaluation(overall, pl.DataFrame(rows))


def evaluate_manifest(path: str) -> Evaluation:
    """Screen a labelled manifest file with the shipments engine and score the result."""
    from fentrace.shipments import read_manifest, screen_manifest

    manifest = read_manifest(path)
    result = screen_manifest(manifest)
    truth = (
        pl.read_parquet(path)
        if str(path).endswith(".parquet")
        else pl.read_csv(path, infer_schema_length=0)
    )
    truth = _ground_truth(truth, str(path), first_row=1 if str(path).endswith(".parquet") else 2)
    alerts = result.alerts.select(pl.col("shipment_id").cast(pl.String), "score", "level")
    joined = truth.join(alerts, on="shipment_id", how="left").with_columns(
        pl.col("score").fill_null(0.0), pl.col("level").fill_null("none")
    )
    return evaluate_scores(joined)


#: Spellings of the ground-truth label; anything else is refused rather than read as false.
TRUE_LABELS = ("true", "1", "yes")
FALSE_LABELS = ("false", "0", "no")


def _ground_truth(truth: pl.DataFrame, path: str, *, first_row: int) -> pl.DataFrame:
    """shipment_id, is_illicit (bool) and typology; a missing column or a label that is not a
    boolean is a located InputError (row ``first_row`` is the first record)."""
    for column in ("shipment_id", "is_illicit", "typology"):
        if column not in truth.columns:
            raise InputError(
                f"{path}: no {column!r} column: evaluation needs the ground-truth columns "
                "shipment_id, is_illicit and typology (`fentrace simulate` writes them)",
                file=path,
                field=column,
            )
    label = pl.col("is_illicit").cast(pl.String).str.strip_chars().str.to_lowercase()
    checked = truth.with_row_index("_row", offset=first_row).with_columns(label.alias("_label"))
    bad = checked.filter(~pl.col("_label").is_in([*TRUE_LABELS, *FALSE_LABELS]).fill_null(False))
    if bad.height:
        row, value = bad.select("_row", "is_illicit").row(0)
        raise InputError(
            f"{path}, row {row}, field 'is_illicit': {value!r} is not true or false "
            f"({bad.height} such row{'s' if bad.height != 1 else ''})",
            file=path,
            record=row,
            field="is_illicit",
        )
    return checked.select(
        pl.col("shipment_id").cast(pl.String),
        pl.col("_label").is_in(TRUE_LABELS).alias("is_illicit"),
        pl.col("typology").cast(pl.String),
    )
