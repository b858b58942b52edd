"""Referral follow-through: each referral's status from the record, and which need a follow-up.

NACM Case Management Practice Standards (2017): referral and linkage, and "evaluate
appropriateness and effectiveness of referrals". A referral is `made` when written (a
`referrals` row on a form); a `referral_status` entry says what became of it (accepted,
service started, declined, no response), written to the record directly or as the
answer to the "Follow up the referral" task (its form, record_referral_status, names the
entry). One still `made` after `follow_up_days` needs a follow-up call: the engine opens
that task (engine/services/referral_follow_up.py).
"""
from __future__ import annotations

from datetime import date

REFERRAL_FOLLOW_UP_DAYS = 14
# Entries that give a referral's status: a direct entry, or the follow-up task's answer.
STATUS_KINDS = ("referral_status", "record_referral_status")


def provider_key(name) -> str:
    """A provider's name as referrals are matched by: spacing and case do not count."""
    return " ".join(str(name).split()).casefold()


def with_status(referrals: list[dict], entries: list[dict], today: date,
                follow_up_days: int = REFERRAL_FOLLOW_UP_DAYS) -> list[dict]:
    """The referrals (as the case page lists them, each with `provider` and `made_on`) with their
    latest status, when it was given, and whether a follow-up is due."""
    updates = [e for e in entries if e.get("kind") in STATUS_KINDS and not e.get("corrected_by")]
    found = []
    for referral in referrals:
        provider = provider_key(referral.get("provider"))
        later = [u for u in updates if provider_key((u.get("data") or {}).get("provider")) == provider
                 and u["recorded_at"] >= (referral.get("made_on") or "")]
        last = later[-1]["data"] if later else None
        status = last["status"] if last else "made"
        made = date.fromisoformat(str(referral.get("made_on") or today.isoformat())[:10])
        found.append({**referral, "status": status, "status_on": last["on"] if last else None,
                      "follow_up_due": status == "made" and (today - made).days >= follow_up_days})
    return found


def referrals_made(entries: list[dict]) -> list[dict]:
    """Referrals made, newest first, from the form conventions of definitions/record_rules.py: a
    `referrals` list, or `referred_to` (a client sent to another provider instead of served here)."""
    found = []
    for entry in entries:
        data = entry.get("data") or {}
        if entry.get("corrected_by"):
            continue  # a correction's referrals stand in for the original's
        for referral in data.get("referrals") or []:
            if isinstance(referral, dict):
                found.append({**referral, "made_on": entry["recorded_at"], "by": entry["author"]})
        if isinstance(data.get("referred_to"), str) and data["referred_to"]:
            found.append({"provider": data["referred_to"], "service": "referral elsewhere (not eligible)",
                          "rationale": data.get("notes", ""), "made_on": entry["recorded_at"], "by": entry["author"]})
    return list(reversed(found))


def follow_ups_due(entries: list[dict], today: date, follow_up_days: int = REFERRAL_FOLLOW_UP_DAYS) -> list[dict]:
    """The referrals still without a status `follow_up_days` after they were made, oldest first."""
    return [r for r in reversed(with_status(referrals_made(entries), entries, today, follow_up_days))
            if r["follow_up_due"]]


def follow_up_key(referral: dict) -> list[str]:
    """What names one referral for its follow-up: its provider and when it was made."""
    return [provider_key(referral.get("provider")), str(referral.get("made_on") or "")]
