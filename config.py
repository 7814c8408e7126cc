"""relq configuration: one class per environment, secrets from the environment.

`relq.create_app()` picks the class named by RELQ_CONFIG (development by default) and
calls its `validate()`: bad configuration stops the app at start, not at the first request.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("RELQ_INSTANCE_PATH", ROOT / "instance"))


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which setting and why."""


def _dev_secret() -> str:
    """A random secret generated once per checkout and kept in instance/ (never committed)."""
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'relq.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 30_000

    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja", "en")

    # The session cookie only carries an id; the server-side login session decides.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    LOGIN_SESSION_LIFETIME = timedelta(hours=12)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # Login throttling: this many failures for one account or one address within the window.
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Framework speed-ups (relq/speedups.py: url_for, gettext, CSRF token and login-row reuse);
    # RELQ_FRAMEWORK_SPEEDUPS=0 runs the plain frameworks (to debug, or to measure them).
    FRAMEWORK_SPEEDUPS = os.environ.get("RELQ_FRAMEWORK_SPEEDUPS", "1") not in ("0", "false")
    CASES_PER_PAGE = 25
    # Counting every match of a filter costs a scan on large tables; past this we show "1,000+".
    CASE_COUNT_LIMIT = 1000

    # Where a saved case's analysis is queued: "thread" (in-process), "rq" (Redis), "inline",
    # or "off" (only `flask relq nlp backfill`). See relq/analysis/queue.py.
    REDIS_URL = os.environ.get("REDIS_URL")
    # REDIS_URL alone sends the analysis to RQ, worked by `flask relq worker` (on its own
    # machine, it takes the CPU off the web nodes). On one small box the idle-time thread
    # keeps intake faster (bench/README.md, session 2): RELQ_ANALYSIS_QUEUE=thread there.
    ANALYSIS_QUEUE = os.environ.get("RELQ_ANALYSIS_QUEUE") or ("rq" if REDIS_URL else "thread")
    # How often `flask relq worker` runs the clock (deadlines, escalations, mail retries,
    # surges, retraining); one worker ticks at a time however many run (relq/tick.py).
    TICK_INTERVAL_S = int(os.environ.get("RELQ_TICK_INTERVAL", "60"))
    # How often the clock looks for surges (weekly counts over nine weeks: seconds of work).
    SURGE_INTERVAL_S = int(os.environ.get("RELQ_SURGE_INTERVAL", "900"))
    # "thread": analyse only when the web process has had no request for this long, or once
    # a case has waited this long (see relq/analysis/queue.py).
    ANALYSIS_IDLE_MS = 50
    ANALYSIS_MAX_DEFER_S = 60
    # The clock's tick analyses what a queue ("thread" or "rq") lost; a case queued less than
    # this long ago is the queue's to do, so the tick does not race it for the same case.
    ANALYSIS_GRACE_S = int(os.environ.get("RELQ_ANALYSIS_GRACE", "300"))

    DEMO_PASSWORD = "relq-demo-2026"  # noqa: S105  (demo data only, printed by `make run`)

    # E-mail notifications over SMTP; an empty MAIL_SERVER switches e-mail off (in-app only).
    # MAIL_USE_TLS: STARTTLS after connecting. MAIL_QUEUE: where sending happens after a
    # commit, "thread" (in-process, default), "inline" (in the request: tests) or "off"
    # (only `flask relq tick`). See relq/notify/mail.py.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = os.environ.get("MAIL_PORT", "25")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "false").strip().lower() in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "relq <relq@localhost>")
    MAIL_TIMEOUT = 10  # seconds to wait for the SMTP server before giving up (retried later)
    MAIL_QUEUE = os.environ.get("RELQ_MAIL_QUEUE", "thread")
    # The address people reach relq at, for the links in e-mails.
    RELQ_BASE_URL = os.environ.get("RELQ_BASE_URL", "http://127.0.0.1:5000")

    # E-mail intake (relq/mailin): an IMAP mailbox polled by the worker's clock, off while
    # RELQ_MAIL_IMAP_HOST is empty; `flask relq mail-in` works without it. SECURITY: ssl
    # (port 993 by default), starttls or plain (143). Cases are created by the intake user
    # (the e-mail address of an operator of a customer-contact department): without a valid
    # one, polling and processing refuse to start.
    MAILIN_IMAP_HOST = os.environ.get("RELQ_MAIL_IMAP_HOST", "")
    MAILIN_IMAP_SECURITY = os.environ.get("RELQ_MAIL_IMAP_SECURITY", "ssl").strip().lower()
    MAILIN_IMAP_PORT = os.environ.get("RELQ_MAIL_IMAP_PORT", "")
    MAILIN_IMAP_USER = os.environ.get("RELQ_MAIL_IMAP_USER", "")
    MAILIN_IMAP_PASSWORD = os.environ.get("RELQ_MAIL_IMAP_PASSWORD", "")
    MAILIN_IMAP_FOLDER = os.environ.get("RELQ_MAIL_IMAP_FOLDER", "INBOX")
    MAILIN_IMAP_TIMEOUT = 30
    MAILIN_IMAP_FETCH_LIMIT = int(os.environ.get("RELQ_MAIL_FETCH_LIMIT", "20000"))
    MAILIN_INTAKE_USER = os.environ.get("RELQ_MAIL_INTAKE_USER", "")
    # Limits: a message larger than this is refused (the MTA bounces it; IMAP leaves it
    # unread); attachments over the per-file or per-message total are listed, not stored.
    MAILIN_MAX_MESSAGE_BYTES = int(os.environ.get("RELQ_MAIL_MAX_MESSAGE_BYTES", 40 * 2**20))
    MAILIN_MAX_ATTACHMENT_BYTES = int(os.environ.get("RELQ_MAIL_MAX_ATTACHMENT_BYTES", 10 * 2**20))
    MAILIN_MAX_ATTACHMENTS_BYTES = int(
        os.environ.get("RELQ_MAIL_MAX_ATTACHMENTS_BYTES", 25 * 2**20)
    )
    MAILIN_MAX_BODY_CHARS = 100_000
    # Processing: this many messages per transaction, then a pause for the web's writers.
    MAILIN_BATCH_SIZE = int(os.environ.get("RELQ_MAIL_BATCH_SIZE", "100"))
    MAILIN_BATCH_PAUSE_MS = int(os.environ.get("RELQ_MAIL_BATCH_PAUSE_MS", "50"))
    # Customer satisfaction surveys (relq/csat): a closed case's customer is e-mailed a link
    # RELQ_CSAT_DELAY_HOURS after closing (0: at once; the clock's tick sends the due ones, and
    # a case reopened meanwhile sends nothing), valid for RELQ_CSAT_DAYS days.
    CSAT_DAYS = os.environ.get("RELQ_CSAT_DAYS", "14")
    CSAT_DELAY_HOURS = os.environ.get("RELQ_CSAT_DELAY_HOURS", "24")
    # The REST API (/api/v1): requests per token and period, counted on Redis (REDIS_URL) or
    # in the database, so on every node at once (relq/api/ratelimit.py); and the largest JSON
    # body it reads, in bytes (larger: 413).
    API_RATE = os.environ.get("RELQ_API_RATE", "600/minute")
    API_MAX_BODY = int(os.environ.get("RELQ_API_MAX_BODY", str(64 * 1024)))

    @classmethod
    def validate(cls, config: dict) -> None:
        if not config.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY is not set.")
        url = config.get("SQLALCHEMY_DATABASE_URI", "")
        if not (url.startswith("sqlite") or url.startswith("postgresql")):
            raise ConfigError(
                f"DATABASE_URL must be SQLite or PostgreSQL, not {url.split(':')[0]!r}."
            )
        _validate_mail(config)
        _validate_mailin(config)
        if config.get("ANALYSIS_QUEUE") not in ("thread", "rq", "inline", "off"):
            raise ConfigError("RELQ_ANALYSIS_QUEUE must be thread, rq, inline or off.")
        if config["ANALYSIS_QUEUE"] == "rq" and not config.get("REDIS_URL"):
            raise ConfigError("RELQ_ANALYSIS_QUEUE=rq needs REDIS_URL.")
        if not 1 <= int(config.get("TICK_INTERVAL_S") or 0) <= 86400:
            raise ConfigError("RELQ_TICK_INTERVAL must be 1 to 86400 seconds.")
        _validate_csat(config)
        _validate_api(config)


