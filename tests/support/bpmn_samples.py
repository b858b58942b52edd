"""Small BPMN documents built for one check each."""
from __future__ import annotations

from xml.sax.saxutils import escape

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n')
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


def one_task_process(process_id: str = "sample", *, lane: str = "case_manager",
                     form: str | None = "contact.schema.json", script: str | None = None,
                     condition: str | None = None, timer: tuple[str, str] | None = None,
                     task_name: str = "Log contact", doctype: str = "", after_timer: str | None = None) -> str:
    """start → [script] → [timer] → [script after the timer] → user task → [gateway with condition] → end."""
    nodes, flows, refs = [], [], ["start", "work", "end"]
    chain = ["start"]
    if script is not None:
        nodes.append(f'<bpmn:scriptTask id="run_script" name="Script"><bpmn:script>{script}</bpmn:script>'
                     '</bpmn:scriptTask>')
        chain.append("run_script")
        refs.append("run_script")
    if timer is not None:
        kind, text = timer
        nodes.append(f'<bpmn:intermediateCatchEvent id="wait" name="Wait"><bpmn:timerEventDefinition>'
                     f'<bpmn:{kind}>{text}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
        chain.append("wait")
        refs.append("wait")
    if after_timer is not None:
        nodes.append(f'<bpmn:scriptTask id="after_wait" name="After the wait"><bpmn:script>{after_timer}'
                     '</bpmn:script></bpmn:scriptTask>')
        chain.append("after_wait")
        refs.append("after_wait")
    form_xml = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
                f'name="formJsonSchemaFilename" value="{form}"/></spiffworkflow:properties>'
                '</bpmn:extensionElements>') if form else ""
    nodes.append(f'<bpmn:userTask id="work" name="{task_name}">{form_xml}</bpmn:userTask>')
    chain.append("work")
    if condition is not None:
        nodes.append('<bpmn:exclusiveGateway id="gw" default="flow_default"/>')
        refs.append("gw")
        chain.append("gw")
        flows.append(f'<bpmn:sequenceFlow id="flow_conditional" sourceRef="gw" targetRef="end">'
                     f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>')
        flows.append('<bpmn:sequenceFlow id="flow_default" sourceRef="gw" targetRef="end"/>')
        nodes.append('<bpmn:endEvent id="end"/>')
    else:
        chain.append("end")
        nodes.append('<bpmn:endEvent id="end"/>')
    for index, (source, target) in enumerate(zip(chain, chain[1:])):
        flows.append(f'<bpmn:sequenceFlow id="flow_{index}" sourceRef="{source}" targetRef="{target}"/>')
    lane_xml = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in refs)
    return (f'{HEAD}{doctype}<bpmn:definitions {NS} id="defs_{process_id}" targetNamespace="http://casepath.test">'
            f'<bpmn:process id="{process_id}" isExecutable="true">'
            f'<bpmn:laneSet id="lanes"><bpmn:lane id="the_lane" name="{lane}">{lane_xml}</bpmn:lane></bpmn:laneSet>'
            f'<bpmn:startEvent id="start"/>{"".join(nodes)}{"".join(flows)}</bpmn:process></bpmn:definitions>')


XXE = one_task_process(
    "xxe", task_name="&xxe;",
    doctype='<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')

BILLION_LAUGHS = one_task_process(
    "laughs", task_name="&lol9;",
    doctype=('<!DOCTYPE lolz [<!ENTITY lol "lol">'
             + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                       for i in range(1, 10)) + ']>'))


def oversized(megabytes: int) -> bytes:
    """A valid diagram padded with a comment to the given size."""
    base = one_task_process("big")
    padding = "<!-- " + "x" * (megabytes * 1024 * 1024) + " -->"
    return base.replace("<bpmn:process", padding + "<bpmn:process", 1).encode()


def process(body: str, process_id: str = "sample", name: str = "Sample", executable: bool = True,
            definitions: str = "") -> str:
    """A BPMN file with one process whose elements (nodes and flows) are `body`."""
    return (f'{HEAD}<bpmn:definitions {NS} id="defs_{process_id}" targetNamespace="http://casepath.test">'
            f'{definitions}<bpmn:process id="{process_id}" name="{name}" isExecutable="{str(executable).lower()}">'
            f'{body}</bpmn:process></bpmn:definitions>')


