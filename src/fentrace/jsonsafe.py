"""JSON that every parser accepts: no ``NaN`` or ``Infinity`` (they are not JSON).

Python's ``json`` writes ``NaN`` and ``Infinity`` for non-finite floats, which browsers'
``JSON.parse`` and strict parsers refuse. Every JSON fentrace prints or embeds goes through
:func:`dumps`, which writes such a value as ``null``.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (also inside lists and dicts) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` of ``value`` with non-finite floats as ``null`` (never ``NaN``)."""
    return json.dumps(finite(value), allow_nan=False, **options)
