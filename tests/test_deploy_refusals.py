"""Deploy refuses what cannot run: each story uploads a diagram a case start would fail on,
and deploy answers 422 naming the element (on one line) and what is expected, with nothing stored."""
from __future__ import annotations

import io
import threading

import pytest

from engine.definitions.forms import FormCatalog
from engine.errors import DeploymentInvalid
from engine.facade import CaseEngine
from engine.policy import operator
from tests.support.bpmn_samples import START_END, flows, one_task_process, process, script
from tests.support.paths import TESTS
from web.config import ConfigError, Settings


def upload(client, *files: tuple[str, str]):
    data = {"files": [(io.BytesIO(text.encode()), name) for name, text in files]}
    return client.post("/api/process-models", data=data, content_type="multipart/form-data")


def refused(client, *files: tuple[str, str]) -> list[dict]:
    """Upload the files; deploy must answer 422 and store no version. The problems it names."""
    before = client.get("/api/process-models").get_json()
    response = upload(client, *files)
    assert response.status_code == 422, response.get_json()
    assert client.get("/api/process-models").get_json() == before, "a refused deploy stores nothing"
    return response.get_json()["error"]["details"]


def names(details: list[dict], element_id: str, *words: str) -> dict:
    """The one problem on `element_id`; it says every one of `words`, on one line."""
    found = [d for d in details if d["element_id"] == element_id]
    assert len(found) == 1, details
    assert all(word in found[0]["message"] for word in words), found[0]
    assert "\n" not in found[0]["message"]
    return found[0]


def test_spiffworkflows_own_refusal_is_reported_on_its_element_not_swallowed(login):
    """An admin deploys a process with no start event. SpiffWorkflow refuses to build it; deploy
    used to swallow that, keep the half-built process, and every case start on it answered 422."""
    body = script("only") + '<bpmn:endEvent id="end"/>' + flows("only>end")
    details = refused(login("ada"), ("sample.bpmn", process(body, name="Home&#10;  visit")))
    names(details, "sample", "'Home visit' (sample)", "No start event found")


def test_a_gateway_whose_second_flow_has_no_condition_is_refused_naming_the_flow(login):
    """An admin deploys a gateway whose second flow has no condition and is not its default."""
    gateway = ('<bpmn:exclusiveGateway id="eligible_gw" name="Eligible?"/>'
               '<bpmn:sequenceFlow id="flow_yes" name="Yes" sourceRef="eligible_gw" targetRef="enrol">'
               '<bpmn:conditionExpression id="Expression_yes">eligible == True</bpmn:conditionExpression>'
               '</bpmn:sequenceFlow>'
               '<bpmn:sequenceFlow id="flow_no" name="Not&#10;eligible" sourceRef="eligible_gw" targetRef="refer"/>')
    body = START_END + gateway + script("enrol") + script("refer") + flows("start>eligible_gw", "enrol>end",
                                                                          "refer>end")
    details = refused(login("ada"), ("sample.bpmn", process(body)))
    names(details, "flow_no", "'Not eligible' (flow_no)", "'Eligible?' (eligible_gw)",
          "conditions are Python expressions", "default flow")
    assert [d["element_id"] for d in details] == ["flow_no"]

    # An empty condition is reported on its flow too, not on the expression's own id.
    empty = body.replace('<bpmn:conditionExpression id="Expression_yes">eligible == True',
                         '<bpmn:conditionExpression id="Expression_yes">')
    details = refused(login("ada"), ("sample.bpmn", process(empty)))
    names(details, "flow_yes", "'Yes' (flow_yes)", "empty")
    assert "Expression_yes" not in [d["element_id"] for d in details]


def test_a_task_with_two_unconditioned_flows_is_refused_naming_the_task(login):
    """SpiffWorkflow 3.2 will not build a task with two outgoing flows ("Multiple outgoing flows
    are not supported"), so no case could start: deploy refuses and says to use a gateway."""
    body = (START_END + script("triage", name="Triage\n  the referral") + script("call") + script("write")
            + flows("start>triage", "triage>call", "triage>write", "call>end", "write>end"))
    details = refused(login("ada"), ("sample.bpmn", process(body)))
    names(details, "triage", "'Triage the referral' (triage)", "2 outgoing flows", "parallel gateway",
          "exclusive gateway")


