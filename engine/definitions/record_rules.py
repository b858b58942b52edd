"""Rules of practice that a form's JSON Schema cannot express, checked before a step.

They read the case record, so they live in the engine, not in the forms:
- a referral, and a transfer to a receiving provider, needs a release of information
  for that provider that is in force today (NASW Std 10: written permission to
  release and obtain information; AAA: signed by client or guardian; an expired or
  revoked consent is never silently used);
- a release signed by a guardian names someone on record (a `legal_representative`
  entry) who may sign for the client, not ended and with authority on the day signed
  (AAA Std 4: "a release of information signed by the client or the client's legal
  guardian"; NASW 2013 Std 1: the individual legally authorized to represent the client);
- a release can be revoked at any time; the revocation takes back every release to
  that recipient on file before it (a release signed later is a new consent);
- every participant in a service plan holds at least one task (Encyclopedia of
  Social Work, the written service contract);
- closure gives an outcome for every goal of the plan (NACM 2017: the closure
  summary; definitions/goal_progress.py);
- when screening says the client needs an interpreter, a contact in which the client
  was reached says who interpreted (`interpreter`), and why no one did when none did
  (`no_interpreter_reason`) (NASW 2013 Std 4: "professional interpreters rather than
  family members"; definitions/interpreting.py).
Keys are conventions any agency form may use: `referrals`, `participants` with
`tasks`, `releases` (which puts releases on file), `revokes_release_to` (the
recipient whose releases the client takes back), `receiving_provider` (a transfer),
`referred_to` (the client was sent to another provider; the case page lists it
with the referrals), and at contacts `contact_with`, `reached`, `interpreter` and
`no_interpreter_reason`.
"""
from __future__ import annotations

from datetime import date

from . import goal_progress, interpreting

# The answers these rules read; a form with none of them is not checked (and the record not read).
RULE_FIELDS = ("referrals", "participants", "releases", "receiving_provider", "revokes_release_to", "goal_outcomes",
               "contact_with")


def applies_to(data: dict) -> bool:
    """Whether any rule reads these answers (an empty list of outcomes is still checked)."""
    return any(data.get(k) or (k == "goal_outcomes" and k in data) for k in RULE_FIELDS)


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def releases_on_file(entries: list[dict], today: date) -> list[dict]:
    """Every release of information in the record (oldest first), with its status today:
    valid, expired, not yet signed, or revoked (a later entry took it back)."""
    seen, found = set(), []
    for entry in entries:
        data = entry.get("data") or {}
        for release in data.get("releases") or []:
            identity = tuple(sorted((k, str(v)) for k, v in release.items() if k != "let_lapse"))
            if identity in seen:
                continue
            seen.add(identity)
            expires = date.fromisoformat(release["expires_on"])
            signed = date.fromisoformat(release["signed_on"])
            status = "expired" if expires < today else ("not yet signed" if signed > today else "valid")
            found.append({**release, "status": status, "recorded_at": entry.get("recorded_at"),
                          "entry_id": entry.get("id")})
        if data.get("revokes_release_to"):
            for release in found:
                if _key(release["recipient"]) == _key(data["revokes_release_to"]) and release["status"] != "revoked":
                    release.update(status="revoked", revoked_on=data.get("revoked_on"),
                                   revoked_by_entry=entry.get("id"))
    return found


def representatives_on_file(entries: list[dict]) -> list[dict]:
    """Who may act for the client (NASW 2013 Std 1: "the individual who is legally authorized to
    represent the client"): the latest `legal_representative` entry for each name, unless it was
    corrected or says the representative no longer acts (oldest entries first)."""
    latest: dict[str, dict] = {}
    for entry in entries:
        if entry.get("kind") == "legal_representative" and not entry.get("corrected_by"):
            data = entry.get("data") or {}
            latest[_key(data.get("name", ""))] = {**data, "recorded_at": entry.get("recorded_at")}
    return [r for r in latest.values() if not r.get("ended")]


def _signer_problems(releases: list, entries: list[dict]) -> list[dict]:
    """A release signed by a guardian names a representative on record who may sign for the
    client, and whose authority had not ended on the day they signed (AAA Std 4)."""
    found, representatives = [], None
    for index, release in enumerate(releases):
        if not isinstance(release, dict) or release.get("signer_role", "client") == "client":  # a representative signed
            continue
        if representatives is None:
            representatives = representatives_on_file(entries)
        signer = str(release.get("signed_by", ""))
        may_sign = [r for r in representatives if r.get("may_sign")]
        match = [r for r in may_sign if _key(r.get("name", "")) == _key(signer)]
        signed_on = str(release.get("signed_on", ""))
        if match and all(r.get("valid_until") and r["valid_until"] < signed_on for r in match):
            message = (f"{signer}'s authority to sign for the client ended on {match[-1]['valid_until']}, "
                       f"before this release was signed on {signed_on}")
        elif match:
            continue
        else:
            on_record = ", ".join(r["name"] for r in may_sign)
            message = (f"{signer} is not on record as a guardian or legal representative who may sign for the "
                       f"client; record them first (a legal_representative entry with may_sign)"
                       + (f"; on record: {on_record}" if on_record else "; no one is on record"))
        found.append({"field": f"releases/{index}/signed_by", "message": message})
    return found


