"""What the handoff pages read from the core: a page of an inbox, which cases a reader may open,
who may be named, the time each department has, how long a request waited, whether it is late;
and a step that lost a race at the database is a conflict, not a server error."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from relq.db import db, transaction
from relq.handoffs.models import DEFAULT_DUE_MINUTES, Handoff, HandoffMessage
from relq.handoffs.services import (
    HandoffConflict,
    due_minutes_by_provider,
    inbox_page,
    is_late,
    openable_case_ids,
    people_to_ask,
    policies,
    request_handoff,
    set_policy,
    take_step,
    waited_minutes,
)
from tests.factories import make_case, make_user

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


WEDNESDAY = jst(2026, 11, 18, 10, 0)


def _ask(org, *, actor=None, provider=None, case=None, now=WEDNESDAY):
    return request_handoff(
        actor=actor or org.operator,
        provider_department_id=(provider or org.qa).id,
        ask="同ロットの検査結果を教えてください",
        case=case,
        now=now,
    )


def test_a_step_that_loses_the_race_at_the_database_is_a_conflict(org, app):
    handoff = _ask(org)
    db.session.commit()
    seen = handoff.version  # the page the lead answers from
    # Another lead's answer is committed by another connection meanwhile.
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as other:
        other.execute(
            sa.text("UPDATE handoffs SET status = 'answered', version = version + 1 WHERE id = :i"),
            {"i": handoff.id},
        )
    engine.dispose()
    with pytest.raises(HandoffConflict), transaction():
        take_step(
            handoff, actor=org.lead_qa, action="answer", expected_version=seen, body="二つ目の回答"
        )
    assert db.session.scalar(sa.select(sa.func.count(HandoffMessage.id))) == 0


def test_inbox_page_and_the_cases_a_reader_may_open(org):
    kept_at_intake = make_case(org.operator)  # the contact centre's, not routed: QA cannot see it
    on_case = _ask(org, case=kept_at_intake)
    standalone = _ask(org, now=jst(2026, 11, 18, 11, 0))
    db.session.commit()
    page = inbox_page(org.lead_qa, "incoming", limit=1)
    assert page == [on_case]
    assert inbox_page(org.lead_qa, "incoming", limit=1, offset=1) == [standalone]
    assert openable_case_ids(org.operator, [kept_at_intake.id, None]) == {kept_at_intake.id}
    assert openable_case_ids(org.lead_qa, [kept_at_intake.id]) == set()
    assert openable_case_ids(org.lead_qa, []) == set()


def test_people_who_may_be_named_are_active_operators_and_leads(org):
    gone = make_user("lead", org.qa, name="退職 済")
    gone.is_active = False
    db.session.flush()
    people = people_to_ask()
    assert [p.id for p in people[org.qa.id]] == [org.lead_qa.id]  # not the executive of qa
    assert org.admin.id not in [p.id for p in people[org.cs.id]]


def test_the_time_each_department_has_and_the_pairs_with_their_own(org):
    assert due_minutes_by_provider(org.cs.id) == {
        org.qa.id: DEFAULT_DUE_MINUTES,
        org.logistics.id: DEFAULT_DUE_MINUTES,
    }
    set_policy(
        actor=org.admin,
        requester_id=org.cs.id,
        provider_id=org.qa.id,
        due_minutes=270,
        grace_minutes=60,
    )
    assert due_minutes_by_provider(org.cs.id)[org.qa.id] == 270
    assert due_minutes_by_provider(org.logistics.id)[org.qa.id] == DEFAULT_DUE_MINUTES
    assert [(p.requester_department_id, p.provider_department_id) for p in policies()] == [
        (org.cs.id, org.qa.id)
    ]


def test_waited_and_late(org):
    handoff = _ask(org)  # due Friday 10:00
    assert waited_minutes(handoff, jst(2026, 11, 18, 13, 0)) == 180
    assert not is_late(handoff, jst(2026, 11, 20, 9, 59))
    assert is_late(handoff, jst(2026, 11, 20, 10, 1))
    take_step(
        handoff,
        actor=org.lead_qa,
        action="answer",
        expected_version=handoff.version,
        body="回答",
        now=jst(2026, 11, 19, 10, 0),
    )
    # Answered on Thursday: the wait stops there, and it was in time whenever one looks.
    assert waited_minutes(handoff, jst(2026, 11, 30, 10, 0)) == 540
    assert not is_late(handoff, jst(2026, 11, 30, 10, 0))
    assert db.session.get(Handoff, handoff.id).status == "answered"


def test_each_inbox_puts_first_what_the_department_must_act_on(org):
    answered_early = _ask(org, now=jst(2026, 11, 2, 10, 0))  # the earliest due, but answered
    take_step(
        answered_early,
        actor=org.lead_qa,
        action="answer",
        expected_version=answered_early.version,
        body="回答済みです",
        now=jst(2026, 11, 3, 10, 0),
    )
    overdue = _ask(org, now=jst(2026, 11, 9, 10, 0))
    fresh = _ask(org, now=WEDNESDAY)
    db.session.commit()
    # QA acts on what waits for its answer (overdue first); the answered one waits for cs.
    assert inbox_page(org.lead_qa, "incoming", limit=10) == [overdue, fresh, answered_early]
    # cs acts first on the answer to confirm.
    assert inbox_page(org.operator, "outgoing", limit=10) == [answered_early, overdue, fresh]


def test_inbox_page_reads_the_same_handoffs_in_the_same_order_as_inbox(org):
    """inbox_page reads a status at a time through the indexes; inbox says what the order is."""
    from relq.handoffs.services import inbox

    made = []
    for day in range(1, 13):
        for provider, actor in ((org.qa, org.operator), (org.logistics, org.lead_qa)):
            made.append(_ask(org, actor=actor, provider=provider, now=jst(2026, 11, day, 10)))
    for k, handoff in enumerate(made):
        provider = org.lead_qa if handoff.provider_department_id == org.qa.id else None
        requester = org.operator if handoff.requester_department_id == org.cs.id else org.lead_qa
        provider = provider or org.lead_logistics
        if k % 5 == 1:
            take_step(handoff, actor=provider, action="accept", expected_version=handoff.version)
        elif k % 5 == 2:
            take_step(
                handoff,
                actor=provider,
                action="answer",
                expected_version=handoff.version,
                body="回答",
            )
        elif k % 5 == 3:
            take_step(
                handoff,
                actor=provider,
                action="decline",
                expected_version=handoff.version,
                body="否",
            )
        elif k % 5 == 4:
            take_step(handoff, actor=requester, action="cancel", expected_version=handoff.version)
    db.session.commit()
    seen = 0
    for user in (org.lead_qa, org.operator, org.lead_logistics):
        for box in ("incoming", "outgoing", "closed"):
            expected = db.session.scalars(inbox(user, box)).all()
            pages = [inbox_page(user, box, limit=4, offset=o) for o in range(0, 28, 4)]
            assert [h for page in pages for h in page] == expected, (user.email, box)
            seen += len(expected)
    assert seen == 2 * len(made)  # each handoff in one box of each of its two departments
