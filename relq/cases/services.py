"""The rules of a case's life. Services take the acting user, change models, record one audit
event per change and flush; they never commit (the caller's `transaction()` does)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from relq import access, events
from relq.analysis.services import request_analysis, search_condition
from relq.audit.models import AuditEvent
from relq.audit.services import apply_changes, record
from relq.cases.models import NOTE_KINDS, TRANSITIONS, Case, Customer, Note, parse_ref
from relq.db import db, utcnow
from relq.errors import Conflict, DomainError, Invalid, NotAllowed
from relq.org.models import Department, User
from relq.tags.models import CaseTag, Tag


class CaseError(DomainError):
    """A refused change to a case (relq/errors.py maps it to its HTTP answer)."""


class IllegalTransition(CaseError, Conflict):
    """The case's status does not allow `action` (any more: someone moved it meanwhile)."""

    def __init__(self, case: Case, action: str):
        super().__init__("illegal_transition", action)
        self.case_status, self.action = case.status, action


class MissingInput(CaseError, Invalid):
    def __init__(self, field_name: str):
        super().__init__("missing_input", field_name)
        self.field_name = field_name


class EditConflict(CaseError, Conflict):
    """Someone changed the case after the user loaded it. `changed_by` tells who, if known."""

    def __init__(self, case: Case, changed_by: User | None):
        super().__init__("edit_conflict", case.id)
        self.case, self.changed_by = case, changed_by


class DuplicateSubmission(CaseError, Conflict):
    """The intake form was sent twice; `case` is the one the first submission created."""

    def __init__(self, case: Case):
        super().__init__("duplicate_submission", case.id)
        self.case = case


@dataclass
class CustomerInput:
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""  # "ja", "en" or unknown ("")
    survey_opt_out: bool = False  # the customer asked not to receive satisfaction surveys

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.email or self.phone)


@dataclass
class CaseInput:
    intake_token: str
    kind: str
    channel: str
    received_at: datetime
    subject: str
    customer_words: str
    product: str = ""
    remedy_requested: str = ""
    severity: int = 3
    responsible_department_id: int | None = None
    customer: CustomerInput = field(default_factory=CustomerInput)
    observation: str = ""


EDITABLE_FIELDS = (
    "kind",
    "channel",
    "received_at",
    "product",
    "subject",
    "customer_words",
    "remedy_requested",
    "severity",
)


def to_minute(moment: datetime) -> datetime:
    """Times of contact are kept to the minute, as people write them down and forms show them."""
    return moment.replace(second=0, microsecond=0)


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    return digits


def find_or_create_customer(data: CustomerInput) -> tuple[Customer | None, bool]:
    """The customer with the same e-mail or phone number, or a new one (then True); None when
    anonymous."""
    if data.is_empty:
        return None, False
    email = unicodedata.normalize("NFKC", data.email).strip().lower() or None
    phone = normalise_phone(data.phone) or None
    conditions = []
    if email:
        conditions.append(Customer.email == email)
    if phone:
        conditions.append(Customer.phone == phone)
    # One indexed lookup per key: an OR of the two lets the planner scan every customer.
    for condition in conditions:
        existing = db.session.scalar(
            select(Customer).where(condition).order_by(Customer.id).limit(1)
        )
        if existing is not None:
            if data.name and not existing.name:
                existing.name = data.name
            if data.language in ("ja", "en"):
                existing.language = data.language
            return existing, False
    customer = Customer(
        name=data.name.strip() or None,
        email=email,
        phone=phone,
        language=data.language if data.language in ("ja", "en") else None,
        survey_opt_out=False,
    )
    db.session.add(customer)  # inserted with the case that refers to it
    return customer, True


def case_by_intake_token(token: str) -> Case | None:
    """The case an intake form with this token saved, if any (a form is saved once)."""
    return db.session.scalar(select(Case).where(Case.intake_token == token))


def _require_department(department_id: int | None) -> Department:
    department = db.session.get(Department, department_id) if department_id else None
    if department is None or not department.is_active:
        raise MissingInput("department")
    return department


