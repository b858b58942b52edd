"""Naming BPMN elements in problems: the element an admin can click on, named on one line.

A condition, a timer definition or a script has its own id in many modelers'
output, but the designer shows problems on flows, events and tasks; so a problem
is reported on the element around it, and its name (which may hold line breaks,
as modelers wrap long labels) is collapsed to one line.
"""
from __future__ import annotations

from lxml import etree

from .loader import BPMN_NS

NS = {"bpmn": BPMN_NS, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}

# Parts of an element, never elements of their own in the designer.
_INNER = frozenset({
    "conditionExpression", "timerEventDefinition", "timeDuration", "timeDate", "timeCycle", "script",
    "extensionElements", "preScript", "postScript", "properties", "property", "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics", "loopCardinality", "loopDataInputRef", "dataInputAssociation",
    "dataOutputAssociation", "sourceRef", "targetRef", "ioSpecification", "documentation",
    "messageEventDefinition", "signalEventDefinition", "errorEventDefinition", "escalationEventDefinition",
    "conditionalEventDefinition", "condition",
})


def local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def element_of(node):
    """The flow element (task, event, flow, gateway) or process a node belongs to."""
    while node is not None and (local(node) in _INNER or not node.get("id")):
        node = node.getparent()
    return node


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def label(element_id: str | None, name: str | None) -> str:
    """'Name' (id), or the id alone when the element has no name."""
    name = one_line(name)
    return f"'{name}' ({element_id})" if name else f"{element_id}"


_KIND_WORDS = {"subProcess": "subprocess", "adHocSubProcess": "ad hoc subprocess"}


def kind_words(node) -> str:
    """userTask -> user task"""
    kind = local(node)
    return _KIND_WORDS.get(kind) or "".join(f" {c.lower()}" if c.isupper() else c for c in kind)


def label_of(node) -> str:
    return label(node.get("id"), node.get("name")) if node is not None else "an element"
