"""The designer's pages: the model list, one model's editor shell, and form previews."""
from __future__ import annotations

from flask import abort, render_template, request

from engine.errors import InvalidData

from ..context import engine
from ..form_render import FormRenderer, parse_form
from ..session import login_required, signed_in_actor
from .blueprint import designer


@designer.get("/")
@login_required
def index():
    versions = engine().processes.process_versions()
    models = {}
    for version in versions:
        models.setdefault(version["id"], []).append(version)
    forms = [{"name": n, "title": engine().forms.get(n).title} for n in engine().forms.names()]
    return render_template("designer/index.html", models=models, forms=forms)


@designer.get("/models/<model_id>")
@login_required
def model(model_id):
    history = engine().designer.version_history(signed_in_actor(), model_id)
    version = request.args.get("version", type=int)
    # ?version=N shows a deployed version as it is; with &edit=1 it becomes the starting
    # point of new drafts (to build on, or go back to, an earlier version).
    editing = version is not None and request.args.get("edit") == "1"
    deployed = request.args.get("deployed", type=int)
    return render_template("designer/model.html", model_id=model_id, history=history, version=version,
                           read_only=version is not None and not editing, editing=editing, deployed=deployed)


def _form_or_404(name: str):
    forms = engine().forms
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
    form = _form_or_404(name)
    data = parse_form(form.schema, request.form)
    try:
        engine().forms.validate(name, data)
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
