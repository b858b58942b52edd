"""The timer poller: an APScheduler job that fires due timers every few seconds, and draws
the month's quality review and opens each case manager's supervision session on the first poll of
each month (engine/services/quality_review.py, engine/services/supervision.py), and opens
follow-ups for referrals without news once an hour (engine/services/referral_follow_up.py).

A poll interval of a few seconds bounds how late a timer fires; timers that
fell due while nothing ran are found by the first poll after a restart,
because every waiting timer is a row with its due instant.
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger("casepath.timers")
DEFAULT_POLL_SECONDS = 2.0


def _job(engine) -> None:
    try:
        fired = engine.timers.fire_due_timers()
        if fired:
            log.info("fired %d timer(s)", fired)
    except Exception:  # keep polling: one bad poll must not stop every later timer
        log.exception("timer poll failed")
    try:  # the quality review's monthly timer: the first poll of a month draws its sample
        drawn = engine.quality.draw_if_due()
        if drawn:
            log.info("quality review of %s: %d case(s) drawn", drawn["month"], len(drawn["reviews"]))
    except Exception:
        log.exception("quality review draw failed")
    try:  # NACM (2017): referrals without news get a follow-up task (hourly; engine/services/referral_follow_up.py)
        opened = engine.referrals.open_if_due()
        if opened:
            log.info("%d referral follow-up(s) opened", len(opened))
    except Exception:
        log.exception("referral follow-up check failed")
    try:  # the supervision cadence (NASW Std 11): each case manager's session of the month, once
        opened = engine.supervision.open_if_due()
        if opened:
            log.info("supervision of %s: %d session(s) opened", opened["month"], len(opened["sessions"]))
    except Exception:
        log.exception("opening supervision sessions failed")


def _add_job(scheduler, engine, poll_seconds: float) -> None:
    # The first poll runs at once: timers that fell due while nothing ran fire now.
    scheduler.add_job(_job, "interval", args=[engine], seconds=poll_seconds, id="casepath-timers",
                      max_instances=1, coalesce=True, next_run_time=_now())


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def start_background(engine, poll_seconds: float = DEFAULT_POLL_SECONDS) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(daemon=True)
    scheduler.start()
    _add_job(scheduler, engine, poll_seconds)
    return scheduler


def run_blocking(engine, poll_seconds: float = DEFAULT_POLL_SECONDS) -> None:
    scheduler = BlockingScheduler()
    _add_job(scheduler, engine, poll_seconds)
    scheduler.start()
