"""Parse uploaded BPMN and DMN files safely and turn them into SpiffWorkflow specs.

Uploads come from agency staff and over HTTP, so XML is parsed with entity
resolution, DTD loading and network access off, and any DOCTYPE is refused
outright (BPMN never needs one; it is how XXE and "billion laughs" attacks
start). Files over the size limit are refused before parsing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..errors import DeploymentInvalid

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
)
DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_pis=True,
    )


def problem(element_id: str | None, message: str, filename: str | None = None, detail: str | None = None) -> dict:
    """One deploy problem: a plain sentence naming the element, and the checker's own words
    (a parser's message, say) as `detail` when they help."""
    found = {"element_id": element_id, "message": message}
    if filename:
        found["file"] = filename
    if detail:
        found["detail"] = detail
    return found


def parse_xml(content: bytes, filename: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> etree._Element:
    if len(content) > max_bytes:
        raise DeploymentInvalid(
            f"{filename} is {len(content):,} bytes; the limit is {max_bytes:,}",
            [problem(None, f"file is larger than {max_bytes // (1024 * 1024)} MB; "
                           "a process diagram is normally well under 1 MB", filename)])
    head = content[:4096].upper() if len(content) > 4096 else content.upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in content.upper():
        raise DeploymentInvalid(
            f"{filename} declares a DOCTYPE or entities, which are not allowed",
            [problem(None, "remove the <!DOCTYPE …> / <!ENTITY …> declarations: BPMN and DMN files "
                           "never need them, and they are refused for security", filename)])
    try:
        root = etree.fromstring(content, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise DeploymentInvalid(
            f"{filename} is not well-formed XML",
            [problem(None, f"not well-formed XML at line {exc.lineno}: {exc.msg}", filename)]) from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise DeploymentInvalid(f"{filename} declares a DTD", [problem(None, "DTDs are not allowed", filename)])
    return root


def kind_of(root: etree._Element) -> str:
    namespace = etree.QName(root).namespace
    if namespace == BPMN_NS:
        return "bpmn"
    if namespace in DMN_NAMESPACES:
        return "dmn"
    return "unknown"


@dataclass
class ParsedFiles:
    parser: SpiffBpmnParser
    trees: dict[str, etree._Element] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    warnings: list[dict] = field(default_factory=list)  # deployable, but worth the author's look
    form_files: list[str] = field(default_factory=list)  # the model's own forms, stored with it

    def process_ids(self) -> list[str]:
        return self.parser.get_process_ids()

    def top_level_process_ids(self) -> list[str]:
        """Executable processes that no other process in the files calls (files that passed spiff_problems)."""
        called = set()
        for pid in self.process_ids():
            called.update(self.parser.get_subprocess_specs(pid).keys())
        return [pid for pid in self.process_ids() if pid not in called]

    def files_for(self, process_id: str) -> list[str]:
        """The BPMN files the process needs (its own and those it calls) plus every DMN and form file."""
        needed = {self.parser.get_process_parser(process_id).filename}
        for sub_id in self.parser.get_subprocess_specs(process_id):
            sub = self.parser.get_process_parser(sub_id)
            if sub is not None:
                needed.add(sub.filename)
        needed.update(name for name, kind in self.kinds.items() if kind == "dmn")
        needed.update(self.form_files)
        return sorted(needed)


def load_files(files: list[tuple[str, bytes]], max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> ParsedFiles:
    """Parse BPMN/DMN files into one SpiffWorkflow parser; raise DeploymentInvalid on any error."""
    if not files:
        raise DeploymentInvalid("no BPMN or DMN files were given", [problem(None, "upload at least one .bpmn file")])
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parsed = ParsedFiles(parser)
    problems: list[dict] = []
    for filename, content in files:
        try:
            root = parse_xml(content, filename, max_bytes)
        except DeploymentInvalid as exc:
            problems.extend(exc.details)
            continue
        kind = kind_of(root)
        if kind == "unknown":
            problems.append(problem(None, "not a BPMN 2.0 or DMN file (unknown root namespace)", filename))
            continue
        parsed.trees[filename] = root
        parsed.kinds[filename] = kind
    if problems:
        raise DeploymentInvalid("some files could not be read", problems)
    # DMN first: business rule tasks look their decision tables up while BPMN is parsed.
    for filename in sorted(parsed.trees, key=lambda n: parsed.kinds[n] != "dmn"):
        try:
            if parsed.kinds[filename] == "dmn":
                parser.add_dmn_xml(parsed.trees[filename], filename)
            else:
                parser.add_bpmn_xml(parsed.trees[filename], filename)
        except ValidationException as exc:
            problems.append(problem(exc.id or None, _describe(exc), filename))
        except Exception as exc:  # lxml schema errors and Spiff parser failures
            problems.append(problem(None, str(exc), filename))
    if problems:
        raise DeploymentInvalid("the process model is not valid BPMN", problems)
    if not parsed.process_ids():
        raise DeploymentInvalid("no executable process found",
                                [problem(None, "mark the process as executable (isExecutable=\"true\")")])
    return parsed


def _describe(exc: ValidationException) -> str:
    message = " ".join(str(exc).split("\n")[0].split())
    if exc.id:
        what = re.sub(r"(?<=[a-z])([A-Z])", lambda m: " " + m.group(1).lower(), (exc.tag or "").removeprefix("bpmn:"))
        name = " ".join((exc.name or "").split())  # one line, however the modeler wrapped it
        element = f"'{name}' ({exc.id})" if name else exc.id
        message = f"{what} {element}: {message}".strip()
    if exc.line_number:
        message += f" (line {exc.line_number})"
    return message


def spiff_problems(parsed: ParsedFiles) -> list[dict]:
    """SpiffWorkflow's own validation of every process and what it calls, one problem per process.

    This must be the first time the processes are built: SpiffWorkflow keeps a process's
    spec before it has finished building it, so asked again after a failure it hands back
    the half-built spec without complaint (and cases started on it fail)."""
    problems = []
    for process_id in parsed.process_ids():
        try:
            parsed.parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            problems.append(problem(exc.id or None, _describe(exc), exc.file_name or None))
    return problems


def build_specs(parsed: ParsedFiles, process_id: str):
    """(spec, subprocess_specs) for a process; raises DeploymentInvalid naming the element."""
    try:
        return parsed.parser.get_spec(process_id), parsed.parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        raise DeploymentInvalid("the process model is not valid",
                                [problem(exc.id or None, _describe(exc), exc.file_name)]) from None
