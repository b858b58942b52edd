"""What any value coming in must be before it is stored: bounded and clean.

PostgreSQL refuses NUL bytes in text, lone UTF-16 surrogates in UTF-8, integers past its
column types and (in JSON) NaN and Infinity; answering those with a 500 after half a step
is the wrong place to find out. Every value is checked here first and refused with a 422
naming the field. Deep nesting is refused too: a record entry 250 levels deep once broke
every later rendering of its case page.
"""
from __future__ import annotations

import math

from ..errors import InvalidData

MAX_DEPTH = 32
MAX_STRING = 100_000  # characters in one answer (a long narrative is a few thousand)
MAX_INT = 2**31 - 1  # the integer columns (ids, versions)
MAX_JSON_INT = 2**53  # beyond this a number does not survive a JavaScript reader unchanged


def problems_in(value, field: str = "", depth: int = 0) -> list[dict]:
    """Each bad value under `value`, as {"field", "message"} (fields are JSON-pointer-like paths)."""
    here = field or "(body)"
    if depth > MAX_DEPTH:
        return [{"field": here, "message": f"nested deeper than {MAX_DEPTH} levels"}]
    if isinstance(value, str):
        return _string_problems(value, here)
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [] if abs(value) <= MAX_JSON_INT else [{"field": here, "message": "number too large"}]
    if isinstance(value, float):
        return [] if math.isfinite(value) else [{"field": here, "message": "NaN and Infinity are not numbers here"}]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            path = f"{field}/{key}".lstrip("/")
            found += _string_problems(str(key), path, what="name")
            found += problems_in(item, path, depth + 1)
        return found
    if isinstance(value, (list, tuple)):
        found = []
        for index, item in enumerate(value):
            found += problems_in(item, f"{field}/{index}".lstrip("/"), depth + 1)
        return found
    return [{"field": here, "message": f"unexpected value of type {type(value).__name__}"}]


def _string_problems(text: str, field: str, what: str = "text") -> list[dict]:
    if "\x00" in text:
        return [{"field": field, "message": f"the {what} contains a NUL character"}]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return [{"field": field, "message": f"the {what} is not valid Unicode (a lone surrogate)"}]
    if len(text) > MAX_STRING:
        return [{"field": field, "message": f"longer than {MAX_STRING} characters"}]
    return []


def reserved_name_problems(values: dict, field: str) -> list[dict]:
    """Data handed to a workflow (start data, a message's payload, a correction) may not use a
    name starting with "_": those are the script sandbox's own (`_getattr_`, `_write_`...)."""
    return [{"field": f"{field}/{name}", "message": "names starting with _ are reserved"}
            for name in values if str(name).startswith("_")]


def check_clean(value, what: str = "the request") -> None:
    found = problems_in(value)
    if found:
        raise InvalidData(f"{what} has {len(found)} value(s) that cannot be stored; see details", found[:50])


def check_length(value: str | None, field: str, limit: int) -> list[dict]:
    """A text the database bounds to `limit` characters."""
    if value is None:
        return []
    if not isinstance(value, str):
        return [{"field": field, "message": "expected text"}]
    found = _string_problems(value, field)
    if not found and len(value) > limit:
        found = [{"field": field, "message": f"at most {limit} characters"}]
    return found


def check_int(value, field: str, low: int = 1, high: int = MAX_INT) -> int:
    """An integer bound for an integer column (an id, a version number)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidData(f"{field} must be a whole number from {low} to {high}",
                          [{"field": field, "message": f"a whole number from {low} to {high}"}])
    return value
