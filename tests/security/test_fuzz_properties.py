"""Property tests over every parser: any input ends in a result or a located error.

The targets are ``fuzz/targets.py`` (shared with the coverage-guided fuzzer, ``make fuzz``).
Inputs are random bytes, text in the parser's own alphabet, and valid seeds mutated by byte
edits. Each example must finish within ``PER_INPUT_S`` (a SIGALRM stops a hang). The saved
crashing inputs under ``fuzz/regressions/`` are replayed first. Bounded: a short run here;
``make fuzz`` runs long.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
PER_INPUT_S = 20


def _load_targets() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fentrace_fuzz_targets", ROOT / "fuzz" / "targets.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


targets = _load_targets()
SEEDS: dict[str, list[bytes]] = targets.seeds()
SMILES_ALPHABET = "CNOSPFIBrcnosl()[]=#@+-\\/%0123456789.:*H $~"


class HangError(Exception):
    """An input ran past the per-input bound."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise HangError(f"an input ran longer than {PER_INPUT_S} s")


@pytest.fixture(autouse=True)
def _per_input_bound() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _bounded(name: str, data: bytes) -> None:
    signal.alarm(PER_INPUT_S)
    try:
        targets.run_target(name, data)
    finally:
        signal.alarm(0)


def _mutate(seed: bytes, edits: list[tuple[int, bytes]], cut: int) -> bytes:
    data = bytearray(seed)
    for position, patch in edits:
        at = position % (len(data) + 1)
        data[at : at + len(patch)] = patch
    return bytes(data[: len(data) - cut] if cut < len(data) else data)


def _inputs(name: str) -> st.SearchStrategy[bytes]:
    mutated = st.builds(
        _mutate,
        st.sampled_from(SEEDS[name]),
        st.lists(st.tuples(st.integers(0, 1 << 16), st.binary(min_size=1, max_size=6)), max_size=4),
        st.integers(0, 64),
    )
    strategies = [mutated, st.binary(max_size=300)]
    if name in ("identifiers", "screen_query", "smi_file", "chem_csv_file"):
        strategies.append(st.text(alphabet=SMILES_ALPHABET, max_size=60).map(str.encode))
    strategies.append(st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
    return st.one_of(strategies)


#: Examples per target in `make test` (a short run; `make fuzz` is the long one), times
#: FENTRACE_PROPERTY_SCALE for a longer property run.
EXAMPLES = {"screen_query": 15, "sdf_file": 15, "manifest_xlsx": 15, "party_name": 15}
SCALE = int(os.environ.get("FENTRACE_PROPERTY_SCALE", "1"))


@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_every_input_ends_in_a_result_or_a_located_error(name: str) -> None:
    @settings(
        max_examples=EXAMPLES.get(name, 25) * SCALE,
        deadline=None,  # the SIGALRM bound applies; timing on a shared machine varies
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(_inputs(name))
    def check(data: bytes) -> None:
        _bounded(name, data)

    check()


def _regressions() -> list[tuple[str, Path]]:
    folder = ROOT / "fuzz" / "regressions"
    return sorted(
        (target.name, case)
        for target in folder.iterdir()
        if target.is_dir()
        for case in target.iterdir()
        if case.is_file()
    )


@pytest.mark.parametrize(("name", "case"), _regressions(), ids=lambda v: getattr(v, "name", v))
def test_inputs_that_once_crashed_end_in_a_result_or_a_located_error(name: str, case: Path) -> None:
    _bounded(name, case.read_bytes())


@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_every_seed_is_accepted(name: str) -> None:
    for seed in SEEDS[name]:
        _bounded(name, seed)
