"""The public API of each package is pinned: a change to it is a deliberate change to this file."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

PUBLIC_API: dict[str, set[str]] = {
    "reference": {
        "GapCell",
        "GapRow",
        "KnowledgeBase",
        "KnowledgeBaseDiff",
        "build_knowledge_base",
        "cas_check_digit",
        "diff_knowledge_bases",
        "gap_matrix",
        "load_knowledge_base",
        "looks_like_cas",
        "normalise_chemical_name",
        "resolve_knowledge_base",
        "secondary_only_records",
        "shipped_releases",
        "strip_salt_words",
        "validate_cas",
        "validate_structures",
    },
    "chemistry": {
        "BatchSummary",
        "ContestedReadingResult",
        "TIERS",
        "Tier",
        "JurisdictionResult",
        "KBIndex",
        "Match",
        "Resolution",
        "RouteLink",
        "ScreenResult",
        "StandardisedMol",
        "StepReport",
        "VERDICTS",
        "Verdict",
        "build_kb_index",
        "kb_index",
        "knowledge_base",
        "parent_smiles",
        "read_records",
        "resolve",
        "screen_file",
        "screen_many",
        "standardise",
    },
    "parties": {
        "Alias",
        "Entity",
        "FEATURES",
        "Listing",
        "MATCH_THRESHOLD",
        "MAX_NAME_LENGTH",
        "NormalisedName",
        "POSSIBLE_THRESHOLD",
        "PartyMatch",
        "PartyResult",
        "PartyScreener",
        "WEIGHTS",
        "Watchlist",
        "load_screener",
        "load_watchlist",
        "normalise_name",
    },
    "shipments": {
        "INDICATOR_CODES",
        "LEVELS",
        "Lookups",
        "Manifest",
        "Rejection",
        "Rules",
        "SCREEN_STAGES",
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
    },
    "network": {
        "Hub",
        "ManifestRows",
        "PartyGraph",
        "RISK_PASSES",
        "Reached",
        "RejectedRow",
        "RiskScore",
        "Step",
        "TraceResult",
        "WatchHit",
        "build_graph",
        "chemical_mask",
        "communities",
        "consumer_edges",
        "flagged_mask",
        "format_of",
        "ftm_entities",
        "hubs",
        "origin_edges",
        "read_manifests",
        "resolve_party",
        "risk_column",
        "rows_from_frame",
        "simple_name_key",
        "spread_risk",
        "supplier_edges",
        "to_digraph",
        "to_networkx",
        "trace",
        "watch_lookup_from_names",
        "write_graph",
    },
    "service": {
        "SETTING_HELP",
        "AlertFilter",
        "Principal",
        "Service",
        "Settings",
        "create_app",
        "current_principal",
        "get_service",
        "require_role",
    },
    "simulation": {
        "BUNDLED_SCENARIOS",
        "Calibration",
        "Draws",
        "Ensemble",
        "Evaluation",
        "Fit",
        "Params",
        "PolicyAnalysis",
        "Prior",
        "Scenario",
        "SimulationResult",
        "abc_fit",
        "analyse_policy",
        "average_precision",
        "calibrate",
        "evaluate_manifest",
        "load_params",
        "load_scenario",
        "render_brief",
        "run_ensemble",
        "run_scenario",
        "sample_draws",
        "sobol_indices",
        "summarise",
        "write_analysis",
        "write_comparison",
        "write_outputs",
    },
    "monitoring": {
        "ChemicalChange",
        "JurisdictionChange",
        "PartyChange",
        "ShipmentChange",
        "party_lookup",
        "rescreen_chemicals",
        "rescreen_parties",
        "rescreen_shipments",
        "rises",
        "stored_statuses",
    },
    "spark": {
        "SparkScreening",
        "java_version",
        "local_session",
        "match_parties",
        "party_counts",
        "rejections",
        "screen_manifest",
        "screen_structures",
        "structure_counts",
    },
}


@pytest.mark.parametrize("package", sorted(PUBLIC_API))
def test_public_api_is_pinned(package: str) -> None:
    module = importlib.import_module(f"fentrace.{package}")
    assert set(module.__all__) == PUBLIC_API[package]
    for name in module.__all__:
        assert hasattr(module, name), f"fentrace.{package}.{name} is exported but missing"


def _modules_outside(package: str) -> list[tuple[str, str]]:
    src = Path(importlib.import_module("fentrace").__file__ or "").parent
    return [
        (str(path.relative_to(src)), path.read_text(encoding="utf-8"))
        for path in sorted(src.rglob("*.py"))
        if path.relative_to(src).parts[0] != package
    ]


def test_only_chemistry_imports_rdkit() -> None:
    pattern = re.compile(r"^\s*(import rdkit|from rdkit)", re.M)
    assert [name for name, text in _modules_outside("chemistry") if pattern.search(text)] == []


def test_nothing_below_the_cli_imports_it() -> None:
    pattern = re.compile(r"^\s*(import fentrace\.cli|from fentrace\.cli)", re.M)
    assert [name for name, text in _modules_outside("cli") if pattern.search(text)] == []


def test_only_the_spark_edges_import_pyspark_and_nothing_below_imports_them() -> None:
    pyspark = re.compile(r"^\s*(import pyspark|from pyspark)", re.M)
    spark = re.compile(r"^\s*(import fentrace\.spark|from fentrace\.spark)", re.M)
    outside = _modules_outside("spark")
    assert [n for n, text in outside if pyspark.search(text)] == ["cli/spark_engine.py"]
    assert [n for n, text in outside if spark.search(text)] == ["cli/spark_engine.py"]
