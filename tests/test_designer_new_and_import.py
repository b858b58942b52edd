"""New processes and imported model folders in the designer's engine: drafts only, checked,
refused with the reason (an id taken, a hostile zip), deployed like any other draft."""
from __future__ import annotations

import io
import zipfile

import pytest

from engine.errors import Conflict, InvalidData
from engine.services.designer_import import model_id_from, read_model_zip
from tests.support.paths import TESTS

pytestmark = pytest.mark.lifecycle
INVOICE = TESTS / "spiffarena" / "invoice-approval"


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def folder_zip() -> bytes:
    return zipped({f"invoice-approval/{p.name}": p.read_bytes() for p in INVOICE.iterdir()})


def test_a_new_process_is_a_checked_draft_that_deploys(case_engine, people):
    ada = people["ada"]
    assert model_id_from("Home visit") == "home_visit"
    result = case_engine.designer.new_model(ada, "home_visit", "Home visit", "contact")
    assert result["problems"] == [] and result["deployed_version"] is None
    assert case_engine.designer.version_history(ada, "home_visit") == []
    files = case_engine.designer.model_files(ada, "home_visit", with_drafts=True)
    assert files["version"] is None and "BPMNDiagram" in files["files"][0]["content"]
    assert [d["model"] for d in case_engine.designer.draft_models(ada)] == ["home_visit"]
    with pytest.raises(Conflict, match="'home_visit' already exists"):
        case_engine.designer.new_model(ada, "home_visit", "Home visit", "contact")
    assert case_engine.designer.deploy_process_drafts(ada, "home_visit") == {
        "model": "home_visit", "version": 1, "created": True}
    with pytest.raises(Conflict, match="'home_visit' already exists"):
        case_engine.designer.new_model(ada, "home_visit", "Home visit", "contact")
    with pytest.raises(InvalidData):
        case_engine.designer.new_model(ada, "other", "Other", "no_such_form")


def test_a_zipped_spiffarena_folder_imports_as_drafts_with_its_forms(case_engine, people):
    ada = people["ada"]
    result = case_engine.designer.import_files(ada, [("invoice.zip", folder_zip())])
    assert result["model"] == "invoice_approval" and result["problems"] == []
    assert "Submit-the-invoice-schema.json" in result["files"]
    assert case_engine.designer.deploy_process_drafts(ada, "invoice_approval")["created"]
    stored = case_engine.designer.model_files(ada, "invoice_approval")["files"]
    assert "Submit-the-invoice-schema.json" in [f["filename"] for f in stored]


@pytest.mark.parametrize("entries, reason", [
    ({"../evil.bpmn": b"<x/>"}, "outside the model folder"),
    ({"/abs.bpmn": b"<x/>"}, "outside the model folder"),
    ({"a/b/c.bpmn": b"<x/>"}, "folder inside the model folder"),
    ({"a/x.bpmn": b"<x/>", "b/y.bpmn": b"<x/>"}, "more than one folder"),
    ({f"m/f{i}.bpmn": b"<x/>" for i in range(60)}, "at most 50"),
    ({"m/big.bpmn": b" " * (3 * 1024 * 1024)}, "larger than"),
    ({"m/readme.txt": b"hi"}, "no .bpmn or .dmn"),
])
def test_hostile_zips_are_refused_with_the_reason(entries, reason):
    with pytest.raises(InvalidData, match="refused") as refused:
        read_model_zip(zipped(entries), 2 * 1024 * 1024)
    assert reason in refused.value.details[0]["message"]


def test_a_broken_zip_and_a_link_are_refused():
    with pytest.raises(InvalidData, match="not a readable"):
        read_model_zip(b"PK\x03\x04 not really", 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("m/x.bpmn")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(InvalidData, match="is a link"):
        read_model_zip(buffer.getvalue(), 1024)
