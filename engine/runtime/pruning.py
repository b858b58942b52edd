"""Keep a case's workflow state bounded however long the case runs.

SpiffWorkflow keeps every completed task in the workflow's task tree, so a case
monitored weekly for years would carry thousands of finished tasks into every
load and save. Everything a finished task means is already in the case record
and audit tables (written in the same transaction as the step), and task data
is inherited by each child, so finished history above the point where all
unfinished work meets is cut away before each save.

Cutting must never change what a later step does. Joins read finished history:
a parallel gateway in a loop walks a new token's ancestors for a task of each
incoming flow (the entry flow is found in the first round's history), and an
inclusive gateway counts the flows earlier rounds of itself came in by. So the
few ancestors a join would find are kept as a thin chain between the root and
the kept subtree, in their original order; everything else above is dropped.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.util.task import TaskState


def _lowest_common_ancestor(workflow, tasks):
    paths = []
    for task in tasks:
        path = []
        node = task
        while node is not None:
            path.append(node)
            node = node.parent
        paths.append(path[::-1])
    common = None
    for column in zip(*paths):
        if all(node is column[0] for node in column):
            common = column[0]
        else:
            break
    return common


def prune_finished_history(workflow) -> int:
    """Drop finished tasks that no unfinished task descends from. Returns how many."""
    removed = _prune_one(workflow)
    for subprocess in list(workflow.subprocesses.values()):
        removed += _prune_one(subprocess)
    live = set()
    for wf in [workflow, *workflow.subprocesses.values()]:
        live.update(wf.tasks)
    for task_id in [tid for tid in workflow.subprocesses if tid not in live]:
        del workflow.subprocesses[task_id]
    return removed


def _ancestors_joins_read(workflow, ancestors) -> list:
    """The ancestors (nearest first) a join of this process would still find.

    A parallel gateway stops its walk at the nearest ancestor of each incoming
    flow's source; an inclusive gateway reads the source of each earlier round of
    itself, so the nearest such round per source is kept with its parent."""
    joins = [spec for spec in workflow.spec.task_specs.values()
             if isinstance(spec, (ParallelGateway, InclusiveGateway))]
    sources = {source for spec in joins if isinstance(spec, ParallelGateway) for source in spec.inputs}
    inclusive = {spec for spec in joins if isinstance(spec, InclusiveGateway)}
    needed, seen_sources, seen_rounds = [], set(), set()
    for index, task in enumerate(ancestors):
        spec = task.task_spec
        if spec in sources and spec not in seen_sources:
            seen_sources.add(spec)
            needed.append(task)
        parent = ancestors[index + 1] if index + 1 < len(ancestors) else None
        if spec in inclusive and parent is not None and (spec, parent.task_spec) not in seen_rounds:
            seen_rounds.add((spec, parent.task_spec))
            needed += [task, parent]
    unique = {task.id: task for task in needed}
    return sorted(unique.values(), key=ancestors.index)


def _prune_one(workflow) -> int:
    # A task in ERROR is not history: an incident's retry runs it again.
    unfinished = [t for t in workflow.tasks.values()
                  if not t.has_state(TaskState.COMPLETED | TaskState.CANCELLED)]
    root = workflow.task_tree
    if not unfinished or root is None:
        return 0
    keep_from = _lowest_common_ancestor(workflow, unfinished)
    if keep_from is None or keep_from is root or keep_from.parent is root:
        return 0
    ancestors = []  # keep_from's parent up to (not including) the root, nearest first
    node = keep_from.parent
    while node is not root:
        ancestors.append(node)
        node = node.parent
    # keep_from's own parent stays: a task that becomes ready (a timer that fires)
    # takes its data from its parent again.
    chain = _ancestors_joins_read(workflow, ancestors)
    if ancestors[0] not in chain:
        chain.insert(0, ancestors[0])
    if len(chain) == len(ancestors):
        return 0
    kept = {keep_from.id, root.id, *(task.id for task in chain)}
    stack = [keep_from]
    while stack:
        node = stack.pop()
        for child_id in node._children:
            if child_id not in kept:
                kept.add(child_id)
                stack.append(workflow.tasks[child_id])
    # Relink root → chain (farthest first) → keep_from, one child each.
    links = [root, *reversed(chain), keep_from]
    for parent, child in zip(links, links[1:]):
        parent._children = [child.id]
        child._parent = parent.id
    doomed = [tid for tid in workflow.tasks if tid not in kept]
    for task_id in doomed:
        del workflow.tasks[task_id]
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None
    return len(doomed)
