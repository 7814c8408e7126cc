"""/api/v1/cases: the list (the list page's filters and query, cursor-paged), a case, intake,
edits with the version, transitions, notes. Each view loads through the scoping door, calls
the same service as the page, and answers; refusals are the services' domain errors."""

from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from relq import access
from relq.access import EVERYONE, allow, visible_cases
from relq.answers.services import answer_case
from relq.api import paging
from relq.api.schemas import (
    CaseCreate,
    CaseDetail,
    CaseListQuery,
    CasePage,
    CaseSummary,
    CaseUpdate,
    CustomerOut,
    NoteIn,
    NoteList,
    NoteOut,
    TransitionIn,
)
from relq.api.spec import FieldsRefused, answers, spec
from relq.audit.models import AuditEvent
from relq.cache import kept
from relq.cases.listing import CASE_LIST_TOPICS, CaseRow, export_query, next_clocks
from relq.cases.models import OPEN_STATUSES, TRANSITIONS, Case, Note
from relq.cases.services import (
    CaseFilters,
    CaseInput,
    CustomerInput,
    DuplicateSubmission,
    add_note,
    case_by_intake_token,
    create_case,
    transition_case,
    update_case,
)
from relq.db import db, statement_key, transaction, utcnow
from relq.errors import Invalid, NotFound
from relq.org.models import User
from relq.tags.models import CaseTag, Tag

bp = Blueprint("cases", __name__)
CASE_WORKERS = ("operator", "lead")
TAGS = ("cases",)


def _case_or_404(case_id: int) -> Case:
    """The one door (visible_cases): a case outside the token's user's scope does not exist."""
    case = db.session.scalar(visible_cases(current_user).where(Case.id == case_id))
    if case is None:
        raise NotFound("case")
    return case


def _filters(query: CaseListQuery) -> CaseFilters:
    """The list page's filters (relq/cases/views.py `_filters_of`): without a status, the
    open cases unless scope=all."""
    return CaseFilters(
        statuses=list(query.status) or ([] if query.scope == "all" else list(OPEN_STATUSES)),
        kinds=list(query.kind),
        severities=list(query.severity),
        channels=list(query.channel),
        department_id=query.department_id,
        assignee_id=current_user.id if query.mine else None,
        tag_code=query.tag,
        received_from=query.received_from,
        received_until=query.received_until,
        text=query.q,
        sort=query.sort,
    )


def _summary(row: CaseRow) -> CaseSummary:
    return CaseSummary(
        id=row.id,
        ref=row.ref,
        received_at=row.received_at,
        kind=row.kind,
        severity=row.severity,
        subject=row.subject,
        status=row.status,
        channel=row.channel,
        department_ja=row.department_ja,
        department_en=row.department_en,
        assignee=row.assignee,
        version=row.version,
        next_deadline_kind=row.clock_kind,
        next_deadline_due_at=row.clock_due_at,
        next_deadline_paused=row.clock_paused_at is not None,
    )


def case_rows(user: User, query: CaseListQuery) -> tuple[list[CaseRow], str | None]:
    """One page of the list's own statement (export_query: the list page's filters, scope and
    order), after the cursor's row, and the cursor of the next page. Kept (relq.cache) while
    nothing the list reads has changed, like the list page's pages."""
    keys = paging.KEYS[query.sort]
    statement = export_query(user, _filters(query))
    if query.cursor:
        values = paging.decode(query.cursor, query.sort, paging.types_of(keys))
        statement = statement.where(paging.after(keys, values))
    statement = statement.add_columns(*(column for column, _ in keys)).limit(query.limit + 1)
    width = len(CaseRow._fields) - 3  # the row's own columns, before its clock's three

    def compute() -> tuple[tuple[CaseRow, ...], str | None]:
        found = db.session.execute(statement).all()
        more = len(found) > query.limit
        found = found[: query.limit]
        clocks = next_clocks([r[0] for r in found])
        rows = tuple(CaseRow(*r[:width], *clocks.get(r[0], ())) for r in found)
        cursor = paging.encode(query.sort, list(found[-1][width:])) if more else None
        return rows, cursor

    key = statement_key(statement)
    if key is None:
        return compute()
    return kept(CASE_LIST_TOPICS, ("api-case-page", key), compute)


