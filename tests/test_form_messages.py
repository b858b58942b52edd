"""The server's form messages are words about the form, not JSON: a repeating item is named by
its title and ordinal ("Goal 2 needs at least one objective", not "[] should be non-empty"),
and each message carries the path of the field it belongs beside."""
from __future__ import annotations

import copy

import pytest

from engine.definitions.forms import FormCatalog
from engine.errors import InvalidData
from tests.support.lifecycle import PLAN
from tests.support.paths import FORMS


def details(form: str, data: dict) -> dict[str, str]:
    with pytest.raises(InvalidData) as refused:
        FormCatalog(FORMS).validate(form, data)
    return {d["field"]: d["message"] for d in refused.value.details}


def test_an_empty_repeating_group_is_named_with_its_items_ordinal():
    plan = copy.deepcopy(PLAN)
    plan["goals"].append({"goal": "Walk to the shop", "measure": "Twice a week", "target_date": "2026-04-01",
                          "objectives": []})
    assert details("service_plan", plan) == {"goals/1/objectives": "Goal 2 needs at least one objective"}


def test_a_missing_repeating_group_reads_the_same():
    plan = copy.deepcopy(PLAN)
    plan["goals"].append({"goal": "Walk to the shop", "measure": "Twice a week", "target_date": "2026-04-01"})
    assert details("service_plan", plan) == {"goals/1/objectives": "Goal 2 needs at least one objective"}


def test_required_fields_inside_items_say_which_item():
    plan = copy.deepcopy(PLAN)
    plan["goals"][0]["objectives"].append({"objective": "Physiotherapy"})
    plan["goals"][0]["measure"] = ""
    assert details("service_plan", plan) == {
        "goals/0/measure": "this field is required for goal 1",
        "goals/0/objectives/1/frequency": "this field is required for objective 2 of goal 1"}


def test_top_level_groups_and_fields():
    plan = copy.deepcopy(PLAN)
    plan["tasks"] = []
    del plan["participants"], plan["plain_language_summary"]
    assert details("service_plan", plan) == {"participants": "add at least one participant",
                                             "tasks": "add at least one task",
                                             "plain_language_summary": "this field is required"}


def test_other_messages_are_left_as_jsonschema_says_them():
    plan = copy.deepcopy(PLAN)
    plan["goals"][0]["target_date"] = "soon"
    assert details("service_plan", plan) == {"goals/0/target_date": "'soon' is not a 'date'"}