def _validate_api(config: dict) -> None:
    """RELQ_API_RATE as "N/second|minute|hour"; RELQ_API_MAX_BODY a positive size."""
    import re

    if not re.match(r"^\s*\d{1,7}\s*/\s*(second|minute|hour)\s*$", config.get("API_RATE", "")):
        raise ConfigError("RELQ_API_RATE must read like 600/minute (per second, minute or hour).")
    if not 256 <= int(config.get("API_MAX_BODY") or 0) <= 16 * 1024 * 1024:
        raise ConfigError("RELQ_API_MAX_BODY must be 256 bytes to 16 MiB.")


def _validate_mail(config: dict) -> None:
    """MAIL_* settings: the port as a number, a known queue, a sender address."""
    try:
        config["MAIL_PORT"] = int(config.get("MAIL_PORT") or 25)
    except (TypeError, ValueError):
        raise ConfigError(f"MAIL_PORT must be a number, not {config['MAIL_PORT']!r}.") from None
    if not 0 < config["MAIL_PORT"] < 65536:
        raise ConfigError("MAIL_PORT must be between 1 and 65535.")
    if config.get("MAIL_QUEUE") not in ("thread", "inline", "off"):
        raise ConfigError("RELQ_MAIL_QUEUE must be thread, inline or off.")
    if config.get("MAIL_SERVER") and "@" not in (config.get("MAIL_FROM") or ""):
        raise ConfigError("MAIL_FROM must be an e-mail address when MAIL_SERVER is set.")
    if bool(config.get("MAIL_USERNAME")) != bool(config.get("MAIL_PASSWORD")):
        raise ConfigError("Set both MAIL_USERNAME and MAIL_PASSWORD, or neither.")


