"""Scale-out on Apache Spark: the single-process engines run on Spark DataFrames.

    from fentrace.spark import local_session, screen_manifest, screen_structures, match_parties

    spark = local_session("local[2]")             # or the cluster's / notebook's session
    result = screen_manifest(spark.read.parquet("manifests/"))
    result.alerts.write.parquet("alerts/")        # the single-process alert columns
    result.rejected.write.parquet("rejected/")    # (row, field, reason, value)
    screen_structures(spark.read.parquet("library/"), "smiles")   # chem screen-file columns
    match_parties(spark.read.parquet("parties/"), "name")         # parties screen-file columns

Per-row work runs partition by partition through Arrow (``mapInArrow``) calling the same
vectorised code as one process; indicators counted across rows are Spark groupings whose
details are joined back; every distinct chemical and party name is screened once. Results
do not depend on how the data is partitioned. Nothing below this package imports it.
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use: Python workers unpickling one function load only its module, and
# screening manifests does not pay for RDKit.
_EXPORTS = {
    "SparkScreening": "fentrace.spark.manifest",
    "rejections": "fentrace.spark.manifest",
    "screen_manifest": "fentrace.spark.manifest",
    "screen_structures": "fentrace.spark.chem",
    "structure_counts": "fentrace.spark.chem",
    "match_parties": "fentrace.spark.parties",
    "party_counts": "fentrace.spark.parties",
    "java_version": "fentrace.spark.session",
    "local_session": "fentrace.spark.session",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'fentrace.spark' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


__all__ = sorted(_EXPORTS)