def flows(*pairs: str) -> str:
    """Sequence flows "a>b" named flow_a_b."""
    return "".join(f'<bpmn:sequenceFlow id="flow_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>'
                   for a, b in (pair.split(">") for pair in pairs))


def script(task_id: str, text: str = "x = 1", name: str = "", inner: str = "") -> str:
    return f'<bpmn:scriptTask id="{task_id}" name="{name}">{inner}<bpmn:script>{text}</bpmn:script></bpmn:scriptTask>'


START_END = '<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'


def linear_process(process_id: str, *elements: str, lane: str = "case_manager", extra: str = "") -> str:
    """start → each element in order → end, every node in one lane. Elements are BPMN XML
    snippets whose first id="…" names them; `extra` is added to the process as is
    (boundary events, messages, further flows)."""
    import re

    ids = ["start"] + [re.search(r'id="([^"]+)"', e).group(1) for e in elements] + ["end"]
    flows = "".join(f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{a}" targetRef="{b}"/>'
                    for i, (a, b) in enumerate(zip(ids, ids[1:])))
    # human tasks in `extra` (after a boundary event, in an event subprocess) are in the lane too
    ids += re.findall(r'<bpmn:(?:userTask|manualTask) id="([^"]+)"', extra)
    refs = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in ids)
    messages = "".join(f'<bpmn:message id="msg_{m}" name="{m}"/>' for m in
                       sorted(set(re.findall(r'messageRef="msg_([^"]+)"', "".join(elements) + extra))))
    return (f'{HEAD}<bpmn:definitions {NS} id="defs_{process_id}" targetNamespace="http://casepath.test">'
            f'{messages}<bpmn:process id="{process_id}" isExecutable="true">'
            f'<bpmn:laneSet id="lanes"><bpmn:lane id="the_lane" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>'
            f'<bpmn:startEvent id="start"/>{"".join(elements)}<bpmn:endEvent id="end"/>{flows}{extra}'
            f'</bpmn:process></bpmn:definitions>')


def user_task(task_id: str, name: str, form: str | None = "contact.schema.json") -> str:
    form_xml = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
                f'name="formJsonSchemaFilename" value="{form}"/></spiffworkflow:properties>'
                '</bpmn:extensionElements>') if form else ""
    return f'<bpmn:userTask id="{task_id}" name="{name}">{form_xml}</bpmn:userTask>'


def script_task(task_id: str, script: str, name: str = "Script") -> str:
    return f'<bpmn:scriptTask id="{task_id}" name="{name}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'


def timer_event(event_id: str, duration: str, name: str = "Wait") -> str:
    return (f'<bpmn:intermediateCatchEvent id="{event_id}" name="{name}"><bpmn:timerEventDefinition>'
            f'<bpmn:timeDuration>"{duration}"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:intermediateCatchEvent>')


def message_event(event_id: str, message: str, variable: str | None = None, name: str = "Wait for news") -> str:
    var = (f'<bpmn:extensionElements><spiffworkflow:messageVariable>{variable}</spiffworkflow:messageVariable>'
           '</bpmn:extensionElements>') if variable else ""
    return (f'<bpmn:intermediateCatchEvent id="{event_id}" name="{name}">'
            f'<bpmn:messageEventDefinition id="{event_id}_def" messageRef="msg_{message}">{var}'
            '</bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>')


def graph_process(process_id: str, nodes: list[str], edges: list[tuple[str, str]], lane: str = "case_manager",
                  extra: str = "") -> str:
    """A process of the given nodes (BPMN XML snippets, start and end events included) joined
    by the given (source, target) flows, every node in one lane. Nodes inside `extra`
    (boundary events, event subprocesses) are added as they are."""
    import re

    ids = [re.search(r'id="([^"]+)"', n).group(1) for n in nodes]
    flows = "".join(f'<bpmn:sequenceFlow id="flow_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>' for a, b in edges)
    refs = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in ids)
    messages = "".join(f'<bpmn:message id="msg_{m}" name="{m}"/>' for m in
                       sorted(set(re.findall(r'messageRef="msg_([^"]+)"', "".join(nodes) + extra))))
    return (f'{HEAD}<bpmn:definitions {NS} id="defs_{process_id}" targetNamespace="http://casepath.test">'
            f'{messages}<bpmn:process id="{process_id}" isExecutable="true">'
            f'<bpmn:laneSet id="lanes"><bpmn:lane id="the_lane" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>'
            f'{"".join(nodes)}{flows}{extra}</bpmn:process></bpmn:definitions>')