def _validate_csat(config: dict) -> None:
    """RELQ_CSAT_DAYS (1-365) and RELQ_CSAT_DELAY_HOURS (0-720) as numbers."""
    for key, name, low, high in (
        ("CSAT_DAYS", "RELQ_CSAT_DAYS", 1, 365),
        ("CSAT_DELAY_HOURS", "RELQ_CSAT_DELAY_HOURS", 0, 720),
    ):
        try:
            config[key] = int(config.get(key))
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a whole number, not {config.get(key)!r}.") from None
        if not low <= config[key] <= high:
            raise ConfigError(f"{name} must be {low} to {high}.")


def _validate_mailin(config: dict) -> None:
    """RELQ_MAIL_*: a known security, a port as a number, credentials with a host. (The
    intake user is checked against the database when polling starts: relq/mailin/jobs.py.)"""
    security = config.get("MAILIN_IMAP_SECURITY") or "ssl"
    if security not in ("ssl", "starttls", "plain"):
        raise ConfigError("RELQ_MAIL_IMAP_SECURITY must be ssl, starttls or plain.")
    port = config.get("MAILIN_IMAP_PORT") or (993 if security == "ssl" else 143)
    try:
        config["MAILIN_IMAP_PORT"] = int(port)
    except (TypeError, ValueError):
        raise ConfigError(f"RELQ_MAIL_IMAP_PORT must be a number, not {port!r}.") from None
    if config.get("MAILIN_IMAP_HOST") and not (
        config.get("MAILIN_IMAP_USER") and config.get("MAILIN_IMAP_PASSWORD")
    ):
        raise ConfigError("RELQ_MAIL_IMAP_HOST needs RELQ_MAIL_IMAP_USER and _PASSWORD.")
    for name in ("MAILIN_BATCH_SIZE", "MAILIN_MAX_MESSAGE_BYTES", "MAILIN_MAX_ATTACHMENT_BYTES"):
        if int(config.get(name) or 0) < 1:
            raise ConfigError(f"{name} must be at least 1.")


class DevelopmentConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret()


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite:///:memory:"
    # Most tests never touch spaCy; the analysis tests switch this to "inline".
    ANALYSIS_QUEUE = "off"
    # No e-mail unless a test starts its own SMTP server; sending then happens inline.
    MAIL_SERVER = ""
    MAIL_QUEUE = "inline"
    # Fast hashes in tests; production keeps werkzeug's scrypt default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105  (a method name)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    @classmethod
    def validate(cls, config: dict) -> None:
        super().validate(config)
        if len(config["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production.")
        if not os.environ.get("DATABASE_URL"):
            raise ConfigError("DATABASE_URL must be set in production.")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
