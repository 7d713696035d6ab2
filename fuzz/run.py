"""Coverage-guided fuzzing of every parser with atheris (libFuzzer), within a time budget.

    python fuzz/run.py                      # every target, FUZZ_SECONDS (default 60) each
    python fuzz/run.py sdf_file --seconds 600
    python fuzz/run.py --list

Each target runs in its own process (libFuzzer owns the process) with a per-input time bound
(``-timeout``) and a memory bound (``-rss_limit_mb``). The corpus starts from the seeds in
``targets.py`` plus the saved regression cases and is kept in ``fuzz/corpus/<target>/``
(ignored by git). A crashing input is written to ``fuzz/crashes/<target>/``: fix the bug,
then move the input to ``fuzz/regressions/<target>/`` so the tests replay it for ever.
The last lines print, per target, the inputs tried and the crashes found, as a JSON line
``{"target": ..., "inputs": ..., "crashes": ..., "seconds": ...}``; ``docs/security.md``
records the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import targets  # noqa: E402  (the targets sit beside this script)

PER_INPUT_S = 20
RSS_LIMIT_MB = 3072


def _fuzz_one(name: str) -> None:
    """Run inside the child: hand the target to atheris/libFuzzer."""
    import atheris

    with atheris.instrument_imports(include=["fentrace"]):
        import fentrace.chemistry.batch
        import fentrace.parties.watchlist
        import fentrace.shipments.ingest
        import fentrace.simulation.scenario
        import fentrace.tables  # noqa: F401

    def test_one(data: bytes) -> None:
        targets.run_target(name, data)

    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


def _corpus(name: str) -> Path:
    corpus = HERE / "corpus" / name
    corpus.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(targets.seeds()[name]):
        (corpus / f"seed-{number}").write_bytes(seed)
    regressions = HERE / "regressions" / name
    if regressions.is_dir():
        for case in regressions.iterdir():
            (corpus / f"regression-{case.name}").write_bytes(case.read_bytes())
    return corpus


def run(name: str, seconds: int) -> dict[str, object]:
    """Fuzz one target for ``seconds``; the inputs tried and crashes found."""
    crashes = HERE / "crashes" / name
    crashes.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        name,
        str(_corpus(name)),
        f"-max_total_time={seconds}",
        f"-timeout={PER_INPUT_S}",
        f"-rss_limit_mb={RSS_LIMIT_MB}",
        f"-artifact_prefix={crashes}/",
        "-print_final_stats=1",
    ]
    started = time.monotonic()
    found = 0
    inputs = 0
    while time.monotonic() - started < seconds:
        left = max(5, int(seconds - (time.monotonic() - started)))
        command[5] = f"-max_total_time={left}"
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        log = done.stdout + done.stderr
        runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log) or re.findall(
            r"#(\d+)\s", log
        )
        inputs += int(runs[-1]) if runs else 0
        if done.returncode == 0:
            break
        found += 1  # libFuzzer stops at the first crash; record it and go on fuzzing
        tail = "\n".join(log.splitlines()[-30:])
        print(f"--- {name}: crash {found} (exit {done.returncode})\n{tail}", file=sys.stderr)
        if found >= 20:
            break
    return {
        "target": name,
        "inputs": inputs,
        "crashes": found,
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        name = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        _fuzz_one(name)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="targets (default: all)")
    parser.add_argument(
        "--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "60")), help="per target"
    )
    parser.add_argument("--list", action="store_true", help="list the targets")
    options = parser.parse_args()
    if options.list:
        for name, function in targets.TARGETS.items():
            print(f"{name:18} {(function.__doc__ or '').strip()}")
        return 0
    unknown = set(options.names) - set(targets.TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    results = [run(name, options.seconds) for name in options.names or list(targets.TARGETS)]
    for result in results:
        print(json.dumps(result))
    return 1 if any(r["crashes"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
