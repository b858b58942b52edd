"""Configuration from the environment (see README, "Configuration")."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from engine.definitions.timer_checks import DEFAULT_TIMER_MINIMUM, parse_minimum
from engine.store.db import default_database_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "test", "production")
MIN_SECRET_KEY_BYTES = 32


class ConfigError(RuntimeError):
    pass


@dataclass
class Settings:
    env: str
    database_url: str
    secret_key: str
    now: str | None
    instance_dir: Path
    processes_dir: Path
    forms_dir: Path
    case_process: str
    timer_poll_seconds: float
    max_upload_bytes: int
    timer_minimum: str = DEFAULT_TIMER_MINIMUM
    script_time_limit: float = 1.0
    caseload_limit: float | None = 30.0
    review_sample_size: int = 2  # cases per case manager in each month's quality review (AAA quality review)
    review_seed: str | None = None  # a fixed seed makes the draw repeatable (demos, tests)
    note_deadline_days: int = 3
    referral_follow_up_days: int = 14  # days a referral may go without a status (NACM 2017)
    # At most this many processes fire timers at once (PostgreSQL): the others stand by. More
    # than the cores only takes CPU from the ones firing.
    timer_workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    start_scheduler: bool = True
    db_pool_size: int = 10  # connections kept per process: serve's threads (8) and the timer poller's two

    @classmethod
    def from_environment(cls, overrides: dict | None = None) -> Settings:
        env = {**os.environ, **(overrides or {})}
        name = env.get("CASEPATH_ENV", "development")
        if name not in ENVIRONMENTS:
            raise ConfigError(f"CASEPATH_ENV must be one of {', '.join(ENVIRONMENTS)}, not {name!r}")
        instance_dir = Path(env.get("CASEPATH_INSTANCE_DIR", PROJECT_ROOT / "instance"))
        if name == "production" and env.get("CASEPATH_NOW"):
            raise ConfigError("CASEPATH_NOW is refused when CASEPATH_ENV=production")
        given_key = env.get("SECRET_KEY")
        if given_key and name != "test" and len(given_key.encode()) < MIN_SECRET_KEY_BYTES:
            # The key signs every browser session: a short one can be guessed offline.
            raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes (try "
                              "`python3 -c 'import secrets; print(secrets.token_hex(32))'`)")
        return cls(
            env=name,
            database_url=env.get("DATABASE_URL") or default_database_url(instance_dir),
            secret_key=env.get("SECRET_KEY") or _secret_key(name, instance_dir),
            now=env.get("CASEPATH_NOW") or None,
            instance_dir=instance_dir,
            processes_dir=Path(env.get("CASEPATH_PROCESSES_DIR", PROJECT_ROOT / "processes")),
            forms_dir=Path(env.get("CASEPATH_FORMS_DIR", PROJECT_ROOT / "forms")),
            case_process=env.get("CASEPATH_CASE_PROCESS", "case_lifecycle"),
            timer_poll_seconds=float(env.get("CASEPATH_TIMER_POLL_SECONDS", "2")),
            max_upload_bytes=int(float(env.get("CASEPATH_MAX_UPLOAD_MB", "5")) * 1024 * 1024),
            timer_minimum=_timer_minimum(env.get("CASEPATH_TIMER_MINIMUM") or DEFAULT_TIMER_MINIMUM),
            script_time_limit=_seconds(env, "CASEPATH_SCRIPT_TIME_LIMIT", 1.0),
            caseload_limit=_caseload_limit(env.get("CASEPATH_CASELOAD_LIMIT")),
            note_deadline_days=_note_deadline_days(env.get("CASEPATH_NOTE_DEADLINE_DAYS")),
            referral_follow_up_days=_referral_follow_up_days(env.get("CASEPATH_REFERRAL_FOLLOW_UP_DAYS")),
            db_pool_size=int(env.get("CASEPATH_DB_POOL_SIZE", "10")),
            timer_workers=_timer_workers(env.get("CASEPATH_TIMER_WORKERS")),
            review_sample_size=_sample_size(env.get("CASEPATH_REVIEW_SAMPLE_SIZE")),
            review_seed=env.get("CASEPATH_REVIEW_SEED") or None,
        )


def _timer_minimum(text: str) -> str:
    """The shortest timer a diagram may deploy with (an ISO-8601 duration)."""
    try:
        parse_minimum(text)
    except ValueError as exc:
        raise ConfigError(f"CASEPATH_TIMER_MINIMUM must be a positive ISO-8601 duration such as PT1M: {exc}") from None
    return text.strip()


def _sample_size(text: str | None) -> int:
    if text in (None, ""):
        return 2
    if not text.strip().isdigit() or int(text) < 1:
        raise ConfigError(f"CASEPATH_REVIEW_SAMPLE_SIZE must be a whole number above 0, not {text!r}")
    return int(text)


def _caseload_limit(text: str | None) -> float | None:
    """Acuity-weighted points per case manager (NASW Std 11); `none` turns the guard off."""
    if not text:
        return 30.0
    if text.strip().lower() == "none":
        return None
    value = _positive_number(text)
    if value is None:
        raise ConfigError(f"CASEPATH_CASELOAD_LIMIT must be a number of weighted points above 0 or 'none', not {text!r}")
    return value


def _timer_workers(text: str | None) -> int:
    """How many processes may fire timers at once; by default the machine's cores."""
    if not text:
        return os.cpu_count() or 1
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"CASEPATH_TIMER_WORKERS must be a whole number of processes (1 or more), not {text!r}")
    return value


def _note_deadline_days(text: str | None) -> int:
    """Working days (Mon-Fri) after a contact within which its note is signed (NASW Std 10:
    dates and times of contact); 0 means the same day."""
    if not text:
        return 3
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"CASEPATH_NOTE_DEADLINE_DAYS must be a whole number of working days (0 or more), not {text!r}")
    return value


def _referral_follow_up_days(text: str | None) -> int:
    """Days a referral may go without a status before its follow-up task opens (NACM 2017:
    evaluate the appropriateness and effectiveness of referrals)."""
    if not text:
        return 14
    if not text.strip().isdigit() or int(text) < 1:
        raise ConfigError(f"CASEPATH_REFERRAL_FOLLOW_UP_DAYS must be a whole number of days above 0, not {text!r}")
    return int(text)


def _seconds(env: dict, name: str, default: float) -> float:
    text = env.get(name)
    if not text:
        return default
    value = _positive_number(text)
    if value is None:
        raise ConfigError(f"{name} must be a number of seconds above 0, not {text!r}")
    return value


def _positive_number(text: str) -> float | None:
    """`text` as a finite number above 0, or None if it is not one."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 < value < float("inf") else None


def _secret_key(env: str, instance_dir: Path) -> str:
    """Development gets a key generated once per instance; production must set SECRET_KEY."""
    if env == "production":
        raise ConfigError("SECRET_KEY must be set when CASEPATH_ENV=production")
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
