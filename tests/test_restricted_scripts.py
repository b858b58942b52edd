"""Scripts in diagrams run restricted; an escape that reaches run time fails only its case."""
from __future__ import annotations

import pytest

from engine.definitions.scripting import RestrictedEnvironment, ScriptRejected
from tests.support.bpmn_samples import one_task_process
from tests.support.people import ADULT
from engine.policy import operator


@pytest.fixture
def env():
    return RestrictedEnvironment()


def test_ordinary_agency_scripts_work(env):
    data = {"client": {"birth_date": "1950-02-03"}, "goals": [{"done": True}, {"done": False}]}
    env.execute("age = 2026 - int(client['birth_date'][:4])\n"
                "open_goals = len([g for g in goals if not g['done']])\n"
                "total = 0\nfor g in goals:\n    total += 1\n", data)
    assert (data["age"], data["open_goals"], data["total"]) == (76, 1, 2)
    assert env.evaluate("age >= 60 and open_goals > 0", data) is True
    assert env.evaluate("P90D", {}) == "P90D", "timers may be bare ISO-8601"


@pytest.mark.parametrize("escape", [
    "__import__('os').system('true')",
    "x = ().__class__.__bases__[0].__subclasses__()",
    "import os",
    "x = getattr((), '__class__')",
    "x = open('/etc/passwd').read()",
    "x = type(1)",
    "x = 'a'.format",
])
def test_escapes_never_execute(env, escape):
    with pytest.raises(Exception) as caught:
        env.execute(escape, {})
    assert isinstance(caught.value, (ScriptRejected, NameError, AttributeError, ImportError, SyntaxError,
                                         NotImplementedError))


def test_a_script_that_got_past_deploy_fails_only_its_case(case_engine, people, monkeypatch, tmp_path):
    marker = tmp_path / "pwned"
    hostile = one_task_process("legacy", script=f"__import__('os').system('touch {marker}')")
    # A diagram stored before today's checks existed: skip the deploy-time script check.
    monkeypatch.setattr("engine.definitions.catalog.check_xml", lambda parsed, *limits: [])
    case_engine.processes.deploy(operator("ada"), [("legacy.bpmn", hostile.encode())])
    monkeypatch.undo()

    failed = case_engine.cases.open_case(people["carol"], ADULT, model_id="legacy")
    assert failed["status"] == "error"
    assert failed["error"]["element_id"] == "run_script" and "__import__" in failed["error"]["message"]
    assert failed["tasks"] == []
    assert not marker.exists(), "the script never ran"

    healthy = case_engine.cases.open_case(people["carol"], ADULT, confirm_new_client=True)
    assert healthy["status"] == "active" and healthy["tasks"], "other cases go on"
    audit = case_engine.record.audit(people["ada"], failed["id"])
    assert [e["kind"] for e in audit if e["kind"] == "incident"] == ["incident"]
