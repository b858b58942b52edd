"""The server-rendered form: sections and their progress for a long form, the RJSF UI keys it
honours, and messages shown on the row or group they concern."""
from __future__ import annotations

import json

from tests.support.lifecycle import PLAN, assessed
from tests.support.paths import FORMS
from web.form_render import FormRenderer
from web.form_sections import complete, leaves, plan, progress


def form(name: str) -> tuple[dict, dict]:
    ui = FORMS / f"{name}.uischema.json"
    return json.loads((FORMS / f"{name}.schema.json").read_text()), json.loads(ui.read_text()) if ui.exists() else {}


def test_the_assessment_is_in_sections_and_counts_them():
    schema, ui = form("assessment")
    sections = plan(schema, ui, {})
    assert [s.title for s in sections] == ["Domains", "Living arrangements, language preference and literacy",
                                           "Risk screen", "Progress on each goal of the plan", "Assessment summary",
                                           "Significant change that prompted this reassessment"]
    assert len(sections[0].children) == 14 and progress(sections) == (0, 17)
    half = assessed()
    half["domains"] = dict(list(half["domains"].items())[:7])
    del half["summary"]
    assert progress(plan(schema, ui, half)) == (9, 17)  # 7 domains, living and language, risk screen
    assert progress(plan(schema, ui, assessed())) == (17, 17)


def test_a_group_is_done_with_its_rows_and_an_untouched_row_counts_for_nothing():
    schema, _ = form("service_plan")
    goals = schema["properties"]["goals"]
    assert complete(goals, PLAN["goals"])
    assert not complete(goals, [])  # minItems
    assert not complete(goals, PLAN["goals"] + [{"goal": "Walk", "objectives": []}])
    assert complete(goals, PLAN["goals"] + [{}])
    sections = {s.title: s for s in plan(schema, form("service_plan")[1], PLAN)}
    assert not sections["Costs"].counted and sections["Goals"].done


def test_a_short_form_has_no_outline():
    schema, ui = form("approval")
    assert plan(schema, ui, {}) == []
    assert 'data-section' not in FormRenderer(schema, ui).render()


def test_sections_are_fieldsets_with_legends_and_runs_of_fields_are_held_together():
    schema, ui = form("assessment")
    html = str(FormRenderer(schema, ui, {}).render())
    assert '<fieldset class="group" id="f-domains-legal" data-section="true" data-counted="true">' in html
    assert '<fieldset class="group form-section" id="s-living_arrangements" data-counted="true">' in html
    assert '<textarea name="domains/legal/needs" id="f-domains-legal-needs" rows="2"' in html
    assert [s.id for s in leaves(FormRenderer(schema, ui).sections)][-2:] == ["s-summary", "f-significant_change"]


def test_ui_keys_help_placeholder_widgets_and_order():
    schema = {"type": "object", "required": ["when"], "properties": {
        "note": {"type": "string", "title": "Note"},
        "when": {"type": "string", "title": "When"},
        "how": {"type": "string", "title": "How", "enum": ["phone", "visit"]},
        "seen": {"type": "array", "title": "Seen", "items": {"type": "string", "enum": ["client", "family"]}}}}
    ui = {"ui:order": ["when", "*"], "when": {"ui:widget": "date", "ui:help": "The day you met."},
          "note": {"ui:widget": "textarea", "ui:placeholder": "What happened", "ui:options": {"rows": 6}},
          "how": {"ui:widget": "radio"}, "seen": {"ui:widget": "checkboxes"}}
    html = str(FormRenderer(schema, ui).render())
    assert html.index('name="when"') < html.index('name="note"') < html.index('name="how"')
    assert ('<input type="date" name="when" id="f-when" value="" aria-describedby="f-when-help" '
            'aria-required="true">') in html
    assert '<p class="hint help" id="f-when-help">The day you met.</p>' in html
    assert '<textarea name="note" id="f-note" rows="6" placeholder="What happened">' in html
    assert 'type="radio" name="how" value="phone"' in html and 'type="checkbox" name="seen" value="family"' in html


def test_a_rule_about_a_row_shows_on_the_row_and_a_group_message_on_the_group():
    schema, ui = form("service_plan")
    rendered = FormRenderer(schema, ui, PLAN, [
        {"field": "participants/1", "message": "Carol holds no task in the plan"},
        {"field": "goals/0/objectives", "message": "Goal 1 needs at least one objective"}])
    html = str(rendered.render())
    assert ('<fieldset class="row has-error" id="f-participants-1" aria-describedby="f-participants-1-error" '
            'aria-invalid="true">') in html
    assert 'id="f-goals-0-objectives-error"><span class="visually-hidden">Error:</span> Goal 1 needs' in html
    assert rendered._label_for("goals/0/objectives/0/frequency") == "Goal 1 › Objective 1 › How often"
    assert rendered.current_section == "f-goals"
    assert {s.id for s in leaves(rendered.sections) if s.has_error} == {"f-goals", "f-participants"}
