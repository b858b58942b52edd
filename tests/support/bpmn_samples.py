"""Small BPMN documents built for one check each."""
from __future__ import annotations

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
