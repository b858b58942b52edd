"""The designer's tests: the shipped lifecycle diagram as text, the reassessment timer it
has and the one a test swaps in, files a designer must refuse, and deploying a changed diagram."""
from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import expect

from tests.support.paths import PROCESSES

LIFECYCLE = (PROCESSES / "case_lifecycle.bpmn").read_text()
TIMER_90 = "<bpmn:timeDate>next_reassessment_at</bpmn:timeDate>"
TIMER_60 = "<bpmn:timeDuration>P60D</bpmn:timeDuration>"

HOSTILE = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>',
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
                      b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;">]><bpmn:definitions '
                      b'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&c;</bpmn:definitions>',
    "50 MB": b"<bpmn:definitions>" + b" " * (50 * 1024 * 1024) + b"</bpmn:definitions>",
}


def deploy_with(case_engine, people, content: str) -> int:
    """Save `content` as ada's draft of case_lifecycle.bpmn (it must check clean) and deploy it."""
    ada = people["ada"]
    saved = case_engine.designer.save_process_draft(ada, "case_lifecycle", "case_lifecycle.bpmn", content.encode())
    assert saved["problems"] == []
    return case_engine.designer.deploy_process_drafts(ada, "case_lifecycle")["version"]


def reassessment_due(story) -> datetime:
    return datetime.fromisoformat(story.timers()["reassessment_due"])


def open_in_designer(page, server, model: str, first_file: str | None = None) -> None:
    page.goto(f"{server.url}/designer/models/{model}")
    if first_file:
        expect(page.locator("#designer")).to_have_attribute("data-ready", first_file)
    else:
        expect(page.locator("#designer")).to_have_attribute("data-ready", re.compile(r"\.(bpmn|dmn)$"))


def open_file_tab(page, filename: str) -> None:
    page.locator(f"#file-tabs [data-file='{filename}']").click()
    expect(page.locator("#designer")).to_have_attribute("data-ready", filename)


def version_files(page, server, model: str, version: int) -> dict[str, str]:
    """What `GET /api/process-models/{model}/versions/{version}` says was deployed."""
    response = page.request.get(f"{server.url}/api/process-models/{model}/versions/{version}")
    assert response.ok, response.text()
    return response.json()["files"]
