"""A hand-counted office for the review pack: 2026 Q2 (April to June, Asia/Tokyo) against Q1.

Cases (received, JST)                       kind        channel  tags (category)  resolution clock
  q2a  2026-04-10 10:00                     complaint   phone    A.x (A)          met on time after 2 h
  q2b  2026-05-01 09:00                     complaint   phone    A.x (A), B       met late after 10 h
  q2c  2026-06-30 23:30 (still Q2 in Tokyo) complaint   email    -                missed (open, past due)
  q2d  2026-05-20 11:00                     inquiry     web      -                met on time after 4 h
  q3a  2026-07-01 00:10 (Q3 in Tokyo, Q2 in UTC) complaint web   A.x              - (outside both)
  q1a  2026-02-01 10:00                     complaint   phone    A.x (A)          met on time after 6 h
  q1b  2026-03-31 23:59                     compliment  phone    -                met late after 8 h

So Q2: 3 complaints + 1 inquiry; complaints by channel phone 2, email 1; by category A 2, B 1;
resolution on time 2, late 1, missed 1 (50 %), median of the met ones (2, 10, 4) = 4 h.
Q1: 1 complaint + 1 compliment; phone 1; A 1; on time 1, late 1 (50 %), median (6, 8) = 7 h.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete

from relq.db import db
from relq.deadlines.calendar import OFFICE_TZ
from relq.deadlines.models import CaseDeadline
from relq.review.periods import Period
from relq.tags.models import CaseTag, Tag
from tests.factories import make_case

Q2 = Period("quarter", date(2026, 4, 1), date(2026, 6, 30))


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=OFFICE_TZ)


def _tag(code, parent=None) -> Tag:
    tag = Tag(code=code, name_ja=f"分類{code}", name_en=f"Category {code}", parent_id=parent)
    db.session.add(tag)
    db.session.flush()
    return tag


def _clock(case, *, hours_to_meet=None, on_time=True):
    db.session.execute(delete(CaseDeadline).where(CaseDeadline.case_id == case.id))
    start = case.received_at
    if hours_to_meet is None:  # open, past due
        due, met = start + timedelta(hours=1), None
    else:
        met = start + timedelta(hours=hours_to_meet)
        due = met + timedelta(hours=1) if on_time else met - timedelta(hours=1)
    db.session.add(
        CaseDeadline(
            case_id=case.id,
            kind="resolution",
            started_at=start,
            allowed_minutes=60,
            due_at=due,
            warn_at=start,
            met_at=met,
        )
    )


def neutral_case(org, **fields):
    """A case whose words raise no escalation of their own (no safety word)."""
    return make_case(
        org.operator,
        subject=fields.pop("subject", "箱が潰れて届いた"),
        customer_words=fields.pop("customer_words", "届いた箱の角が潰れていました。"),
        product=fields.pop("product", "KT-200"),
        **fields,
    )


def build(org) -> dict:
    a, b = _tag("rv.a"), _tag("rv.b")
    ax = _tag("rv.a.x", a.id)

    def case(when, kind, channel, tags=(), **clock):
        made = neutral_case(org, kind=kind, channel=channel, received_at=when)
        for tag in tags:
            db.session.add(
                CaseTag(case_id=made.id, tag_id=tag.id, state="accepted", source="manual")
            )
        if clock is not None:
            _clock(made, **clock)
        return made

    made = {
        "q2a": case(jst(2026, 4, 10, 10), "complaint", "phone", [ax], hours_to_meet=2),
        "q2b": case(
            jst(2026, 5, 1, 9), "complaint", "phone", [ax, b], hours_to_meet=10, on_time=False
        ),
        "q2c": case(jst(2026, 6, 30, 23, 30), "complaint", "email"),
        "q2d": case(jst(2026, 5, 20, 11), "inquiry", "web", hours_to_meet=4),
        "q3a": case(jst(2026, 7, 1, 0, 10), "complaint", "web", [ax], hours_to_meet=1),
        "q1a": case(jst(2026, 2, 1, 10), "complaint", "phone", [ax], hours_to_meet=6),
        "q1b": case(
            jst(2026, 3, 31, 23, 59), "compliment", "phone", hours_to_meet=8, on_time=False
        ),
    }
    # A rejected tag is not a category of the case.
    db.session.add(CaseTag(case_id=made["q2c"].id, tag_id=b.id, state="rejected", source="model"))
    db.session.flush()
    return {"tags": {"a": a, "b": b, "ax": ax}, "cases": made}
