"""Keep a case's workflow state bounded however long the case runs.

SpiffWorkflow keeps every completed task in the workflow's task tree, so a case
monitored weekly for years would carry thousands of finished tasks into every
load and save. Everything a finished task means is already in the case record
and audit tables (written in the same transaction as the step), and task data
is inherited by each child, so finished history above the point where all
unfinished work meets is cut away before each save.
"""
from __future__ import annotations

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
    kept = {keep_from.id}
    stack = [keep_from]
    while stack:
        node = stack.pop()
        for child_id in node._children:
            if child_id not in kept:
                kept.add(child_id)
                stack.append(workflow.tasks[child_id])
    kept.add(root.id)
    # SpiffWorkflow re-inherits a task's data from its parent when the task becomes
    # ready (a waiting timer that fires): the root takes over the dropped parent's data.
    root.data = dict(keep_from.parent.data)
    doomed = [tid for tid in workflow.tasks if tid not in kept]
    for task_id in doomed:
        del workflow.tasks[task_id]
    keep_from._parent = root.id
    root._children = [keep_from.id]
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None
    return len(doomed)