def create_case(actor: User, data: CaseInput) -> Case:
    """Log a case taken in by `actor`'s department, with the customer and the front-line
    observation. Raises NotAllowed, DuplicateSubmission (same intake token) or MissingInput.
    Two submissions of one form at the very same moment both pass the token check; the
    database's unique index then refuses the second one's transaction (IntegrityError), and
    its caller finds the first one's case with `case_by_intake_token`."""
    if not access.can_create_case(actor):
        raise NotAllowed("create")
    existing = case_by_intake_token(data.intake_token)
    if existing is not None:
        raise DuplicateSubmission(existing)
    department = None
    if data.responsible_department_id:
        department = _require_department(data.responsible_department_id)
    customer, new_customer = find_or_create_customer(data.customer)
    case = Case(
        intake_token=data.intake_token,
        kind=data.kind,
        channel=data.channel,
        received_at=to_minute(data.received_at),
        product=data.product.strip(),
        subject=data.subject.strip(),
        customer_words=data.customer_words.strip(),
        remedy_requested=data.remedy_requested.strip(),
        severity=data.severity,
        status="routed" if department else "received",
        intake_department_id=actor.department_id,
        responsible_department_id=department.id if department else None,
        created_by_id=actor.id,
        customer=customer,
    )
    db.session.add(case)
    db.session.flush()
    record(
        "case.created",
        actor=actor,
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        after={name: getattr(case, name) for name in EDITABLE_FIELDS}
        | {"status": case.status, "responsible_department_id": case.responsible_department_id},
    )
    if customer is not None and data.customer.survey_opt_out and not customer.survey_opt_out:
        customer.survey_opt_out = True  # no satisfaction surveys (relq/csat)
        record(
            "customer.survey_opt_out",
            actor=actor,
            entity_type="customer",
            entity_id=customer.id,
            case_id=case.id,
            before={"survey_opt_out": False},
            after={"survey_opt_out": True},
        )
    if data.observation.strip():
        add_note(case, actor=actor, kind="observation", body=data.observation)
    # Receivers see the case arrive (routing rules, the last of them, may then route it).
    events.case_created.send(case, actor=actor, new_customer=new_customer)
    request_analysis(case)
    return case


def _check_version(case: Case, expected_version: int) -> None:
    if case.version != expected_version:
        last = db.session.scalar(
            select(User)
            .join(AuditEvent, AuditEvent.actor_id == User.id)
            .where(AuditEvent.case_id == case.id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        raise EditConflict(case, last)


def update_case(case: Case, *, actor: User, changes: dict[str, Any], expected_version: int) -> Case:
    """Change the case's record. Raises NotAllowed, or EditConflict when `case` is no longer
    at `expected_version` (the version the user's form was built from)."""
    if not access.can_edit_case(actor, case):
        raise NotAllowed("edit")
    _check_version(case, expected_version)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {unknown}")
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    if cleaned.get("received_at"):
        cleaned["received_at"] = to_minute(cleaned["received_at"])
    after = apply_changes(
        case, cleaned, action="case.updated", actor=actor, entity_type="case", case_id=case.id
    )
    if after:
        events.case_updated.send(case, actor=actor, changes=after)
    if set(after) & {"subject", "customer_words", "remedy_requested", "product"}:
        request_analysis(case)
    return case


def transition_case(
    case: Case,
    *,
    actor: User,
    action: str,
    expected_version: int,
    department_id: int | None = None,
    reason: str = "",
    planned_for: date | None = None,
) -> Case:
    """Move the case along its lifecycle (`TRANSITIONS`). Raises IllegalTransition for a change
    the case's status does not allow, NotAllowed for one the actor may not make, MissingInput
    for a department or reason the change needs, EditConflict for a stale form. The owning
    department's answers are `relq.answers.services.answer_case` (Invalid here)."""
    if action in TRANSITIONS and TRANSITIONS[action].answer:
        raise Invalid("answer_through_answer_case", action)
    check_transition(case, actor=actor, action=action, expected_version=expected_version)
    return apply_transition(
        case,
        action,
        actor=actor,
        department_id=department_id,
        reason=reason,
        planned_for=planned_for,
    )


def check_transition(case: Case, *, actor: User, action: str, expected_version: int) -> None:
    """Whether `actor` may make this change now (see transition_case for what it raises)."""
    transition = TRANSITIONS.get(action)
    if transition is None or case.status not in transition.sources:
        raise IllegalTransition(case, action)
    if not access.can_transition(actor, case, action):
        raise NotAllowed(action)
    _check_version(case, expected_version)


def apply_transition(
    case: Case,
    action: str,
    *,
    actor: User | None,
    department_id: int | None = None,
    reason: str = "",
    planned_for: date | None = None,
    extra: dict[str, Any] | None = None,
) -> Case:
    """Make a lifecycle change the caller has already allowed (a person through
    `transition_case`, or a routing rule with `actor` None) and record it."""
    transition = TRANSITIONS[action]
    if case.status not in transition.sources:
        raise IllegalTransition(case, action)
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise MissingInput("reason")
    if transition.needs_date and planned_for is None:
        raise MissingInput("planned_for")
    before: dict[str, Any] = {"status": case.status}
    after: dict[str, Any] = {"status": transition.target}
    if transition.needs_department:
        department = _require_department(department_id)
        if department.id == case.responsible_department_id:
            raise MissingInput("department")
        before["responsible_department_id"] = case.responsible_department_id
        after["responsible_department_id"] = department.id
        case.responsible_department_id = department.id
    case.status = transition.target
    db.session.flush()
    if reason:
        after["reason"] = reason
    if transition.needs_date:
        after["planned_for"] = planned_for
    record(
        f"case.{action}",
        actor=actor,
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        before=before,
        after=after | (extra or {}),
    )
    events.case_transitioned.send(
        case,
        actor=actor,
        action=action,
        before=before["status"],
        after=transition.target,
        reason=reason,
        planned_for=planned_for,
    )
    return case


def assignable_users(case: Case) -> list[User]:
    """Who may hold the case: active operators and leads of the departments involved in it."""
    departments = {case.intake_department_id, case.responsible_department_id} - {None}
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.department_id.in_(departments),
                User.is_active.is_(True),
                User.role.in_(("operator", "lead")),
            )
            .order_by(User.department_id, User.name)
        )
    )