def test_an_embedded_subprocess_with_two_start_events_is_refused_naming_it(login):
    sub = ('<bpmn:subProcess id="assess" name="Assess needs"><bpmn:startEvent id="sub_a"/>'
           '<bpmn:startEvent id="sub_b"/>' + script("score") + '<bpmn:endEvent id="sub_end"/>'
           + flows("sub_a>score", "sub_b>score", "score>sub_end") + '</bpmn:subProcess>')
    details = refused(login("ada"), ("sample.bpmn", process(START_END + sub + flows("start>assess", "assess>end"))))
    names(details, "assess", "'Assess needs' (assess)", "2 start events", "exactly one")


def test_a_data_association_to_nothing_is_refused_naming_its_task(login):
    reads = ('<bpmn:dataInputAssociation id="DataInputAssociation_1"><bpmn:sourceRef>household_ref'
             '</bpmn:sourceRef><bpmn:targetRef>summarise</bpmn:targetRef></bpmn:dataInputAssociation>')
    body = START_END + script("summarise", name="Summarise", inner=reads) + flows("start>summarise",
                                                                                 "summarise>end")
    details = refused(login("ada"), ("sample.bpmn", process(body)))
    names(details, "summarise", "'Summarise' (summarise)", "'household_ref'", "does not exist", "data object")


def test_a_data_object_two_subprocesses_up_is_refused_at_once_instead_of_hanging_the_deploy(login):
    """SpiffWorkflow 3.2 looks one level up for a data object and then loops forever."""
    reads = ('<bpmn:dataInputAssociation id="DataInputAssociation_1"><bpmn:sourceRef>household_ref'
             '</bpmn:sourceRef><bpmn:targetRef>summarise</bpmn:targetRef></bpmn:dataInputAssociation>')
    inner = ('<bpmn:subProcess id="inner"><bpmn:startEvent id="in_start"/><bpmn:endEvent id="in_end"/>'
             '<bpmn:dataObjectReference id="household_ref" dataObjectRef="household"/>'
             + script("summarise", inner=reads) + flows("in_start>summarise", "summarise>in_end")
             + '</bpmn:subProcess>')
    outer = ('<bpmn:subProcess id="outer"><bpmn:startEvent id="out_start"/><bpmn:endEvent id="out_end"/>'
             + inner + flows("out_start>inner", "inner>out_end") + '</bpmn:subProcess>')
    body = '<bpmn:dataObject id="household"/>' + START_END + outer + flows("start>outer", "outer>end")
    ada = login("ada")
    answer = {}
    worker = threading.Thread(target=lambda: answer.update(details=refused(ada, ("sample.bpmn", process(body)))),
                              daemon=True)
    worker.start()
    worker.join(30)
    assert "details" in answer, "the deploy hung (or failed): SpiffWorkflow was handed the reference"
    names(answer["details"], "summarise", "'household'", "not declared in this subprocess or the one around it")


def test_a_multi_instance_task_without_a_collection_or_cardinality_is_refused_naming_it(login):
    loop = '<bpmn:multiInstanceLoopCharacteristics id="MultiInstance_1"/>'
    body = START_END + script("visit", name="Visit each\nhousehold member", inner=loop) + flows("start>visit",
                                                                                              "visit>end")
    details = refused(login("ada"), ("sample.bpmn", process(body)))
    names(details, "visit", "'Visit each household member' (visit)", "input collection", "loop cardinality")


def test_a_call_activity_to_a_process_not_deployed_with_it_is_refused_naming_it(login):
    """The called process must come with the caller: a version runs only on the files deployed
    with it, so a process deployed earlier on its own does not help a case start."""
    ada = login("ada")
    assessment = process(START_END + script("score") + flows("start>score", "score>end"), "assessment",
                         "Assessment")
    assert upload(ada, ("assessment.bpmn", assessment)).status_code == 201
    call = '<bpmn:callActivity id="run_assessment" name="Run the&#10;assessment" calledElement="assessment"/>'
    caller = process(START_END + call + flows("start>run_assessment", "run_assessment>end"), "intake", "Intake")
    details = refused(ada, ("intake.bpmn", caller))
    names(details, "run_assessment", "'Run the assessment' (run_assessment)", "'assessment'",
          "deploy its .bpmn file together with this one")
    together = upload(ada, ("intake.bpmn", caller), ("assessment.bpmn", assessment))
    assert together.status_code == 201, together.get_json()
    assert [c["id"] for c in together.get_json()["created"]] == ["intake"]


