"""The `casepath` command line (shared/API.md, "Command line")."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup

from engine.store.db import upgrade
from engine.errors import EngineError
from engine.vocabulary import ROLES

from .app import create_app
from .context import ENGINE_KEY, engine, settings
from engine.policy import operator


def _fail(exc: EngineError) -> None:
    click.secho(f"error: {exc.message}", fg="red", err=True)
    for detail in exc.details:
        where = " ".join(str(detail[k]) for k in ("file", "element_id", "field") if detail.get(k))
        click.echo(f"  - {where + ': ' if where else ''}{detail.get('message')}", err=True)
        if detail.get("detail"):
            click.echo(f"      ({detail['detail']})", err=True)
    sys.exit(1)


def _warn_broken_forms() -> None:
    """A form file that cannot be used is named; everything not using it carries on."""
    for name, why in sorted(engine().forms.broken.items()):
        click.secho(f"warning: form '{name}' is not available: {why}", fg="yellow", err=True)


def _init() -> None:
    _warn_broken_forms()
    upgrade(engine().sessions.kw["bind"])
    click.echo(f"database ready ({_redacted(settings().database_url)})")
    processes = settings().processes_dir
    if processes.is_dir() and any(processes.iterdir()):
        result = engine().processes.deploy_path(operator("casepath"), processes)
        for version in result.created:
            click.echo(f"deployed {version.model_id} version {version.version}")
        for version in result.unchanged:
            click.echo(f"{version.model_id} version {version.version} is current")


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every poll at INFO; our own timer log says when something fires.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # SpiffWorkflow logs every task state change at INFO; the audit trail already says what happened.
    logging.getLogger("spiff").setLevel(logging.WARNING)


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':')[0]}:***@{host}" if ":" in credentials else url
    return url


cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False, add_version_option=False,
                 load_dotenv=False, help="casepath: executable case management for human-services agencies.")


@cli.command("init")
def init_command():
    """Create or upgrade the schema and deploy the bundled processes (idempotent)."""
    try:
        _init()
    except EngineError as exc:
        _fail(exc)


@cli.command("demo")
def demo_command():
    """init, then demo users for every role and sample cases at different stages."""
    from .demo import load_demo

    if settings().env == "production":
        # The demo's password is published in the README: it must never open a real instance.
        click.secho("casepath demo refuses to run when CASEPATH_ENV=production: its users share a published "
                    "password. Add real users with `casepath user add`.", fg="red", err=True)
        sys.exit(1)
    try:
        _init()
        for line in load_demo(engine()):
            click.echo(line)
    except EngineError as exc:
        _fail(exc)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="threads per process")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="processes (one per core uses every core; each polls timers)")
def serve_command(host: str, port: int, threads: int, workers: int):
    """The web app with its in-process timer scheduler."""
    import os

    from engine.scheduler import start_background

    _configure_logging()
    # Each process opens at most one connection per thread, plus two for the timer poller
    # (one for its transactions, one holding its claims: engine/store/claims.py).
    os.environ["CASEPATH_DB_POOL_SIZE"] = str(threads + 2)
    click.echo(f"casepath serving on http://{host}:{port} with {workers} process(es) of {threads} thread(s) "
               f"(timers polled every {settings().timer_poll_seconds:g}s)")
    if workers > 1:
        from .server import serve_processes

        def start_poller(app) -> None:
            start_background(app.extensions[ENGINE_KEY], app.config["CASEPATH"].timer_poll_seconds)

        serve_processes(create_app, start_poller, host, port, workers, threads)
        return
    from waitress import serve

    app = create_app()  # after the pool size is set
    scheduler = start_background(app.extensions[ENGINE_KEY], settings().timer_poll_seconds)
    try:
        serve(app, host=host, port=port, threads=threads, ident="casepath")
    finally:
        scheduler.shutdown(wait=False)


@cli.command("worker")
def worker_command():
    """Fire timers only, no web (run several against one PostgreSQL)."""
    from engine.scheduler import run_blocking

    _configure_logging()
    click.echo(f"casepath worker polling timers every {settings().timer_poll_seconds:g}s")
    run_blocking(engine(), settings().timer_poll_seconds)


timers = AppGroup("timers", help="Timer maintenance.")
cli.add_command(timers)


@timers.command("run-due")
def run_due_command():
    """Fire every timer due now, once, and exit."""
    run = engine().timers.run_due()
    if run.standing_by:
        click.echo(f"every timer worker slot is taken ({settings().timer_workers}, CASEPATH_TIMER_WORKERS): "
                   "the other workers are firing; nothing to do here")
        return
    click.echo(f"fired {run.fired} timer(s); {len(run.failed)} failed")
    for failure in run.failed:
        click.secho(f"case {failure['case_id']} stopped: {failure['element_id'] or 'the process'}: "
                    f"{failure['error']}", fg="red", err=True)
    if run.failed:
        sys.exit(1)


@cli.command("deploy")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--as", "deployed_by", default="casepath", show_default=True, help="who is deploying")
def deploy_command(path: Path, deployed_by: str):
    """Validate and deploy a BPMN/DMN file or folder (a SpiffArena process-model folder with its forms too)."""
    _warn_broken_forms()
    try:
        result = engine().processes.deploy_path(operator(deployed_by), path)
    except EngineError as exc:
        _fail(exc)
    for version in result.created:
        click.echo(f"deployed {version.model_id} version {version.version}")
    for version in result.unchanged:
        click.echo(f"{version.model_id} version {version.version} unchanged; nothing deployed")


@cli.command("migrate")
@click.argument("model_id")
@click.option("--to", "to_version", type=int, required=True, help="the version to move running cases to")
@click.option("--from", "from_version", type=int, default=None, help="only cases on this version")
@click.option("--case", "case_ids", type=int, multiple=True, help="only this case (repeat for several)")
def migrate_command(model_id: str, to_version: int, from_version: int | None, case_ids: tuple[int, ...]):
    """Move running cases to another version of their process; each case all or nothing.

    Exits non-zero when any case was refused, so scripts notice."""
    from engine.policy import ENGINE

    try:
        result = engine().designer.migrate_cases(ENGINE, model_id, to_version, list(case_ids) or None, from_version)
    except EngineError as exc:
        _fail(exc)
    for moved in result["migrated"]:
        click.echo(f"case {moved['case_id']}: moved from version {moved['from_version']} to {to_version}")
    for refused in result["refused"]:
        click.secho(f"case {refused['case_id']} refused: {refused['reason']}", fg="yellow", err=True)
    click.echo(f"{len(result['migrated'])} case(s) moved, {len(result['refused'])} refused")
    if result["refused"]:
        sys.exit(1)


audit = AppGroup("audit", help="The audit trail and the signed record.")
cli.add_command(audit)


@audit.command("verify")
def audit_verify_command():
    """Walk the hash chains of the audit trail and the record; name the first broken link of each."""
    from engine.policy import ENGINE

    result = engine().record.verify(ENGINE)
    for problem in result["breaks"]:
        click.secho(f"BROKEN: {problem['text']}", fg="red", err=True)
    if result["breaks"]:
        click.echo(f"{result['checked']} row(s) checked; {len(result['breaks'])} chain(s) broken")
        sys.exit(1)
    click.echo(f"{result['checked']} row(s) checked; every chain intact")


users = AppGroup("user", help="User accounts.")
cli.add_command(users)


@users.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="repeat for several roles")
@click.option("--team", default=None)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def user_add_command(name: str, roles: tuple[str, ...], team: str | None, password_stdin: bool):
    """Add a user; the password comes from a prompt or --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        engine().identity.add_user(name, password, list(roles), team)
    except EngineError as exc:
        _fail(exc)
    click.echo(f"added {name} ({', '.join(roles)}{', team ' + team if team else ''})")