@bp.get("/cases")
@allow(EVERYONE)
@spec.validate(query=CaseListQuery, resp=answers(HTTP_200=CasePage), tags=TAGS)
def list_cases(query: CaseListQuery):
    """The cases you may see, filtered like the case list; newest first by default.

    Cursor paging: follow `next_cursor` until it is null. Rows added meanwhile before the
    cursor are not shown, and no row is shown twice."""
    rows, cursor = case_rows(current_user, query)
    return CasePage(items=[_summary(r) for r in rows], next_cursor=cursor)


def _detail(case: Case) -> CaseDetail:
    tags = db.session.scalars(
        select(Tag.code)
        .join(CaseTag, CaseTag.tag_id == Tag.id)
        .where(CaseTag.case_id == case.id, CaseTag.state == "accepted")
        .order_by(Tag.code)
    ).all()
    customer = case.customer
    return CaseDetail(
        id=case.id,
        ref=case.ref,
        kind=case.kind,
        channel=case.channel,
        status=case.status,
        severity=case.severity,
        received_at=case.received_at,
        subject=case.subject,
        customer_words=case.customer_words,
        product=case.product,
        remedy_requested=case.remedy_requested,
        intake_department_id=case.intake_department_id,
        responsible_department_id=case.responsible_department_id,
        assignee_id=case.assignee_id,
        customer=(
            CustomerOut(name=customer.name, email=customer.email, phone=customer.phone)
            if customer is not None
            else None
        ),
        tags=list(tags),
        allowed_actions=[t.action for t in access.allowed_transitions(current_user, case)],
        created_at=case.created_at,
        updated_at=case.updated_at,
        version=case.version,
    )


@bp.get("/cases/<int:case_id>")
@allow(EVERYONE)
@spec.validate(resp=answers(HTTP_200=CaseDetail), tags=TAGS)
def get_case(case_id: int):
    """One case (404 when it does not exist or is outside your scope)."""
    return _detail(_case_or_404(case_id))


def _intake_token(key: str | None) -> str:
    """The intake form's one-time token, from the Idempotency-Key: the same key of the same
    user names the same case; another user's same key does not."""
    if key is None:
        return "api-" + secrets.token_urlsafe(24)
    if not 1 <= len(key) <= 200 or not key.isprintable() or not key.isascii():
        raise FieldsRefused(
            [
                {
                    "loc": ["header", "Idempotency-Key"],
                    "msg": "1-200 printable ASCII",
                    "type": "value",
                }
            ]
        )
    return "api-" + hashlib.sha256(f"{current_user.id}:{key}".encode()).hexdigest()[:56]


@bp.post("/cases")
@allow(*CASE_WORKERS)
@spec.validate(json=CaseCreate, resp=answers(HTTP_201=CaseDetail, HTTP_200=CaseDetail), tags=TAGS)
def create(json: CaseCreate):
    """Log a case, as the intake form does (your department takes it in).

    Send an `Idempotency-Key` header to retry safely: the same key with the same body answers
    the case the first request made (200) instead of making another (201); the same key with
    another body is refused (422)."""
    token = _intake_token(request.headers.get("Idempotency-Key"))
    customer = json.customer or None
    data = CaseInput(
        intake_token=token,
        kind=json.kind,
        channel=json.channel,
        received_at=json.received_at or utcnow(),
        subject=json.subject,
        customer_words=json.customer_words,
        product=json.product,
        remedy_requested=json.remedy_requested,
        severity=json.severity,
        responsible_department_id=json.responsible_department_id,
        customer=CustomerInput(
            name=customer.name if customer else "",
            email=customer.email if customer else "",
            phone=customer.phone if customer else "",
        ),
        observation=json.observation,
    )
    try:
        with transaction():
            case_id = create_case(current_user, data).id
    except DuplicateSubmission as duplicate:
        return _replay(duplicate.case.id, json)
    except IntegrityError:
        first = case_by_intake_token(token)  # the same key at the very same moment
        if first is None:
            raise
        return _replay(first.id, json)
    return _detail(_case_or_404(case_id)), 201, {"Location": f"/api/v1/cases/{case_id}"}