def assign_case(case: Case, *, actor: User, assignee_id: int | None, expected_version: int) -> Case:
    """Give the case to one person (or to nobody). Raises NotAllowed, EditConflict, or
    MissingInput when the person is not among `assignable_users(case)`."""
    if not access.can_assign(actor, case):
        raise NotAllowed("assign")
    _check_version(case, expected_version)
    if assignee_id is not None and assignee_id not in {u.id for u in assignable_users(case)}:
        raise MissingInput("assignee")
    apply_changes(
        case,
        {"assignee_id": assignee_id},
        action="case.assigned",
        actor=actor,
        entity_type="case",
        case_id=case.id,
    )
    return case


def add_note(case: Case, *, actor: User, kind: str, body: str) -> Note:
    """Add a note of `kind` (observation, internal, response). Raises NotAllowed or MissingInput."""
    if not access.can_add_note(actor, case):
        raise NotAllowed("note")
    if kind not in NOTE_KINDS:
        raise MissingInput("kind")
    body = (body or "").strip()
    if not body:
        raise MissingInput("body")
    note = Note(case_id=case.id, kind=kind, body=body, author_id=actor.id, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    record(
        "note.added",
        actor=actor,
        entity_type="note",
        entity_id=note.id,
        case_id=case.id,
        after={"kind": kind},
    )
    events.note_added.send(case, actor=actor, note=note)
    request_analysis(case)
    return note


@dataclass
class CaseFilters:
    statuses: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    severities: list[int] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    department_id: int | None = None
    assignee_id: int | None = None
    tag_code: str = ""
    received_from: datetime | None = None
    received_until: datetime | None = None
    text: str = ""
    sort: str = "-received_at"


SORTS = {
    "received_at": (Case.received_at.asc(), Case.id.asc()),
    "-received_at": (Case.received_at.desc(), Case.id.desc()),
    "severity": (Case.severity.asc(), Case.received_at.desc(), Case.id.desc()),
    "-updated_at": (Case.updated_at.desc(), Case.id.desc()),
    "status": (Case.status.asc(), Case.received_at.desc(), Case.id.desc()),
}


def filter_cases(user: User, filters: CaseFilters) -> Select:
    """The cases `user` may see that match `filters`, sorted; every list starts here."""
    query = access.visible_cases(user)
    if filters.statuses:
        query = query.where(Case.status.in_(filters.statuses))
    if filters.kinds:
        query = query.where(Case.kind.in_(filters.kinds))
    if filters.severities:
        query = query.where(Case.severity.in_(filters.severities))
    if filters.channels:
        query = query.where(Case.channel.in_(filters.channels))
    if filters.department_id:
        query = query.where(Case.responsible_department_id == filters.department_id)
    if filters.assignee_id:
        query = query.where(Case.assignee_id == filters.assignee_id)
    if filters.tag_code:
        query = query.where(Case.id.in_(cases_tagged(filters.tag_code)))
    if filters.received_from:
        query = query.where(Case.received_at >= filters.received_from)
    if filters.received_until:
        query = query.where(Case.received_at < filters.received_until)
    text = unicodedata.normalize("NFKC", filters.text or "").strip()
    if text:
        case_id = parse_ref(text)
        query = query.where(Case.id == case_id if case_id is not None else search_condition(text))
    return query.order_by(*SORTS.get(filters.sort, SORTS["-received_at"]))


def cases_tagged(code: str) -> Select:
    """Ids of the cases carrying the tag (accepted or still suggested)."""
    return (
        select(CaseTag.case_id)
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(Tag.code == code, CaseTag.state != "rejected")
    )


def count_limited(query: Select, limit: int) -> tuple[int, bool]:
    """How many rows `query` selects, counting at most `limit`; and whether that is exact."""
    sub = query.with_only_columns(Case.id).order_by(None).limit(limit + 1).subquery()
    n = db.session.scalar(select(func.count()).select_from(sub))
    return min(n, limit), n <= limit


@dataclass(frozen=True, slots=True)
class TimelinePerson:
    name: str


@dataclass(frozen=True, slots=True)
class TimelineNote:
    """What the timeline shows of a note (the case page reads it like a Note)."""

    id: int
    kind: str
    body: str
    created_at: datetime
    author: TimelinePerson


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """What the timeline shows of an audit event (read like an AuditEvent)."""

    id: int
    at: datetime
    action: str
    entity_type: str
    entity_id: int
    before: dict | None
    after: dict | None
    actor: TimelinePerson | None


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "note" or "event"
    note: TimelineNote | None = None
    event: TimelineEvent | None = None


# The timeline's two statements, built once with the case as a parameter (see tag_chips).
_TIMELINE_NOTES = (
    select(Note.id, Note.kind, Note.body, Note.created_at, User.name)
    .join(User, User.id == Note.author_id)
    .where(Note.case_id == bindparam("case_id"))
    .order_by(Note.created_at, Note.id)
)
_TIMELINE_EVENTS = (
    select(
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.action,
        AuditEvent.entity_type,
        AuditEvent.entity_id,
        AuditEvent.before,
        AuditEvent.after,
        User.name,
    )
    .outerjoin(User, User.id == AuditEvent.actor_id)
    .where(AuditEvent.case_id == bindparam("case_id"), AuditEvent.action != "note.added")
    .order_by(AuditEvent.at, AuditEvent.id)
)


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Notes and audit events of the case, oldest first (notes carry their own "added" event).
    Read as plain rows with their authors' names (two queries, no ORM objects): the case page
    shows them and nothing changes them."""
    db.session.flush()  # (nothing to flush on a page view; a failed form's page reads it too)
    connection = db.session.connection()
    notes = connection.execute(_TIMELINE_NOTES, {"case_id": case.id})
    events = connection.execute(_TIMELINE_EVENTS, {"case_id": case.id})
    people: dict[str, TimelinePerson] = {}

    def person(name: str | None) -> TimelinePerson | None:
        if name is None:
            return None
        found = people.get(name)
        if found is None:
            found = people[name] = TimelinePerson(name)
        return found

    entries = [
        TimelineEntry(at, "note", note=TimelineNote(id_, kind, body, at, person(author)))
        for id_, kind, body, at, author in notes
    ]
    entries += [
        TimelineEntry(
            at, "event", event=TimelineEvent(id_, at, action, etype, eid, before, after, person(a))
        )
        for id_, at, action, etype, eid, before, after, a in events
    ]
    return sorted(entries, key=lambda e: e.at)
