"""The checks a process model passes before it is stored.

Each problem names the BPMN element and says what to fix, in words an agency
admin can act on. Nothing is stored when any check fails.
"""
from __future__ import annotations

import re

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from .data_checks import check_data_references
from .elements import NS, element_of, label, label_of
from .extensions import PURPOSES, properties
from .loader import ParsedFiles, problem
from .forms import FormCatalog, form_name
from .scripting import check_source
from .structure_checks import check_structure, plain_task_warnings
from .timer_checks import DEFAULT_TIMER_MINIMUM, check_timers, is_duration
from ..vocabulary import ROLES, STAGES


def all_task_specs(spec, subprocess_specs):
    """(file name, task spec) for every task of a process and the processes it calls."""
    for process in [spec, *subprocess_specs.values()]:
        filename = getattr(process, "file", None)
        for task_spec in process.task_specs.values():
            yield (filename.rsplit("/", 1)[-1] if filename else None), task_spec


def _label(task_spec) -> str:
    return label(task_spec.bpmn_id, getattr(task_spec, "bpmn_name", None))


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
            elif form in forms.broken:
                problems.append(problem(bpmn_id, f"user task {_label(task_spec)} uses form '{form}', whose file "
                                                 f"cannot be used: {forms.broken[form]}; fix the file"))
            elif form not in forms:
                problems.append(problem(bpmn_id, f"user task {_label(task_spec)} uses form '{form}', which does "
                                                 f"not exist; available forms: {', '.join(forms.names()) or 'none'}"))
            ui_file = props.get("formUiSchemaFilename")
            if ui_file and form and ui_file.rsplit("/", 1)[-1] in forms.broken_ui:
                problems.append(problem(bpmn_id, f"user task {_label(task_spec)} names the UI schema "
                                                 f"{forms.broken_ui[ui_file.rsplit('/', 1)[-1]]}; fix the file"))
            elif ui_file and form and not forms.has_ui_file(ui_file):
                problems.append(problem(bpmn_id, f"user task {_label(task_spec)} names the UI schema file "
                                                 f"'{ui_file}', which is neither among the model's files nor in "
                                                 f"forms/ (property formUiSchemaFilename)"))
            due = props.get("dueIn")
            if due and not is_duration(due):
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


def check_xml(parsed: ParsedFiles, timer_minimum: str = DEFAULT_TIMER_MINIMUM) -> list[dict]:
    """Checks on the files as written: every element, reachable from a start event or not."""
    problems = []
    executable, every = _process_ids(parsed)
    for filename, root in parsed.trees.items():
        if parsed.kinds[filename] == "bpmn":
            problems.extend(_check_bpmn_tree(root, filename))
            problems.extend(check_timers(root, filename, timer_minimum))
            problems.extend(check_structure(root, filename, executable, every))
        else:
            problems.extend(_check_dmn_tree(root, filename))
    return problems


def check_data(parsed: ParsedFiles) -> list[dict]:
    """Data references SpiffWorkflow cannot resolve (it hangs on some: see data_checks)."""
    return [item for filename, root in parsed.trees.items() if parsed.kinds[filename] == "bpmn"
            for item in check_data_references(root, filename)]


def check_warnings(parsed: ParsedFiles) -> list[dict]:
    """What deploys but probably is not what the author meant."""
    return [item for filename, root in parsed.trees.items() if parsed.kinds[filename] == "bpmn"
            for item in plain_task_warnings(root, filename)]


def _process_ids(parsed: ParsedFiles) -> tuple[set[str], set[str]]:
    executable, every = set(), set()
    for filename, root in parsed.trees.items():
        if parsed.kinds[filename] == "bpmn":
            for process in root.iterfind(".//bpmn:process", NS):
                every.add(process.get("id"))
                if process.get("isExecutable", "true") == "true":  # as SpiffWorkflow reads it
                    executable.add(process.get("id"))
    return executable, every


def in_plain_words(reason: str) -> str:
    """What a script checker's reason means, for an administrator who is not a programmer."""
    if "imports are not allowed" in reason:
        return "it imports a module; scripts may use only the case's data and the date helpers"
    unavailable = re.search(r"'(\w+)' is not available in scripts", reason)
    if unavailable:
        return f"it uses '{unavailable.group(1)}', which scripts do not have"
    if 'starts with "_"' in reason or "__" in reason:
        return "it uses a name starting with _, which is reserved"
    if "not allowed" in reason:
        return "it does something scripts may not do"
    return "it is not valid Python (check the brackets, quotes, colons and indentation)"


_SCRIPT_WORDS = {"script": "the script", "preScript": "the script before", "postScript": "the script after"}


def _script_problems(task, text: str, what: str, filename) -> list[dict]:
    return [problem(task.get("id"), f"{_SCRIPT_WORDS[what]} of {label_of(task)} cannot run: {in_plain_words(reason)}",
                    filename, detail=reason)
            for reason in check_source(text, "exec")]


def _check_bpmn_tree(root, filename) -> list[dict]:
    problems = []
    for script in root.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        problems.extend(_script_problems(element_of(script), script.text or "", "script", filename))
    for tag in ("preScript", "postScript"):
        for script in root.iterfind(f".//spiffworkflow:{tag}", NS):
            problems.extend(_script_problems(element_of(script), script.text or "", tag, filename))
    for condition in root.iterfind(".//bpmn:sequenceFlow/bpmn:conditionExpression", NS):
        flow = condition.getparent()  # the flow, not the expression's own id
        text = (condition.text or "").strip()
        if not text:
            problems.append(problem(flow.get("id"), f"the condition of flow {label_of(flow)} is empty; write one "
                                                    "(conditions are Python expressions, e.g. eligible == True) or "
                                                    "make this the gateway's default flow", filename))
            continue
        for reason in check_source(text, "eval"):
            problems.append(problem(flow.get("id"), f"the condition '{text}' of flow {label_of(flow)} cannot be "
                                                    f"checked: {in_plain_words(reason)} (conditions are Python "
                                                    "expressions, e.g. eligible == True)", filename, detail=reason))
    return problems


def _owner_id(node) -> str | None:
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


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