programs = AppGroup("program", help="Programs: the lines of service run side by side.")
cli.add_command(programs)


@programs.command("add")
@click.argument("name")
@click.option("--process", "process", required=True, help="the deployed process model its new cases start on")
@click.option("--team", "teams", multiple=True, help="a team that runs the program (repeat for several)")
def program_add_command(name: str, process: str, teams: tuple[str, ...]):
    """Add a program whose new cases start on process model PROCESS."""
    try:
        engine().programs.add(operator("casepath"), name, process, list(teams))
    except EngineError as exc:
        _fail(exc)
    click.echo(f"added program {name}: new cases start on {process}")


@programs.command("list")
def program_list_command():
    """The programs and the process each starts its cases on."""
    for program in engine().programs.programs():
        teams = f" (teams {', '.join(program['teams'])})" if program["teams"] else ""
        kept = f", records kept {program['retention_days']} days after closure" if program["retention_days"] else ""
        click.echo(f"{program['name']}: {program['process']}{teams}{kept}")


@programs.command("retention")
@click.argument("name")
@click.argument("days", type=int, required=False)
def program_retention_command(name: str, days: int | None):
    """Keep the program's closed records DAYS days after closure (no DAYS: no period, never disposed)."""
    try:
        engine().retention.set_period(operator("casepath"), name, days)
    except EngineError as exc:
        _fail(exc)
    click.echo(f"{name}: records kept {days} days after closure" if days else f"{name}: no retention period")


