"""The shape of the code, checked on its import graph (grimp): which module may import which.

The helpers take any package, so a rule for engine/ is one more line, e.g.
`assert not import_cycles(graph, "engine")` or `assert not direct_importers(graph, "engine", "flask")`.
"""
from __future__ import annotations

from collections import deque
from typing import NamedTuple

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # External packages appear as one squashed module each ("flask", "SpiffWorkflow").
    # No cache: it would be written into the working tree.
    return grimp.build_graph("engine", "web", include_external_packages=True, cache_dir=None)


def modules_of(graph: grimp.ImportGraph, package: str) -> set[str]:
    """The package and everything under it (a package's __init__ counts as a module)."""
    return {package} | graph.find_descendants(package)


class Cycle(NamedTuple):
    modules: list[str]  # every module that can reach every other one through imports
    example: list[str]  # one way round, the first module repeated at the end

    def __str__(self) -> str:
        return f"{len(self.modules)} modules: {', '.join(self.modules)}\n  e.g. {' -> '.join(self.example)}"


def import_cycles(graph: grimp.ImportGraph, package: str) -> list[Cycle]:
    """The strongly connected components of more than one module, following only imports
    between modules of `package`."""
    inside = modules_of(graph, package)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in sorted(inside)}
    return [Cycle(sorted(component), _one_cycle(component, edges))
            for component in _strongly_connected(edges) if len(component) > 1]


def direct_importers(graph: grimp.ImportGraph, package: str, imported: str) -> list[str]:
    """Modules of `package` that import `imported` or anything under it themselves (not via others)."""
    return sorted(m for m in modules_of(graph, package)
                  if any(i == imported or i.startswith(imported + ".")
                         for i in graph.find_modules_directly_imported_by(m)))


def _strongly_connected(edges: dict[str, list[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (no recursion limit however large the package grows)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(edges[successor])))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def _one_cycle(component: set[str], edges: dict[str, list[str]]) -> list[str]:
    """The shortest way from the component's first module back to itself, to name in a message."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in edges[node]:
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if successor in component and successor not in came_from:
                came_from[successor] = node
                queue.append(successor)
    return sorted(component)  # unreachable for a real component


def test_the_graph_holds_the_web_layer(graph):
    # Guards the rules below against passing on an empty graph.
    assert {"web.app", "web.context", "web.ui", "web.api"} <= modules_of(graph, "web")


def test_the_web_layer_has_no_import_cycles(graph):
    cycles = import_cycles(graph, "web")
    assert not cycles, "import cycles in web/:\n" + "\n".join(map(str, cycles))


def test_no_blueprint_imports_the_app_factory(graph):
    importers = set(graph.find_modules_that_directly_import("web.app")) - {"web", "web.cli"}
    assert not importers, f"only the package and the command line may import web.app; also: {sorted(importers)}"


def test_the_web_layer_never_imports_spiffworkflow(graph):
    importers = direct_importers(graph, "web", "SpiffWorkflow")
    assert not importers, f"web/ must reach workflows through the engine; SpiffWorkflow imported by: {importers}"


def test_the_graph_holds_the_engine_layers(graph):
    assert {"engine.facade", "engine.policy", "engine.definitions", "engine.runtime", "engine.store",
            "engine.services", "engine.views"} <= modules_of(graph, "engine")


def test_the_engine_has_no_import_cycles(graph):
    cycles = import_cycles(graph, "engine")
    assert not cycles, "import cycles in engine/:\n" + "\n".join(map(str, cycles))


def test_the_engine_knows_nothing_of_flask_or_the_web(graph):
    for outside in ("flask", "werkzeug", "web"):
        importers = direct_importers(graph, "engine", outside)
        assert not importers, f"engine/ must not import {outside}; imported by: {importers}"


def test_only_definitions_and_runtime_touch_spiffworkflow(graph):
    # Services, the store and the views work through runtime.CaseWorkflow and the definitions.
    importers = [m for m in direct_importers(graph, "engine", "SpiffWorkflow")
                 if not m.startswith(("engine.definitions", "engine.runtime"))]
    assert not importers, f"SpiffWorkflow imported outside definitions/ and runtime/: {importers}"


def test_the_store_does_not_reach_up_into_services_or_views(graph):
    for upper in ("engine.services", "engine.views", "engine.facade"):
        importers = direct_importers(graph, "engine.store", upper)
        assert not importers, f"engine/store must not import {upper}; imported by: {importers}"
