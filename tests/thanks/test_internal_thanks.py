"""Internal thanks: a handoff confirmed with a thank-you appears in the ありがとう feed beside
customers' compliments, newest first across both, paged together, filterable, and counted in
the per-department counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from relq.db import db, transaction, utcnow
from relq.handoffs.services import confirm_handoff, request_handoff, take_step
from relq.thanks import views
from relq.thanks.services import FeedFilters, share_compliment, thanks_feed, thanks_per_department
from tests.factories import make_case

ASK = "同ロットの検査結果を教えてください（社外秘）"


def _thanked_handoff(
    org,
    at,
    *,
    asker=None,
    provider=None,
    answerer=None,
    thanks="迅速なご確認ありがとうございました",
):
    """A handoff answered by `answerer` and confirmed at `at` with `thanks`."""
    provider = provider or org.qa
    handoff = request_handoff(
        actor=asker or org.lead_logistics,
        provider_department_id=provider.id,
        ask=ASK,
        now=at - timedelta(hours=1),
    )
    take_step(
        handoff,
        actor=answerer or org.lead_qa,
        action="answer",
        expected_version=handoff.version,
        body="ロットは正常でした",
        now=at - timedelta(minutes=30),
    )
    confirm_handoff(
        handoff,
        actor=asker or org.lead_logistics,
        expected_version=handoff.version,
        usefulness=5,
        speed=5,
        thanks=thanks,
        now=at,
    )
    return handoff


def _compliment(org, at, quote="電話の方がとても親切でした。"):
    case = make_case(
        org.operator,
        kind="compliment",
        subject="お礼",
        customer_words="電話の方がとても親切でした。",
    )
    compliment = share_compliment(
        case, actor=org.operator, department_id=org.cs.id, staff_user_id=None, quote=quote
    )
    compliment.shared_at = at  # passed on then
    db.session.flush()
    return compliment


@pytest.fixture
def stream(org):
    """Ten thanks over the last ten hours, alternating: compliments at even hours ago, internal
    thanks at odd ones. Returns their feed keys, newest first."""
    now = utcnow()
    keys = []
    with transaction():
        for hours in range(1, 11):
            at = now - timedelta(hours=hours)
            if hours % 2:
                keys.append(f"handoff-{_thanked_handoff(org, at).id}")
            else:
                keys.append(f"{_compliment(org, at, quote=f'お礼 {hours}').id}")
    return keys


def _keys(page: str) -> list[str]:
    return re.findall(r'data-testid="thanks-((?:handoff-)?\d+)"', page)


def test_both_kinds_merge_by_time_and_page_together(org, stream):
    seen = []
    for offset in range(0, 12, 3):
        seen += [e.key for e in thanks_feed(FeedFilters(), limit=3, offset=offset)]
    assert seen == stream


def test_the_page_pages_through_both_kinds(org, stream, login_as, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 4)
    client = login_as(org.operator)
    pages = [client.get(f"/thanks/?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    assert [k for page in pages for k in _keys(page)] == stream
    assert "page=2" in pages[0] and "page=4" not in pages[2]


def test_an_internal_thank_you_reads_who_thanked_whom_and_who_answered(org, login_as):
    with transaction():
        handoff = _thanked_handoff(org, utcnow() - timedelta(hours=1))
        request_handoff(actor=org.lead_logistics, provider_department_id=org.qa.id, ask=ASK)
    page = login_as(org.operator).get("/thanks/").get_data(as_text=True)
    entry = page[page.index(f'data-testid="thanks-handoff-{handoff.id}"') :]
    entry = entry[: entry.index("</li>")]
    assert "物流部 → 品質保証部" in entry
    assert "迅速なご確認ありがとうございました" in entry
    assert "回答者: 高橋 誠" in entry
    assert ASK not in page  # what was asked stays with the two departments
    assert len(_keys(page)) == 1  # the open request is not a thank-you


def test_confirmed_without_a_thank_you_is_not_in_the_feed(org):
    with transaction():
        _thanked_handoff(org, utcnow() - timedelta(hours=1), thanks="")
    assert thanks_feed(FeedFilters(), limit=10) == []


def test_filters_internal_customer_department_and_mine(org, stream, login_as):
    client = login_as(org.lead_qa)
    internal = _keys(client.get("/thanks/?source=internal").get_data(as_text=True))
    customer = _keys(client.get("/thanks/?source=customer").get_data(as_text=True))
    assert internal == [k for k in stream if k.startswith("handoff-")]
    assert customer == [k for k in stream if not k.startswith("handoff-")]
    # The department thanked: QA for the answers it gave (not logistics, which thanked it).
    qa = _keys(client.get(f"/thanks/?department={org.qa.id}").get_data(as_text=True))
    assert qa == internal
    assert _keys(client.get(f"/thanks/?department={org.logistics.id}").get_data(as_text=True)) == []
    # Thanks to me: the lead who wrote the answers.
    assert _keys(client.get("/thanks/?mine=y").get_data(as_text=True)) == internal
    other = login_as(org.lead_logistics).get("/thanks/?mine=y").get_data(as_text=True)
    assert _keys(other) == []
    unknown = client.get("/thanks/?source=everything").get_data(as_text=True)
    assert _keys(unknown) == stream  # not understood: ignored, and said so


def test_per_department_counts_hold_both_kinds(org, stream):
    with transaction():
        _thanked_handoff(
            org, utcnow() - timedelta(days=200), thanks="昔のお礼"
        )  # older than the counts' weeks
    assert [(d.code, n) for d, n in thanks_per_department()] == [("cs", 5), ("qa", 5)]
    with transaction():
        _thanked_handoff(org, utcnow() - timedelta(minutes=5), thanks="もう一度ありがとう")
    assert [(d.code, n) for d, n in thanks_per_department()] == [("qa", 6), ("cs", 5)]


def test_the_request_is_linked_only_for_who_may_open_it(app, org, login_as):
    with transaction():
        handoff = _thanked_handoff(org, utcnow() - timedelta(hours=1))
    if "handoffs.detail" not in app.view_functions:
        pytest.skip("the handoff pages are not installed in this app")
    side = login_as(org.lead_qa).get("/thanks/").get_data(as_text=True)
    assert 'data-testid="thanks-handoff-link"' in side
    outsider = login_as(org.operator).get("/thanks/").get_data(as_text=True)
    assert f"thanks-handoff-{handoff.id}" in outsider
    assert 'data-testid="thanks-handoff-link"' not in outsider
