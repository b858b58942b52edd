"""Rules of practice that a form's JSON Schema cannot express, checked before a step.

They read the case record, so they live in the engine, not in the forms:
- a referral needs a release of information for its provider that is in force
  today (AAA: release of information signed by client or guardian; an expired
  consent is never silently used);
- every participant in a service plan holds at least one task (Encyclopedia of
  Social Work, the written service contract).
Keys are conventions any agency form may use: `referrals`, `participants` with
`tasks`, `releases` (which puts releases on file), and `referred_to` (the client was
sent to another provider; the case page lists it with the referrals).
"""
from __future__ import annotations

from datetime import date


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def releases_on_file(entries: list[dict], today: date) -> list[dict]:
    """Every release of information in the record (oldest first), with its status today."""
    seen, found = set(), []
    for entry in entries:
        for release in (entry.get("data") or {}).get("releases") or []:
            identity = tuple(sorted((k, str(v)) for k, v in release.items() if k != "let_lapse"))
            if identity in seen:
                continue
            seen.add(identity)
            expires = date.fromisoformat(release["expires_on"])
            signed = date.fromisoformat(release["signed_on"])
            status = "expired" if expires < today else ("not yet signed" if signed > today else "valid")
            found.append({**release, "status": status, "recorded_at": entry.get("recorded_at"),
                          "entry_id": entry.get("id")})
    return found


def release_in_force(releases: list[dict], recipient: str) -> tuple[dict | None, str]:
    """The release naming `recipient` that is in force today, or why there is none (the words the
    refusal of a referral or a record release uses). NASW Std 10 / AAA: a record leaves the agency
    only with the client's (or guardian's) signed consent naming who receives it."""
    matching = [r for r in releases if _key(r.get("recipient", "")) == _key(recipient)]
    valid = [r for r in matching if r["status"] == "valid"]
    if valid:
        return max(valid, key=lambda r: r["expires_on"]), ""
    if matching:
        last = max(r["expires_on"] for r in matching)
        return None, (f"the release of information for {recipient} expired on {last}; renew it with the client "
                      f"(or guardian) first")
    return None, f"no release of information for {recipient} is on file; have the client (or guardian) sign one first"


def _referral_problems(referrals: list, releases: list[dict]) -> list[dict]:
    problems = []
    for index, referral in enumerate(referrals):
        provider = referral.get("provider", "")
        matching = [r for r in releases if _key(r["recipient"]) == _key(provider)]
        if any(r["status"] == "valid" for r in matching):
            continue
        if matching:
            last = max(r["expires_on"] for r in matching)
            message = (f"the release of information for {provider} expired on {last}; renew it with the client "
                       f"(or guardian) before referring")
        else:
            message = (f"no release of information for {provider} is on file; have the client (or guardian) sign "
                       f"one before referring")
        problems.append({"field": f"referrals/{index}/provider", "message": message})
    return problems


def _participant_problems(participants: list, tasks: list) -> list[dict]:
    holders = {_key(t.get("responsible", "")) for t in tasks or []}
    return [{"field": f"participants/{i}",
             "message": f"{p['name']} holds no task in the plan; every participant holds at least one"}
            for i, p in enumerate(participants) if _key(p.get("name", "")) not in holders]


def problems(data: dict, entries: list[dict], today: date) -> list[dict]:
    """The rule violations in a form's data, one detail per field (empty when none)."""
    found = []
    for index, release in enumerate(data.get("releases") or []):
        if release.get("expires_on") and release.get("signed_on") and release["expires_on"] <= release["signed_on"]:
            found.append({"field": f"releases/{index}/expires_on",
                          "message": "a release must expire after the day it is signed"})
    if data.get("referrals"):
        found += _referral_problems(data["referrals"], releases_on_file(entries, today))
    if data.get("participants"):
        found += _participant_problems(data["participants"], data.get("tasks"))
    return found
