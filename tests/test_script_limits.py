"""Agency code runs within limits: a script, gateway condition, DMN expression or multi-instance
expression that loops forever or asks for a huge value stops its own case, naming the element and
the limit, within about the time budget, and the server keeps answering meanwhile."""
from __future__ import annotations

import json
import re
import threading
import time
import urllib.request

import pytest
from werkzeug.serving import make_server

from engine.definitions.forms import FormCatalog
from engine.definitions.scripting import RestrictedEnvironment, ScriptRejected, check_source
from engine.definitions.script_limits import ScriptLimitExceeded
from engine.facade import CaseEngine
from engine.policy import operator
from engine.store.db import session_factory
from tests.support.apps import web_app
from tests.support.bpmn_samples import automatic_process, decision_table
from tests.support.paths import TESTS
from tests.support.people import ADULT, CHEAP_HASHING, PASSWORD
from web import create_app
from web.config import ConfigError, Settings
from web.context import ENGINE_KEY

TIME_LIMIT = 0.2  # short, so the stories are quick; the default is 1 s
# Not a speed test (bench/script_limits.py measures): only proof the runaway was stopped rather
# than left to run, with room for a loaded CI machine.
SLACK = 20
TIME_MESSAGE = "stopped after 0.2 s (the script time limit, CASEPATH_SCRIPT_TIME_LIMIT)"
TOO_LARGE = "the result would be too large (limit 10 MB)"
TOO_MANY_DIGITS = "the number would be too large (limit 10,000 digits)"
RANGE_TOO_LONG = "is too long (limit 1,000,000)"

# What an agency might write by mistake (or on purpose): as a script statement, as an expression,
# and the words of the limit it meets.
RUNAWAYS = {
    "loops forever": ("while True:\n    pass", "len([i for i in range(10**6) for j in range(10**6)]) > 0",
                      TIME_MESSAGE),
    "sums a trillion numbers": ("total = sum(range(10**12))", "sum(range(10**12)) > 0", RANGE_TOO_LONG),
    "lists a trillion numbers": ("numbers = sorted(range(10**12))", "len(list(range(10**12))) > 0",
                                 RANGE_TOO_LONG),
    "repeats a string": ("text = 'a' * 10**10", "len('a' * 10**10) > 0", TOO_LARGE),
    "repeats a list": ("items = [0] * 10**9", "len([0] * 10**9) > 0", TOO_LARGE),
    "raises ten to a tower": ("n = 10**10**10", "10**10**10 > 0", TOO_MANY_DIGITS),
    "raises two to 10**8": ("n = 2**10**8", "2**10**8 > 0", TOO_MANY_DIGITS),
    "shifts by a billion": ("n = 1 << 10**9", "(1 << 10**9) > 0", TOO_MANY_DIGITS),
    "pads to ten billion": ("text = 'x'.ljust(10**10)", "len('x'.zfill(10**10)) > 0", TOO_LARGE),
    "centres in ten billion": ("text = 'x'.center(10**10)", "len('x'.rjust(10**10)) > 0", TOO_LARGE),
    "joins a gigabyte": ("text = ','.join(['a' * 10**6] * 1000)", "len(','.join(['a' * 10**6] * 1000)) > 0",
                         TOO_LARGE),
}
SCRIPTS = [pytest.param(script, limit, id=name) for name, (script, _, limit) in RUNAWAYS.items()]
EXPRESSIONS = [pytest.param(expression, limit, id=name) for name, (_, expression, limit) in RUNAWAYS.items()]


@pytest.fixture
def case_engine(db_engine, clock):
    """The engine with a short script time limit; each test deploys the diagram it needs."""
    return CaseEngine(session_factory(db_engine), clock, FormCatalog(TESTS / "forms"), case_process="plan_approval",
                      password_hasher=CHEAP_HASHING, script_time_limit=TIME_LIMIT)


def open_case_on(case_engine, people, diagram: str, *more_files: tuple[str, str]) -> tuple[dict, float]:
    """Deploy the diagram (and its DMN files), open a case on it; the case and the seconds it took."""
    model_id = re.search(r'process id="([^"]+)"', diagram).group(1)
    files = [(f"{model_id}.bpmn", diagram.encode())] + [(name, text.encode()) for name, text in more_files]
    case_engine.processes.deploy(operator("ada"), files)
    started = time.monotonic()
    case = case_engine.cases.open_case(people["carol"], ADULT, model_id=model_id)
    return case, time.monotonic() - started


