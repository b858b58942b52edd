"""Serialize a case's workflow without its process spec.

SpiffWorkflow's serializer writes the whole process spec into every saved
workflow. A case's spec is the immutable process-model version it runs on, so
we keep specs once per version (parsed and cached) and store only the
workflow's own state per case: smaller rows and no spec rebuild on each load.
"""
from __future__ import annotations

import contextvars
import json
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

_specs: contextvars.ContextVar[tuple] = contextvars.ContextVar("casepath_specs")


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _specs.get()
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_serializer = _build_serializer()
_spec_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def registry():
    """The converters of task specs, for SpiffWorkflow's spec diffs (version migration)."""
    return _serializer.registry


def dumps(workflow: BpmnWorkflow) -> str:
    return _serializer.serialize_json(workflow)


def loads(state: str, spec, subprocess_specs: dict, script_engine) -> BpmnWorkflow:
    token = _specs.set((spec, subprocess_specs))
    try:
        dct = json.loads(state)
        _serializer.migrate(dct)
        workflow = _serializer.from_dict(dct)
    finally:
        _specs.reset(token)
    workflow.script_engine = script_engine
    return workflow


def full_dumps(workflow: BpmnWorkflow) -> str:
    """The stock serialization, spec included (for comparisons in benchmarks)."""
    return _spec_serializer.serialize_json(workflow)


def full_loads(state: str) -> BpmnWorkflow:
    return _spec_serializer.deserialize_json(state)
