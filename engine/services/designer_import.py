"""New process models and imported files for the designer: a starter diagram, and a
model folder read from a .zip without trusting it.

A zip is read member by member with hard limits (how many files, how big each one and
all together, counted as they are read, not as the archive claims), and every name must
stay inside the one folder: no absolute paths, no `..`, no links, no encrypted members,
no folders inside the folder. Anything else is refused with the reason, before a
single file is stored.
"""
from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from xml.sax.saxutils import quoteattr

from ..definitions.forms import MODEL_METADATA
from ..definitions.layout import with_drawing
from ..errors import InvalidData

MAX_ZIP_FILES = 50
MAX_ZIP_TOTAL_BYTES = 10 * 1024 * 1024
MODEL_FILE_SUFFIXES = (".bpmn", ".dmn", ".json")
MODEL_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,119}$")
_IGNORED = ("__MACOSX/", ".DS_Store")


def model_id_from(name: str) -> str:
    """"Home visit" -> "home_visit": a process id an agency can read."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    if slug and slug[0].isdigit():
        slug = "p_" + slug
    return slug[:120]


def check_model_id(model_id: str) -> None:
    if not isinstance(model_id, str) or not MODEL_ID.match(model_id):
        raise InvalidData("the process id is not usable", [{
            "field": "model_id", "message": "letters, digits, _ and -, starting with a letter (at most 120)"}])


def starter_bpmn(model_id: str, name: str, form_file: str) -> bytes:
    """A start event, one case manager's task on `form_file`, an end event, drawn."""
    task = f"{model_id}_task"
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs_{model_id}" targetNamespace="http://casepath.org/processes">
  <bpmn:process id="{model_id}" name={quoteattr(name)} isExecutable="true">
    <bpmn:laneSet id="{model_id}_lanes">
      <bpmn:lane id="{model_id}_case_manager" name="case_manager">
        <bpmn:flowNodeRef>{model_id}_start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{task}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{model_id}_end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="{model_id}_start" name="Started"/>
    <bpmn:sequenceFlow id="{model_id}_f1" sourceRef="{model_id}_start" targetRef="{task}"/>
    <bpmn:userTask id="{task}" name={quoteattr(name)}>
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value={quoteattr(form_file)}/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="{model_id}_f2" sourceRef="{task}" targetRef="{model_id}_end"/>
    <bpmn:endEvent id="{model_id}_end" name="Done"/>
  </bpmn:process>
</bpmn:definitions>
"""
    return with_drawing(xml.encode("utf-8"))


def _refuse(reason: str) -> InvalidData:
    return InvalidData(f"the zip was refused: {reason}", [{"field": "file", "message": reason}])


def read_model_zip(data: bytes, max_file_bytes: int, max_files: int = MAX_ZIP_FILES,
                   max_total: int = MAX_ZIP_TOTAL_BYTES) -> tuple[list[tuple[str, bytes]], dict]:
    """([(filename, content)], process_model.json or {}) of a zipped model folder."""
    if len(data) > max_total:
        raise _refuse(f"it is larger than {max_total // (1024 * 1024)} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse("it is not a readable .zip file") from None
    members = [m for m in members if not m.is_dir() and not any(m.filename.startswith(i) or m.filename.endswith(i)
                                                                  for i in _IGNORED)]
    if len(members) > max_files:
        raise _refuse(f"it holds {len(members)} files; at most {max_files} are accepted")
    folders = set()
    for member in members:
        name = member.filename
        parts = name.split("/")
        if (name.startswith(("/", "\\")) or "\\" in name or ":" in name or "\0" in name
                or any(p in ("", ".", "..") for p in parts)):
            raise _refuse(f"'{name[:120]}' points outside the model folder")
        if len(parts) > 2:
            raise _refuse(f"'{name[:120]}' is in a folder inside the model folder; zip one folder of files")
        if len(parts) == 2:
            folders.add(parts[0])
        if stat.S_ISLNK(member.external_attr >> 16):
            raise _refuse(f"'{name[:120]}' is a link")
        if member.flag_bits & 0x1:
            raise _refuse(f"'{name[:120]}' is encrypted")
    if len(folders) > 1 or (folders and any("/" not in m.filename for m in members)):
        raise _refuse("it holds more than one folder; zip one model folder")
    files, metadata, total = [], {}, 0
    for member in members:
        base = member.filename.rsplit("/", 1)[-1]
        if not base.lower().endswith(MODEL_FILE_SUFFIXES):
            continue  # notes, pictures: not part of what deploys
        with archive.open(member) as stream:  # read no more than the limit, whatever the header claims
            content = stream.read(max_file_bytes + 1)
        if len(content) > max_file_bytes:
            raise _refuse(f"'{base}' is larger than {max_file_bytes // (1024 * 1024)} MB")
        total += len(content)
        if total > max_total:
            raise _refuse(f"its files add up to more than {max_total // (1024 * 1024)} MB")
        if base == MODEL_METADATA:
            try:
                metadata = json.loads(content.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise _refuse(f"{MODEL_METADATA} is not valid JSON") from None
            if not isinstance(metadata, dict):
                metadata = {}
            continue
        files.append((base, content))
    if not any(n.endswith((".bpmn", ".dmn")) for n, _ in files):
        raise _refuse("it holds no .bpmn or .dmn file")
    return files, metadata