def assert_stopped(case: dict, seconds: float, element: str, limit: str, budgets: int = 1) -> None:
    assert case["status"] == "error", case
    assert case["error"]["element_id"] == element and limit in case["error"]["message"], case["error"]
    assert case["tasks"] == [], "nothing past the failing element runs"
    assert seconds < budgets * TIME_LIMIT + SLACK, f"the case start took {seconds:.2f} s"
    if limit == TIME_MESSAGE:
        assert seconds >= TIME_LIMIT


# --- script tasks -------------------------------------------------------------

def test_an_agency_script_that_loops_forever_stops_its_case_within_the_budget(case_engine, people):
    case, seconds = open_case_on(case_engine, people, automatic_process("spin", script="while True:\n    pass"))
    assert_stopped(case, seconds, "run_script", TIME_MESSAGE)
    audit = case_engine.record.audit(people["ada"], case["id"])
    assert [e["data"]["message"] for e in audit if e["kind"] == "incident"] == [case["error"]["message"]]

    healthy = case_engine.cases.open_case(
        people["carol"], ADULT, model_id=_deploy(case_engine, automatic_process("calm", script="x = 1")),
        confirm_new_client=True)
    assert healthy["status"] == "active" and healthy["tasks"], "other cases go on"


@pytest.mark.parametrize("script, limit", SCRIPTS)
def test_a_runaway_script_task_fails_its_case_naming_the_limit(case_engine, people, script, limit):
    case, seconds = open_case_on(case_engine, people, automatic_process("runaway", script=script))
    assert_stopped(case, seconds, "run_script", limit)


def test_an_ordinary_script_with_a_ten_thousand_step_loop_still_runs(case_engine, people):
    script = ("total = 0\nfor i in range(10000):\n    total += i\n"
              "squares = [i * i for i in range(10000)]\nlabel = f\"{total:>12,}\" + ' ' * 3 + '%05d' % 7")
    case, seconds = open_case_on(case_engine, people, automatic_process("busy", script=script))
    assert case["status"] == "active" and [t["bpmn_id"] for t in case["tasks"]] == ["work"], case
    assert seconds < TIME_LIMIT + SLACK


# --- gateway conditions, DMN expressions, multi-instance expressions ---------

@pytest.mark.parametrize("condition, limit", EXPRESSIONS)
def test_a_runaway_gateway_condition_fails_its_case_naming_the_gateway(case_engine, people, condition, limit):
    case, seconds = open_case_on(case_engine, people, automatic_process("branching", condition=condition))
    assert_stopped(case, seconds, "gw", limit)


@pytest.mark.parametrize("column", ["input_expression", "input_entry", "output_entry"])
@pytest.mark.parametrize("expression, limit", [EXPRESSIONS[0], EXPRESSIONS[3], EXPRESSIONS[5]])
def test_a_runaway_dmn_expression_fails_its_case_naming_the_rule_task(case_engine, people, column, expression,
                                                                       limit):
    # A rule's input entry is a test against the input ("== 3", "> 60"); the others are expressions.
    text = expression if column != "input_entry" else f"== ({expression})"
    dmn = decision_table("runaway_rule", **{column: text})
    case, seconds = open_case_on(case_engine, people, automatic_process("deciding", decision="runaway_rule"),
                                 ("runaway_rule.dmn", dmn))
    # The input column is evaluated once for the audit's evidence and once by the table: two budgets.
    assert_stopped(case, seconds, "decide", limit, budgets=2)


@pytest.mark.parametrize("expression, limit", [EXPRESSIONS[0], EXPRESSIONS[1], EXPRESSIONS[5]])
def test_a_runaway_multi_instance_expression_fails_its_case_naming_the_task(case_engine, people, expression,
                                                                             limit):
    cardinality = expression.replace(" > 0", "") if "len(" in expression else f"1 if {expression} else 1"
    case, seconds = open_case_on(case_engine, people, automatic_process("repeating", cardinality=cardinality))
    assert_stopped(case, seconds, "each_item", limit)


