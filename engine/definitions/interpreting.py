"""Language access read from the record: whether the client needs an interpreter (screening)
and who interpreted at each contact.

NASW Standards for Social Work Case Management (2013), Std 4 (cultural and linguistic
competence): use "professional interpreters rather than … family members". Form
conventions any agency form may use: `interpreter_needed` (bool) with `interpreter_language`,
and at contacts `interpreter` — `professional`, `family_member` or `none`. A contact a
family member interpreted is flagged on the case page.
"""
from __future__ import annotations

FAMILY_MEMBER = "family_member"
INTERPRETERS = ("professional", FAMILY_MEMBER, "none")


def need(entries: list[dict]) -> dict | None:
    """The latest word on whether the client needs an interpreter, and in which language."""
    said = [e for e in entries if not e.get("corrected_by")
            and isinstance((e.get("data") or {}).get("interpreter_needed"), bool)]
    if not said:
        return None
    data = said[-1]["data"]
    language = str(data.get("interpreter_language") or "").strip() or None
    return {"needed": data["interpreter_needed"], "language": language if data["interpreter_needed"] else None,
            "noted_at": said[-1].get("recorded_at")}


def family_interpreted(entries: list[dict]) -> list[dict]:
    """Contacts (the current version of each) at which a family member interpreted, oldest first."""
    return [{"entry_id": e["id"], "title": e.get("title"), "author": e.get("author"),
             "occurred_at": (e.get("data") or {}).get("occurred_at") or e.get("recorded_at")}
            for e in entries
            if not e.get("corrected_by") and (e.get("data") or {}).get("interpreter") == FAMILY_MEMBER]


def summary(entries: list[dict]) -> dict:
    """What the case page shows about language access."""
    return {"need": need(entries), "family_member_contacts": family_interpreted(entries)}
