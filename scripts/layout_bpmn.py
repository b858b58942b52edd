"""Add diagram interchange (BPMNDI) to a BPMN file that has none, so bpmn-js can draw it.

    .venv/bin/python scripts/layout_bpmn.py processes/case_lifecycle.bpmn            # in place
    .venv/bin/python scripts/layout_bpmn.py in.bpmn -o out.bpmn
    .venv/bin/python scripts/layout_bpmn.py processes/case_lifecycle.bpmn --replace  # redo the DI

The semantic XML is never rewritten: the script computes a layout and grafts only
<bpmndi:BPMNDiagram> elements into the original text, just before the closing
</definitions> tag, and declares the bpmndi/dc/di namespaces on the root element.
Afterwards it parses the original and the result, drops the BPMNDI elements from both and
checks that their canonical XML is identical (and that every flow element got DI).

Layout: every process and every (embedded) subprocess gets its own BPMNDiagram/BPMNPlane,
laid out left to right; inside its parent a subprocess is drawn collapsed
(isExpanded="false"), so bpmn-js (>= 9) offers to drill down into it, as Camunda and
SpiffArena show collapsed subprocesses. Per plane, a small layered layout: loops are
broken by a depth-first search, nodes are layered by longest path, the main path stays
on the top row and branches (including flows out of boundary events) open rows below;
flows are routed orthogonally by trying a few shapes and keeping the one that crosses
the fewest shapes, labels and other flows. Boundary events sit on the bottom border of
their host. Lanes get no DI (they span subprocess levels); the semantic laneSet stays.
Labels of events, gateways and named flows get BPMNLabel bounds.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
SUBPROCESSES = CONTAINERS - {"process"}
NOT_NODES = {"sequenceFlow", "laneSet", "extensionElements", "documentation", "textAnnotation",
             "association", "group", "dataObject", "dataObjectReference", "dataStoreReference",
             "ioSpecification", "property", "dataInputAssociation", "dataOutputAssociation",
             "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "incoming",
             "outgoing"}

# geometry
GAP_X = 85          # free space between two layers
ROW_PITCH = 150     # distance between the centres of two rows
MARGIN_X = 150       # where the first layer starts
MARGIN_Y = 80
LABEL_W = 90
LINE_H = 14
CHAR_W = 6.2        # average width of a character in bpmn-js' 11px label font


def local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def size_of(kind: str) -> tuple[int, int]:
    if kind.endswith("Event"):
        return 36, 36
    if kind.endswith("Gateway"):
        return 50, 50
    return 100, 80


def wrap(text: str, width: float = LABEL_W) -> list[str]:
    per_line = max(1, int(width // CHAR_W))
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > per_line:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return lines


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self): return self.x + self.w / 2

    @property
    def cy(self): return self.y + self.h / 2

    @property
    def right(self): return self.x + self.w

    @property
    def bottom(self): return self.y + self.h

    def grow(self, d):
        return Box(self.x - d, self.y - d, self.w + 2 * d, self.h + 2 * d)


@dataclass
class Node:
    id: str
    kind: str
    name: str
    order: int
    w: int = 0
    h: int = 0
    layer: int = 0
    row: int = -1
    box: Box | None = None
    label: Box | None = None
    host: str | None = None          # boundary events: the activity they are attached to
    boundaries: list = field(default_factory=list)


@dataclass
class Flow:
    id: str
    src: str
    tgt: str
    name: str
    order: int
    back: bool = False
    points: list = field(default_factory=list)
    label: Box | None = None


# --------------------------------------------------------------------------------------
# layout of one plane (a process or a subprocess)
# --------------------------------------------------------------------------------------

class Plane:
    def __init__(self, container):
        self.container = container
        self.id = container.get("id")
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        for i, child in enumerate(container):
            kind = local(child)
            if not kind or kind in NOT_NODES:
                if kind == "sequenceFlow":
                    self.flows.append(Flow(child.get("id"), child.get("sourceRef"),
                                           child.get("targetRef"), child.get("name") or "", i))
                continue
            node = Node(child.get("id"), kind, child.get("name") or "", i)
            node.w, node.h = size_of(kind)
            if kind == "boundaryEvent":
                node.host = child.get("attachedToRef")
            self.nodes[node.id] = node
        for n in self.nodes.values():
            if n.host:
                if n.host not in self.nodes:
                    raise SystemExit(f"{n.id}: host {n.host} is not in {self.id}")
                self.nodes[n.host].boundaries.append(n.id)
        for f in self.flows:
            for end in (f.src, f.tgt):
                if end not in self.nodes:
                    raise SystemExit(f"flow {f.id}: {end} is not a flow node of {self.id}")

    # the node whose position stands for `node_id` in the graph (a boundary event: its host)
    def anchor(self, node_id):
        return self.nodes[node_id].host or node_id

    def layout(self):
        inner = [n for n in self.nodes.values() if not n.host]
        out: dict[str, list[Flow]] = {n.id: [] for n in inner}
        for f in sorted(self.flows, key=lambda f: (bool(self.nodes[f.src].host), f.order)):
            out[self.anchor(f.src)].append(f)
        incoming = {f.tgt for f in self.flows}
        starts = sorted((n for n in inner if n.id not in incoming),
                        key=lambda n: (n.kind != "startEvent", n.order))

        # 1. break loops: depth-first search, edges back onto the stack are loops
        state: dict[str, int] = {}
        dfs_order: list[str] = []

        def dfs(root):
            stack = [(root, iter(out[root]))]
            state[root] = 1
            dfs_order.append(root)
            while stack:
                nid, it = stack[-1]
                f = next(it, None)
                if f is None:
                    state[nid] = 2
                    stack.pop()
                    continue
                t = f.tgt
                if state.get(t) == 1:
                    f.back = True
                elif t not in state:
                    state[t] = 1
                    dfs_order.append(t)
                    stack.append((t, iter(out[t])))

        for s in starts:
            if s.id not in state:
                dfs(s.id)
        for n in sorted(inner, key=lambda n: n.order):
            if n.id not in state:
                dfs(n.id)

        # 2. layers: longest path over the forward flows
        preds: dict[str, list[str]] = {n.id: [] for n in inner}
        for f in self.flows:
            if not f.back:
                preds[f.tgt].append(self.anchor(f.src))
        done: dict[str, int] = {}

        def layer_of(nid):
            if nid not in done:
                done[nid] = max((layer_of(p) + 1 for p in preds[nid]), default=0)
            return done[nid]

        for nid in dfs_order:
            self.nodes[nid].layer = layer_of(nid)

        # 3. rows: the first new successor keeps its parent's row, the others (and flows
        #    out of boundary events) open rows below; a node needs its row free from its
        #    parent's layer to its own
        taken: set[tuple[int, int]] = set()

        def free(row, lo, hi):
            return all((row, l) not in taken for l in range(lo, hi + 1))

        def place(nid, want, from_layer):
            n = self.nodes[nid]
            row = want
            while not free(row, from_layer, n.layer):
                row += 1
            n.row = row
            for l in range(from_layer, n.layer + 1):
                taken.add((row, l))

        def grow(nid):
            # depth first, so that a node's first successor (and its whole chain) claims
            # the row before the node's other successors look for theirs
            n = self.nodes[nid]
            first = True
            for f in out[nid]:
                t = self.nodes[f.tgt]
                if f.back or t.row >= 0:
                    continue
                from_boundary = bool(self.nodes[f.src].host)
                if first and not from_boundary and free(n.row, n.layer + 1, t.layer):
                    place(t.id, n.row, n.layer + 1)
                else:   # a branch drops from the node's own column: keep that cell free too
                    place(t.id, n.row + 1, n.layer)
                first = first and from_boundary
                grow(t.id)

        for nid in dfs_order:
            if self.nodes[nid].row < 0:
                place(nid, 0 if not taken else max(r for r, _ in taken) + 1, self.nodes[nid].layer)
                grow(nid)

        # 4. coordinates
        layers = max(n.layer for n in inner) + 1
        widths = [max((n.w for n in inner if n.layer == l), default=36) for l in range(layers)]
        # widen a gap so that the names of the flows leaving the layer before it fit
        gaps = [GAP_X] * layers
        for f in self.flows:
            if f.name and not f.back:
                l = self.nodes[self.anchor(f.src)].layer
                gaps[l] = max(gaps[l], len(f.name) * CHAR_W + 30)
        centres, x = [], MARGIN_X
        for w, gap in zip(widths, gaps):
            centres.append(x + w / 2)
            x += w + gap
        for n in inner:
            cx, cy = centres[n.layer], MARGIN_Y + 40 + n.row * ROW_PITCH
            n.box = Box(cx - n.w / 2, cy - n.h / 2, n.w, n.h)
        for n in inner:
            for i, bid in enumerate(n.boundaries):
                b = self.nodes[bid]
                # bottom border, right of centre; clear of a collapsed subprocess' marker
                # and of the drill-down button bpmn-js puts at its bottom-right corner
                first = n.box.x + 74 if n.kind in SUBPROCESSES else n.box.right - 22
                cx = first - i * 44
                b.box = Box(cx - 18, n.box.bottom - 18, 36, 36)
        self.place_labels()
        self.route()

    def place_labels(self):
        for n in self.nodes.values():
            if not n.name or not (n.kind.endswith("Event") or n.kind.endswith("Gateway")):
                continue
            lines = wrap(n.name)
            w = min(LABEL_W, max(len(l) for l in lines) * CHAR_W + 4)
            h = len(lines) * LINE_H
            b = n.box
            if n.host:                      # below the host, left of the event
                n.label = Box(b.x - 4 - w, b.bottom - 12, w, h)
            elif n.kind.endswith("Gateway"):  # above, left of the top corner
                n.label = Box(b.cx - 8 - w, b.y - 4 - h, w, h)
            else:                           # below, centred
                n.label = Box(b.cx - w / 2, b.bottom + 5, w, h)

    # ---------------------------------------------------------------- flow routing

    def route(self):
        self.segments: list[tuple[tuple, tuple, Flow]] = []
        detours = {"up": [], "down": []}
        # straight flows first, then the other forward flows, then loops
        def key(f):
            s, t = self.nodes[f.src].box, self.nodes[f.tgt].box
            straight = abs(s.cy - t.cy) < 1 and not f.back and not self.nodes[f.src].host
            return (not straight, f.back, f.order)

        for f in sorted(self.flows, key=key):
            best = min(self.candidates(f, detours), key=lambda c: self.cost(c, f))
            f.points = best
            for a, b in zip(best, best[1:]):
                self.segments.append((a, b, f))
            if len(best) == 4 and best[1][1] == best[2][1] and (
                    best[1][1] < min(best[0][1], best[3][1]) or best[1][1] > max(best[0][1], best[3][1])):
                d = "up" if best[1][1] < best[0][1] else "down"
                detours[d].append((min(best[1][0], best[2][0]), max(best[1][0], best[2][0]), best[1][1]))
            self.place_flow_label(f)

    def candidates(self, f: Flow, detours):
        s_node, t_node = self.nodes[f.src], self.nodes[f.tgt]
        s, t = s_node.box, t_node.box
        c = []
        sx, sy, tx, ty = s.cx, s.cy, t.cx, t.cy
        exits = [("right", (s.right, sy)), ("bottom", (sx, s.bottom)), ("top", (sx, s.y))]
        if s_node.host:
            exits = [("bottom", (sx, s.bottom))]
        entries = [("left", (t.x, ty)), ("bottom", (tx, t.bottom)), ("top", (tx, t.y))]
        for en, (ex, ey) in exits:
            for nn, (nx, ny) in entries:
                horiz_out = en == "right"
                horiz_in = nn == "left"
                if horiz_out and horiz_in:
                    if abs(ey - ny) < 1 and nx > ex:
                        c.append([(ex, ey), (nx, ny)])
                    elif nx > ex + 20:
                        for mx in self.gap_xs(ex, nx):
                            c.append([(ex, ey), (mx, ey), (mx, ny), (nx, ny)])
                elif horiz_out and not horiz_in:
                    if nx > ex + 10 and ((nn == "bottom" and ey > ny) or (nn == "top" and ey < ny)):
                        c.append([(ex, ey), (nx, ey), (nx, ny)])
                elif not horiz_out and horiz_in:
                    if nx > ex + 10 and ((en == "bottom" and ny > ey) or (en == "top" and ny < ey)):
                        c.append([(ex, ey), (ex, ny), (nx, ny)])
                elif nn == "left" or en == "right":
                    pass
                elif en == nn:               # detour above or below both ends
                    up = en == "top"
                    lo, hi = min(ex, nx), max(ex, nx)
                    y = self.channel(lo, hi, up, detours)
                    if (up and y < min(ey, ny)) or (not up and y > max(ey, ny)):
                        c.append([(ex, ey), (ex, y), (nx, y), (nx, ny)])
            if f.back and en != "right":     # loop back into the target's left side
                up = en == "top"
                lx = t.x - 22
                lo, hi = min(ex, lx), max(ex, lx)
                y = self.channel(lo, hi, up, detours)
                c.append([(ex, ey), (ex, y), (lx, y), (lx, ty), (t.x, ty)])
        return c or [[(s.right, sy), (t.x, ty)]]

    def gap_xs(self, x0, x1):
        """x positions of the free vertical corridors between x0 and x1"""
        mids = {round(n.box.right + GAP_X / 2) for n in self.nodes.values() if not n.host}
        xs = sorted(m + d for m in mids for d in (0, -15, 15) if x0 + 10 <= m + d <= x1 - 10)
        return xs or [(x0 + x1) / 2]

    def channel(self, lo, hi, up, detours):
        boxes = []
        for n in self.nodes.values():
            for b in (n.box, n.label):
                if b and b.right >= lo - 5 and b.x <= hi + 5:
                    boxes.append(b)
        if up:
            y = min(b.y for b in boxes) - 22
            for a, b, yy in detours["up"]:
                if a <= hi and b >= lo and yy <= y + 1:
                    y = min(y, yy - 14)
        else:
            y = max(b.bottom for b in boxes) + 30
            for a, b, yy in detours["down"]:
                if a <= hi and b >= lo and yy >= y - 1:
                    y = max(y, yy + 14)
        return y

    def cost(self, pts, f: Flow):
        cost = (len(pts) - 2) * 10 + sum(abs(a[0] - b[0]) + abs(a[1] - b[1])
                                        for a, b in zip(pts, pts[1:])) * 0.01
        s_node, t_node = self.nodes[f.src], self.nodes[f.tgt]
        # leaving or entering a task through top/bottom looks odd unless it is a loop
        if not f.back:
            if pts[0][1] != s_node.box.cy and not s_node.host and not s_node.kind.endswith("Gateway"):
                cost += 15
            if pts[-1][1] != t_node.box.cy and not t_node.kind.endswith("Gateway"):
                cost += 15
            if pts[1][1] < pts[0][1] and not s_node.host:
                cost += 30                   # keep the top free for loops
        ends = {f.src, f.tgt, s_node.host}
        for a, b in zip(pts, pts[1:]):
            for n in self.nodes.values():
                if n.id not in ends and n.box and seg_hits(a, b, n.box.grow(6)):
                    cost += 1000
                if n.label and seg_hits(a, b, n.label.grow(2)):
                    cost += 60
                if n.kind in SUBPROCESSES and seg_hits(a, b, drilldown_icon(n.box)):
                    cost += 60
            for c, d, g in self.segments:
                related = g.tgt == f.tgt or g.src == f.src
                if not related and (on_segment(a, c, d) or on_segment(b, c, d)
                                    or on_segment(c, a, b) or on_segment(d, a, b)):
                    cost += 60               # a T-junction reads as a branch
                shared_end = related
                ov = overlap(a, b, c, d)
                if ov > 0:
                    cost += (2 if shared_end else 400) + ov * (0.01 if shared_end else 2)
                elif crosses(a, b, c, d):
                    cost += 25
        # two flows through the same point of a node's border (merging into a gateway is fine)
        for g in self.flows:
            if g.points and g is not f:
                ends = (g.points[0], g.points[-1])
                if pts[0] == g.points[0] and g.src == f.src:
                    cost += 15               # a split right after the node
                elif pts[0] in ends:
                    cost += 50
                if pts[-1] in ends and not (g.tgt == f.tgt and t_node.kind.endswith("Gateway")
                                            and pts[-1] == g.points[-1]):
                    cost += 50
        return cost

    def place_flow_label(self, f: Flow):
        """next to the flow's first segment, else its last one, away from other labels"""
        if not f.name:
            return
        w = len(f.name) * CHAR_W + 4
        spots = []
        for (x0, y0), (x1, y1), at_start in ((*f.points[:2], True), (*f.points[-2:][::-1], False)):
            if abs(y0 - y1) < 1:                  # horizontal: above the line
                right = x1 > x0
                if at_start:
                    spots.append(Box(x0 + 6 if right else x0 - 6 - w, y0 - LINE_H - 3, w, LINE_H))
                else:
                    spots.append(Box(x0 - 8 - w if not right else x0 + 8, y0 - LINE_H - 3, w, LINE_H))
            else:                                 # vertical: right of the line
                down = y1 > y0
                if at_start:
                    spots.append(Box(x0 + 5, y0 + 4 if down else y0 - 4 - LINE_H, w, LINE_H))
                else:
                    spots.append(Box(x0 + 5, y0 - 4 - LINE_H if down else y0 + 4, w, LINE_H))
        taken = [g.label for g in self.flows if g.label is not None]
        taken += [n.label for n in self.nodes.values() if n.label is not None]
        boxes = [n.box for n in self.nodes.values()]
        f.label = min(spots, key=lambda b: (sum(boxes_meet(b, o) for o in taken) * 10
                                            + sum(boxes_meet(b, o) for o in boxes)))


