"""JSONResponse rendered by orjson, the standard library's encoder only where orjson refuses.

Lists of objects are most of what the API sends: encoding them was the largest single cost
a load of 50 readers put on the server (py-spy: json's iterencode, 12 % of the samples that
held the interpreter lock). orjson writes the same compact UTF-8 as Starlette's JSONResponse
(separators "," and ":", ensure_ascii off) several times faster. It refuses integers beyond
64 bits and non-string keys, which an unknown field of a stored object may hold: those
bodies fall back to the standard encoder, so nothing that rendered before fails now.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse as StandardJSONResponse


class JSONResponse(StandardJSONResponse):
    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except (TypeError, orjson.JSONEncodeError):
            return super().render(content)
