"""Factories: each makes one object through the same services the app uses."""

from __future__ import annotations

import itertools
import secrets
from datetime import date, datetime, timedelta

from relq.answers.services import answer_case
from relq.cases.models import TRANSITIONS
from relq.cases.services import CaseInput, CustomerInput, create_case, transition_case
from relq.db import db, utcnow
from relq.deadlines.calendar import OFFICE_TZ
from relq.org.services import DepartmentInput, UserInput, create_department, create_user

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_department(code, name_ja=None, name_en=None, *, contact=False):
    return create_department(
        DepartmentInput(code, name_ja or code.upper(), name_en or code.title(), contact), actor=None
    )


def make_user(role, department, *, name=None, email=None, locale="ja", password=PASSWORD):
    n = next(_seq)
    return create_user(
        UserInput(
            email or f"{role}{n}@example.jp",
            name or f"{role} {n}",
            role,
            department.id,
            locale,
            password,
        ),
        actor=None,
    )


def make_case(actor, *, department=None, status=None, **fields):
    """A case logged by `actor`; routed to `department` if given; moved on to `status` along
    the lifecycle by the people allowed to (the department's lead is looked up)."""
    data = CaseInput(
        intake_token=secrets.token_urlsafe(18),
        kind=fields.pop("kind", "complaint"),
        channel=fields.pop("channel", "phone"),
        received_at=fields.pop("received_at", utcnow() - timedelta(hours=1)),
        subject=fields.pop("subject", "冷凍パスタに異物が混入していた"),
        customer_words=fields.pop(
            "customer_words", "昨日買った冷凍パスタの中に黒いプラスチック片が入っていました。"
        ),
        product=fields.pop("product", "冷凍パスタ ボロネーゼ"),
        remedy_requested=fields.pop("remedy_requested", "原因の説明"),
        severity=fields.pop("severity", 3),
        responsible_department_id=department.id if department else None,
        customer=fields.pop("customer", CustomerInput()),
        observation=fields.pop("observation", ""),
    )
    assert not fields, f"unknown fields {fields}"
    case = create_case(actor, data)
    if status:
        move_to(case, status, front_line=actor)
    db.session.flush()
    return case


PATH = {
    "received": [],
    "routed": [],
    "acknowledged": ["acknowledge"],
    "in_progress": ["acknowledge", "start"],
    "awaiting_customer": ["acknowledge", "start", "await_customer"],
    "resolved": ["acknowledge", "start", "complete"],
    "closed": ["acknowledge", "start", "complete", "close"],
}


def planned_date(days: int = 7) -> date:
    """A 対応予定 date `days` ahead in the office's calendar (a planned date is never past)."""
    return datetime.now(OFFICE_TZ).date() + timedelta(days=days)


def transition(case, *, actor, action, expected_version, reason="", planned_for=None, **extra):
    """A lifecycle step as the case page's form makes it: the owner's answers through their
    use case (answer_case), every other step through transition_case."""
    answer = TRANSITIONS[action].answer if action in TRANSITIONS else None
    if answer:
        return answer_case(
            case,
            actor=actor,
            answer=answer,
            expected_version=expected_version,
            body=reason,
            planned_for=planned_for,
        )
    return transition_case(
        case,
        actor=actor,
        action=action,
        expected_version=expected_version,
        reason=reason,
        planned_for=planned_for,
        **extra,
    )


def move_to(case, status, *, front_line):
    from relq.org.models import User

    owner = None
    if case.responsible_department_id:
        owner = db.session.scalar(
            db.select(User).where(
                User.department_id == case.responsible_department_id, User.role == "lead"
            )
        )
    for action in PATH[status]:
        actor = front_line if action == "close" else owner
        answer = TRANSITIONS[action].answer
        if answer:  # the owner's answer, through its own use case
            answer_case(
                case,
                actor=actor,
                answer=answer,
                expected_version=case.version,
                body="交換品を発送しました" if action == "complete" else "",
            )
            continue
        transition_case(case, actor=actor, action=action, expected_version=case.version)
