"""The client's copy of the plan in the client's language, where a translation exists.

NASW Standards for Social Work Case Management (2013), Std 4 (cultural and linguistic
competence): clients take part fully in their own case management, in a language they
read. The page's fixed text comes from a small message catalog
(web/translations/client_plan.json: English and Spanish); what staff wrote in the plan
(goals, steps, the plain-language summary) is shown as written.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

CATALOG = Path(__file__).resolve().parent / "translations" / "client_plan.json"
DEFAULT = "en"


@lru_cache(maxsize=1)
def catalog() -> dict:
    return json.loads(CATALOG.read_text(encoding="utf-8"))


def languages() -> dict[str, str]:
    """Language code -> its name in that language, for the page's language switch."""
    return {code: entry["language_name"] for code, entry in catalog().items()}


def code_for(preferred: str | None) -> str | None:
    """The catalog's code for a client's preferred language as staff wrote it ("Spanish",
    "español", "es-MX"), or None when there is no translation into it."""
    words = " ".join(str(preferred or "").split()).casefold()
    if not words:
        return None
    for code, entry in catalog().items():
        if words in entry["names"] or words == code or words.split("-")[0].split("_")[0] == code:
            return code
    return None


def choose(requested: str | None, preferred: str | None) -> dict:
    """The language to render in: one asked for on the page, else the client's preferred
    language where a translation exists, else English (saying there is no translation)."""
    preferred_code = code_for(preferred)
    code = requested if requested in catalog() else preferred_code or DEFAULT
    untranslated = preferred if preferred and preferred_code is None else None
    return {"code": code, "preferred_code": preferred_code, "untranslated": untranslated}


class Messages:
    """The fixed text of the client's copy in one language: `t.title`, `t.status(...)`,
    `t.role(...)`, `t.day(...)`, `t.day_time(...)`."""

    def __init__(self, code: str):
        self.code = code
        self._entry = catalog()[code]
        self._text = self._entry["text"]

    def __getattr__(self, key: str) -> str:
        try:
            return self._text[key]
        except KeyError:
            return catalog()[DEFAULT]["text"].get(key, key)

    def status(self, value: str | None) -> str:
        return self._entry["status"].get(value or "", value or "")

    def role(self, value: str | None) -> str:
        return self._entry["roles"].get(value or "", value or "")

    def day(self, value) -> str:
        """A date in words in this language ("5 January 2026", "5 de enero de 2026")."""
        if value in (None, ""):
            return "—"
        moment = value
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
            except ValueError:
                return value
        return self._entry["day_format"].format(day=moment.day, month=self._entry["months"][moment.month - 1],
                                                year=moment.year)

    def day_time(self, value) -> str:
        """A date and time in this language."""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return f"{self.day(value)}, {value:%H:%M}" if isinstance(value, datetime) else self.day(value)
