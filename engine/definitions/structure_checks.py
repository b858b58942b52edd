"""The shape of a diagram: what SpiffWorkflow 3.2 cannot run, found before a case starts on it.

SpiffWorkflow stops at the first thing it cannot build and only sees what is reachable
from the start event; these checks name every such element at once, in the admin's
words. Each refusal here is something SpiffWorkflow itself refuses when it builds the
process (so every case start on it would fail), or something casepath cannot run
(service tasks: no connector is configured).
"""
from __future__ import annotations

from .elements import NS, kind_words, label_of, local
from .loader import problem

GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
                      "complexGateway"})
CONDITIONAL_GATEWAYS = {"exclusiveGateway": "exclusive", "inclusiveGateway": "inclusive"}
# Elements SpiffWorkflow lets have several outgoing flows (it refuses any other with
# "Multiple outgoing flows are not supported"): gateways and start events.
MAY_SPLIT = GATEWAYS | {"startEvent"}
SUBPROCESSES = ("subProcess", "transaction")
FLOW_NODES = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent", "endEvent",
})


def _containers(root):
    """Processes and embedded subprocesses: each holds its own flow nodes and flows."""
    yield from root.iterfind(".//bpmn:process", NS)
    for kind in SUBPROCESSES:
        yield from root.iterfind(f".//bpmn:{kind}", NS)


def _outgoing(container) -> dict[str, list]:
    flows: dict[str, list] = {}
    for flow in container.iterfind("bpmn:sequenceFlow", NS):
        flows.setdefault(flow.get("sourceRef"), []).append(flow)
    return flows


def check_structure(root, filename: str, executable_ids: set[str], all_process_ids: set[str]) -> list[dict]:
    problems = []
    for container in _containers(root):
        outgoing = _outgoing(container)
        for node in container:
            kind = local(node)
            flows = outgoing.get(node.get("id"), [])
            if kind in CONDITIONAL_GATEWAYS:
                problems.extend(_unconditioned(node, flows, filename))
            elif kind in FLOW_NODES and len(flows) > 1:
                problems.append(problem(node.get("id"), (
                    f"{kind_words(node)} {label_of(node)} has {len(flows)} outgoing flows "
                    f"({', '.join(f.get('id') for f in flows)}); only a gateway or a start event may have more "
                    "than one: split with a parallel gateway, or choose with an exclusive gateway"), filename))
            if kind == "subProcess" and node.get("triggeredByEvent") == "true":
                # SpiffWorkflow 3.2 parses an event subprocess but never waits on its start
                # event, so a case would silently ignore whatever should start it.
                problems.append(problem(node.get("id"), (
                    f"event subprocess {label_of(node)}: event subprocesses are not supported (the engine "
                    "never starts them); draw a boundary event on the activity it should interrupt or run "
                    "beside, leading to the same steps"), filename))
            elif kind in SUBPROCESSES:
                problems.extend(_start_and_end(node, filename))
            problems.extend(_loops(node, filename))
            if kind == "callActivity":
                problems.extend(_call(node, filename, executable_ids, all_process_ids))
            if kind == "serviceTask":
                problems.append(problem(node.get("id"), f"service task {label_of(node)}: service tasks need a "
                                                        "configured connector; none is configured (use a script "
                                                        "task or a user task)", filename))
    return problems


def plain_task_warnings(root, filename: str) -> list[dict]:
    """A bpmn:task with no type does nothing when a case reaches it: allowed, but worth a look."""
    return [problem(node.get("id"), f"task {label_of(node)} has no type, so cases pass straight through it; "
                                    "make it a user task (someone does it) or a script task, or remove it", filename)
            for node in root.iterfind(".//bpmn:task", NS)]


def _unconditioned(gateway, flows, filename) -> list[dict]:
    if len(flows) < 2:
        return []  # SpiffWorkflow takes a gateway's only flow as its default
    kind = CONDITIONAL_GATEWAYS[local(gateway)]
    return [problem(flow.get("id"), (
                f"flow {label_of(flow)} leaves {kind} gateway {label_of(gateway)} without a condition and is not "
                "its default flow; give it a condition (conditions are Python expressions, e.g. eligible == True) "
                "or make it the gateway's default flow"), filename)
            for flow in flows
            if flow.find("bpmn:conditionExpression", NS) is None and flow.get("id") != gateway.get("default")]


def _start_and_end(subprocess, filename) -> list[dict]:
    if subprocess.get("triggeredByEvent") == "true" and local(subprocess) == "subProcess":
        what = "event subprocess"
    else:
        what = "subprocess"
    starts = subprocess.findall("bpmn:startEvent", NS)
    problems = []
    if len(starts) != 1:
        problems.append(problem(subprocess.get("id"), f"{what} {label_of(subprocess)} has {len(starts)} start "
                                                      f"events; an embedded subprocess needs exactly one",
                                filename))
    if subprocess.find("bpmn:endEvent", NS) is None:
        problems.append(problem(subprocess.get("id"), f"{what} {label_of(subprocess)} has no end event; an "
                                                      "embedded subprocess needs at least one", filename))
    return problems


def _loops(activity, filename) -> list[dict]:
    """Multi-instance needs what to run over; a standard loop needs a way to end."""
    where = label_of(activity)
    multi = activity.find("bpmn:multiInstanceLoopCharacteristics", NS)
    if multi is not None:
        given = [multi.find(f"bpmn:{part}", NS) for part in ("loopCardinality", "loopDataInputRef")]
        given = [part for part in given if part is not None and (part.text or "").strip()]
        if not given:
            return [problem(activity.get("id"), f"multi-instance activity {where} has neither an input collection "
                                                "(a list, run once per item) nor a loop cardinality (how many "
                                                "times to run); give it one", filename)]
        if len(given) == 2:
            return [problem(activity.get("id"), f"multi-instance activity {where} has both an input collection "
                                                "and a loop cardinality; give it only one", filename)]
    loop = activity.find("bpmn:standardLoopCharacteristics", NS)
    if loop is not None and loop.get("loopMaximum") is None and loop.find("bpmn:loopCondition", NS) is None:
        return [problem(activity.get("id"), f"loop {where} has neither a loop condition nor a loop maximum; "
                                            "give it one so the loop ends", filename)]
    return []


def _call(activity, filename, executable_ids, all_process_ids) -> list[dict]:
    called = (activity.get("calledElement") or "").strip()
    where = f"call activity {label_of(activity)}"
    if not called:
        return [problem(activity.get("id"), f"{where} calls no process; set the process it calls "
                                            "(calledElement)", filename)]
    if called in executable_ids:
        return []
    if called in all_process_ids:
        return [problem(activity.get("id"), f"{where} calls process '{called}', which is not executable; mark "
                                            "it executable (isExecutable=\"true\")", filename)]
    # A version runs only on the files deployed with it (see loader.files_for), so a process
    # deployed earlier on its own does not count: its file must come along.
    return [problem(activity.get("id"), f"{where} calls process '{called}', which is not in the files being "
                                        "deployed; deploy its .bpmn file together with this one (a version runs "
                                        "only on the files deployed with it)", filename)]
