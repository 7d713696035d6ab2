"""Java is checked before Spark starts: a located error instead of a JVM stack trace."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from fentrace.exc import ConfigError
from fentrace.spark.session import java_version


def _fake_java(tmp_path: Path, banner: str) -> str:
    java = tmp_path / "java"
    java.write_text(f"#!/bin/sh\necho '{banner}' >&2\n", encoding="utf-8")
    java.chmod(0o755)
    return str(java)


@pytest.mark.parametrize(
    ("banner", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21.0.2" 2024-01-16', 21),
        ('java version "25" 2025-09-16', 25),
    ],
)
def test_java_17_or_newer_is_accepted(tmp_path: Path, banner: str, major: int) -> None:
    assert java_version(_fake_java(tmp_path, banner)) == major


@pytest.mark.parametrize(
    ("banner", "message"),
    [
        ('java version "1.8.0_392"', "is Java 8"),
        ('openjdk version "11.0.22" 2024-01-16', "is Java 11"),
        ("no version here", "cannot read the version"),
    ],
)
def test_old_or_unreadable_java_is_a_config_error(
    tmp_path: Path, banner: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        java_version(_fake_java(tmp_path, banner))


def test_missing_java_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="openjdk-17-jre-headless"):
        java_version()


def test_this_machine_has_java_17_or_newer() -> None:
    """The Spark tests need it; CI installs it (.ci/run). Never skipped."""
    assert java_version() >= 17


def _daemon_of_this_worker(_: object) -> list[str]:
    """Runs in a Python worker: the command line of the process it was forked from."""
    import os

    with open(f"/proc/{os.getppid()}/cmdline", "rb") as handle:
        return [part.decode() for part in handle.read().split(b"\0") if part]


@pytest.mark.spark
def test_python_workers_fork_from_the_fentrace_daemon(spark: Any) -> None:
    """The workers' parent is ``python -m fentrace.spark._daemon`` (modules imported once)."""
    from pyspark import cloudpickle

    from fentrace.spark.session import DAEMON_MODULE

    assert spark.conf.get("spark.python.daemon.module") == DAEMON_MODULE
    assert spark.conf.get("spark.python.worker.reuse") == "true"
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        parents = spark.sparkContext.parallelize([0, 1], 2).map(_daemon_of_this_worker).collect()
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    for command in parents:  # python -m fentrace.spark._daemon pyspark.worker
        assert DAEMON_MODULE in command
        assert command[command.index(DAEMON_MODULE) - 1] == "-m"


def test_the_daemon_module_imports_the_engine_without_starting_the_daemon() -> None:
    """Imported (not run as ``-m``) it only loads the engine's modules and returns."""
    import subprocess

    code = (
        "import sys, fentrace.spark._daemon; "
        "print(sorted(m for m in ('fentrace.spark.manifest', 'fentrace.spark.chem', "
        "'fentrace.spark.parties', 'pyarrow.compute') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split("\n")[0] == str(
        [
            "fentrace.spark.chem",
            "fentrace.spark.manifest",
            "fentrace.spark.parties",
            "pyarrow.compute",
        ]
    )
