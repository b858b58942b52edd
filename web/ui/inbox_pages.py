"""The inbox: tabs with counts, filters, sorting, saved filters; claim, unclaim, reassign
(one or many), delegate and take back, and a follow-up date that hides a task until then."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import flash, redirect, render_template, request, url_for

from engine.errors import InvalidData
from engine.services.caseload import OverCaseload
from engine.services.inbox import DUE_FILTERS, SORTS, TAB_TITLES, InboxQuery
from engine.vocabulary import STAGES

from ..context import engine
from ..roles import may_take_lane
from ..session import current_actor, login_required, safe_next
from ..template_helpers import day
from .blueprint import ui

FILTER_KEYS = ("tab", "stage", "task", "client", "due", "sort")


def _query_from(args) -> InboxQuery:
    try:
        page = min(max(1, int(args.get("page", 1))), 10_000)  # past that, an empty page (not an overflow)
    except ValueError:
        page = 1
    query = InboxQuery(tab=args.get("tab", ""), stage=args.get("stage") or None, task=args.get("task") or None,
                       client=args.get("client") or None, due=args.get("due") or None,
                       sort=args.get("sort") or "due")
    query.offset = (page - 1) * query.limit
    return query


@ui.get("/")
@login_required
def home():
    return redirect(url_for("ui.inbox"))


@ui.get("/inbox")
@login_required
def inbox():
    who = current_actor()
    query = _query_from(request.args)
    page = engine().inbox.inbox(who, query)
    filters = {k: request.args.get(k) for k in FILTER_KEYS if request.args.get(k)}
    people = engine().tasks.team_members(who)
    # Who each row's task may go to (reassign, delegate): the engine's lane rule, not the template's.
    takers = {lane: [p for p in people if may_take_lane(p, lane)] for lane in {t["lane"] for t in page.tasks}}
    now = engine().clock.now()
    return render_template(
        "inbox.html", page=page, query=query, tab_titles=TAB_TITLES, stages=STAGES, sorts=SORTS,
        due_filters=DUE_FILTERS, filters=filters, saved=engine().inbox.saved_filters(who),
        current_query=urlencode(filters), people=people, takers=takers,
        page_number=query.offset // query.limit + 1, pages=max(1, -(-page.total // query.limit)),
        now=now, today=now.date())


def _back(default: str = "") -> str:
    return safe_next(request.form.get("next"), default or url_for("ui.inbox"))


@ui.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id):
    task = engine().tasks.claim(current_actor(), task_id)
    flash(f"You claimed “{task['name']}”.")
    return redirect(_back())


@ui.post("/tasks/<task_id>/unclaim")
@login_required
def unclaim(task_id):
    task = engine().tasks.unclaim(current_actor(), task_id)
    flash(f"“{task['name']}” is back in the queue.")
    return redirect(_back())


@ui.post("/tasks/<task_id>/assign")
@login_required
def assign(task_id):
    username = request.form.get("username", "")
    try:
        task = engine().tasks.assign(current_actor(), task_id, username, request.form.get("reason") or None)
    except OverCaseload as refused:  # no dead end: back to the list, saying what to do
        flash(f"Not reassigned: {refused.message}.", "error")
        return redirect(_back())
    flash(f"“{task['name']}” is now assigned to {username}.")
    return redirect(_back())


@ui.post("/tasks/<task_id>/delegate")
@login_required
def delegate(task_id):
    username = request.form.get("username", "")
    task = engine().tasks.delegate(current_actor(), task_id, username)
    flash(f"You delegated “{task['name']}” to {username}. You can take it back from the Delegated tab.")
    return redirect(_back())


@ui.post("/tasks/<task_id>/take-back")
@login_required
def take_back(task_id):
    task = engine().tasks.take_back(current_actor(), task_id)
    flash(f"You took back “{task['name']}”.")
    return redirect(_back())


@ui.post("/tasks/<task_id>/follow-up")
@login_required
def follow_up(task_id):
    raw = (request.form.get("follow_up_on") or "").strip()
    try:
        on = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidData("use a date like 2026-03-01",
                          [{"field": "follow_up_on", "message": "use a date like 2026-03-01"}]) from None
    task = engine().tasks.set_follow_up(current_actor(), task_id, on)
    flash(f"“{task['name']}” is hidden until {day(on)}." if on else f"“{task['name']}” is back in your inbox.")
    return redirect(_back())


@ui.post("/inbox/reassign")
@login_required
def bulk_reassign():
    ids = request.form.getlist("task_ids")
    username = request.form.get("username", "")
    if not ids or not username:  # no dead end: back to the list, saying what is missing
        flash("Tick the tasks to reassign and choose who takes them." if not ids
              else "Choose who takes the ticked tasks.", "error")
        return redirect(_back())
    result = engine().tasks.assign_many(current_actor(), ids, username, request.form.get("reason") or None)
    if result["assigned"]:
        flash(f"Reassigned {len(result['assigned'])} task{'s' if len(result['assigned']) != 1 else ''} to {username}.")
    for refusal in result["refused"]:
        flash(f"Not reassigned: {refusal['reason']}", "error")
    return redirect(_back())


@ui.post("/inbox/filters")
@login_required
def save_filter():
    saved = engine().inbox.save_filter(current_actor(), request.form.get("name", ""), request.form.get("query", ""))
    flash(f"Saved the filter “{saved['name']}”.")
    return redirect(url_for("ui.inbox") + ("?" + saved["query"] if saved["query"] else ""))


@ui.post("/inbox/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id):
    engine().inbox.delete_filter(current_actor(), filter_id)
    flash("Filter removed.")
    return redirect(_back())
