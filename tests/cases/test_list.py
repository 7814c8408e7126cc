"""The case list: filters, sort, pages and, above all, scope."""

from __future__ import annotations

import re
from datetime import timedelta

from relq.cases import views
from relq.cases.services import SORTS
from relq.db import utcnow
from tests.factories import make_case

REF = re.compile(r"<td class=\"ref\"><a [^>]*>(C-\d{4}-\d{6})<")


def refs(response):
    assert response.status_code == 200
    return REF.findall(response.get_data(as_text=True))


def unique(seq):
    return list(dict.fromkeys(seq))


def test_scope_each_role_sees_only_its_cases(org, login_as):
    qa_case = make_case(org.operator, department=org.qa, subject="品質の件")
    log_case = make_case(org.operator, department=org.logistics, subject="配送の件")
    new_case = make_case(org.operator, subject="未振り分けの件")
    everything = {qa_case.ref, log_case.ref, new_case.ref}
    assert set(refs(login_as(org.operator).get("/cases/"))) == everything
    assert set(refs(login_as(org.lead_cs).get("/cases/"))) == everything  # intake department
    assert set(refs(login_as(org.lead_qa).get("/cases/"))) == {qa_case.ref}
    assert set(refs(login_as(org.lead_logistics).get("/cases/"))) == {log_case.ref}
    assert set(refs(login_as(org.executive).get("/cases/"))) == everything
    # The scope also holds for counts and searches.
    html = login_as(org.lead_qa).get("/cases/?q=配送").get_data(as_text=True)
    assert log_case.ref not in html and "0" in re.search(r'case-count">([^<]*)<', html).group(1)


def test_filters(org, login_as):
    now = utcnow()
    a = make_case(
        org.operator,
        department=org.qa,
        kind="inquiry",
        severity=1,
        channel="email",
        received_at=now - timedelta(days=10),
        subject="取扱説明書の件",
    )
    b = make_case(
        org.operator,
        department=org.logistics,
        kind="complaint",
        severity=3,
        received_at=now - timedelta(days=2),
        subject="配送が遅れた",
    )
    c = make_case(org.operator, department=org.qa, status="closed", subject="解決済みの件")
    client = login_as(org.operator)
    assert refs(client.get("/cases/?kind=inquiry")) == [a.ref]
    assert refs(client.get("/cases/?severity=1")) == [a.ref]
    assert refs(client.get("/cases/?channel=email")) == [a.ref]
    assert refs(client.get(f"/cases/?department={org.logistics.id}")) == [b.ref]
    assert set(refs(client.get("/cases/?q=遅れ"))) == {b.ref}
    assert refs(client.get(f"/cases/?q={b.ref}")) == [b.ref]
    since = (now - timedelta(days=5)).strftime("%Y-%m-%d")
    assert refs(client.get(f"/cases/?received_from={since}")) == [b.ref]
    until = (now - timedelta(days=5)).strftime("%Y-%m-%d")
    assert refs(client.get(f"/cases/?received_until={until}")) == [a.ref]
    # Closed cases are hidden by default, shown on request.
    assert c.ref not in refs(client.get("/cases/"))
    assert c.ref in refs(client.get("/cases/?scope=all"))
    assert refs(client.get("/cases/?status=closed")) == [c.ref]


def test_sort_and_pages(org, login_as, app):
    now = utcnow()
    made = [
        make_case(
            org.operator,
            department=org.qa,
            received_at=now - timedelta(hours=i),
            severity=1 + i % 4,
        )
        for i in range(30)
    ]
    client = login_as(org.operator)
    first = unique(refs(client.get("/cases/")))
    second = unique(refs(client.get("/cases/?page=2")))
    assert first == [c.ref for c in made[:25]]  # newest first
    assert second == [c.ref for c in made[25:]]
    oldest = unique(refs(client.get("/cases/?sort=received_at")))
    assert oldest[0] == made[-1].ref
    by_severity = unique(refs(client.get("/cases/?sort=severity")))
    severities = {c.ref: c.severity for c in made}
    assert [severities[r] for r in by_severity] == sorted(severities[r] for r in by_severity)
    assert "30" in client.get("/cases/").get_data(as_text=True)


def test_deeper_pages_follow_every_sort(org, login_as, app):
    """Page 1 is one statement; deeper pages choose their ids first and then read their rows
    (relq.cases.listing._rows). Both give the order of the one-page list, ties included."""
    now = utcnow()
    for i in range(11):  # five distinct times: ties broken by id
        make_case(
            org.operator,
            department=org.qa,
            received_at=now - timedelta(hours=i % 5),
            severity=1 + i % 4,
        )
    client = login_as(org.operator)
    for sort in SORTS:
        app.config.update(CASES_PER_PAGE=50)
        whole = unique(refs(client.get(f"/cases/?sort={sort}")))
        app.config.update(CASES_PER_PAGE=4)
        paged = [
            ref
            for page in (1, 2, 3)
            for ref in unique(refs(client.get(f"/cases/?sort={sort}&page={page}")))
        ]
        assert len(whole) == 11 and paged == whole, sort


