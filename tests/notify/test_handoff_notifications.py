"""Handoffs' notifications: each event reaches the people of the right side, and nobody else,
in their own language, grouped by handoff, as each person chose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from relq.db import db, transaction
from relq.handoffs.services import confirm_handoff, request_handoff, take_step, tick
from relq.notify.messages import describe
from relq.notify.models import Notification
from relq.notify.services import (
    events_for,
    mark_group_read,
    notification_groups,
    save_preferences,
)
from tests.factories import make_case, make_user
from tests.notify.conftest import notifications

JST = ZoneInfo("Asia/Tokyo")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(UTC)


WEDNESDAY = jst(2026, 11, 18, 10, 0)


@pytest.fixture
def people(org):
    """Beside the org: a second QA lead, and an English-speaking operator of the front line."""
    with transaction():
        people = {
            "lead_qa2": make_user("lead", org.qa, name="品証 二人目"),
            "english": make_user("operator", org.cs, name="Emily Clarke", locale="en"),
        }
    return type("People", (), people)


def _ask(org, *, actor=None, provider=None, provider_user=None, now=WEDNESDAY, case=None):
    return request_handoff(
        actor=actor or org.operator,
        provider_department_id=(provider or org.qa).id,
        provider_user_id=provider_user.id if provider_user else None,
        ask="同ロットの検査結果を教えてください",
        why="お客様が原因の説明を待っています",
        case=case,
        now=now,
    )


def _step(handoff, actor, action, body="", now=WEDNESDAY):
    return take_step(
        handoff, actor=actor, action=action, expected_version=handoff.version, body=body, now=now
    )


def _told(event):
    return sorted(n.user_id for n in notifications(event=event))


def test_a_request_reaches_the_providing_leads_and_the_person_named_only(org, people):
    handoff = _ask(org)
    assert _told("handoff_requested") == sorted([org.lead_qa.id, people.lead_qa2.id])
    row = notifications(org.lead_qa, "handoff_requested")[0]
    # Carried by the handoff, not its case (which the providing side may not see).
    assert (row.handoff_id, row.case_id) == (handoff.id, None)
    assert row.params["department_id"] == org.cs.id
    title, body, _url = describe(row)
    assert title == f"{handoff.ref}: お客様相談室 から依頼がありました"
    assert "依頼内容: 同ロットの検査結果を教えてください" in body
    assert "期限: 2026-11-20 10:00" in body  # two working days, in the reader's zone

    # QA asks the front line, naming one of its operators: its lead and that operator.
    named = _ask(org, actor=org.lead_qa, provider=org.cs, provider_user=org.operator2)
    told = sorted(
        n.user_id for n in notifications(event="handoff_requested") if n.handoff_id == named.id
    )
    assert told == sorted([org.lead_cs.id, org.operator2.id])
    row = notifications(org.operator2, "handoff_requested")[0]
    assert describe(row)[0] == f"{named.ref}: 品質保証部 からあなたへの依頼があります"


def test_a_request_on_a_case_the_provider_cannot_see_still_reaches_them(org, people):
    case = make_case(org.operator, department=org.logistics, subject="配送の遅れ")
    handoff = _ask(org, case=case)
    assert _told("handoff_requested") == sorted([org.lead_qa.id, people.lead_qa2.id])
    assert notifications(org.lead_qa, "handoff_requested")[0].handoff_id == handoff.id


def test_answer_and_decline_reach_the_asker_and_the_asking_lead_in_their_language(org, people):
    answered = _ask(org, actor=people.english)
    _step(answered, org.lead_qa, "accept")
    _step(answered, people.lead_qa2, "answer", "ロットは正常でした")
    declined = _ask(org)
    _step(declined, org.lead_qa, "decline", "物流部の所管です")

    rows = notifications(event="handoff_answered")
    assert sorted((n.user_id, n.handoff_id) for n in rows) == sorted(
        [
            (people.english.id, answered.id),
            (org.lead_cs.id, answered.id),
            (org.operator.id, declined.id),
            (org.lead_cs.id, declined.id),
        ]
    )
    english = notifications(people.english, "handoff_answered")[0]
    title, body, _url = describe(english)
    assert title == f"Quality Assurance answered your request {answered.ref}"
    assert "Their answer: ロットは正常でした" in body
    worded = {n.handoff_id: describe(n) for n in notifications(org.lead_cs, "handoff_answered")}
    assert worded[answered.id][0] == f"品質保証部 が依頼 {answered.ref} に回答しました"
    assert worded[declined.id][0] == f"品質保証部 が依頼 {declined.ref} を断りました"
    assert "断った理由: 物流部の所管です" in worded[declined.id][1]
    # Accepting tells nobody: the asking side sees it in its inbox.
    assert len(notifications(people.english)) == 1


def test_sent_back_reaches_the_providing_leads_the_named_and_who_answered(org, people):
    # QA asks the front line, naming operator2, who answers; QA sends it back.
    handoff = _ask(org, actor=org.lead_qa, provider=org.cs, provider_user=org.operator2)
    _step(handoff, org.operator2, "answer", "お客様には本日ご連絡済みです")
    _step(handoff, people.lead_qa2, "send_back", "連絡内容の記録も必要です")
    assert _told("handoff_sent_back") == sorted([org.lead_cs.id, org.operator2.id])
    row = notifications(org.operator2, "handoff_sent_back")[0]
    title, body, _url = describe(row)
    assert title == f"品質保証部 が {handoff.ref} への回答を差し戻しました"
    assert "まだ足りないもの: 連絡内容の記録も必要です" in body
    # Another answerer (not named) is told of the next send-back too.
    _step(handoff, org.operator, "answer", "記録を添付します")
    _step(handoff, org.lead_qa, "send_back", "添付がありません")
    second = [n.user_id for n in notifications(event="handoff_sent_back")][2:]
    assert sorted(second) == sorted([org.lead_cs.id, org.operator2.id, org.operator.id])


def test_overdue_reaches_the_providing_leads_once(org, people):
    handoff = _ask(org)
    db.session.commit()
    tick(jst(2026, 11, 20, 11, 0))  # due Friday 10:00
    tick(jst(2026, 11, 20, 12, 0))
    assert _told("handoff_overdue") == sorted([org.lead_qa.id, people.lead_qa2.id])
    title, _body, _url = describe(notifications(org.lead_qa, "handoff_overdue")[0])
    assert title == f"お客様相談室 からの {handoff.ref} が期限を過ぎました（期限 2026-11-20 10:00）"


def test_a_thank_you_reaches_the_people_who_wrote_the_answers(org, people):
    handoff = _ask(org, actor=org.lead_qa, provider=org.cs)
    _step(handoff, org.operator2, "answer", "本日ご連絡済みです")
    _step(handoff, org.lead_qa, "send_back", "記録も必要です")
    _step(handoff, org.lead_cs, "answer", "記録を添付しました")
    confirm_handoff(
        handoff,
        actor=people.lead_qa2,
        expected_version=handoff.version,
        usefulness=5,
        speed=4,
        thanks="迅速なご確認ありがとうございました",
    )
    assert _told("handoff_thanked") == sorted([org.operator2.id, org.lead_cs.id])
    row = notifications(org.operator2, "handoff_thanked")[0]
    title, body, url = describe(row)
    assert title == f"品質保証部 から回答へのお礼が届きました（{handoff.ref}）"
    assert "お礼の言葉: 迅速なご確認ありがとうございました" in body
    assert url == "/thanks/?mine=y"

    plain = _ask(org)
    _step(plain, org.lead_qa, "answer", "回答です")
    confirm_handoff(
        plain, actor=org.operator, expected_version=plain.version, usefulness=3, speed=3
    )
    assert {n.handoff_id for n in notifications(event="handoff_thanked")} == {handoff.id}


def test_each_person_s_choice_is_kept(org, people):
    with transaction():
        save_preferences(people.lead_qa2, {"handoff_requested": (False, False)})
    _ask(org, actor=org.lead_cs)
    assert _told("handoff_requested") == [org.lead_qa.id]


def test_roles_are_offered_the_handoff_events_they_can_receive(org):
    assert "handoff_requested" in events_for(org.operator)
    assert "handoff_overdue" not in events_for(org.operator)  # leads' alone
    assert {"handoff_overdue", "handoff_thanked"} <= set(events_for(org.lead_qa))
    assert not {e for e in events_for(org.executive) if e.startswith("handoff_")}


def test_the_preferences_page_lists_the_handoff_events(org, login_as):
    page = login_as(org.lead_qa).get("/notifications/preferences").get_data(as_text=True)
    assert (
        'id="event-handoff_requested"' in page
        and "他部署から自部門（または自分）に依頼が届いたとき" in page
    )
    page = login_as(org.executive).get("/notifications/preferences").get_data(as_text=True)
    assert 'id="event-handoff_requested"' not in page


def test_a_handoffs_notifications_are_one_group_on_the_page(org, people, login_as):
    handoff = _ask(org)
    for n in range(2):
        _step(handoff, org.lead_qa, "answer", f"回答 {n}")
        _step(handoff, org.operator, "send_back", f"不足 {n}")
    other = _ask(org)
    db.session.commit()
    groups, _more = notification_groups(org.lead_qa, limit=10)
    shape = sorted((g.newest.event, g.newest.handoff_id, g.count) for g in groups)
    assert shape == sorted(
        [
            ("handoff_requested", handoff.id, 1),
            ("handoff_requested", other.id, 1),
            ("handoff_sent_back", handoff.id, 2),
        ]
    )
    page = login_as(org.lead_qa).get("/notifications/").get_data(as_text=True)
    assert f"{handoff.ref}: 更新 2 件" in page

    sent_back = notifications(org.lead_qa, "handoff_sent_back")
    with transaction():
        mark_group_read(org.lead_qa, sent_back[-1].id)
    db.session.expire_all()
    unread = db.session.scalars(
        sa.select(Notification.event).where(
            Notification.user_id == org.lead_qa.id, Notification.read_at.is_(None)
        )
    ).all()
    assert sorted(unread) == ["handoff_requested", "handoff_requested"]


def test_by_e_mail_one_each_or_in_the_daily_summary_in_the_reader_s_language(
    app, org, people, smtp
):
    from relq.notify.digest import send_daily_summaries

    english_lead = make_user("lead", org.qa, name="Grace Hopper", locale="en")
    db.session.commit()
    with transaction():
        save_preferences(people.lead_qa2, {}, email_delivery="daily")
    with transaction():
        handoff = _ask(org)
    (each,) = smtp.to(english_lead)  # one e-mail for the event, in English, linking to it
    assert f"{handoff.ref}: Customer Consultation Office asks your department" in each["Subject"]
    assert "What is asked: 同ロットの検査結果を教えてください" in each.get_content()
    assert f"http://127.0.0.1:5000/handoffs/{handoff.id}" in each.get_content()
    assert smtp.to(people.lead_qa2) == []  # held for the summary
    morning = datetime.now(JST).replace(hour=10) + timedelta(days=1)
    with transaction():
        assert send_daily_summaries(morning.astimezone(UTC))["made"] == 1
    (summary,) = smtp.to(people.lead_qa2)
    assert f"{handoff.ref}: お客様相談室 から依頼がありました" in summary.get_content()
