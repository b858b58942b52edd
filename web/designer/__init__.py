"""The process designer in the browser (administrators only; anyone else gets "not found").

The pages are shells: the bpmn-js and dmn-js modelers (vendored, served from here) and
static/designer/*.js do the editing and talk to the designer's JSON API with the
sign-in session and its CSRF token.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from engine.policy import has_role

from ..app import case_engine
from ..form_render import FormRenderer, parse_form
from ..ui.session import csrf_ok, login_required, signed_in_actor

designer = Blueprint("designer", __name__, url_prefix="/designer")


def _register_error_pages() -> None:
    from engine.errors import EngineError, NotFound
    from werkzeug.exceptions import HTTPException

    from ..ui import _engine_error, _http_error, _not_found

    designer.register_error_handler(NotFound, _not_found)
    designer.register_error_handler(EngineError, _engine_error)
    designer.register_error_handler(HTTPException, _http_error)


_register_error_pages()


@designer.before_request
def _admins_only():
    who = signed_in_actor()
    if who is not None and not has_role(who, "admin"):
        abort(404)  # the designer does not exist for anyone else
    if request.method in ("POST", "PUT", "DELETE") and not csrf_ok():
        abort(400, "the form expired; reload the page and try again")


@designer.get("/")
@login_required
def index():
    engine = case_engine()
    versions = engine.processes.process_versions()
    models = {}
    for version in versions:
        models.setdefault(version["id"], []).append(version)
    forms = [{"name": n, "title": engine.forms.get(n).title} for n in engine.forms.names()]
    return render_template("designer/index.html", models=models, forms=forms)


@designer.get("/models/<model_id>")
@login_required
def model(model_id):
    engine = case_engine()
    history = engine.designer.version_history(signed_in_actor(), model_id)
    version = request.args.get("version", type=int)
    # ?version=N shows a deployed version as it is; with &edit=1 it becomes the starting
    # point of new drafts (to build on, or go back to, an earlier version).
    editing = version is not None and request.args.get("edit") == "1"
    deployed = request.args.get("deployed", type=int)
    return render_template("designer/model.html", model_id=model_id, history=history, version=version,
                           read_only=version is not None and not editing, editing=editing, deployed=deployed)


def _form_or_404(name: str):
    forms = case_engine().forms
    if name not in forms:
        abort(404)
    return forms.get(name)


@designer.get("/forms/<name>")
@login_required
def form_preview(name):
    form = _form_or_404(name)
    return render_template("designer/form_preview.html", name=name, form=form,
                           rendered=FormRenderer(form.schema, form.ui_schema), problem=None)


@designer.post("/forms/<name>")
@login_required
def form_preview_check(name):
    """Try the form as a case manager would: the server's own validation, nothing stored."""
    from engine.errors import InvalidData

    engine = case_engine()
    form = _form_or_404(name)
    data = parse_form(form.schema, request.form)
    try:
        engine.forms.validate(name, data)
        errors, problem = [], "These answers are valid."
    except InvalidData as invalid:
        errors, problem = invalid.details, invalid.message
    return render_template("designer/form_preview.html", name=name, form=form,
                           rendered=FormRenderer(form.schema, form.ui_schema, data, errors), problem=problem,
                           valid=not errors)


@designer.get("/forms/<name>/fragment")
@login_required
def form_fragment(name):
    """Just the form's fields, for the simulator's answer dialog."""
    form = _form_or_404(name)
    return str(FormRenderer(form.schema, form.ui_schema).render())
