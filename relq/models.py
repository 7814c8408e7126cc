"""Every model, imported once so that Alembic and SQLAlchemy's relationships see them all."""

from relq.answers.models import DepartmentAnswer
from relq.api.models import ApiRateWindow, ApiToken
from relq.audit.models import AuditEvent
from relq.auth.models import LoginFailure, LoginSession
from relq.cache import CacheTopic
from relq.cases.models import Case, Customer, Note
from relq.cases.saved_views import SavedView
from relq.csat.models import CsatSurvey
from relq.deadlines.models import CaseDeadline, DeadlinePolicy
from relq.digest.delivery import DigestDelivery, DigestSubscription
from relq.digest.models import DigestSnapshot
from relq.enps.models import (
    ActionPlan,
    FactorAnswer,
    SurveyBand,
    SurveyFactor,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
)
from relq.escalations.models import Escalation, EscalationComment
from relq.handoffs.models import Handoff, HandoffMessage, HandoffPolicy
from relq.harassment.models import HarassmentReport, StaffFollowUp
from relq.learning import LearnedModel
from relq.mailin.models import CaseMessageId, InboundAttachment, InboundMessage
from relq.notify.models import Notification, NotificationPreference
from relq.org.models import Department, User
from relq.privacy.models import (
    CaseAnonymisation,
    CustomerErasure,
    PersonalDataRead,
    PrivacyPolicy,
    PrivacyRequest,
)
from relq.review.models import ManagementReview, ReviewAction
from relq.routing.models import RoutingRule
from relq.tags.models import CaseTag, Tag
from relq.thanks.models import Compliment
from relq.themes.models import SurgeAlert
from relq.tick import ClockRun

__all__ = [
    "CaseAnonymisation",
    "CaseMessageId",
    "CustomerErasure",
    "InboundAttachment",
    "InboundMessage",
    "PersonalDataRead",
    "PrivacyPolicy",
    "PrivacyRequest",
    "ManagementReview",
    "ReviewAction",
    "ApiRateWindow",
    "ApiToken",
    "ActionPlan",
    "FactorAnswer",
    "SurveyBand",
    "SurveyFactor",
    "SurveyInvitation",
    "SurveyResponse",
    "SurveyRound",
    "CacheTopic",
    "CaseDeadline",
    "ClockRun",
    "Compliment",
    "CsatSurvey",
    "DeadlinePolicy",
    "DigestDelivery",
    "DigestSnapshot",
    "DigestSubscription",
    "DepartmentAnswer",
    "Escalation",
    "EscalationComment",
    "Handoff",
    "HandoffMessage",
    "HandoffPolicy",
    "HarassmentReport",
    "Notification",
    "NotificationPreference",
    "StaffFollowUp",
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
    "SavedView",
    "User",
]
