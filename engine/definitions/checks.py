"""The checks a process model passes before it is stored.

Each problem names the BPMN element and says what to fix, in words an agency
admin can act on. Nothing is stored when any check fails.
"""
from __future__ import annotations

import ast
import re

import isodate
from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from .extensions import PURPOSES, properties
from .loader import BPMN_NS, ParsedFiles, problem
from .forms import FormCatalog, form_name
from .scripting import check_source, is_bare_iso
from ..vocabulary import ROLES, STAGES

NS = {"bpmn": BPMN_NS, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


def all_task_specs(spec, subprocess_specs):
    """(file name, task spec) for every task of a process and the processes it calls."""
    for process in [spec, *subprocess_specs.values()]:
        filename = getattr(process, "file", None)
        for task_spec in process.task_specs.values():
            yield (filename.rsplit("/", 1)[-1] if filename else None), task_spec


def _label(task_spec) -> str:
    name = getattr(task_spec, "bpmn_name", None)
    return f"'{name}'" if name else task_spec.bpmn_id


MAX_ID_LENGTH = 200  # human_tasks.bpmn_id, timers.bpmn_id
MAX_NAME_LENGTH = 300  # human_tasks.name, timers.name, record_entries.title
MAX_FORM_NAME_LENGTH = 60  # record_entries.kind (a completion's entry is named for its form)


def check_specs(spec, subprocess_specs, forms: FormCatalog) -> list[dict]:
    found = []
    for filename, task_spec in all_task_specs(spec, subprocess_specs):
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue
        problems = []
        props = properties(task_spec)
        # What the database keeps of an element (task and timer rows, audit, record) has limits.
        if len(bpmn_id) > MAX_ID_LENGTH:
            problems.append(problem(bpmn_id[:60] + "…", f"the id of {_label(task_spec)[:60]} is longer than "
                                                       f"{MAX_ID_LENGTH} characters; shorten it"))
        if len(getattr(task_spec, "bpmn_name", None) or "") > MAX_NAME_LENGTH:
            problems.append(problem(bpmn_id, f"the name of {bpmn_id} is longer than {MAX_NAME_LENGTH} characters; "
                                             "put the detail in its documentation"))
        if isinstance(task_spec, UserTask):
            lane = task_spec.lane
            if not lane:
                problems.append(problem(bpmn_id, f"user task {_label(task_spec)} is not in a lane; put it in a "
                                                 f"lane named for the role that does it ({', '.join(ROLES)})"))
            elif lane not in ROLES:
                problems.append(problem(bpmn_id, f"user task {_label(task_spec)} is in lane '{lane}', which is not "
                                                 f"a casepath role; name the lane one of: {', '.join(ROLES)}"))
            form = form_name(props.get("formJsonSchemaFilename"))
            if not form:
                problems.append(problem(bpmn_id, f"user task {_label(task_spec)} has no form; choose one of the "
                                                 f"forms in forms/ (property formJsonSchemaFilename)"))
            elif len(form) > MAX_FORM_NAME_LENGTH:
                problems.append(problem(bpmn_id, f"form name '{form[:60]}…' of {_label(task_spec)} is longer than "
                                                 f"{MAX_FORM_NAME_LENGTH} characters; rename the form file"))
            elif form not in forms:
                problems.append(problem(bpmn_id, f"user task {_label(task_spec)} uses form '{form}', which does "
                                                 f"not exist; available forms: {', '.join(forms.names()) or 'none'}"))
            due = props.get("dueIn")
            if due and not _is_duration(due):
                problems.append(problem(bpmn_id, f"due date '{due}' of {_label(task_spec)} is not an ISO-8601 "
                                                 "duration such as P3D (3 days) or PT4H (4 hours)"))
        stage = props.get("stage")
        if stage and stage not in STAGES:
            problems.append(problem(bpmn_id, f"stage '{stage}' of {_label(task_spec)} is not one of: "
                                             f"{', '.join(STAGES)}"))
        purpose = props.get("purpose")
        if purpose and purpose not in PURPOSES:
            problems.append(problem(bpmn_id, f"purpose '{purpose}' of {_label(task_spec)} is not one of: "
                                             f"{', '.join(PURPOSES)}"))
        for item in problems:
            if filename:
                item["file"] = filename
        found.extend(problems)
    return found


def _is_duration(text: str) -> bool:
    try:
        isodate.parse_duration(text.strip())
        return True
    except (isodate.ISO8601Error, ValueError):
        return False


def _is_datetime(text: str) -> bool:
    try:
        isodate.parse_datetime(text.strip())
        return True
    except (isodate.ISO8601Error, ValueError):
        try:
            isodate.parse_date(text.strip())
            return True
        except (isodate.ISO8601Error, ValueError):
            return False


def _is_cycle(text: str) -> bool:
    parts = text.strip().split("/")
    if not parts[0].startswith("R") or not (parts[0][1:] == "" or parts[0][1:].isdigit()) or len(parts) not in (2, 3):
        return False
    rest = parts[1:]
    durations = [p for p in rest if p.startswith("P")]
    return len(durations) == 1 and _is_duration(durations[0]) and all(
        _is_datetime(p) for p in rest if not p.startswith("P"))


_TIMER_CHECKS = {
    "timeDuration": (_is_duration, "a duration such as P90D (90 days), P2W or PT12H"),
    "timeDate": (_is_datetime, "a date and time such as 2027-01-31T09:00:00Z"),
    "timeCycle": (_is_cycle, "a repeating cycle such as R/P7D (every 7 days) or R4/2027-01-01T09:00:00Z/P1M"),
}


_ISO_ATTEMPT = re.compile(r"^(P\d|PT\d|R\d*/|\d{4}-)")


def _literal(expression: str) -> str | None:
    """The ISO text a timer expression stands for, if it is a constant.

    Bare text that starts like ISO-8601 (P1X, R/P1Q) is taken as a mistyped
    constant, not as the name of a variable."""
    text = expression.strip()
    if is_bare_iso(text) or _ISO_ATTEMPT.match(text):
        return text
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _owner_id(node) -> str | None:
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def check_xml(parsed: ParsedFiles) -> list[dict]:
    problems = []
    for filename, root in parsed.trees.items():
        if parsed.kinds[filename] == "bpmn":
            problems.extend(_check_bpmn_tree(root, filename))
        else:
            problems.extend(_check_dmn_tree(root, filename))
    return problems


def _check_bpmn_tree(root, filename) -> list[dict]:
    problems = []
    for script in root.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        for reason in check_source(script.text or "", "exec"):
            problems.append(problem(_owner_id(script), f"script: {reason}", filename))
    for tag in ("preScript", "postScript"):
        for script in root.iterfind(f".//spiffworkflow:{tag}", NS):
            for reason in check_source(script.text or "", "exec"):
                problems.append(problem(_owner_id(script), f"{tag}: {reason}", filename))
    for condition in root.iterfind(".//bpmn:sequenceFlow/bpmn:conditionExpression", NS):
        text = (condition.text or "").strip()
        if not text:
            problems.append(problem(_owner_id(condition), "the condition is empty; write one (e.g. eligible == True) "
                                                          "or make this the gateway's default flow", filename))
            continue
        for reason in check_source(text, "eval"):
            problems.append(problem(_owner_id(condition), f"condition '{text}': {reason}", filename))
    for definition in root.iterfind(".//bpmn:timerEventDefinition", NS):
        event_id = _owner_id(definition)
        children = [c for c in definition if isinstance(c.tag, str) and etree.QName(c).localname in _TIMER_CHECKS]
        if not children:
            problems.append(problem(event_id, "the timer has no time; give it a duration (P90D), a date, "
                                              "or a repeating cycle (R/P7D)", filename))
        for child in children:
            kind = etree.QName(child).localname
            valid, example = _TIMER_CHECKS[kind]
            text = (child.text or "").strip()
            literal = _literal(text)
            reasons = [] if literal is not None else (check_source(text, "eval") if text else ["it is empty"])
            if reasons:
                problems.append(problem(event_id, f"timer '{text}': {'; '.join(reasons)}", filename))
                continue
            if literal is not None and not valid(literal):
                problems.append(problem(event_id, f"timer '{literal}' is not valid ISO-8601; write {example}",
                                        filename))
    return problems


def _check_dmn_tree(root, filename) -> list[dict]:
    problems = []
    namespace = etree.QName(root).namespace
    ns = {"dmn": namespace}
    for expression in root.iterfind(".//dmn:inputExpression/dmn:text", ns):
        for reason in check_source((expression.text or "").strip() or "None", "eval"):
            problems.append(problem(_owner_id(expression), f"input expression: {reason}", filename))
    for entry in root.iterfind(".//dmn:outputEntry/dmn:text", ns):
        text = (entry.text or "").strip()
        if text:
            for reason in check_source(text, "eval"):
                problems.append(problem(_owner_id(entry), f"output '{text}': {reason}", filename))
    for entry in root.iterfind(".//dmn:inputEntry/dmn:text", ns):
        text = (entry.text or "").strip()
        if text and text != "-":
            # Input entries may be partial ("> 60", "< ? < 5"); check them as `v <entry>` too.
            if check_source(text, "eval") and check_source(f"v {text}".replace("?", "v"), "eval"):
                for reason in check_source(text, "eval"):
                    problems.append(problem(_owner_id(entry), f"rule entry '{text}': {reason}", filename))
    return problems
