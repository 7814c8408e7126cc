"""Logging in and out. A login is a row in login_sessions; the cookie only names it."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from relq import speedups
from relq.audit.services import record
from relq.auth.models import LoginFailure, LoginSession
from relq.db import db, utcnow
from relq.org.models import Department, User

MIN_PASSWORD_LENGTH = 10


class LoginThrottled(Exception):
    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


class PasswordRejected(Exception):
    """The new password does not meet the rules; `reason` is a code the view translates."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    return (
        generate_password_hash(password, method=method)
        if method
        else generate_password_hash(password)
    )


# Hashes of no one's password, per hashing method, compared against when the e-mail is
# unknown: made by the method real passwords are hashed with, so that an unknown address costs
# what a wrong password costs and timing does not tell which accounts exist.
_dummy_hashes: dict[str | None, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password made by the configured method (made once per method)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    found = _dummy_hashes.get(method)
    if found is None:
        found = _dummy_hashes[method] = hash_password(secrets.token_urlsafe(24))
    return found


def _is_throttled(email: str, ip: str | None) -> bool:
    window_start = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    conditions = [LoginFailure.email == email]
    if ip:
        # An address gets more room than an account: an office may share one address.
        conditions.append(LoginFailure.ip == ip)
    counts = db.session.execute(
        select(
            func.count().filter(LoginFailure.email == email),
            func.count().filter(LoginFailure.ip == ip) if ip else func.count().filter(False),
        ).where(LoginFailure.at >= window_start, or_(*conditions))
    ).one()
    return counts[0] >= limit or counts[1] >= 4 * limit


def authenticate(email: str, password: str, *, ip: str | None) -> User | None:
    """The active user with this e-mail and password, or None (a failure is recorded).
    Raises LoginThrottled after too many recent failures for the account or the address."""
    email = (email or "").strip().lower()
    if _is_throttled(email, ip):
        minutes = int(current_app.config["LOGIN_FAILURE_WINDOW"].total_seconds() // 60)
        raise LoginThrottled(minutes)
    user = db.session.scalar(select(User).where(User.email == email))
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if user is None or not ok or not user.is_active:
        db.session.add(LoginFailure(email=email[:254], ip=ip))
        db.session.flush()
        return None
    return user


def start_login_session(user: User, *, ip: str | None, user_agent: str | None) -> LoginSession:
    now = utcnow()
    login = LoginSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        created_at=now,
        expires_at=now + current_app.config["LOGIN_SESSION_LIFETIME"],
        ip=ip,
        user_agent=(user_agent or "")[:255],
    )
    db.session.add(login)
    db.session.flush()
    record("user.logged_in", actor=user, entity_type="user", entity_id=user.id)
    return login


def load_login_session(session_id: str | None) -> LoginSession | None:
    """The live login named by the cookie: not ended, not expired, its user still active."""
    if not session_id:
        return None
    login = db.session.get(LoginSession, session_id)
    if login is None or login.ended_at is not None or login.expires_at <= utcnow():
        return None
    if not login.user.is_active:
        return None
    return login


# ---- the login of every request, cheaply -------------------------------------------------------
#
# Every request reads its login row (see load_login_session). Loading it through the ORM (the
# row, its user and the user's department as three objects) cost about a fifth of a millisecond
# a request. load_login_user asks the same question of the database on every request, with one
# prepared SQL statement: the login must still be open (not ended, not expired) and its user
# active, so a logout, a password change or a deactivation in any process ends the login at the
# very next request, as before. What it need not do each time is build the User: with the
# framework speed-ups (relq/speedups.py) a detached copy is reused while the row read now is
# identical, column for column.

_USER_ID_AT = [c.name for c in User.__table__.columns].index("id")
_login_sql: dict[str, tuple[str, object]] = {}


def _login_statement(dialect) -> tuple[str, object]:
    found = _login_sql.get(dialect.name)
    if found is None:
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        columns = [f"u.{quote(c.name)}" for c in User.__table__.columns]
        columns += [f"d.{quote(c.name)}" for c in Department.__table__.columns]
        sql = (
            f"SELECT {', '.join(columns)} FROM login_sessions s "
            "JOIN users u ON u.id = s.user_id JOIN departments d ON d.id = u.department_id "
            f"WHERE s.id = {mark} AND s.ended_at IS NULL AND s.expires_at > {mark} "
            "AND u.is_active"
        )
        to_db = LoginSession.__table__.c.expires_at.type.bind_processor(dialect)
        found = _login_sql[dialect.name] = (sql, to_db)
    return found


def load_login_user(session_id: str | None) -> User | None:
    """The user of the live login named by the cookie (not ended, not expired, the user still
    active), in the request's database session; None otherwise. See above."""
    if not session_id:
        return None
    connection = db.session.connection()  # the request's transaction, begun here
    sql, to_db = _login_statement(connection.dialect)
    now = utcnow()
    cursor = connection.connection.driver_connection.cursor()  # the driver's, not the ORM's
    try:
        cursor.execute(sql, (session_id, to_db(now) if to_db else now))
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return None
    row = tuple(row)
    user_id = row[_USER_ID_AT]
    known = speedups.known_user(user_id, row)
    if known is not None:
        return db.session.merge(known, load=False)
    login = load_login_session(session_id)
    if login is None:
        return None
    user = login.user
    if speedups.enabled():
        # A detached copy of what was just loaded (with its department), for the next requests.
        scratch = Session()
        speedups.keep_user(user_id, row, scratch.merge(user, load=False))
        scratch.expunge_all()
        scratch.close()
    return user


def end_login_session(session_id: str, *, actor: User) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    record("user.logged_out", actor=actor, entity_type="user", entity_id=actor.id)


def end_all_login_sessions(user: User, *, except_id: str | None = None) -> None:
    query = update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
    )
    if except_id:
        query = query.where(LoginSession.id != except_id)
    db.session.execute(query.values(ended_at=utcnow()))


def check_new_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected("too_short")
    if password.strip().lower() in (user.email, user.email.split("@")[0]):
        raise PasswordRejected("like_email")


def change_password(user: User, *, actor: User, current: str, new: str) -> None:
    """Set a new password and end every login of the user (including the one in use: the
    caller starts a fresh one). Raises PasswordRejected."""
    if not check_password_hash(user.password_hash, current or ""):
        raise PasswordRejected("wrong_current")
    check_new_password(user, new)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_all_login_sessions(user)
    db.session.flush()
    record("user.password_changed", actor=actor, entity_type="user", entity_id=user.id)


def forget_old_failures(older_than: timedelta = timedelta(days=1)) -> int:
    result = db.session.execute(
        LoginFailure.__table__.delete().where(LoginFailure.at < utcnow() - older_than)
    )
    return result.rowcount or 0
