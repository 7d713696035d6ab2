"""CPU per structure of batch screening, for comparing two versions of the code on a shared machine.

``screen_file(..., jobs=2)`` runs in this process after the knowledge base and rules are loaded
(no start-up); the CPU seconds of this process (reading, order, output) and of its worker
processes are each divided by the structures, and set against bare single-process parsing
(``Chem.MolFromSmiles`` per line) measured before and after in the same process. On a machine
other jobs share, wall-clock ratios mostly measure the other jobs; CPU per structure, and
the projected ratio on idle cores (jobs x parse CPU / screening CPU), much less so. Run two
versions alternately in the same minutes (``PYTHONPATH=<other src>``) and compare.

    .venv/bin/python benchmarks/chem_cpu.py --library moses               # all 176,074
    .venv/bin/python benchmarks/chem_cpu.py --library moses --n 20000
    PYTHONPATH=/path/to/other/src .venv/bin/python benchmarks/chem_cpu.py --library moses
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from rdkit import Chem, RDLogger

from fentrace.chemistry import batch
from fentrace.chemistry.kbindex import kb_index
from fentrace.chemistry.screen import rules

sys.path.insert(0, str(Path(__file__).parent))
from chem_screen import build_set, moses_set

RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def parse_us(smiles: list[str]) -> float:
    """CPU microseconds per structure of bare parsing."""
    start = time.process_time()
    for text in smiles:
        Chem.MolFromSmiles(text)
    return (time.process_time() - start) / len(smiles) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--n", type=int, help="structures (default: 20,000 generated; all MOSES)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--library", choices=("generated", "moses"), default="moses")
    args = parser.parse_args()
    smiles, _ = moses_set(args.n) if args.library == "moses" else build_set(args.n or 20_000)
    kb_index()
    rules()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "structures.smi"
        path.write_text("".join(f"{s} m{i}\n" for i, s in enumerate(smiles)))
        before = parse_us(smiles)
        own, workers = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        summary = batch.screen_file(
            path, str(Path(folder) / "out.csv"), "csv", date(2026, 12, 1), jobs=args.jobs
        )
        wall = time.perf_counter() - start
        own = _cpu(resource.RUSAGE_SELF) - own
        workers = _cpu(resource.RUSAGE_CHILDREN) - workers
        after = parse_us(smiles)
    count = len(smiles)
    parse = (before + after) / 2
    per = (own + workers) / count * 1e6
    print(
        f"{count:,} structures ({summary.verdicts['clear']:,} clear): this process "
        f"{own / count * 1e6:.1f} us, workers {workers / count * 1e6:.1f} us per structure; "
        f"bare parse {before:.1f} / {after:.1f} us; {per / parse:.2f} parses per structure; "
        f"projected on {args.jobs} idle cores {args.jobs * parse / per:.3f}; wall {wall:.1f} s "
        f"({count / wall / (1e6 / parse):.2f} x the parse rate); load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