def _deploy(case_engine, diagram: str) -> str:
    model_id = re.search(r'process id="([^"]+)"', diagram).group(1)
    case_engine.processes.deploy(operator("ada"), [(f"{model_id}.bpmn", diagram.encode())])
    return model_id


# --- the sandbox's edges, without a case --------------------------------------

@pytest.fixture
def env():
    return RestrictedEnvironment(TIME_LIMIT)


@pytest.mark.parametrize("script, limit", [
    ("def grow(n):\n    return grow(n - 1) + grow(n - 1) if n else 0\nx = grow(60)", TIME_MESSAGE),
    ("grow = lambda n: grow(n - 1) + grow(n - 1) if n else 0\nx = grow(60)", TIME_MESSAGE),
    ("x = any(i < 0 for i in range(10**6) for j in range(10**6))", TIME_MESSAGE),
    ("text = 'a' * 10**6\nfor i in range(20):\n    text = text + text", TOO_LARGE),
    ("text = 'a' * 10**6\nfor i in range(20):\n    text += text", TOO_LARGE),
    ("items = [1] * 10**6\nfor i in range(20):\n    items.extend(items)", TOO_LARGE),
    ("text = ('a' * 10**6).replace('a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')", TOO_LARGE),
    ("text = 'a\\t' * 10**6\ntext = text.expandtabs(100)", TOO_LARGE),
    ("text = f'{1:>{10**10}}'", TOO_LARGE),
    ("text = f'{1:>9999999999}'", TOO_LARGE),
    ("text = '%*d' % (10**10, 1)", TOO_LARGE),
    ("text = '%9999999999d' % 1", TOO_LARGE),
    ("n = 3\nn *= 10**10\ntext = 'a'\ntext *= n", TOO_LARGE),
    ("text = str.ljust('x', 10**10)", TOO_LARGE),
    ("data = b'x'.zfill(10**10)", TOO_LARGE),
    ("items = sum([[0] * 10**6] * 10**6, [])", TOO_LARGE),
    ("text = ('a' * 10**6).translate({97: 'b' * 100})", TOO_LARGE),
    ("n = 10**5000 * 10**6000", TOO_MANY_DIGITS),
])
def test_other_ways_to_run_away_meet_a_limit(env, script, limit):
    started = time.monotonic()
    with pytest.raises(ScriptLimitExceeded, match=re.escape(limit)):
        env.execute(script, {})
    assert time.monotonic() - started < TIME_LIMIT + SLACK


def test_a_bare_except_cannot_swallow_the_time_limit(env):
    data = {}
    with pytest.raises(ScriptLimitExceeded, match=re.escape(TIME_MESSAGE)):
        env.execute("try:\n    while True:\n        pass\nexcept:\n    pass\nescaped = True", data)
    assert "escaped" not in data


def test_task_data_cannot_stand_in_for_the_tick(env):
    # Data never supplies names starting with "_", so an answer called _tick_ changes nothing.
    with pytest.raises(ScriptLimitExceeded):
        env.execute("while True:\n    pass", {"_tick_": None})
    with pytest.raises(ScriptLimitExceeded):
        env.evaluate("len('a' * 10**10)", {"_mult_": None}, external_context={"_mult_": None})
    assert check_source("_tick_ = None", "exec"), "agency code may not name the sandbox's guards"
    with pytest.raises(ScriptRejected):
        env.execute("_tick_ = lambda: True\nwhile True:\n    pass", {})


def test_ordinary_values_are_untouched(env):
    data = {"client": {"first_name": "Ruth", "last_name": "Okafor"}, "goals": [1, 2, 3]}
    env.execute("name = client['first_name'] + ' ' + client['last_name']\n"
                "stars = '*' * 5\nzeros = [0] * 3 + goals\nbig = 2**64 << 3\nrow = f\"{name!r:>20}|{3.14159:.2f}\"\n"
                "code = 'A-%03d' % 7\npadded = 'x'.ljust(4, '.')\njoined = ', '.join(str(g) for g in goals)\n"
                "total = 0\nfor i in range(10000):\n    total += i\n", data)
    assert data["name"] == "Ruth Okafor" and data["stars"] == "*****" and data["zeros"] == [0, 0, 0, 1, 2, 3]
    assert data["big"] == 2**67 and data["row"] == "       'Ruth Okafor'|3.14" and data["code"] == "A-007"
    assert (data["padded"], data["joined"], data["total"]) == ("x...", "1, 2, 3", 49995000)
    assert env.evaluate("acuity == 'high' and age >= 60", {"acuity": "high", "age": 72}) is True


