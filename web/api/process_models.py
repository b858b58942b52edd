from flask import jsonify, request

from engine.errors import BadRequest

from ..context import engine
from .blueprint import api
from .support import actor


@api.get("/process-models")
def list_process_models():
    actor()
    return jsonify(engine().processes.process_versions())


@api.post("/process-models")
def deploy_process_model():
    who = actor()  # the engine decides who may deploy
    uploads = request.files.getlist("files") or list(request.files.values())
    if not uploads:
        raise BadRequest("send the BPMN/DMN files as multipart/form-data (field name: files)")
    files = [(upload.filename or "upload.bpmn", upload.read()) for upload in uploads]
    result = engine().processes.deploy(who, files)
    created = [{"id": v.model_id, "version": v.version, "deployed_at": v.deployed_at.isoformat(),
                "deployed_by": v.deployed_by, "content_hash": v.content_hash} for v in result.created]
    unchanged = [{"id": v.model_id, "version": v.version} for v in result.unchanged]
    status = 201 if created else 200
    return jsonify({"created": created, "unchanged": unchanged, "warnings": result.warnings,
                    **(created[0] if len(created) == 1 else {})}), status