def test_a_service_task_is_refused_as_no_connector_is_configured(login):
    body = START_END + '<bpmn:serviceTask id="lookup" name="Look up benefits"/>' + flows("start>lookup",
                                                                                        "lookup>end")
    details = refused(login("ada"), ("sample.bpmn", process(body)))
    names(details, "lookup", "'Look up benefits' (lookup)",
          "service tasks need a configured connector; none is configured")


@pytest.mark.parametrize("kind, text", [("timeCycle", "R/PT0S"), ("timeDuration", "PT30S"),
                                        ("timeCycle", "R3/2027-01-01T09:00:00Z/PT5S")])
def test_a_timer_shorter_than_the_minimum_is_refused_naming_its_event(login, kind, text):
    """R/PT0S would fire on every scheduler pass; the definition's own id is not what is named."""
    timer = (f'<bpmn:intermediateCatchEvent id="wait" name="Wait a&#10;moment">'
             f'<bpmn:timerEventDefinition id="TimerEventDefinition_1"><bpmn:{kind}>{text}</bpmn:{kind}>'
             '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
    details = refused(login("ada"), ("sample.bpmn", process(START_END + timer + flows("start>wait", "wait>end"))))
    names(details, "wait", "'Wait a moment' (wait)", text, "timers must be at least PT1M")


def test_a_timer_that_is_not_iso_8601_says_what_timers_are(login):
    details = refused(login("ada"), ("sample.bpmn", one_task_process(timer=("timeDuration", "P1X"))))
    names(details, "wait", "'Wait' (wait)", "timers are ISO-8601 durations, dates or cycles")


def test_the_timer_minimum_is_a_setting(case_engine, clock):
    """CASEPATH_TIMER_MINIMUM (default PT1M) reaches the engine's deploy checks."""
    assert Settings.from_environment({"CASEPATH_ENV": "test", "SECRET_KEY": "k"}).timer_minimum == "PT1M"
    assert Settings.from_environment({"CASEPATH_ENV": "test", "SECRET_KEY": "k",
                                      "CASEPATH_TIMER_MINIMUM": "PT10S"}).timer_minimum == "PT10S"
    for bad in ("ten seconds", "PT0S"):
        with pytest.raises(ConfigError, match="CASEPATH_TIMER_MINIMUM"):
            Settings.from_environment({"CASEPATH_ENV": "test", "SECRET_KEY": "k", "CASEPATH_TIMER_MINIMUM": bad})
    quick = one_task_process(timer=("timeDuration", "PT30S")).encode()
    with pytest.raises(DeploymentInvalid):
        case_engine.processes.deploy(operator("ada"), [("sample.bpmn", quick)])
    relaxed = CaseEngine(case_engine.sessions, clock, FormCatalog(TESTS / "forms"), timer_minimum="PT10S")
    assert [v.model_id for v in relaxed.processes.deploy(operator("ada"), [("sample.bpmn", quick)]).created] == [
        "sample"]


def test_a_plain_task_deploys_with_a_warning_naming_it(login, case_engine, people):
    """A bpmn:task with no type does nothing at run time: deploy warns, the designer's check too."""
    body = START_END + '<bpmn:task id="remember" name="Remember&#10;to call"/>' + flows("start>remember",
                                                                                       "remember>end")
    deployed = upload(login("ada"), ("sample.bpmn", process(body)))
    assert deployed.status_code == 201, deployed.get_json()
    assert [w["element_id"] for w in deployed.get_json()["warnings"]] == ["remember"]
    assert "'Remember to call' (remember)" in deployed.get_json()["warnings"][0]["message"]

    changed = process(body.replace("to call", "to phone"))
    saved = case_engine.designer.save_process_draft(people["ada"], "sample", "sample.bpmn", changed.encode())
    assert saved["problems"] == [] and [w["element_id"] for w in saved["warnings"]] == ["remember"]
    clean = upload(login("ada"), ("other.bpmn", one_task_process("other")))
    assert clean.status_code == 201 and clean.get_json()["warnings"] == []
