"""The Python worker daemon of fentrace's Spark sessions: PySpark's own daemon, started with
the engine's modules (Polars, PyArrow and its compute functions, fentrace's shipment, chemistry
and party code paths) already imported.

Spark starts ``python -m <spark.python.daemon.module>`` once per executor and forks every
Python worker from it, so whatever this module imports is imported once, not once per worker
(about a second per worker on a loaded 2-core machine). Only modules are imported: the
knowledge base and the watchlist index are loaded by the workers that need them
(``fentrace.spark._worker``), so a session that only screens structures does not pay for the
party index. Polars and PyArrow start their thread pools on first use, which is after the fork.
"""

from __future__ import annotations

import pyarrow.compute  # noqa: F401  (its function table takes ~0.4 s to build)
from pyspark import daemon

import fentrace.spark.chem
import fentrace.spark.manifest
import fentrace.spark.parties  # noqa: F401

if __name__ == "__main__":  # pragma: no cover - run by Spark as ``python -m``
    daemon.manager()
