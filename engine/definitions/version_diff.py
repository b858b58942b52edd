"""What changed between two versions of a process model, element by element.

Elements are matched by id (as SpiffWorkflow's own migration does). An element counts as
changed when anything it holds changed — its name, properties, timer, condition, script
— but not when only an element nested in it changed (that one is reported itself) or
only the diagram's layout moved. Formatting and namespace prefixes do not count, so a
file re-saved by the editor shows no changes.
"""
from __future__ import annotations

from lxml import etree

from .forms import is_form_file
from .loader import DEFAULT_MAX_FILE_BYTES, parse_xml

ELEMENTS = {
    # BPMN flow elements and containers
    "process", "subProcess", "transaction", "callActivity", "lane",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "sendTask", "receiveTask",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "sequenceFlow",
    # DMN
    "decision", "rule", "input", "output",
}
LAYOUT_NAMESPACES = ("http://www.omg.org/spec/BPMN/20100524/DI", "https://www.omg.org/spec/DMN/20191111/DMNDI/",
                     "http://www.omg.org/spec/DD/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC")


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _is_layout(element) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).namespace in LAYOUT_NAMESPACES


def _signature(element) -> tuple:
    """The element's own content: attributes, text and nested non-element parts."""
    children = []
    for child in element:
        if not isinstance(child.tag, str) or _is_layout(child) or _local(child) in ELEMENTS:
            continue
        if _local(child) in ("incoming", "outgoing", "flowNodeRef"):
            continue  # implied by the flows and lanes, which are compared themselves
        children.append(_signature(child))
    attributes = tuple(sorted((etree.QName(k).localname, v) for k, v in element.attrib.items()
                              if etree.QName(k).localname != "id" or _local(element) in ELEMENTS))
    return (_local(element), attributes, (element.text or "").strip(), tuple(children))


def _elements(files: dict[str, str]) -> dict[str, dict]:
    found = {}
    for filename, content in files.items():
        if is_form_file(filename):  # a model's form files are JSON, not diagram elements
            continue
        root = parse_xml(content.encode("utf-8") if isinstance(content, str) else content, filename,
                         max(DEFAULT_MAX_FILE_BYTES, len(content)))
        for element in root.iter():
            if _local(element) not in ELEMENTS or element.get("id") is None:
                continue
            if any(_is_layout(a) for a in element.iterancestors()):
                continue
            found[element.get("id")] = {"id": element.get("id"), "type": _local(element),
                                        "name": element.get("name") or element.get("label") or "",
                                        "file": filename, "signature": _signature(element)}
    return found


def diff_files(old: dict[str, str], new: dict[str, str]) -> dict:
    """{"added": [...], "removed": [...], "changed": [...]}; each item {id, type, name, file}."""
    before, after = _elements(old), _elements(new)

    def view(item: dict) -> dict:
        return {k: item[k] for k in ("id", "type", "name", "file")}

    return {
        "added": [view(after[i]) for i in sorted(after) if i not in before],
        "removed": [view(before[i]) for i in sorted(before) if i not in after],
        "changed": [view(after[i]) for i in sorted(after)
                    if i in before and before[i]["signature"] != after[i]["signature"]],
    }