def drilldown_icon(b: Box) -> Box:
    """where bpmn-js puts the drill-down button of a collapsed subprocess"""
    return Box(b.right - 12, b.bottom, 26, 26)


def boxes_meet(a: Box, b: Box) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def seg_hits(a, b, box: Box) -> bool:
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    return x0 < box.right and x1 > box.x and y0 < box.bottom and y1 > box.y


def overlap(a, b, c, d) -> float:
    if abs(a[1] - b[1]) < 1 and abs(c[1] - d[1]) < 1 and abs(a[1] - c[1]) < 3:
        lo, hi = max(min(a[0], b[0]), min(c[0], d[0])), min(max(a[0], b[0]), max(c[0], d[0]))
        return max(0.0, hi - lo)
    if abs(a[0] - b[0]) < 1 and abs(c[0] - d[0]) < 1 and abs(a[0] - c[0]) < 3:
        lo, hi = max(min(a[1], b[1]), min(c[1], d[1])), min(max(a[1], b[1]), max(c[1], d[1]))
        return max(0.0, hi - lo)
    return 0.0


def on_segment(p, a, b) -> bool:
    """p lies on the axis-parallel segment a-b (ends included)"""
    return (min(a[0], b[0]) - 1 <= p[0] <= max(a[0], b[0]) + 1
            and min(a[1], b[1]) - 1 <= p[1] <= max(a[1], b[1]) + 1)


