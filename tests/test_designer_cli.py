"""An operator moves running cases from the command line (`casepath migrate`), as a
script would: cases that can follow move, the others are named with the reason and the
command exits non-zero."""
from __future__ import annotations

from datetime import timedelta

from tests.support.designer import LIFECYCLE, TIMER_60, TIMER_90, deploy_with, reassessment_due
from tests.support.lifecycle import Story


def test_migrate_moves_what_can_move_and_names_what_cannot(lifecycle_app, lifecycle_engine, people, clock):
    from web.cli import migrate_command

    running = Story(lifecycle_engine, people, clock)
    running.to_monitoring()
    started = clock.now()
    parked = Story(lifecycle_engine, people, clock, client={"first_name": "Paz", "last_name": "Ortiz",
                                                            "birth_date": "1951-05-05"})
    parked.screen()  # waits at engage_client, which version 2 renames
    renamed = LIFECYCLE.replace(TIMER_90, TIMER_60).replace("engage_client", "engage_client_v2")
    assert deploy_with(lifecycle_engine, people, renamed) == 2

    result = lifecycle_app.test_cli_runner().invoke(migrate_command, ["case_lifecycle", "--to", "2", "--from", "1"])

    assert result.exit_code == 1
    assert f"case {running.id}: moved from version 1 to 2" in result.stdout
    assert f"case {parked.id} refused: case {parked.id} is at engage_client" in result.stderr
    assert "1 case(s) moved, 1 refused" in result.stdout
    assert reassessment_due(running) - started == timedelta(days=60)
    assert parked.refresh()["process"]["version"] == 1


def test_migrate_to_a_version_that_does_not_exist_says_so(lifecycle_app):
    from web.cli import migrate_command

    result = lifecycle_app.test_cli_runner().invoke(migrate_command, ["case_lifecycle", "--to", "9"])
    assert result.exit_code == 1
    assert "has no version 9" in result.stderr
