"""A diagram as a model, for comparing two saves of it: elements, attributes, text and
extensions, without the drawing (DI coordinates), indentation between elements or namespace prefixes.

`incoming`/`outgoing` are left out: bpmn-js writes them for every flow node and they say
nothing the sequence flows do not. Children are compared as a sorted list, since the
order of a process's elements carries no meaning (the order of properties neither)."""
from __future__ import annotations

from lxml import etree

DRAWING = {"http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DI",
           "http://www.omg.org/spec/DD/20100524/DC", "https://www.omg.org/spec/DMN/20191111/DMNDI/",
           "http://www.omg.org/spec/DMN/20180521/DMNDI/", "http://www.omg.org/spec/DMN/20180521/DI/",
           "http://www.omg.org/spec/DMN/20180521/DC/"}
IMPLIED = {"incoming", "outgoing"}
# Written by whichever tool saved last; not part of the model.
TOOL_ATTRIBUTES = {"exporter", "exporterVersion"}


def _drawn(element) -> bool:
    return etree.QName(element).namespace in DRAWING


def canonical(element) -> tuple:
    name = etree.QName(element)
    attributes = tuple(sorted((etree.QName(k).text, v.strip()) for k, v in element.attrib.items()
                              if etree.QName(k).localname not in TOOL_ATTRIBUTES
                              and etree.QName(k).namespace not in DRAWING))
    children = sorted(canonical(child) for child in element
                      if isinstance(child.tag, str) and not _drawn(child) and etree.QName(child).localname not in IMPLIED)
    text = (element.text or "").strip()  # inner whitespace stays: a script's indentation is its meaning
    return (name.text, attributes, text, tuple(children))


def model_of(content: str | bytes) -> tuple:
    data = content.encode() if isinstance(content, str) else content
    return canonical(etree.fromstring(data, etree.XMLParser(remove_comments=True, resolve_entities=False)))


def differences(before: str | bytes, after: str | bytes) -> list[str]:
    """What one save of a diagram lost or gained against the other, one line each (empty: the same model)."""
    old, new = _flatten(model_of(before)), _flatten(model_of(after))
    lost = sorted(set(old) - set(new))
    gained = sorted(set(new) - set(old))
    return [f"lost {item}" for item in lost] + [f"gained {item}" for item in gained]


def _flatten(node: tuple, path: str = "") -> list[str]:
    tag, attributes, text, children = node
    ident = dict(attributes).get("id")
    here = f"{path}/{etree.QName(tag).localname}" + (f"[{ident}]" if ident else "")
    lines = [f"{here} {dict(attributes)!r} {text!r}"[:400]]
    for child in children:
        lines.extend(_flatten(child, here))
    return lines