reviews = AppGroup("review", help="The monthly quality review (AAA quality review; NASW Std 9).")
cli.add_command(reviews)


@reviews.command("draw")
@click.option("--month", default=None, help="YYYY-MM; this month by default")
@click.option("--size", type=int, default=None, help="cases per case manager (CASEPATH_REVIEW_SAMPLE_SIZE)")
@click.option("--seed", default=None, help="a seed that makes the draw repeatable (CASEPATH_REVIEW_SEED)")
def review_draw_command(month: str | None, size: int | None, seed: str | None):
    """Draw a month's quality-review sample and open a review for each drawn case (once a month;
    serve and worker do it on their first poll of the month)."""
    try:
        drawn = engine().quality.draw(operator("casepath"), month, size, seed)
    except EngineError as exc:
        _fail(exc)
    click.echo(f"quality review of {drawn['month']}: {len(drawn['reviews'])} case(s) drawn (seed {drawn['seed']})")
    for review in drawn["reviews"]:
        click.echo(f"  case {review['case_id']} ({review['worker'] or 'no case manager'}): "
                   f"review case {review['review_case_id']}")


supervision = AppGroup("supervision", help="The monthly supervision session of each case manager (NASW Std 11).")
cli.add_command(supervision)


@supervision.command("open")
@click.option("--month", default=None, help="YYYY-MM; this month by default")
def supervision_open_command(month: str | None):
    """Open a month's supervision session for every active case manager who has none yet (serve and
    worker do it on their first poll of the month; running it again opens only what is missing)."""
    try:
        opened = engine().supervision.open(operator("casepath"), month)
    except EngineError as exc:
        _fail(exc)
    click.echo(f"supervision of {opened['month']}: {len(opened['sessions'])} session(s) opened")
    for session in opened["sessions"]:
        click.echo(f"  {session['worker']}: case {session['case_id']}")


referrals = AppGroup("referrals", help="Referral follow-through (NACM 2017: evaluate the effectiveness of referrals).")
cli.add_command(referrals)


@referrals.command("follow-up")
def referrals_follow_up_command():
    """Open a follow-up task for each referral without a status after CASEPATH_REFERRAL_FOLLOW_UP_DAYS
    (serve and worker ask once an hour; each referral opens one follow-up ever, so running it again,
    from cron say, opens only what is missing)."""
    try:
        opened = engine().referrals.open_due()
    except EngineError as exc:
        _fail(exc)
    days = engine().referrals.follow_up_days
    click.echo(f"referrals without news after {days} days: {len(opened)} follow-up(s) opened")
    for follow_up in opened:
        click.echo(f"  case {follow_up['case_id']}: {follow_up['provider']} "
                   f"(referred {str(follow_up['made_on'])[:10]}), task {follow_up['task_id']}")


def main() -> None:
    cli.main(prog_name="casepath")
