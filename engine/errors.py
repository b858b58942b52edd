"""Errors the engine raises; the web layer maps each to an HTTP status."""
from __future__ import annotations


class EngineError(Exception):
    code = "engine_error"

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(EngineError):
    code = "not_found"


class Forbidden(EngineError):
    code = "forbidden"


class Conflict(EngineError):
    code = "conflict"


class InvalidData(EngineError):
    """Submitted data failed validation; `details` has one entry per field."""
    code = "invalid_data"


class DeploymentInvalid(EngineError):
    """A process model failed its deploy checks; `details` names each BPMN element, `warnings`
    what would deploy but may not be meant."""
    code = "invalid_process_model"

    def __init__(self, message: str, details: list[dict] | None = None, warnings: list[dict] | None = None):
        super().__init__(message, details)
        self.warnings = warnings or []


class BadRequest(EngineError):
    code = "bad_request"


class StepFailed(EngineError):
    """The diagram's own code failed in the step after a completion; nothing was changed.

    `details` names the element: [{"element_id", "message"}]."""
    code = "step_failed"

    def __init__(self, element_id: str | None, reason: str):
        where = f"at '{element_id}'" if element_id else "in the process"
        super().__init__(f"the step after this failed {where}: {reason}; nothing was changed",
                         [{"element_id": element_id, "message": reason}])
        self.element_id = element_id
        self.reason = reason
