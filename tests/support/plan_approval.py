"""Answers for the small diagram most tests run (tests/processes/plan_approval.bpmn)."""
from __future__ import annotations

PLAN = {"goal": "Meals delivered five days a week", "target_date": "2026-03-01"}