def crosses(a, b, c, d) -> bool:
    h1, h2 = abs(a[1] - b[1]) < 1, abs(c[1] - d[1]) < 1
    if h1 == h2:
        return False
    (p, q), (r, s) = ((a, b), (c, d)) if h1 else ((c, d), (a, b))
    return (min(p[0], q[0]) < r[0] < max(p[0], q[0])
            and min(r[1], s[1]) < p[1] < max(r[1], s[1]))


# --------------------------------------------------------------------------------------
# DI text and grafting
# --------------------------------------------------------------------------------------

def fmt(v: float) -> str:
    return str(int(round(v)))


def bounds(b: Box) -> str:
    return f'<dc:Bounds x="{fmt(b.x)}" y="{fmt(b.y)}" width="{fmt(b.w)}" height="{fmt(b.h)}" />'


def plane_di(plane: Plane, indent="  ") -> str:
    i1, i2, i3, i4 = (indent * k for k in (1, 2, 3, 4))
    out = [f'{i1}<bpmndi:BPMNDiagram id="BPMNDiagram_{plane.id}">',
           f'{i2}<bpmndi:BPMNPlane id="BPMNPlane_{plane.id}" bpmnElement="{plane.id}">']
    nodes = sorted(plane.nodes.values(), key=lambda n: (bool(n.host), n.order))
    for n in nodes:
        attrs = ""
        if n.kind in SUBPROCESSES:
            attrs = ' isExpanded="false"'
        elif n.kind == "exclusiveGateway":
            attrs = ' isMarkerVisible="true"'
        out.append(f'{i3}<bpmndi:BPMNShape id="{n.id}_di" bpmnElement="{n.id}"{attrs}>')
        out.append(f"{i4}{bounds(n.box)}")
        if n.label:
            out.append(f"{i4}<bpmndi:BPMNLabel>{bounds(n.label)}</bpmndi:BPMNLabel>")
        out.append(f"{i3}</bpmndi:BPMNShape>")
    for f in sorted(plane.flows, key=lambda f: f.order):
        out.append(f'{i3}<bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">')
        for x, y in f.points:
            out.append(f'{i4}<di:waypoint x="{fmt(x)}" y="{fmt(y)}" />')
        if f.label:
            out.append(f"{i4}<bpmndi:BPMNLabel>{bounds(f.label)}</bpmndi:BPMNLabel>")
        out.append(f"{i3}</bpmndi:BPMNEdge>")
    out += [f"{i2}</bpmndi:BPMNPlane>", f"{i1}</bpmndi:BPMNDiagram>"]
    return "\n".join(out)


