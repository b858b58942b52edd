"""Referral follow-through: each referral's status from the record, and which need a follow-up.

NACM Case Management Practice Standards (2017): referral and linkage, and "evaluate
appropriateness and effectiveness of referrals". A referral is `made` when written (a
`referrals` row on a form); a `referral_status` entry says what became of it (accepted,
service started, declined, no response). One still `made` after `follow_up_days` needs
a follow-up call.
"""
from __future__ import annotations

from datetime import date

REFERRAL_FOLLOW_UP_DAYS = 14


def _key(name) -> str:
    return " ".join(str(name).split()).casefold()


def with_status(referrals: list[dict], entries: list[dict], today: date,
                follow_up_days: int = REFERRAL_FOLLOW_UP_DAYS) -> list[dict]:
    """The referrals (as the case page lists them, each with `provider` and `made_on`) with their
    latest status, when it was given, and whether a follow-up is due."""
    updates = [e for e in entries if e.get("kind") == "referral_status" and not e.get("corrected_by")]
    found = []
    for referral in referrals:
        later = [u for u in updates if _key((u.get("data") or {}).get("provider")) == _key(referral.get("provider"))
                 and u["recorded_at"] >= (referral.get("made_on") or "")]
        last = later[-1]["data"] if later else None
        status = last["status"] if last else "made"
        made = date.fromisoformat(str(referral.get("made_on") or today.isoformat())[:10])
        found.append({**referral, "status": status, "status_on": last["on"] if last else None,
                      "follow_up_due": status == "made" and (today - made).days >= follow_up_days})
    return found