class KeyReused(Invalid):
    """The Idempotency-Key names a case made from another request."""

    def __init__(self):
        super().__init__("idempotency_key_reused")
        self.errors = [
            {
                "loc": ["header", "Idempotency-Key"],
                "msg": "used for another request",
                "type": "reused",
            }
        ]


# What a retry must repeat: the fields the case was logged with (its creation's audit event).
_REPLAYED = (
    "kind",
    "channel",
    "subject",
    "customer_words",
    "product",
    "remedy_requested",
    "severity",
)


def _replay(case_id: int, json: CaseCreate):
    """The case a retried request made (200), or 422 when the key came with another body."""
    logged = (
        db.session.scalar(
            select(AuditEvent.after).where(
                AuditEvent.case_id == case_id, AuditEvent.action == "case.created"
            )
        )
        or {}
    )
    sent = {name: getattr(json, name) for name in _REPLAYED}
    sent = {k: v.strip() if isinstance(v, str) else v for k, v in sent.items()}
    if any(logged.get(name) != value for name, value in sent.items()):
        raise KeyReused()
    return _detail(_case_or_404(case_id)), 200


@bp.patch("/cases/<int:case_id>")
@allow(*CASE_WORKERS)
@spec.validate(json=CaseUpdate, resp=answers(HTTP_200=CaseDetail), tags=TAGS)
def update(case_id: int, json: CaseUpdate):
    """Change a case's record. `version` is the version you read: 409 when someone changed the
    case since (read it again, then apply your change to what is there now)."""
    changes = json.model_dump(exclude_unset=True, exclude={"version"})
    with transaction():
        case = _case_or_404(case_id)
        update_case(case, actor=current_user, changes=changes, expected_version=json.version)
    return _detail(_case_or_404(case_id))


@bp.post("/cases/<int:case_id>/transitions")
@allow(*CASE_WORKERS)
@spec.validate(json=TransitionIn, resp=answers(HTTP_200=CaseDetail), tags=TAGS)
def transition(case_id: int, json: TransitionIn):
    """Move the case along its lifecycle (the case's TRANSITIONS; `allowed_actions` on the case
    says which you may make now). The owner's answers (acknowledge, plan, complete, decline)
    are the department's answer, as on the case page."""
    step = TRANSITIONS[json.action]
    with transaction():
        case = _case_or_404(case_id)
        if step.answer:
            answer_case(
                case,
                actor=current_user,
                answer=step.answer,
                expected_version=json.version,
                body=json.reason,
                planned_for=json.planned_for,
            )
        else:
            transition_case(
                case,
                actor=current_user,
                action=json.action,
                expected_version=json.version,
                department_id=json.department_id,
                reason=json.reason,
                planned_for=json.planned_for,
            )
    return _detail(_case_or_404(case_id))


def _note(note: Note, author: str) -> NoteOut:
    return NoteOut(
        id=note.id, kind=note.kind, body=note.body, author=author, created_at=note.created_at
    )


@bp.get("/cases/<int:case_id>/notes")
@allow(EVERYONE)
@spec.validate(resp=answers(HTTP_200=NoteList), tags=TAGS)
def list_notes(case_id: int):
    """The case's notes, oldest first."""
    case = _case_or_404(case_id)
    found = db.session.execute(
        select(Note, User.name)
        .join(User, User.id == Note.author_id)
        .where(Note.case_id == case.id)
        .order_by(Note.created_at, Note.id)
    ).all()
    return NoteList(items=[_note(note, name) for note, name in found])


@bp.post("/cases/<int:case_id>/notes")
@allow(*CASE_WORKERS)
@spec.validate(json=NoteIn, resp=answers(HTTP_201=NoteOut), tags=TAGS)
def add_case_note(case_id: int, json: NoteIn):
    """Add a note (observation, internal, or a response to the customer)."""
    with transaction():
        case = _case_or_404(case_id)
        note = add_note(case, actor=current_user, kind=json.kind, body=json.body)
        out = _note(note, current_user.name)
    return out, 201
