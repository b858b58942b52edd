"""Data associations must reach a data object SpiffWorkflow can find.

SpiffWorkflow 3.2 looks a data object up in the task's own process or subprocess and
then in the one around it, and when it is in neither it loops forever (it never climbs
past the first parent): a deploy would hang its worker. So these are checked before
SpiffWorkflow sees the files, and SpiffWorkflow is not asked to build them when any fails.
Data stores need an implementation casepath does not configure, so references to them
are refused too.
"""
from __future__ import annotations

from .elements import NS, element_of, kind_words, label_of, local
from .loader import problem

_DIRECTIONS = (("dataInputAssociation", "sourceRef", "reads"), ("dataOutputAssociation", "targetRef", "writes"))


def check_data_references(root, filename: str) -> list[dict]:
    by_id = {node.get("id"): node for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
    problems = []
    for association_kind, end, verb in _DIRECTIONS:
        for reference in root.iterfind(f".//bpmn:{association_kind}/bpmn:{end}", NS):
            activity = element_of(reference)
            name = (reference.text or "").strip()
            reason = _unresolved(activity, by_id.get(name))
            if reason:
                problems.append(problem(activity.get("id"), f"{kind_words(activity)} {label_of(activity)} {verb} "
                                                            f"data '{name}', which {reason}", filename))
    return problems


def _unresolved(activity, target) -> str | None:
    if target is None:
        return "does not exist; connect it to a data object in the diagram"
    kind = local(target)
    if kind == "dataStoreReference":
        return "is a data store; data stores need an implementation and none is configured: use a data object"
    if kind != "dataObjectReference":
        return f"is a {kind}, not a data object reference; connect it to a data object"
    container = activity.getparent()
    searched = [container]
    if container is not None and local(container) != "process":
        searched.append(container.getparent())
    object_id = target.get("dataObjectRef")
    for place in searched:
        if place is not None and any(o.get("id") == object_id for o in place.iterfind("bpmn:dataObject", NS)):
            return None
    return (f"is data object '{object_id}', not declared in this {kind_words(container)} or the one around it "
            "(SpiffWorkflow looks no further); declare the data object there")