def automatic_process(process_id: str, *, script: str | None = None, condition: str | None = None,
                      cardinality: str | None = None, decision: str | None = None) -> str:
    """start → one automatic element → user task "work" → end. The element is the first given of:
    a script task "run_script", an exclusive gateway "gw" whose conditional flow has `condition`, a
    sequential multi-instance script task "each_item" run `cardinality` times, or a business rule
    task "decide" calling the decision `decision`. Script and expression text is XML-escaped here."""
    if script is not None:
        element = f'<bpmn:scriptTask id="run_script" name="Script"><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>'
        flows = _flow("start", "run_script", 0) + _flow("run_script", "work", 1)
    elif condition is not None:
        element = '<bpmn:exclusiveGateway id="gw" default="flow_default"/>'
        flows = (_flow("start", "gw", 0) + '<bpmn:sequenceFlow id="flow_conditional" sourceRef="gw" targetRef="work">'
                 f'<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>'
                 '<bpmn:sequenceFlow id="flow_default" sourceRef="gw" targetRef="work"/>')
    elif cardinality is not None:
        element = ('<bpmn:scriptTask id="each_item" name="Each item"><bpmn:multiInstanceLoopCharacteristics '
                   f'isSequential="true"><bpmn:loopCardinality>{escape(cardinality)}</bpmn:loopCardinality>'
                   '</bpmn:multiInstanceLoopCharacteristics><bpmn:script>counted = 1</bpmn:script></bpmn:scriptTask>')
        flows = _flow("start", "each_item", 0) + _flow("each_item", "work", 1)
    else:
        element = (f'<bpmn:businessRuleTask id="decide" name="Decide"><bpmn:extensionElements><spiffworkflow:'
                   f'calledDecisionId>{decision}</spiffworkflow:calledDecisionId></bpmn:extensionElements>'
                   '</bpmn:businessRuleTask>')
        flows = _flow("start", "decide", 0) + _flow("decide", "work", 1)
    element_id = element.split('id="')[1].split('"')[0]
    refs = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in ("start", element_id, "work", "end"))
    form = ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
            'name="formJsonSchemaFilename" value="contact.schema.json"/></spiffworkflow:properties>'
            '</bpmn:extensionElements>')
    return (f'{HEAD}<bpmn:definitions {NS} id="defs_{process_id}" targetNamespace="http://casepath.test">'
            f'<bpmn:process id="{process_id}" isExecutable="true">'
            f'<bpmn:laneSet id="lanes"><bpmn:lane id="the_lane" name="case_manager">{refs}</bpmn:lane></bpmn:laneSet>'
            f'<bpmn:startEvent id="start"/>{element}<bpmn:userTask id="work" name="Log contact">{form}</bpmn:userTask>'
            f'<bpmn:endEvent id="end"/>{flows}{_flow("work", "end", 2)}</bpmn:process></bpmn:definitions>')


def _flow(source: str, target: str, index: int) -> str:
    return f'<bpmn:sequenceFlow id="flow_{index}" sourceRef="{source}" targetRef="{target}"/>'


def decision_table(decision_id: str, *, input_expression: str = "case_id", input_entry: str = "> 0",
                   output_entry: str = "True") -> str:
    """A one-rule DMN table deciding `eligible` from one input (by default, any case); each text is
    XML-escaped here."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" '
            f'id="defs_{decision_id}" name="{decision_id}" namespace="http://casepath.test">'
            f'<decision id="{decision_id}" name="{decision_id}"><decisionTable id="{decision_id}_table" hitPolicy="FIRST">'
            '<input id="in_1" label="Input"><inputExpression id="in_1_expr" typeRef="integer">'
            f'<text>{escape(input_expression)}</text></inputExpression></input>'
            '<output id="out_1" label="Eligible" name="eligible" typeRef="boolean"/>'
            f'<rule id="rule_1"><inputEntry id="r1_in"><text>{escape(input_entry)}</text></inputEntry>'
            f'<outputEntry id="r1_out"><text>{escape(output_entry)}</text></outputEntry></rule>'
            '</decisionTable></decision></definitions>')
