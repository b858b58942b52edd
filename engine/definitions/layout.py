"""A drawing for a diagram that has none, so the designer can open it.

BPMN written by hand or by an engine's tooling often carries no diagram interchange
(DI): the model is complete, but bpmn-js has nothing to draw. This lays each process
out left to right (a column per step along the flows, a row per lane) and each
subprocess on a plane of its own, which the designer opens by drilling down. Only
the drawing is added; the model is left exactly as it was. Elements not drawn
(data objects, annotations) stay in the model; the designer simply does not show them.
"""
from __future__ import annotations

from lxml import etree

from .loader import BPMN_NS

DI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DD = "http://www.omg.org/spec/DD/20100524/DI"
COLUMN, ROW, MARGIN = 170, 130, 60
SIZES = {"event": (36, 36), "gateway": (50, 50), "activity": (100, 80)}
ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "sendTask",
              "receiveTask", "callActivity", "subProcess", "transaction"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}


def _local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _kind(node) -> str | None:
    name = _local(node)
    return "activity" if name in ACTIVITIES else "event" if name in EVENTS else "gateway" if name in GATEWAYS else None


def has_drawing(root) -> bool:
    return root.find(f"{{{DI}}}BPMNDiagram") is not None


def _ranks(nodes: list, links: list[tuple[str, str]]) -> dict[str, int]:
    """Each node's column: the longest path to it from a node nothing flows into (loops cut)."""
    ids = [n.get("id") for n in nodes]
    out = {i: [] for i in ids}
    for source, target in links:
        if source in out and target in out:
            out[source].append(target)
    # Drop the edges that close loops (depth-first back edges) so the rest is acyclic.
    forward, state = {i: [] for i in ids}, {}

    def visit(node_id):
        state[node_id] = "open"
        for target in out[node_id]:
            if state.get(target) == "open":
                continue
            forward[node_id].append(target)
            if target not in state:
                visit(target)
        state[node_id] = "done"

    incoming = {t for targets in out.values() for t in targets}
    for node_id in [i for i in ids if i not in incoming] + ids:
        if node_id not in state:
            visit(node_id)
    rank = {i: 0 for i in ids}
    for _ in ids:  # relax: at most len(ids) rounds on an acyclic graph
        changed = False
        for source, targets in forward.items():
            for target in targets:
                if rank[target] < rank[source] + 1:
                    rank[target], changed = rank[source] + 1, True
        if not changed:
            break
    return rank


