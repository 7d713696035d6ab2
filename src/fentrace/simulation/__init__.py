"""Supply-chain simulator: agents from precursor sellers to US street supply, policy levers,
adaptation, calibrated mortality and labelled synthetic shipments.

Public API::

    result = run_scenario("baseline", "2015-01", "2026-12", seed=0, volume=0.1)
    write_outputs(result, "out/")
"""

from fentrace.simulation.calibration import Calibration, calibrate
from fentrace.simulation.evaluate import Evaluation, average_precision, evaluate_manifest
from fentrace.simulation.model import SimulationResult, run_scenario
from fentrace.simulation.outputs import summarise, write_comparison, write_outputs
from fentrace.simulation.params import Params, load_params
from fentrace.simulation.scenario import BUNDLED_SCENARIOS, Scenario, load_scenario

__all__ = [
    "BUNDLED_SCENARIOS",
    "Calibration",
    "Evaluation",
    "Params",
    "Scenario",
    "SimulationResult",
    "average_precision",
    "calibrate",
    "evaluate_manifest",
    "load_params",
    "load_scenario",
    "run_scenario",
    "summarise",
    "write_comparison",
    "write_outputs",
]
