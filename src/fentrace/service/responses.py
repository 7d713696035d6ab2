"""A JSON response serialised straight from plain data (no second validation pass).

The screening routes return dicts built by the library's own ``to_dict`` methods; running
them through FastAPI's encoder and a response model again would cost more than screening.
The models stay in the OpenAPI schema through ``responses=``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class JSONBody(JSONResponse):
    """``json.dumps`` with dates as ISO text, non-ASCII kept."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, separators=(",", ":"), default=_default
        ).encode("utf-8")
