"""Compliments in the weekly digest: those passed on during the week, with the staff and the
departments they thank and a few of the shared words. A department's digest keeps the
compliments to it and those on its cases. Reads only."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import or_, select

from relq.cases.models import Case
from relq.db import db
from relq.digest.scope import DigestScope, department_names
from relq.digest.scrub import quote
from relq.org.models import User
from relq.thanks.models import Compliment

QUOTES_SHOWN = 4
QUOTE_CLIP = 160


def section(scope: DigestScope) -> dict[str, Any]:
    C = Compliment  # noqa: N806
    query = (
        select(C.id, C.department_id, C.staff_user_id, C.staff_name, C.quote, User.name)
        .join(Case, Case.id == C.case_id)
        .outerjoin(User, User.id == C.staff_user_id)
        .where(C.shared_at >= scope.start, C.shared_at < scope.end)
        .order_by(C.shared_at.desc(), C.id.desc())
    )
    if scope.department_id is not None:
        query = query.where(or_(C.department_id == scope.department_id, scope.cases()))
    rows = db.session.execute(query).all()
    by_department = Counter(r.department_id for r in rows)
    staff = Counter(
        (r.staff_user_id, (r.name or r.staff_name).strip(), r.department_id)
        for r in rows
        if (r.name or r.staff_name or "").strip()
    )
    # A thanked person is named (that is the point of passing a compliment on); the quotes
    # lose every name and number like any verbatim.
    return {
        "available": True,
        "total": len(rows),
        "by_department": [{"department_id": d, "count": n} for d, n in by_department.most_common()],
        "staff": [
            {"name": name, "department_id": dept, "count": n}
            for (_uid, name, dept), n in staff.most_common(8)
        ],
        "quotes": [
            {"department_id": r.department_id, "text": quote(r.quote, QUOTE_CLIP)}
            for r in rows[:QUOTES_SHOWN]
        ],
        "department_names": department_names(by_department),
    }
