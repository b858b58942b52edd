"""Goals carry the case: each goal of the plan has a status, noted at contacts and
reassessments, and an outcome at closure.

NACM Case Management Practice Standards (2017): goals are measurable and based on the
assessment, progress toward them is monitored, and the closure summary gives the outcome
of each. NASW Std 9: evaluation of the client's progress toward the plan's goals.
Form conventions: the plan's `goals` (each with `goal`), `goal_progress` (each with
`goal`, `status`, `note`) at contacts and reassessments, `goal_outcomes` (each with `goal`,
`outcome`) at closure. Statuses share the closure's outcome words, so a goal's last status
reads straight into its outcome.
"""
from __future__ import annotations

from ..vocabulary import GOAL_STATUSES


def _key(name) -> str:
    return " ".join(str(name).split()).casefold()


def progress_per_goal(goals, progress=None) -> list[dict]:
    """One progress row per goal of the plan, keeping what was last noted for a goal of the same
    name (a script helper: the contact form opens with the plan's goals)."""
    noted = {_key(p.get("goal", "")): p for p in (progress or []) if isinstance(p, dict)}
    rows = []
    for goal in goals or []:
        name = goal.get("goal", "") if isinstance(goal, dict) else str(goal)
        last = noted.get(_key(name), {})
        rows.append({"goal": name, "status": last.get("status", "not_started")})
    return rows


def plan_goals(entries: list[dict]) -> list[dict]:
    """The goals of the latest plan in the record (a correction counts as the plan it corrects)."""
    plans = [e for e in entries if isinstance((e.get("data") or {}).get("goals"), list)]
    return plans[-1]["data"]["goals"] if plans else []


def goal_statuses(entries: list[dict]) -> list[dict]:
    """Each goal of the latest plan with its last noted status, note and when it was noted."""
    latest: dict[str, dict] = {}
    for entry in entries:
        data = entry.get("data") or {}
        for row in data.get("goal_progress") or []:
            if isinstance(row, dict) and row.get("status") in GOAL_STATUSES:
                latest[_key(row.get("goal", ""))] = {"status": row["status"], "note": row.get("note", ""),
                                                     "noted_at": entry.get("recorded_at")}
        for row in data.get("goal_outcomes") or []:
            if isinstance(row, dict) and row.get("outcome") in GOAL_STATUSES:
                latest[_key(row.get("goal", ""))] = {"status": row["outcome"], "note": row.get("notes", ""),
                                                     "noted_at": entry.get("recorded_at")}
    return [{"goal": g.get("goal", ""), "target_date": g.get("target_date"),
             **latest.get(_key(g.get("goal", "")), {"status": "not_started", "note": "", "noted_at": None})}
            for g in plan_goals(entries)]


def outcome_problems(outcomes: list, entries: list[dict]) -> list[dict]:
    """Closure names an outcome for every goal of the plan (NACM 2017: the closure summary)."""
    given = {_key(o.get("goal", "")) for o in outcomes or [] if isinstance(o, dict)}
    missing = [g.get("goal", "") for g in plan_goals(entries) if _key(g.get("goal", "")) not in given]
    return [{"field": "goal_outcomes", "message": f"the plan's goal '{name}' has no outcome; give one for "
                                                  f"every goal of the plan"} for name in missing]
