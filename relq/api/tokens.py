"""Personal API tokens: create (the secret shown once), list, revoke, and authenticate.

A token acts as its user: authentication returns the user, and every check after it is the
user's own (`@allow`, the `can_*` permissions, `visible_cases`). Services take the actor,
audit and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from relq.api.models import SCOPES, SECRET_BYTES, SECRET_PREFIX, ApiToken
from relq.audit.services import record
from relq.db import db, utcnow
from relq.errors import Invalid, NotAllowed, NotFound
from relq.org.models import User

NAME_MAX = 80
# last_used_at is written at most this often per token, so that reads stay reads.
LAST_USED_EVERY = timedelta(seconds=60)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def can_manage_tokens(user: User) -> bool:
    """Everyone logged in keeps their own tokens."""
    return user.is_active


def can_manage_all_tokens(user: User) -> bool:
    """Admins see and revoke everyone's tokens."""
    return user.is_active and user.role == "admin"


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(actor: User, *, name: str, scope: str) -> NewToken:
    """A new token of `actor`'s. Raises NotAllowed, or Invalid("name"/"scope")."""
    if not can_manage_tokens(actor):
        raise NotAllowed("create_token")
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Invalid("name")
    if scope not in SCOPES:
        raise Invalid("scope")
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken(
        user_id=actor.id, name=name, scope=scope, digest=digest_of(secret), created_at=utcnow()
    )
    db.session.add(token)
    db.session.flush()
    record(
        "api_token.created",
        actor=actor,
        entity_type="api_token",
        entity_id=token.id,
        after={"name": name, "scope": scope, "user_id": actor.id},
    )
    return NewToken(token, secret)


def revoke_token(actor: User, token_id: int) -> ApiToken:
    """Revoke a token: the actor's own, or anyone's for an admin. NotFound otherwise (someone
    else's token does not exist for you); revoking twice changes nothing."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not (token.user_id == actor.id or can_manage_all_tokens(actor)):
        raise NotFound("api_token")
    if not actor.is_active:
        raise NotAllowed("revoke_token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record(
            "api_token.revoked",
            actor=actor,
            entity_type="api_token",
            entity_id=token.id,
            before={"revoked": False},
            after={"revoked": True, "name": token.name, "user_id": token.user_id},
        )
    return token


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    user_name: str
    user_email: str


def token_rows(actor: User, *, everyone: bool = False) -> list[TokenRow]:
    """The actor's tokens (or, for an admin asking `everyone`, all), newest first."""
    query = (
        select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.scope,
            ApiToken.created_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
            User.name,
            User.email,
        )
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    )
    if not (everyone and can_manage_all_tokens(actor)):
        query = query.where(ApiToken.user_id == actor.id)
    return [TokenRow(*row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class Bearer:
    token_id: int
    scope: str
    user: User
    stamp_due: bool  # last_used_at is a minute old or more: stamp_last_used() writes it
    key: str  # names the token where its id would not do (the rate counter on Redis)


def authenticate(secret: str, now: datetime | None = None) -> Bearer | None:
    """The token and its user for a secret, or None: unknown, revoked, or its user
    deactivated. Reads only: `stamp_last_used` writes last_used_at when `stamp_due`."""
    if not secret or len(secret) > 200:
        return None
    row = db.session.execute(
        select(ApiToken.id, ApiToken.scope, ApiToken.revoked_at, ApiToken.last_used_at, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.digest == digest_of(secret))
    ).first()
    if row is None:
        return None
    digest = digest_of(secret)
    token_id, scope, revoked_at, last_used_at, user = row
    if revoked_at is not None or not user.is_active:
        return None
    now = now or utcnow()
    due = last_used_at is None or last_used_at < now - LAST_USED_EVERY
    return Bearer(token_id, scope, user, due, digest[:32])


def stamp_last_used(token_id: int, now: datetime | None = None) -> bool:
    """last_used_at = now unless it was stamped less than a minute ago. True when written."""
    now = now or utcnow()
    result = db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_EVERY),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)
