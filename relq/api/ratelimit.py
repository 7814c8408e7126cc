"""Rate limits per API token: a fixed-window counter that every web node shares.

With REDIS_URL the counter is a Redis key per token and window (INCR, expiring with the
window); without it, a row per token and window in the database (an upsert that returns the
new count). Never a counter in the process's memory: with four gunicorn workers on two machines
that would allow eight times the limit. RELQ_API_RATE says how many requests per period
("600/minute"; periods second, minute, hour).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from relq.api.models import ApiRateWindow
from relq.db import db, transaction

PERIODS = {"second": 1, "minute": 60, "hour": 3600}
RATE = re.compile(r"^\s*(\d{1,7})\s*/\s*(second|minute|hour)\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    period_s: int


def parse_rate(text: str) -> Rate:
    """ "600/minute" -> Rate(600, 60). Raises ValueError for anything else."""
    match = RATE.match(text or "")
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"not a rate: {text!r} (say e.g. 600/minute)")
    return Rate(int(match.group(1)), PERIODS[match.group(2)])


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends (whole, at least 1)


def _redis():
    found = current_app.extensions.get("relq_api_redis")
    if found is None:
        import redis

        found = redis.Redis.from_url(
            current_app.config["REDIS_URL"], socket_connect_timeout=0.5, socket_timeout=0.5
        )
        current_app.extensions["relq_api_redis"] = found
    return found


def hit(token_id: int, token_key: str, now: float | None = None) -> Verdict:
    """Count one request of the token in the current window and say whether it may pass.
    `token_key` names the token on Redis (a part of its digest: ids restart with a new
    database, a digest does not). In the database mode the caller's transaction commits."""
    rate = parse_rate(current_app.config["API_RATE"])
    now = time.time() if now is None else now
    window = int(now // rate.period_s) * rate.period_s
    if current_app.config.get("REDIS_URL"):
        count = _redis_hit(token_id, token_key, window, rate.period_s)
    else:
        count = _database_hit(token_id, window)
    retry = max(1, math.ceil(window + rate.period_s - now))
    return Verdict(count <= rate.limit, rate.limit, max(0, rate.limit - count), retry)


def _redis_hit(token_id: int, token_key: str, window: int, period_s: int) -> int:
    """The count on Redis; while Redis cannot be reached, in the database (which every node
    shares too), so that an outage of Redis neither stops the API nor lifts its limit."""
    import redis

    key = f"relq:api-rate:{token_key}:{window}"
    try:
        pipe = _redis().pipeline()
        pipe.incr(key)
        pipe.expire(key, period_s * 2)
        return int(pipe.execute()[0])
    except redis.exceptions.RedisError as error:
        current_app.logger.warning(
            "API rate counter: Redis unreachable (%s), using the database", error
        )
        with transaction():
            return _database_hit(token_id, window)


def _database_hit(token_id: int, window: int) -> int:
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        # A count lost in a crash lets a few requests more through, once: not worth waiting
        # for the disk on every API request (this transaction holds nothing else of value:
        # at most the token's last use).
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ApiRateWindow)
        .values(token_id=token_id, window_start=window, hits=1)
        .on_conflict_do_update(
            index_elements=["token_id", "window_start"],
            set_={"hits": ApiRateWindow.hits + 1},
        )
        .returning(ApiRateWindow.hits)
    )
    count = db.session.execute(statement).scalar_one()
    if count == 1:  # a new window: the token's older ones are done with
        db.session.execute(
            delete(ApiRateWindow).where(
                ApiRateWindow.token_id == token_id, ApiRateWindow.window_start < window
            )
        )
    return count