def release_in_force(releases: list[dict], recipient: str) -> tuple[dict | None, str]:
    """The release naming `recipient` that is in force today, or why there is none (the words the
    refusal of a referral or a record release uses). NASW Std 10 / AAA: a record leaves the agency
    only with the client's (or guardian's) signed consent naming who receives it."""
    matching = [r for r in releases if _key(r.get("recipient", "")) == _key(recipient)]
    valid = [r for r in matching if r["status"] == "valid"]
    if valid:
        return max(valid, key=lambda r: r["expires_on"]), ""
    revoked = [r for r in matching if r["status"] == "revoked"]
    if revoked:
        return None, (f"the client revoked the release of information for {recipient} on "
                      f"{revoked[-1].get('revoked_on')}; nothing more may be disclosed to them")
    if matching:
        last = max(r["expires_on"] for r in matching)
        return None, (f"the release of information for {recipient} expired on {last}; renew it with the client "
                      f"(or guardian) first")
    return None, f"no release of information for {recipient} is on file; have the client (or guardian) sign one first"


def _consent_problem(field: str, recipient: str, releases: list[dict], doing: str) -> dict | None:
    """None when a release for `recipient` is in force; else why not, naming the consent missing."""
    matching = [r for r in releases if _key(r["recipient"]) == _key(recipient)]
    if any(r["status"] == "valid" for r in matching):
        return None
    revoked = [r for r in matching if r["status"] == "revoked"]
    if revoked:
        message = (f"the client revoked the release of information for {recipient} on "
                   f"{revoked[-1].get('revoked_on')}; nothing more may be disclosed to them unless the client "
                   f"(or guardian) signs a new one before {doing}")
    elif matching:
        last = max(r["expires_on"] for r in matching)
        message = (f"the release of information for {recipient} expired on {last}; renew it with the client "
                   f"(or guardian) before {doing}")
    else:
        message = (f"no release of information for {recipient} is on file; have the client (or guardian) sign "
                   f"one before {doing}")
    return {"field": field, "message": message}


def _referral_problems(referrals: list, releases: list[dict]) -> list[dict]:
    found = (_consent_problem(f"referrals/{i}/provider", r.get("provider", ""), releases, "referring")
             for i, r in enumerate(referrals))
    return [p for p in found if p]


def _revocation_problems(data: dict, releases: list[dict], today: date) -> list[dict]:
    """A revocation takes back a release that is on file and not yet revoked, on a day that has come."""
    found, recipient = [], data["revokes_release_to"]
    if not any(_key(r["recipient"]) == _key(recipient) and r["status"] != "revoked" for r in releases):
        found.append({"field": "revokes_release_to",
                      "message": f"no release of information for {recipient} is on file to revoke"})
    if data.get("revoked_on") and data["revoked_on"] > today.isoformat():
        found.append({"field": "revoked_on", "message": "a revocation cannot be dated in the future"})
    return found


def _interpreter_problems(data: dict, entries: list[dict]) -> list[dict]:
    """NASW (2013) Std 4: at a contact with a client who needs an interpreter, who interpreted
    (a professional or a family member) or, if no one did, why not."""
    if data.get("contact_with") != "client" or data.get("reached") is False:
        return []  # the need is the client's; a call nobody answered was interpreted by no one
    need = interpreting.need(entries)
    if not need or not need["needed"]:
        return []
    language = f" ({need['language']})" if need.get("language") else ""
    if not data.get("interpreter"):
        return [{"field": "interpreter", "message": f"screening says the client needs an interpreter{language}; "
                 "say who interpreted at this contact (a professional interpreter, a family member) or none"}]
    reason = data.get("no_interpreter_reason")
    if data["interpreter"] == "none" and not (isinstance(reason, str) and reason.strip()):
        return [{"field": "no_interpreter_reason", "message": f"the client needs an interpreter{language} and "
                 "none interpreted at this contact; say why (NASW Std 4: professional interpreters rather than "
                 "family members)"}]
    return []


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
    found += _signer_problems(data.get("releases") or [], entries)
    on_file = releases_on_file(entries, today) if (data.get("referrals") or data.get("receiving_provider")
                                                  or data.get("revokes_release_to")) else []
    if data.get("referrals"):
        found += _referral_problems(data["referrals"], on_file)
    if isinstance(data.get("receiving_provider"), str) and data["receiving_provider"].strip():
        # A transfer discloses the record to the receiving provider (NASW Std 10).
        problem = _consent_problem("receiving_provider", data["receiving_provider"], on_file, "transferring")
        found += [problem] if problem else []
    if data.get("revokes_release_to"):
        found += _revocation_problems(data, on_file, today)
    if data.get("participants"):
        found += _participant_problems(data["participants"], data.get("tasks"))
    if isinstance(data.get("goal_outcomes"), list):
        found += goal_progress.outcome_problems(data["goal_outcomes"], entries)
    if data.get("contact_with"):
        found += _interpreter_problems(data, entries)
    return found
