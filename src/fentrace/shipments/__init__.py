"""Shipment screening: manifest ingestion, explainable risk indicators, scoring and reports.

Entry points::

    manifest = read_manifest("manifest.csv")        # Manifest(frame, rejected, read_count)
    result = screen_manifest(manifest)              # ScreeningResult(alerts, counts, ...)
    write_alerts(result, "alerts.csv", min_level="low")
    write_report(result, manifest, "report.html")

    run = run_sample(Path("out"))                   # the demo step: the bundled sample, screened
"""

from __future__ import annotations

from fentrace.shipments.engine import (
    SCREEN_STAGES,
    Lookups,
    ScreeningResult,
    default_lookups,
    explain_codes,
    screen_manifest,
)
from fentrace.shipments.ingest import manifest_from_frame, read_manifest, read_manifest_bytes
from fentrace.shipments.output import write_alerts
from fentrace.shipments.report import render_report, write_report
from fentrace.shipments.rules import INDICATOR_CODES, LEVELS, Rules, load_rules
from fentrace.shipments.sample import SampleRun, run_sample, sample_manifest_path
from fentrace.shipments.schema import Manifest, Rejection

__all__ = [
    "INDICATOR_CODES",
    "LEVELS",
    "SCREEN_STAGES",
    "Lookups",
    "Manifest",
    "Rejection",
    "Rules",
    "SampleRun",
    "ScreeningResult",
    "default_lookups",
    "explain_codes",
    "load_rules",
    "manifest_from_frame",
    "read_manifest",
    "read_manifest_bytes",
    "render_report",
    "run_sample",
    "sample_manifest_path",
    "screen_manifest",
    "write_alerts",
    "write_report",
]
