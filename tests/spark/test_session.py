"""Java is checked before Spark starts: a located error instead of a JVM stack trace."""

from __future__ import annotations

from pathlib import Path

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
