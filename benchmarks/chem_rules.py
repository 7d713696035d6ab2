"""Benchmark: the cost of the chemistry rules per molecule, against parsing the same SMILES.

Uses the seeded drug-like set of benchmarks/chem_screen.py (mostly ordinary structures, some
piperidines and anilides, a few fentanyl-likes and precursors) and measures, single process,
in the same run:

* baseline: ``Chem.MolFromSmiles`` per structure;
* the prefilters ``could_match_any_rule`` and ``can_react`` (run on every molecule);
* ``class_matches`` (every rule, one pass), ``search_routes`` where ``can_react``, and
  ``nearest`` (Morgan Tanimoto to the KB references) -- the full rules stage as screen() uses it.

Prints microseconds per molecule for each and the ratio of the rules stage to parsing.

    .venv/bin/python benchmarks/chem_rules.py            # 5,000 structures
    .venv/bin/python benchmarks/chem_rules.py --n 1000
    .venv/bin/python benchmarks/chem_rules.py --library moses --n 5000   # the real library
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rdkit import Chem

from fentrace.chemistry import routes
from fentrace.chemistry.classes import class_matches, contested_readings, could_match_any_rule
from fentrace.chemistry.routes import can_react, search_routes
from fentrace.chemistry.similarity import nearest, pharmacophore_match

AS_OF = date(2025, 12, 1)


def _build_set(n: int) -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "chem_screen_bench", Path(__file__).with_name("chem_screen.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built: tuple[list[str], int] = module.build_set(n)
    return built[0]


def _moses(n: int) -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "chem_screen_bench", Path(__file__).with_name("chem_screen.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built: tuple[list[str], int] = module.moses_set(n)
    return built[0]


def _time(label: str, items: list[Any], work: Callable[[Any], object]) -> float:
    start = time.perf_counter()
    for item in items:
        work(item)
    elapsed = time.perf_counter() - start
    per = elapsed / max(len(items), 1) * 1e6
    print(f"{label:<34} {per:10.1f} us/molecule  ({len(items)} molecules, {elapsed:.2f} s)")
    return per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--library", choices=("generated", "moses"), default="generated")
    args = parser.parse_args()
    smiles = _moses(args.n) if args.library == "moses" else _build_set(args.n)
    # warm the caches (rules file, knowledge base, templates, reference fingerprints)
    warm = Chem.MolFromSmiles("CC(C)(C)OC(=O)N1CCC(=O)CC1")
    class_matches(warm, AS_OF)
    search_routes(warm, AS_OF)
    nearest(warm)

    parse = _time("baseline: MolFromSmiles", smiles, Chem.MolFromSmiles)
    mols = [m for m in (Chem.MolFromSmiles(s) for s in smiles) if m is not None]
    _time("could_match_any_rule", mols, could_match_any_rule)
    _time("can_react", mols, can_react)
    _time("class_matches", mols, lambda m: class_matches(m, AS_OF))
    reactive = [m for m in mols if can_react(m)]
    print(f"  {len(reactive)} of {len(mols)} molecules pass can_react")
    _time("search_routes (can_react only)", reactive, lambda m: search_routes(m, AS_OF))
    _time("nearest (k=3)", mols, nearest)
    _time("pharmacophore_match", mols, pharmacophore_match)
    _time("contested_readings", mols, lambda m: contested_readings(m, AS_OF))

    def stage(mol: Chem.Mol) -> None:
        class_matches(mol, AS_OF)
        if can_react(mol):
            search_routes(mol, AS_OF)
        nearest(mol)

    routes.clear_caches()  # the stage is timed from cold caches, like a fresh batch
    rules = _time("rules stage (all of the above)", mols, stage)
    print(f"ratio rules stage / parse: {rules / parse:.2f} x")


if __name__ == "__main__":
    main()