def test_pages_go_ten_thousand_cases_deep(org, login_as, app, monkeypatch):
    """A page past MAX_LIST_DEPTH shows the deepest page, and says why (a deep OFFSET walks
    every case before it)."""
    app.config.update(CASES_PER_PAGE=2)
    monkeypatch.setattr(views, "MAX_LIST_DEPTH", 4)  # two pages of two
    made = [
        make_case(org.operator, department=org.qa, received_at=utcnow() - timedelta(hours=i))
        for i in range(6)
    ]
    client = login_as(org.operator)
    last = client.get("/cases/?page=2")
    beyond = client.get("/cases/?page=3")
    assert unique(refs(last)) == [c.ref for c in made[2:4]]
    assert unique(refs(beyond)) == [c.ref for c in made[2:4]]
    beyond_html, last_html = beyond.get_data(as_text=True), last.get_data(as_text=True)
    assert "page 2 is the last one" in beyond_html or "最後は 2 ページ" in beyond_html
    assert "is the last one" not in last_html and "最後は" not in last_html
    assert "page=3" not in last_html  # no Next beyond the deepest page
    assert "page=2" in client.get("/cases/?page=1").get_data(as_text=True)


def test_count_is_capped_on_large_results(org, login_as, app):
    app.config.update(CASE_COUNT_LIMIT=5, CASES_PER_PAGE=3)
    for _ in range(8):
        make_case(org.operator, department=org.qa)
    html = login_as(org.operator).get("/cases/").get_data(as_text=True)
    count = re.search(r'case-count">\s*([^<]*?)\s*<', html).group(1)
    assert "5" in count and "8" not in count
    assert "page=2" in html  # there is a next page although the count is capped


def test_bad_filters_are_ignored_with_a_message(org, login_as):
    case = make_case(org.operator, department=org.qa)
    response = login_as(org.operator).get("/cases/?severity=9&received_from=yesterday&page=x")
    assert response.status_code == 200
    assert case.ref in response.get_data(as_text=True)
    assert "flash-warning" in response.get_data(as_text=True)


def test_search_treats_wildcards_literally(org, login_as):
    make_case(org.operator, department=org.qa, subject="100%返金希望")
    other = make_case(org.operator, department=org.qa, subject="1000円の返金")
    client = login_as(org.operator)
    assert other.ref not in refs(client.get("/cases/?q=100%25"))
    assert refs(client.get("/cases/?q=_")) == []


def test_assigned_to_me(org, login_as):
    from relq.cases.services import assign_case

    mine = make_case(org.operator, department=org.qa)
    make_case(org.operator, department=org.qa)
    assign_case(mine, actor=org.lead_qa, assignee_id=org.lead_qa.id, expected_version=mine.version)
    assert refs(login_as(org.lead_qa).get("/cases/?mine=y")) == [mine.ref]


def test_the_case_page_shows_the_customers_other_cases_within_the_viewers_scope(org, login_as):
    from relq.cases.services import CustomerInput
    from relq.db import transaction
    from tests.factories import make_case

    customer = CustomerInput(name="山田 花子", email="hanako@example.jp")
    with transaction():
        older = make_case(org.operator, department=org.logistics, customer=customer)
        qa_case = make_case(org.operator, department=org.qa, customer=customer)
        current = make_case(org.operator, department=org.qa, customer=customer)
        stranger = make_case(org.operator, department=org.qa)
    page = login_as(org.operator).get(f"/cases/{current.id}").get_data(as_text=True)
    panel = page[page.index('data-testid="customer-history"') :]
    assert older.ref in panel and qa_case.ref in panel and stranger.ref not in panel
    assert "他の案件 2 件" in panel or "2 other cases" in panel
    # The QA lead sees only what reaches QA: the logistics case stays out of the panel.
    qa_page = login_as(org.lead_qa).get(f"/cases/{current.id}").get_data(as_text=True)
    qa_panel = qa_page[qa_page.index('data-testid="customer-history"') :]
    assert qa_case.ref in qa_panel and older.ref not in qa_panel
    # An anonymous case has no such panel.
    alone = login_as(org.operator).get(f"/cases/{stranger.id}").get_data(as_text=True)
    assert 'data-testid="customer-history"' not in alone
