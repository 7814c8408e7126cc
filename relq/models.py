"""Every model, imported once so that Alembic and SQLAlchemy's relationships see them all."""

from relq.audit.models import AuditEvent
from relq.auth.models import LoginFailure, LoginSession
from relq.cases.models import Case, Customer, Note
from relq.learning import LearnedModel
from relq.org.models import Department, User
from relq.routing.models import RoutingRule
from relq.tags.models import CaseTag, Tag
from relq.themes.models import SurgeAlert

__all__ = [
    "RoutingRule",
    "SurgeAlert",
    "CaseTag",
    "LearnedModel",
    "Tag",
    "AuditEvent",
    "Case",
    "Customer",
    "Department",
    "LoginFailure",
    "LoginSession",
    "Note",
    "User",
]
