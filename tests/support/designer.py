"""The designer's tests: the shipped lifecycle diagram as text, the reassessment timer it
has and the one a test swaps in, files a designer must refuse, and deploying a changed diagram."""
from __future__ import annotations

from datetime import datetime

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
