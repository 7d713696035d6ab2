"""The exception tree and its one JSON error shape."""

from __future__ import annotations

import pytest

from fentrace.exc import (
    ConfigError,
    DataFileError,
    FentraceError,
    InputError,
    ResolutionError,
    UsageError,
)


@pytest.mark.parametrize(
    ("error_type", "base"),
    [
        (DataFileError, FentraceError),
        (InputError, FentraceError),
        (UsageError, InputError),
        (ResolutionError, FentraceError),
        (ConfigError, FentraceError),
    ],
)
def test_tree(error_type: type[Exception], base: type[Exception]) -> None:
    assert issubclass(error_type, base)


def test_data_file_error_names_file_record_and_field() -> None:
    error = DataFileError("not a date", file="controls.yaml", record="us-npp", field="effective")
    assert str(error) == "controls.yaml, record us-npp, field 'effective': not a date"
    assert error.to_dict() == {
        "error": {
            "type": "DataFileError",
            "message": "controls.yaml, record us-npp, field 'effective': not a date",
            "file": "controls.yaml",
            "record": "us-npp",
            "field": "effective",
        }
    }


def test_context_without_values_is_left_out() -> None:
    assert DataFileError("empty", file="x.csv").to_dict()["error"] == {
        "type": "DataFileError",
        "message": "x.csv: empty",
        "file": "x.csv",
    }


def test_config_error_location() -> None:
    assert str(ConfigError("must be a number", file="rules.yaml", key="weights.ROUTE_RISK")) == (
        "rules.yaml, key 'weights.ROUTE_RISK': must be a number"
    )
