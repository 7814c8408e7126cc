"""The handoff pages through the test client: the inbox, asking (on its own and from a case),
the handoff page and every step through its route, the 409 that keeps what was typed, 422 on
bad input, CSRF, the case page's hops and timeline, the admins' times, phone-width markup."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from relq.db import db, utcnow
from relq.handoffs.models import Handoff, HandoffMessage, HandoffPolicy
from relq.handoffs.services import request_handoff, take_step
from tests.factories import make_case

ASK = "同ロットの検査結果を教えてください"


def _ask(org, *, actor=None, provider=None, case=None, now=None, ask=ASK):
    handoff = request_handoff(
        actor=actor or org.operator,
        provider_department_id=(provider or org.qa).id,
        ask=ask,
        why="お客様が原因の説明を待っています",
        case=case,
        now=now,
    )
    db.session.commit()
    return handoff


def _step(handoff, actor, action, body=""):
    take_step(handoff, actor=actor, action=action, expected_version=handoff.version, body=body)
    db.session.commit()


def _html(response) -> str:
    return response.get_data(as_text=True)


def _post_step(client, handoff, action, body="", version=None, **extra):
    return client.post(
        f"/handoffs/{handoff.id}/step",
        {"action": action, "version": handoff.version if version is None else version}
        | ({"body": body} if body else {})
        | extra,
        token_from=f"/handoffs/{handoff.id}",
    )


def _fresh(handoff) -> Handoff:
    db.session.expire_all()
    return db.session.get(Handoff, handoff.id)


# ---- the inbox ---------------------------------------------------------------------------------


def test_inbox_tabs_counts_overdue_first_and_cards(org, login_as):
    late = _ask(org, now=utcnow() - timedelta(days=30), ask="先月の依頼（期限切れ）")
    fresh = _ask(org, ask="今日の依頼")
    ours = _ask(org, actor=org.lead_qa, provider=org.logistics, ask="出荷記録をください")
    done = _ask(org, ask="取り消した依頼")
    _step(done, org.operator, "cancel")
    client = login_as(org.lead_qa)

    page = _html(client.get("/handoffs/"))
    assert page.index("先月の依頼") < page.index("今日の依頼")  # overdue first
    assert 'data-testid="handoff-late"' in page.split("今日の依頼")[0]
    assert re.search(r'handoff-tab-incoming".*?<span class="badge">2</span>', page)
    assert 'data-testid="handoff-overdue-count"' in page
    assert "出荷記録をください" not in page and "取り消した依頼" not in page
    # Phone width: the list is cards, each cell saying what it is.
    assert '<table class="cards handoff-inbox"' in page
    assert 'data-label="回答期限"' in page and 'data-label="依頼元"' in page
    assert f'data-testid="accept-{late.id}"' in page

    # Answered late: no longer overdue in the list (it waits for the asking side now).
    _step(late, org.lead_qa, "answer", "回答します")
    assert 'data-testid="handoff-late"' not in _html(client.get("/handoffs/"))

    outgoing = _html(client.get("/handoffs/?box=outgoing"))
    assert "出荷記録をください" in outgoing and "今日の依頼" not in outgoing
    closed = _html(client.get("/handoffs/?box=closed"))
    assert "取り消した依頼" in closed and "今日の依頼" not in closed
    # A box that does not exist is the incoming one.
    assert "今日の依頼" in _html(client.get("/handoffs/?box=../etc"))
    assert {fresh.id, ours.id}


def test_one_click_accept_from_the_inbox_goes_back_to_it(org, login_as):
    handoff = _ask(org)
    client = login_as(org.lead_qa)
    response = _post_step(client, handoff, "accept", back="inbox")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/handoffs/?box=incoming"
    )
    assert _fresh(handoff).status == "accepted"


def test_the_menu_counts_what_waits_for_the_department(org, login_as):
    handoff = _ask(org)
    client = login_as(org.lead_qa)
    assert 'data-testid="badge-handoffs.index">1<' in _html(client.get("/cases/"))
    _post_step(client, handoff, "answer", "ロットは正常でした")
    # Answered: nothing waits for QA any more; the asking side has one to confirm.
    assert 'data-testid="badge-handoffs.index"' not in _html(client.get("/cases/"))
    assert 'data-testid="badge-handoffs.index">1<' in _html(login_as(org.operator).get("/cases/"))
    # Executives and admins have no inbox.
    assert "/handoffs/" not in _html(login_as(org.executive).get("/cases/"))


# ---- asking ------------------------------------------------------------------------------------


def test_ask_on_its_own_with_a_person_and_a_date(org, login_as):
    client = login_as(org.lead_logistics)
    form = _html(client.get("/handoffs/new"))
    assert "物流部（" not in form  # not one's own department
    assert "品質保証部（2営業日以内に回答）" in form  # the pair's time, shown
    day = (utcnow() + timedelta(days=10)).date().isoformat()
    response = client.post(
        "/handoffs/new",
        {
            "provider_department_id": org.qa.id,
            "provider_user_id": org.lead_qa.id,
            "ask": "ラベルプリンタの修理をお願いします",
            "why": "",
            "due_on": day,
        },
        token_from="/handoffs/new",
    )
    assert response.status_code == 302
    handoff = db.session.scalar(sa.select(Handoff))
    assert response.headers["Location"].endswith(f"/handoffs/{handoff.id}")
    assert handoff.case_id is None and handoff.provider_user_id == org.lead_qa.id
    assert handoff.requester_department_id == org.logistics.id
    assert handoff.due_at.isoformat().startswith(day) and handoff.due_at.hour == 9  # 18:00 JST


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"provider_department_id": "cs"}, "provider_department_id", "own"),
        ({"provider_department_id": "0"}, "provider_department_id", None),
        ({"ask": "  "}, "ask", None),
        ({"ask": "あ" * 2001}, "ask", None),
        ({"due_on": "2020-01-06"}, "due_on", None),
        ({"due_on": "not a date"}, "due_on", None),
        ({"provider_user_id": "lead_logistics"}, "provider_user_id", None),
        ({"ask": "検査結果\x00を"}, "ask", None),
    ],
)
def test_a_bad_request_comes_back_422_with_the_field_marked(org, login_as, change, field, words):
    data = {"provider_department_id": org.qa.id, "ask": ASK, "why": "理由"}
    for name, value in change.items():
        if value in ("cs", "lead_logistics"):
            value = getattr(org, value).id
        data[name] = value
    response = login_as(org.operator).post("/handoffs/new", data, token_from="/handoffs/new")
    assert response.status_code == 422
    page = _html(response)
    assert re.search(rf'id="{field}-error"', page), page[:3000]
    assert "理由" in page  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count(Handoff.id))) == 0


def test_asking_needs_the_csrf_token(org, login_as):
    response = login_as(org.operator).post(
        "/handoffs/new", {"provider_department_id": org.qa.id, "ask": ASK}, csrf=False
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Handoff.id))) == 0


def test_ask_from_a_case_prefilled_with_why_it_matters(org, login_as):
    case = make_case(
        org.operator,
        department=org.qa,
        subject="電気ケトルから異臭",
        remedy_requested="原因を説明してほしい",
    )
    db.session.commit()
    client = login_as(org.operator)
    page = _html(client.get(f"/cases/{case.id}"))
    panel = page.split('data-testid="handoff-panel"')[1].split("</section>")[0]
    assert "電気ケトルから異臭" in panel and "原因を説明してほしい" in panel  # the why
    assert f'action="/cases/{case.id}/handoffs/new"' in panel
    full = _html(client.get(f"/cases/{case.id}/handoffs/new"))
    assert "電気ケトルから異臭" in full and "原因を説明してほしい" in full

    response = client.post(
        f"/cases/{case.id}/handoffs/new",
        {"provider_department_id": org.qa.id, "ask": ASK, "why": "お客様は説明を待っています"},
        token_from=f"/cases/{case.id}",
    )
    assert response.status_code == 302
    handoff = db.session.scalar(sa.select(Handoff))
    assert handoff.case_id == case.id and handoff.why == "お客様は説明を待っています"
    # An outsider cannot ask about a case they cannot see: it does not exist for them.
    outsider = login_as(org.lead_logistics)
    assert outsider.get(f"/cases/{case.id}/handoffs/new").status_code == 404
    refused = outsider.post(
        f"/cases/{case.id}/handoffs/new",
        {"provider_department_id": org.qa.id, "ask": ASK},
        token_from="/handoffs/new",
    )
    assert refused.status_code == 404


# ---- the handoff page and its steps -----------------------------------------------------------


def test_the_page_shows_the_ask_why_case_due_and_the_steps_of_each_side(org, login_as):
    case = make_case(org.operator, department=org.qa, subject="電気ケトルから異臭")
    handoff = _ask(org, case=case)
    requester = _html(login_as(org.operator).get(f"/handoffs/{handoff.id}"))
    assert ASK in requester and "お客様が原因の説明を待っています" in requester
    assert f'href="/cases/{case.id}"' in requester
    assert 'data-testid="step-cancel"' in requester and 'data-testid="step-accept"' not in requester
    provider = _html(login_as(org.lead_qa).get(f"/handoffs/{handoff.id}"))
    assert 'data-testid="step-accept"' in provider and 'data-testid="step-decline-form"' in provider
    assert 'data-testid="step-answer-form"' in provider and "step-cancel" not in provider
    assert 'data-testid="send-message"' in provider
    executive = _html(login_as(org.executive).get(f"/handoffs/{handoff.id}"))
    assert 'data-testid="read-only"' in executive and "step-accept" not in executive
    assert "send-message" not in executive


def test_the_case_link_only_for_those_who_can_open_the_case(org, login_as):
    kept_at_intake = make_case(org.operator, subject="窓口で止めた案件")  # QA cannot see it
    handoff = _ask(org, case=kept_at_intake)
    page = _html(login_as(org.lead_qa).get(f"/handoffs/{handoff.id}"))
    assert kept_at_intake.ref in page and f'href="/cases/{kept_at_intake.id}"' not in page
    assert "窓口で止めた案件" not in page


def test_every_step_through_its_route_then_confirm_rate_and_thank(org, login_as):
    case = make_case(org.operator, department=org.qa)
    handoff = _ask(org, case=case)
    operator, lead = login_as(org.operator), login_as(org.lead_qa)

    assert _post_step(lead, handoff, "accept").status_code == 302
    handoff = _fresh(handoff)
    assert handoff.status == "accepted"
    assert _post_step(lead, handoff, "answer", "ロットは正常でした").status_code == 302
    handoff = _fresh(handoff)
    assert _post_step(operator, handoff, "send_back", "検査日も必要です").status_code == 302
    handoff = _fresh(handoff)
    assert (handoff.status, handoff.bounces) == ("accepted", 1)
    message = operator.post(
        f"/handoffs/{handoff.id}/messages",
        {"body": "急ぎでお願いします"},
        token_from=f"/handoffs/{handoff.id}",
    )
    assert message.status_code == 302
    assert _post_step(lead, handoff, "answer", "検査日は11月10日です").status_code == 302
    handoff = _fresh(handoff)

    page = _html(operator.get(f"/handoffs/{handoff.id}"))
    assert 'data-testid="confirm-form"' in page
    assert page.count('type="radio"') == 10  # two ratings, 1 to 5
    missing = operator.post(
        f"/handoffs/{handoff.id}/confirm",
        {"version": handoff.version, "usefulness": "5", "comment": "助かりました"},
        token_from=f"/handoffs/{handoff.id}",
    )
    assert missing.status_code == 422 and "助かりました" in _html(missing)
    assert 'data-testid="rating-speed"' in _html(missing)
    out_of_range = operator.post(
        f"/handoffs/{handoff.id}/confirm",
        {"version": handoff.version, "usefulness": "6", "speed": "3"},
        token_from=f"/handoffs/{handoff.id}",
    )
    assert out_of_range.status_code == 422
    confirmed = operator.post(
        f"/handoffs/{handoff.id}/confirm",
        {
            "version": handoff.version,
            "usefulness": "5",
            "speed": "3",
            "comment": "助かりました",
            "thanks": "迅速なご確認ありがとうございました",
        },
        token_from=f"/handoffs/{handoff.id}",
    )
    assert confirmed.status_code == 302
    handoff = _fresh(handoff)
    assert (handoff.status, handoff.usefulness, handoff.speed) == ("confirmed", 5, 3)
    assert handoff.thanks == "迅速なご確認ありがとうございました"
    page = _html(lead.get(f"/handoffs/{handoff.id}"))
    assert 'data-testid="ratings"' in page and "迅速なご確認ありがとうございました" in page
    assert "send-message" not in page and "step-" not in page  # closed: nothing more to do
    kinds = db.session.scalars(sa.select(HandoffMessage.kind).order_by(HandoffMessage.id)).all()
    assert kinds == ["answer", "send_back", "message", "answer", "confirm"]

    # The case page: the hop with its ratings, and the timeline in words.
    case_page = _html(operator.get(f"/cases/{case.id}"))
    assert f'data-testid="hop-rating-{handoff.id}"' in case_page
    assert "お客様相談室から品質保証部へ依頼" in case_page
    assert re.search(r"品質保証部へ依頼 → 回答 \(待ち時間 [^)]+\)", case_page)
    assert "品質保証部へ依頼 → 差し戻し" in case_page


def test_decline_needs_a_reason_and_cancel_is_one_click(org, login_as):
    handoff = _ask(org)
    lead = login_as(org.lead_qa)
    refused = _post_step(lead, handoff, "decline")
    assert refused.status_code == 422
    assert _fresh(handoff).status == "requested"
    assert _post_step(lead, handoff, "decline", "物流部の所管です").status_code == 302
    assert _fresh(handoff).status == "declined"

    other = _ask(org, ask="別の依頼")
    assert _post_step(login_as(org.operator2), other, "cancel").status_code == 302
    assert _fresh(other).status == "cancelled"
    # A step that is not one, or confirm through the step route: 422, nothing changes.
    third = _ask(org, ask="三つ目")
    assert _post_step(lead, third, "explode").status_code == 422
    assert _post_step(lead, third, "confirm").status_code == 422
    assert _fresh(third).status == "requested"


def test_two_leads_answering_at_once_the_second_gets_409_with_the_text_kept(org, login_as):
    handoff = _ask(org)
    seen = handoff.version  # both pages were built from this version
    first, second = login_as(org.lead_qa), login_as(org.lead_qa)
    assert _post_step(first, handoff, "answer", "一つ目の回答", version=seen).status_code == 302
    response = _post_step(second, handoff, "answer", "二つ目の回答です", version=seen)
    assert response.status_code == 409
    page = _html(response)
    assert 'data-testid="conflict"' in page and "二つ目の回答です" in page
    assert "一つ目の回答" in page  # what is saved now
    bodies = db.session.scalars(sa.select(HandoffMessage.body)).all()
    assert bodies == ["一つ目の回答"]


def test_a_stale_page_whose_step_is_still_possible_keeps_the_text_in_it(org, login_as):
    handoff = _ask(org)
    seen = handoff.version
    lead = login_as(org.lead_qa)
    _post_step(lead, handoff, "accept")  # meanwhile, someone accepted it
    response = _post_step(lead, handoff, "answer", "まだ回答できます", version=seen)
    assert response.status_code == 409
    page = _html(response)
    form = page.split('data-testid="step-answer-form"')[1].split("</details>")[0]
    assert "まだ回答できます" in form and f'value="{_fresh(handoff).version}"' in form
    # Sent again from that page, it is taken.
    assert _post_step(lead, _fresh(handoff), "answer", "まだ回答できます").status_code == 302


def test_a_message_on_a_closed_handoff_is_a_conflict_with_the_text_kept(org, login_as):
    handoff = _ask(org)
    _step(handoff, org.operator, "cancel")
    response = login_as(org.lead_qa).post(
        f"/handoffs/{handoff.id}/messages",
        {"body": "まだ間に合いますか"},
        token_from=f"/handoffs/{handoff.id}",
    )
    assert response.status_code == 409 and "まだ間に合いますか" in _html(response)
    assert db.session.scalar(sa.select(sa.func.count(HandoffMessage.id))) == 0
    empty = login_as(org.operator).post(
        f"/handoffs/{_ask(org).id}/messages", {"body": ""}, token_from="/handoffs/"
    )
    assert empty.status_code == 422


def test_steps_need_the_csrf_token(org, login_as):
    handoff = _ask(org)
    response = login_as(org.lead_qa).post(
        f"/handoffs/{handoff.id}/step", {"action": "accept", "version": handoff.version}, csrf=False
    )
    assert response.status_code == 400 and _fresh(handoff).status == "requested"


# ---- who may do what, per role and side --------------------------------------------------------


def test_each_role_and_side(org, login_as):
    handoff = _ask(org)
    url = f"/handoffs/{handoff.id}"
    # The asking side cannot take the providing side's steps, and the other way round.
    assert _post_step(login_as(org.operator), handoff, "accept").status_code == 403
    assert _post_step(login_as(org.lead_qa), handoff, "cancel").status_code == 403
    # Executives read, never act.
    assert login_as(org.executive).get(url).status_code == 200
    assert _post_step(login_as(org.executive), handoff, "accept").status_code == 403
    # An outsider department: it does not exist. Admins: not theirs at all.
    outsider = login_as(org.lead_logistics)
    assert outsider.get(url).status_code == 404
    assert _post_step(outsider, handoff, "accept").status_code == 404
    admin = login_as(org.admin)
    assert admin.get(url).status_code == 403
    assert admin.get("/handoffs/").status_code == 403
    assert _fresh(handoff).status == "requested"
    # The provider cannot confirm an answer: it is the asking side's.
    _step(handoff, org.lead_qa, "answer", "回答")
    refused = login_as(org.lead_qa).post(
        f"{url}/confirm",
        {"version": _fresh(handoff).version, "usefulness": "5", "speed": "5"},
        token_from=url,
    )
    assert refused.status_code == 403 and _fresh(handoff).status == "answered"


def test_the_front_line_reads_the_hops_on_its_case_not_other_departments_requests(org, login_as):
    case = make_case(org.operator, department=org.qa)
    on_case = _ask(org, actor=org.lead_qa, provider=org.logistics, case=case, ask="出荷記録")
    between = _ask(org, actor=org.lead_qa, provider=org.logistics, ask="社内の依頼")
    operator = login_as(org.operator)
    assert operator.get(f"/handoffs/{on_case.id}").status_code == 200
    assert 'data-testid="read-only"' in _html(operator.get(f"/handoffs/{on_case.id}"))
    assert operator.get(f"/handoffs/{between.id}").status_code == 404
    assert f'data-testid="hop-{on_case.id}"' in _html(operator.get(f"/cases/{case.id}"))


# ---- the admins' times per department pair -----------------------------------------------------


def test_admins_set_the_time_of_a_pair(org, login_as):
    admin = login_as(org.admin)
    page = _html(admin.get("/admin/handoffs"))
    assert 'data-testid="handoff-policy-form"' in page and 'data-testid="default-policy"' in page
    saved = admin.post(
        "/admin/handoffs",
        {
            "requester_department_id": org.cs.id,
            "provider_department_id": org.qa.id,
            "due_hours": "4",
            "grace_hours": "2",
        },
        token_from="/admin/handoffs",
    )
    assert saved.status_code == 302
    policy = db.session.scalar(sa.select(HandoffPolicy))
    assert (policy.due_minutes, policy.grace_minutes) == (240, 120)
    page = _html(admin.get("/admin/handoffs"))
    assert f'data-testid="policy-{org.cs.id}-{org.qa.id}"' in page
    prefilled = _html(admin.get(f"/admin/handoffs?requester={org.cs.id}&provider={org.qa.id}"))
    assert re.search(r'id="due_hours"[^>]*value="4"', prefilled)
    # Asking now shows the pair's own time beside the department.
    assert "品質保証部（4時間以内に回答）" in _html(login_as(org.operator).get("/handoffs/new"))

    for bad, field in (
        ({"provider_department_id": org.cs.id}, "provider_department_id"),
        ({"due_hours": "0"}, "due_hours"),
        ({"grace_hours": "-1"}, "grace_hours"),
    ):
        data = {
            "requester_department_id": org.cs.id,
            "provider_department_id": org.logistics.id,
            "due_hours": "4",
            "grace_hours": "2",
        } | bad
        response = admin.post("/admin/handoffs", data, token_from="/admin/handoffs")
        assert response.status_code == 422, bad
        assert f'id="{field}-error"' in _html(response)
    assert db.session.scalar(sa.select(sa.func.count(HandoffPolicy.id))) == 1
    assert login_as(org.lead_qa).get("/admin/handoffs").status_code == 403