class _Drawing:
    def __init__(self, root):
        self.root = root

    @staticmethod
    def _id(base: str) -> str:
        return f"{base}_di"

    def plane(self, element) -> etree._Element:
        diagram = etree.SubElement(self.root, f"{{{DI}}}BPMNDiagram", id=f"{element.get('id')}_diagram")
        return etree.SubElement(diagram, f"{{{DI}}}BPMNPlane", id=f"{element.get('id')}_plane",
                                bpmnElement=element.get("id"))

    def shape(self, plane, element_id: str, x: float, y: float, w: float, h: float, **extra) -> None:
        shape = etree.SubElement(plane, f"{{{DI}}}BPMNShape", id=self._id(element_id), bpmnElement=element_id,
                                 **extra)
        etree.SubElement(shape, f"{{{DC}}}Bounds", x=str(int(x)), y=str(int(y)), width=str(int(w)),
                         height=str(int(h)))

    def edge(self, plane, element_id: str, points: list[tuple[float, float]]) -> None:
        edge = etree.SubElement(plane, f"{{{DI}}}BPMNEdge", id=self._id(element_id), bpmnElement=element_id)
        for x, y in points:
            etree.SubElement(edge, f"{{{DD}}}waypoint", x=str(int(x)), y=str(int(y)))

    def container(self, element) -> None:
        """Lay out one process or subprocess on its own plane (its subprocesses drawn collapsed)."""
        plane = self.plane(element)
        nodes = [n for n in element if _kind(n)]
        flows = [n for n in element if _local(n) == "sequenceFlow"]
        lanes = [lane for s in element if _local(s) == "laneSet" for lane in s if _local(lane) == "lane"]
        lane_of = {}
        for index, lane in enumerate(lanes):
            for ref in lane:
                if _local(ref) == "flowNodeRef" and ref.text:
                    lane_of.setdefault(ref.text.strip(), index)
        # A flow from a boundary event leaves its host: rank it as the host's.
        host = {b.get("id"): h for h, bs in self._boundaries(element).items() for b in bs}
        rank = _ranks(nodes, [(host.get(f.get("sourceRef"), f.get("sourceRef")), f.get("targetRef")) for f in flows])
        slots: dict[tuple[int, int], int] = {}
        placed, rows = {}, {}
        for node in nodes:
            row = lane_of.get(node.get("id"), 0)
            key = (row, rank[node.get("id")])
            slots[key] = slots.get(key, 0) + 1
            placed[node.get("id")] = (row, rank[node.get("id")], slots[key] - 1)
            rows[row] = max(rows.get(row, 1), slots[key])
        tops, top = {}, MARGIN
        for row in range(max([len(lanes) - 1, *rows.keys(), 0]) + 1):
            tops[row] = top
            top += rows.get(row, 1) * ROW + 40
        width = (max(rank.values(), default=0) + 1) * COLUMN + 2 * MARGIN
        left = MARGIN + (60 if lanes else 0)
        for index, lane in enumerate(lanes):
            self.shape(plane, lane.get("id"), MARGIN, tops[index], width, rows.get(index, 1) * ROW + 40,
                       isHorizontal="true")
        bounds = {}
        for node in nodes:
            row, column, slot = placed[node.get("id")]
            w, h = SIZES[_kind(node)]
            x = left + column * COLUMN + (100 - w) / 2
            y = tops[row] + 20 + slot * ROW + (80 - h) / 2
            extra = {}
            if _local(node) in ("subProcess", "transaction"):
                extra["isExpanded"] = "false"
                self.container(node)
            self.shape(plane, node.get("id"), x, y, w, h, **extra)
            bounds[node.get("id")] = (x, y, w, h)
        for host_id, boundaries in self._boundaries(element).items():
            if host_id not in bounds:
                continue
            x, y, w, h = bounds[host_id]
            for index, boundary in enumerate(boundaries):
                bx, by = x + w - 36 - index * 40, y + h - 18
                self.shape(plane, boundary.get("id"), bx, by, 36, 36)
                bounds[boundary.get("id")] = (bx, by, 36, 36)
        for flow in flows:
            source, target = bounds.get(flow.get("sourceRef")), bounds.get(flow.get("targetRef"))
            if source and target:
                self.edge(plane, flow.get("id"), self._route(source, target))

    @staticmethod
    def _boundaries(element) -> dict[str, list]:
        found: dict[str, list] = {}
        for node in element:
            if _local(node) == "boundaryEvent":
                found.setdefault(node.get("attachedToRef"), []).append(node)
        return found

    @staticmethod
    def _route(source, target) -> list[tuple[float, float]]:
        sx, sy, sw, sh = source
        tx, ty, tw, th = target
        start, end = (sx + sw, sy + sh / 2), (tx, ty + th / 2)
        if tx <= sx:  # a loop back: leave below and come back from below
            below = max(sy + sh, ty + th) + 30
            return [(sx + sw / 2, sy + sh), (sx + sw / 2, below), (tx + tw / 2, below), (tx + tw / 2, ty + th)]
        if abs(start[1] - end[1]) < 1:
            return [start, end]
        middle = (start[0] + end[0]) / 2
        return [start, (middle, start[1]), (middle, end[1]), end]


def _with_prefixes(root):
    """The same root, declaring the usual prefixes for the drawing's namespaces (bpmndi, dc, di)."""
    nsmap = dict(root.nsmap)
    for prefix, uri in (("bpmndi", DI), ("dc", DC), ("di", DD)):
        if uri not in nsmap.values() and prefix not in nsmap:
            nsmap[prefix] = uri
    copy = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    copy.text = root.text
    copy.extend(list(root))
    return copy


def with_drawing(content: bytes) -> bytes:
    """The BPMN file with a drawing added when it has none; any other file as it was."""
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except etree.XMLSyntaxError:
        return content
    if etree.QName(root).namespace != BPMN_NS or has_drawing(root):
        return content
    processes = [p for p in root if _local(p) == "process"]
    if not processes:
        return content
    root = _with_prefixes(root)
    drawing = _Drawing(root)
    for process in processes:
        drawing.container(process)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
