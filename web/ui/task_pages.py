"""A task's page: its form from the JSON Schema and UI schema, validated on the server with
each message beside its field, a draft that can be saved, and the case beside it."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from engine.errors import Conflict, InvalidData

from ..context import engine
from ..form_render import FormRenderer, parse_form
from ..roles import may_work_lane
from ..session import current_actor, login_required
from .blueprint import ui
from .outcomes import completion_message


def _render(task: dict, data: dict, errors=(), status: int = 200, problem: str | None = None):
    who = current_actor()
    can_work = may_work_lane(who, task["lane"])
    form = FormRenderer(task["schema"], task["ui_schema"], data, errors,
                        read_only=task["state"] != "open" or not can_work)
    return render_template("task.html", task=task, form=form, case=task["case"], problem=problem,
                           people=engine().tasks.team_members(who, task["lane"]), now=engine().clock.now(),
                           can_work=can_work), status


@ui.get("/tasks/<task_id>")
@login_required
def task_page(task_id):
    task = engine().tasks.get_task(current_actor(), task_id)
    return _render(task, task["data"])


@ui.post("/tasks/<task_id>")
@login_required
def task_submit(task_id):
    who = current_actor()
    # Only the form is needed to read the answers: the workflow is loaded once, by the completion.
    task = engine().tasks.get_task(who, task_id, with_answers=False)
    data = parse_form(task["schema"], request.form)
    if request.form.get("action") == "save":
        engine().tasks.save_draft(who, task_id, data)
        flash("Draft saved. Nothing is signed until you complete the task.")
        return redirect(url_for("ui.task_page", task_id=task_id))
    try:
        result = engine().tasks.complete(who, task_id, data)
    except InvalidData as invalid:
        return _render(task, data, invalid.details, 422, invalid.message)
    except Conflict as conflict:
        task = engine().tasks.get_task(who, task_id, with_answers=False)
        return _render(task, data, (), 409, conflict.message)
    flash(completion_message(task["name"], result, who.username))
    return redirect(url_for("ui.inbox"))
