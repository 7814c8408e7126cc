"""Saved views of the case list: per person, a name and the list's query string.

A saved view is the query string of `/cases/` as its owner had it (filters, search, sort),
kept under a name they chose. Only its owner lists, opens or deletes it; someone else's view
does not exist for them (NotFound). The query string is kept as sent: the list reads it
through its own filter form, so a view saved before a choice disappeared is still answered
(with the list's "some filters were not understood" message), never trusted.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from relq.audit.services import record
from relq.cache import kept
from relq.db import UTCDateTime, db, utcnow
from relq.errors import Conflict, Invalid, NotFound
from relq.org.models import User

NAME_MAX = 80
QUERY_MAX = 2000
VIEWS_PER_PERSON = 50
# What a view keeps of the list's query string: the filters, not the page being read.
NOT_KEPT = frozenset({"page", "csrf_token"})


class SavedView(db.Model):
    __tablename__ = "saved_views"
    __table_args__ = (
        UniqueConstraint("user_id", "name"),
        CheckConstraint("length(name) > 0", name="name_present"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    query: Mapped[str] = mapped_column(String(QUERY_MAX), default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class SavedViewRow(NamedTuple):
    id: int
    name: str
    query: str


def clean_query(query: str) -> str:
    """The list's query string without the page (a view opens on its first page)."""
    pairs = parse_qsl(query or "", keep_blank_values=False)
    return urlencode([(k, v) for k, v in pairs if k not in NOT_KEPT])


def saved_views_of(user: User) -> tuple[SavedViewRow, ...]:
    """`user`'s own saved views, by name (kept while no saved view changes)."""

    def load() -> tuple[SavedViewRow, ...]:
        rows = db.session.execute(
            select(SavedView.id, SavedView.name, SavedView.query)
            .where(SavedView.user_id == user.id)
            .order_by(SavedView.name, SavedView.id)
        )
        return tuple(SavedViewRow(*r) for r in rows)

    return kept(("saved_views",), ("saved-views", user.id), load)


def save_view(actor: User, *, name: str, query: str) -> SavedView:
    """Keep the list's `query` under `name` for `actor`. Raises Invalid (no name, too many
    views, query too long) or Conflict (the actor already has a view of that name)."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise Invalid("name")
    query = clean_query(query)
    if len(query) > QUERY_MAX:
        raise Invalid("query_too_long")
    own = select(SavedView.id).where(SavedView.user_id == actor.id)
    if db.session.scalar(own.where(SavedView.name == name)) is not None:
        raise Conflict("name_taken")
    count = db.session.scalar(select(db.func.count()).select_from(own.subquery()))
    if count >= VIEWS_PER_PERSON:
        raise Invalid("too_many")
    view = SavedView(user_id=actor.id, name=name, query=query, created_at=utcnow())
    db.session.add(view)
    db.session.flush()
    record(
        "saved_view.created",
        actor=actor,
        entity_type="saved_view",
        entity_id=view.id,
        after={"name": name, "query": query},
    )
    return view


def delete_view(actor: User, view_id: int) -> None:
    """Delete one of `actor`'s saved views. Raises NotFound for any other id (someone else's
    view does not exist for the actor)."""
    view = db.session.scalar(
        select(SavedView).where(SavedView.id == view_id, SavedView.user_id == actor.id)
    )
    if view is None:
        raise NotFound("saved_view")
    record(
        "saved_view.deleted",
        actor=actor,
        entity_type="saved_view",
        entity_id=view.id,
        before={"name": view.name, "query": view.query},
    )
    db.session.delete(view)
    db.session.flush()
