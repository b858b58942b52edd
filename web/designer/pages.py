"""The designer's pages: the model list, one model's editor shell, and form previews."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from engine.errors import Conflict, DeploymentInvalid, InvalidData
from engine.services.designer_import import model_id_from

from ..context import engine
from ..form_render import FormRenderer, parse_form
from ..session import login_required, signed_in_actor
from .blueprint import designer


@designer.get("/")
@login_required
def index(problem: str | None = None, details: list | None = None, status: int = 200):
    versions = engine().processes.process_versions()
    models = {}
    for version in versions:
        models.setdefault(version["id"], []).append(version)
    forms = [{"name": n, "title": engine().forms.get(n).title} for n in engine().forms.names()]
    drafts = engine().designer.draft_models(signed_in_actor())
    return render_template("designer/index.html", models=models, forms=forms, drafts=drafts, problem=problem,
                           details=details or [], values=request.form), status


@designer.post("/new")
@login_required
def new_model():
    """A new process: a name (its id derived unless given) and the form of its one task."""
    name = request.form.get("name", "").strip()
    model_id = request.form.get("model_id", "").strip() or model_id_from(name)
    try:
        engine().designer.new_model(signed_in_actor(), model_id, name, request.form.get("form", ""))
    except (InvalidData, Conflict) as refused:
        return index(refused.message, getattr(refused, "details", None), 422 if isinstance(refused, InvalidData) else 409)
    return redirect(url_for("designer.model", model_id=model_id, created=1))


@designer.post("/import")
@login_required
def import_model():
    """BPMN/DMN files, or a .zip of a model folder, as drafts (never deployed from here)."""
    uploads = [(f.filename or "", f.read()) for f in request.files.getlist("files") if f and f.filename]
    try:
        result = engine().designer.import_files(signed_in_actor(), uploads,
                                                request.form.get("model_id", "").strip() or None)
    except (InvalidData, Conflict, DeploymentInvalid) as refused:
        return index(refused.message, getattr(refused, "details", None), 422)
    return redirect(url_for("designer.model", model_id=result["model"], imported=len(result["files"])))


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
                           read_only=version is not None and not editing, editing=editing, deployed=deployed,
                           imported=request.args.get("imported", type=int), created=request.args.get("created"))


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