# --- the setting -----------------------------------------------------------------

def test_the_time_limit_is_one_second_unless_configured():
    assert Settings.from_environment({"CASEPATH_ENV": "test"}).script_time_limit == 1.0
    assert Settings.from_environment({"CASEPATH_ENV": "test", "CASEPATH_SCRIPT_TIME_LIMIT": "2.5"}) \
        .script_time_limit == 2.5
    for wrong in ("0", "-1", "soon", "inf", "nan"):
        with pytest.raises(ConfigError, match="CASEPATH_SCRIPT_TIME_LIMIT"):
            Settings.from_environment({"CASEPATH_ENV": "test", "CASEPATH_SCRIPT_TIME_LIMIT": wrong})


def test_the_configured_time_limit_reaches_the_engine(database_url, db_engine, tmp_path):
    app = create_app({"CASEPATH_ENV": "test", "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "CASEPATH_INSTANCE_DIR": str(tmp_path / "instance"), "CASEPATH_FORMS_DIR": str(TESTS / "forms"),
                      "CASEPATH_SCRIPT_TIME_LIMIT": "0.3"})
    engine = app.extensions[ENGINE_KEY]
    engine.identity.add_user("ada", PASSWORD, ["admin"], None)
    carol = engine.identity.add_user("carol", PASSWORD, ["case_manager"], "north")
    started = time.monotonic()
    case = engine.cases.open_case(carol, ADULT, model_id=_deploy(engine, automatic_process("spin", script="while 1: pass")))
    seconds = time.monotonic() - started
    assert "stopped after 0.3 s (the script time limit, CASEPATH_SCRIPT_TIME_LIMIT)" in case["error"]["message"]
    assert 0.3 <= seconds < 0.3 + SLACK


# --- the server keeps answering ------------------------------------------------------

def test_the_health_check_answers_while_a_case_start_spins(db_engine, clock, database_url, tmp_path):
    """A case opened on a `while True` diagram from one server thread; another thread asks /healthz
    every 20 ms meanwhile. Each answer comes at once; the case start ends at its budget."""
    budget = 0.5
    engine = CaseEngine(session_factory(db_engine), clock, FormCatalog(TESTS / "forms"), case_process="spin",
                        password_hasher=CHEAP_HASHING, script_time_limit=budget)
    engine.identity.add_user("ada", PASSWORD, ["admin"], None)
    engine.identity.add_user("carol", PASSWORD, ["case_manager"], "north")
    _deploy(engine, automatic_process("spin", script="while True:\n    pass"))
    server = make_server("127.0.0.1", 0, web_app(engine, database_url, tmp_path, TESTS / "forms"), threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        token = _post(url + "/api/auth/token", {"username": "carol", "password": PASSWORD})["token"]
        opened = {}

        def open_spinning_case():
            started = time.monotonic()
            opened["case"] = _post(url + "/api/cases", {"client": ADULT}, token)
            opened["seconds"] = time.monotonic() - started

        opening = threading.Thread(target=open_spinning_case)
        opening.start()
        latencies = []
        while opening.is_alive():
            started = time.monotonic()
            with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
                assert json.load(response) == {"status": "ok"}
            latencies.append(time.monotonic() - started)
            time.sleep(0.02)
        opening.join()
    finally:
        server.shutdown()
        serving.join(5)

    print(f"\n/healthz while a case start spun {opened['seconds']:.2f} s (budget {budget} s): "
          f"{len(latencies)} answers, median {sorted(latencies)[len(latencies) // 2] * 1000:.1f} ms, "
          f"worst {max(latencies) * 1000:.1f} ms")
    assert "stopped after 0.5 s" in opened["case"]["error"]["message"]
    assert budget <= opened["seconds"] < budget + SLACK
    assert len(latencies) >= 5, "the health check was asked throughout the case start"
    assert max(latencies) < 1.0


def _post(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)
