"""Personal API tokens and the shared rate-limit counter.

A token's secret is shown once, when it is created; the database keeps only its sha256 digest
(a leaked table gives no usable token). The rate counter is a fixed window per token kept in the
database when no Redis is configured, so every web node counts the same requests.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import User

SCOPES = {
    "read": _l("Read"),
    "read_write": _l("Read and write"),
}
# How long a secret is (bytes of randomness, before base64): 32 bytes = 256 bits.
SECRET_BYTES = 32
# The secret starts with this, so that secret scanners and people recognise a relq token.
SECRET_PREFIX = "relq_"  # noqa: S105  (a prefix, not a secret)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("scope IN ('read', 'read_write')", name="scope_known"),
        CheckConstraint("length(name) > 0", name="name_present"),
        CheckConstraint("length(digest) = 64", name="digest_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(16))
    # sha256 of the secret, hex: the secret itself is never stored.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at = mapped_column(UTCDateTime, nullable=True)
    revoked_at = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def can_write(self) -> bool:
        return self.scope == "read_write"


class ApiRateWindow(db.Model):
    """Requests of one token in one fixed window (the window's start, in whole seconds since
    the epoch). Old windows are deleted as new ones start."""

    __tablename__ = "api_rate_windows"
    __table_args__ = (CheckConstraint("hits >= 0", name="hits_counted"),)

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hits: Mapped[int] = mapped_column(Integer, nullable=False)
