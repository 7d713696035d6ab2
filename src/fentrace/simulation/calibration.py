"""The supply-to-mortality link checked against the annual US synthetic-opioid death counts.

Modelled deaths are ``deaths_per_kg`` x fentanyl reaching US street supply, summed per year.
The scale is fitted by weighted least squares on 2015-2024; years the knowledge base marks as
verified weigh 1, the others (recalled, secondary or provisional counts) weigh 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from fentrace.reference import load_knowledge_base

CALIBRATION_YEARS: tuple[int, int] = (2015, 2024)
UNVERIFIED_WEIGHT = 0.5
#: The bound the tests hold the baseline to: weighted mean absolute percentage error.
MAPE_BOUND = 0.25


@dataclass(frozen=True, slots=True)
class Calibration:
    """Per-year modelled vs observed deaths and the weighted error."""

    table: pl.DataFrame
    weighted_mape: float
    fitted_deaths_per_kg: float


def observed_deaths() -> pl.DataFrame:
    """Annual synthetic-opioid deaths from the knowledge base with their status."""
    kb = load_knowledge_base()
    return pl.DataFrame(
        {
            "year": [o.year for o in kb.overdose_deaths],
            "observed": [o.synthetic_opioid_deaths for o in kb.overdose_deaths],
            "verified": [o.verified for o in kb.overdose_deaths],
            "status": [o.status for o in kb.overdose_deaths],
        }
    )


def calibrate(series: pl.DataFrame, deaths_per_kg: float) -> Calibration:
    """Compare yearly modelled deaths with the observed counts (calibration years only)."""
    yearly = series.group_by(pl.col("month").dt.year().alias("year")).agg(
        pl.col("fentanyl_us_supply_kg").sum().alias("supply_kg"), pl.len().alias("months")
    )
    low, high = CALIBRATION_YEARS
    joined = (
        observed_deaths()
        .join(yearly, on="year", how="inner")
        .filter(pl.col("year").is_between(low, high) & (pl.col("months") == 12))
        .sort("year")
    )
    supply = joined["supply_kg"].to_numpy()
    observed = joined["observed"].to_numpy().astype(float)
    weight = np.where(joined["verified"].to_numpy(), 1.0, UNVERIFIED_WEIGHT)
    if supply.size == 0:
        empty = joined.with_columns(pl.lit(0.0).alias("modelled"))
        return Calibration(empty, float("nan"), float("nan"))
    # Least squares on relative error: minimise sum w (k s / o - 1)^2.
    a = supply / observed
    fitted = float(np.sum(weight * a) / np.sum(weight * a * a))
    modelled = deaths_per_kg * supply
    error = (modelled - observed) / observed
    table = joined.select("year", "observed", "verified", "status").with_columns(
        pl.Series("modelled", np.round(modelled)),
        pl.Series("error_pct", np.round(100 * error, 1)),
        pl.Series("weight", weight),
    )
    mape = float(np.sum(weight * np.abs(error)) / np.sum(weight))
    return Calibration(table, mape, fitted)
