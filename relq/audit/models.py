from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow
from relq.org.models import User


class AuditEvent(db.Model):
    """One change. The database refuses UPDATE and DELETE on this table (triggers created
    by the initial migration); the mapper events below say so earlier, in Python."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_case_id_at", "case_id", "at"),
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(48))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    # Set for events about a case or anything reached through it: the case's timeline.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(lazy="joined")


class AuditIsAppendOnly(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(*_args) -> None:
    raise AuditIsAppendOnly("audit events are never changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(*_args) -> None:
    raise AuditIsAppendOnly("audit events are never deleted")


# What each stored action code means, in the viewer's language (codes stay English in the DB).
ACTIONS = {
    "case.created": _l("Case logged"),
    "case.updated": _l("Case edited"),
    "case.route": _l("Routed"),
    "case.reroute": _l("Rerouted"),
    "case.acknowledge": _l("Acknowledged (受領)"),
    "case.plan": _l("Response planned (対応予定)"),
    "case.complete": _l("Done (対応済)"),
    "case.decline": _l("Declined (対応しない)"),
    "case.start": _l("Work started"),
    "case.await_customer": _l("Waiting for the customer"),
    "case.customer_replied": _l("Customer replied"),
    "case.resolve": _l("Resolved"),
    "case.close": _l("Closed"),
    "case.reopen": _l("Reopened"),
    "case.assigned": _l("Assignee changed"),
    "note.added": _l("Note added"),
    "tag.accept": _l("Tag accepted"),
    "tag.reject": _l("Tag rejected"),
    "tag.add": _l("Tag added"),
    "tag.remove": _l("Tag removed"),
    "tag.created": _l("Tag created"),
    "tag.updated": _l("Tag changed"),
    "user.created": _l("User created"),
    "user.updated": _l("User changed"),
    "user.logged_in": _l("Logged in"),
    "user.logged_out": _l("Logged out"),
    "user.password_changed": _l("Password changed"),
    "user.locale_changed": _l("Language changed"),
    "department.created": _l("Department created"),
    "department.updated": _l("Department changed"),
    "deadline_policy.updated": _l("Deadline policy changed"),
    "harassment.flagged": _l("Flagged as customer harassment"),
    "harassment.updated": _l("Harassment record changed"),
    "harassment.follow_up_added": _l("Follow-up with the staff member recorded"),
    "compliment.shared": _l("Compliment passed on"),
    "compliment.withdrawn": _l("Compliment taken out of the feed"),
    "notification_preferences.updated": _l("Notification settings changed"),
    "escalation.opened": _l("Escalated"),
    "escalation.raised": _l("Escalation raised to management"),
    "escalation.assigned": _l("Escalation owner changed"),
    "escalation.commented": _l("Escalation commented"),
    "escalation.closed": _l("Escalation decided and closed"),
}