def planes_of(root) -> list[Plane]:
    planes = []

    def visit(container):
        planes.append(Plane(container))
        for child in container:
            if local(child) in SUBPROCESSES:
                visit(child)

    for proc in root.iterfind(f"{{{BPMN}}}process"):
        visit(proc)
    return planes


def strip_di(text: str) -> str:
    return re.sub(r"\s*<bpmndi:BPMNDiagram\b.*?</bpmndi:BPMNDiagram>", "", text, flags=re.S)


def graft(text: str, di_xml: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with namespace declarations and the DI inserted, and the insertions made
    as (position in the original text, inserted string)."""
    m = re.search(r"<(?![?!])([\w.-]+:)?definitions\b[^>]*>", text)
    if not m:
        raise SystemExit("no <definitions> root element found")
    start_tag = m.group(0)
    add = []
    for prefix, uri in (("bpmndi", BPMNDI), ("dc", DC), ("di", DI)):
        found = re.search(rf'\sxmlns:{prefix}="([^"]*)"', start_tag)
        if found and found.group(1) != uri:
            raise SystemExit(f"prefix {prefix} is bound to {found.group(1)}, not {uri}")
        if not found:
            add.append(f' xmlns:{prefix}="{uri}"')
    # declare the namespaces right after the last xmlns:… declaration of the root element
    decls = list(re.finditer(r'\sxmlns(:[\w.-]+)?="[^"]*"', start_tag))
    ns_pos = m.start() + (decls[-1].end() if decls else len(start_tag) - 1)
    close = re.search(r"</([\w.-]+:)?definitions>\s*$", text)
    if not close:
        raise SystemExit("no closing </definitions> at the end of the file")
    di_pos = len(text[:close.start()].rstrip())     # right after the last element
    inserts = [(ns_pos, "".join(add)), (di_pos, "\n" + di_xml)]
    return text[:ns_pos] + inserts[0][1] + text[ns_pos:di_pos] + inserts[1][1] + text[di_pos:], inserts


def semantic_c14n(text: str) -> bytes:
    """Canonical XML without the BPMNDI elements and without whitespace-only text."""
    root = etree.fromstring(text.encode("utf-8"))
    for el in root.findall(f".//{{{BPMNDI}}}BPMNDiagram"):
        el.getparent().remove(el)
    for el in root.iter():
        if el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return etree.tostring(root, method="c14n", exclusive=True, with_comments=True)


def check(original: str, result: str, inserts, planes: list[Plane]):
    # 1. textually: the result is the original plus the insertions, nothing else
    rebuilt = result
    for pos, s in inserts:          # in order; positions are in the original text
        if rebuilt[pos:pos + len(s)] != s:
            raise SystemExit("BUG: insertion not where expected")
        rebuilt = rebuilt[:pos] + rebuilt[pos + len(s):]
    if rebuilt != original:
        raise SystemExit("BUG: the text outside the insertions changed")
    # 2. as XML: same canonical form once the DI is dropped
    if semantic_c14n(original) != semantic_c14n(result):
        raise SystemExit("BUG: the semantic XML changed")
    root = etree.fromstring(result.encode("utf-8"))
    di_of = {}
    for plane in root.iter(f"{{{BPMNDI}}}BPMNPlane"):
        for el in plane:
            di_of[el.get("bpmnElement")] = plane.get("bpmnElement")
    for p in planes:
        for eid in list(p.nodes) + [f.id for f in p.flows]:
            if di_of.get(eid) != p.id:
                raise SystemExit(f"BUG: {eid} has no DI in the plane of {p.id}")
    ids = [el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise SystemExit(f"duplicate ids: {sorted(dupes)}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bpmn")
    ap.add_argument("-o", "--output", help="write here instead of in place")
    ap.add_argument("--replace", action="store_true", help="drop existing DI and lay out again")
    args = ap.parse_args(argv)

    with open(args.bpmn, encoding="utf-8") as fh:
        original = fh.read()
    text = original
    if "BPMNDiagram" in text:
        if not args.replace:
            raise SystemExit(f"{args.bpmn} already has DI; use --replace to lay it out again")
        text = strip_di(text)
        if "BPMNDiagram" in text:
            raise SystemExit("could not remove the existing DI (unexpected prefix?)")
    root = etree.fromstring(text.encode("utf-8"))
    planes = planes_of(root)
    for p in planes:
        p.layout()
    result, inserts = graft(text, "\n".join(plane_di(p) for p in planes))
    check(text, result, inserts, planes)
    with open(args.output or args.bpmn, "w", encoding="utf-8") as fh:
        fh.write(result)
    print(f"{args.output or args.bpmn}: {len(planes)} planes, "
          f"{sum(len(p.nodes) for p in planes)} shapes, {sum(len(p.flows) for p in planes)} edges; "
          "semantic XML unchanged")


if __name__ == "__main__":
    main()
