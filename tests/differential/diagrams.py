"""The corpus: which diagrams run, with which files, parsed once per file.

Each corpus folder is read the way SpiffWorkflow's own tests read it (plain BPMN
with DMN, Camunda, Spiff extensions); casepath always reads with its loader,
which is Spiff's parser behind casepath's safety and schema checks. A diagram is
its file plus the files defining the processes it calls and every DMN file of
the folder, and it runs each process no other process in those files calls.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.definitions.loader import build_specs, load_files

CORPUS = Path(__file__).parent / "corpus"
FOLDERS = {"bpmn": BpmnDmnParser, "spiff": SpiffBpmnParser, "camunda": CamundaParser}
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class Diagram:
    folder: str
    path: str  # inside the folder, e.g. "Test-Workflows/Parallel-Looping-After-Join.bpmn20.xml"

    @property
    def key(self) -> str:
        return f"{self.folder}/{self.path}"

    @property
    def file(self) -> Path:
        return CORPUS / self.folder / self.path


def _is_bpmn(path: Path) -> bool:
    return path.name.endswith((".bpmn", ".bpmn20.xml"))


def _tree(path: Path):
    return etree.parse(str(path)).getroot()


@functools.cache
def _process_files(folder: str) -> dict[str, list[Path]]:
    """process id -> the files of the folder that define it."""
    found: dict[str, list[Path]] = {}
    for path in sorted((CORPUS / folder).rglob("*")):
        if _is_bpmn(path):
            for process in _tree(path).iter(f"{{{BPMN}}}process"):
                found.setdefault(process.get("id"), []).append(path)
    return found


def _called(path: Path) -> set[str]:
    return {node.get("calledElement") for node in _tree(path).iter(f"{{{BPMN}}}callActivity")
            if node.get("calledElement")}


def files_of(diagram: Diagram) -> list[Path]:
    """The diagram's file, the files of the processes it calls (nearest first), every DMN file."""
    files, todo = [diagram.file], [diagram.file]
    defined = {p.get("id") for p in _tree(diagram.file).iter(f"{{{BPMN}}}process")}
    while todo:
        for process_id in sorted(_called(todo.pop())):
            candidates = _process_files(diagram.folder).get(process_id, [])
            if process_id in defined or not candidates:
                continue
            # Several files may define a process (variants for other tests): take the nearest.
            nearest = sorted(candidates, key=lambda p: (p.parent != diagram.file.parent, str(p)))[0]
            defined.update(p.get("id") for p in _tree(nearest).iter(f"{{{BPMN}}}process"))
            files.append(nearest)
            todo.append(nearest)
    files += sorted(p for p in (CORPUS / diagram.folder).rglob("*.dmn"))
    return files


def all_diagrams() -> list[Diagram]:
    return [Diagram(folder, str(path.relative_to(CORPUS / folder)))
            for folder in FOLDERS for path in sorted((CORPUS / folder).rglob("*")) if _is_bpmn(path)]


def top_level_processes(parser, diagram: Diagram) -> list[str]:
    own = [p.get("id") for p in _tree(diagram.file).iter(f"{{{BPMN}}}process")
           if p.get("isExecutable", "true") == "true"]
    called = set()
    for path in files_of(diagram):
        if _is_bpmn(path):
            called |= _called(path)
    return [pid for pid in own if pid not in called and pid in parser.get_process_ids()]


@functools.cache
def raw_specs(diagram: Diagram) -> dict[str, tuple]:
    """process id -> (spec, subprocess specs), as SpiffWorkflow's own tests parse them."""
    parser = FOLDERS[diagram.folder](validator=BpmnValidator())
    for path in files_of(diagram):
        if path.suffix == ".dmn":
            parser.add_dmn_file(str(path))
        else:
            parser.add_bpmn_file(str(path))
    return {pid: (parser.get_spec(pid), parser.get_subprocess_specs(pid))
            for pid in top_level_processes(parser, diagram)}


@functools.cache
def casepath_specs(diagram: Diagram) -> dict[str, tuple]:
    """process id -> (spec, subprocess specs), through casepath's loader."""
    parsed = load_files([(p.name, p.read_bytes()) for p in files_of(diagram)])
    return {pid: build_specs(parsed, pid) for pid in top_level_processes(parsed.parser, diagram)}
