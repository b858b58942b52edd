"""The `casepath` command line, run as an operator would (bundled processes and forms)."""
from __future__ import annotations

import pytest

from tests.support.bpmn_samples import one_task_process
from tests.support.paths import FORMS
from tests.support.people import START
from tests.support.subprocesses import casepath

NOW = START.isoformat()


@pytest.fixture
def run(database_url, tmp_path):
    shipped = {"CASEPATH_FORMS_DIR": str(FORMS), "CASEPATH_CASE_PROCESS": "case_lifecycle"}

    def run(*args, input=None, **overrides):
        return casepath(list(args), database_url, NOW, tmp_path, env={**shipped, **overrides}, input=input)
    return run


def test_init_is_idempotent_and_demo_loads_cases_at_several_stages(run):
    first = run("init")
    assert first.returncode == 0, first.stderr
    assert "deployed case_lifecycle version 1" in first.stdout
    again = run("init")
    assert again.returncode == 0 and "case_lifecycle version 1 is current" in again.stdout
    demo = run("demo")
    assert demo.returncode == 0, demo.stderr
    for words in ("screening", "engagement", "planning", "monitoring", "ineligible", "ivy", "carol", "sam"):
        assert words in demo.stdout
    assert "already exist" in run("demo").stdout


def test_deploy_reports_each_problem_and_exits_non_zero(run, tmp_path):
    assert run("init").returncode == 0
    bad = tmp_path / "bad.bpmn"
    bad.write_text(one_task_process("bad", lane="Boss", script="import os"))
    result = run("deploy", str(bad))
    assert result.returncode == 1
    assert "bad.bpmn work: user task 'Log contact' (work) is in lane 'Boss'" in result.stderr
    assert ("run_script: the script of 'Script' (run_script) cannot run: it imports a module" in result.stderr
            and "(line 1: imports are not allowed in scripts)" in result.stderr)
    good = tmp_path / "good.bpmn"
    good.write_text(one_task_process("good"))
    ok = run("deploy", str(good), "--as", "ada")
    assert ok.returncode == 0 and "deployed good version 1" in ok.stdout
    missing = run("deploy", str(tmp_path / "nope.bpmn"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_user_add_reads_the_password_from_stdin(run):
    assert run("init").returncode == 0
    added = run("user", "add", "nina", "--role", "case_manager", "--team", "east", "--password-stdin",
                input="a-long-password\n")
    assert added.returncode == 0, added.stderr
    assert "added nina (case_manager, team east)" in added.stdout
    short = run("user", "add", "omar", "--role", "intake", "--password-stdin", input="short\n")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    twice = run("user", "add", "nina", "--role", "intake", "--password-stdin", input="a-long-password\n")
    assert twice.returncode == 1 and "already exists" in twice.stderr


def test_casepath_now_is_refused_in_production(run):
    result = run("timers", "run-due", CASEPATH_ENV="production", SECRET_KEY="x" * 32)
    assert result.returncode != 0
    assert "CASEPATH_NOW is refused when CASEPATH_ENV=production" in result.stderr


def test_production_requires_a_secret_key(run):
    result = run("timers", "run-due", CASEPATH_ENV="production", CASEPATH_NOW="")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_a_bad_form_file_is_named_and_only_its_models_are_refused(run, tmp_path):
    """A SpiffArena schema (`"enum": "options_from_task_data_var:…"`) dropped into forms/ beside
    the shipped forms: every command still runs, the file is named, and only a model using
    it is refused at deploy."""
    import shutil

    forms = tmp_path / "forms"
    shutil.copytree(FORMS, forms)
    (forms / "invoice.schema.json").write_text(
        '{"title": "Invoice", "type": "object", "properties": {"fruit": {"type": "string", '
        '"enum": "options_from_task_data_var:fruits"}}}')
    (forms / "garbled.schema.json").write_text('{"title": "Garbled",')
    init = run("init", CASEPATH_FORMS_DIR=str(forms))
    assert init.returncode == 0, init.stderr
    assert "Traceback" not in init.stderr
    assert "warning: form 'invoice' is not available: invoice.schema.json: not a JSON Schema" in init.stderr
    assert "warning: form 'garbled' is not available: garbled.schema.json: not valid JSON (line 1" in init.stderr

    uses_it = tmp_path / "invoice.bpmn"
    uses_it.write_text(one_task_process("invoice", form="invoice.schema.json"))
    refused = run("deploy", str(uses_it), CASEPATH_FORMS_DIR=str(forms))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "uses form 'invoice', whose file cannot be used: invoice.schema.json" in refused.stderr
    fine = tmp_path / "fine.bpmn"
    fine.write_text(one_task_process("fine"))
    assert run("deploy", str(fine), CASEPATH_FORMS_DIR=str(forms)).returncode == 0


@pytest.mark.parametrize("today", ["2026-12-06T09:00:00+00:00", "2031-02-28T09:00:00+00:00"])
def test_demo_loads_on_any_day(database_url, tmp_path, today):
    """The demo's sample papers are dated from the clock: on a day where fixed dates once put a
    release inside its renewal window (December 2026), and years later, it loads all the same."""
    env = {"CASEPATH_FORMS_DIR": str(FORMS), "CASEPATH_CASE_PROCESS": "case_lifecycle"}
    assert casepath(["init"], database_url, today, tmp_path, env=env).returncode == 0
    demo = casepath(["demo"], database_url, today, tmp_path, env=env)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    for words in ("planning", "monitoring", "ineligible"):
        assert words in demo.stdout
