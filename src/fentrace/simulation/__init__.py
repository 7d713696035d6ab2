"""Supply-chain simulator: agents from precursor sellers to US street supply, policy levers,
adaptation, calibrated mortality and labelled synthetic shipments.

Public API::

    result = run_scenario("baseline", "2015-01", "2026-12", seed=0, volume=0.1)
    write_outputs(result, "out/")

    scenarios = [load_scenario(n) for n in ("baseline", "doubled-inspection")]
    analysis = analyse_policy(scenarios, draws=200)   # ABC fit, intervals, validation, Sobol
    write_analysis(analysis, "out/"); html = render_brief(analysis)
"""

from fentrace.simulation.brief import render_brief
from fentrace.simulation.calibration import Calibration, calibrate
from fentrace.simulation.evaluate import Evaluation, average_precision, evaluate_manifest
from fentrace.simulation.model import SimulationResult, run_scenario
from fentrace.simulation.outputs import summarise, write_comparison, write_outputs
from fentrace.simulation.params import Params, Prior, load_params
from fentrace.simulation.policy import PolicyAnalysis, analyse_policy, write_analysis
from fentrace.simulation.scenario import BUNDLED_SCENARIOS, Scenario, load_scenario
from fentrace.simulation.uncertainty import (
    Draws,
    Ensemble,
    Fit,
    abc_fit,
    run_ensemble,
    sample_draws,
    sobol_indices,
)

__all__ = [
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
]
