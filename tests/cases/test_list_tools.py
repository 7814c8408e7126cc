"""The case list's everyday tools: saved views (per person), search hits marked (escaped
first), `/` to the search box."""

from __future__ import annotations

import re

import sqlalchemy as sa

from relq.audit.models import AuditEvent
from relq.cases.listing import Highlighter
from relq.cases.saved_views import SavedView
from tests.factories import make_case

SAVED_LINK = re.compile(r'<li><a href="/cases/\?([^"]*)">([^<]*)</a>')


def saved_views(client) -> list[tuple[str, str]]:
    html = client.get("/cases/").get_data(as_text=True)
    return [(name, query.replace("&amp;", "&")) for query, name in SAVED_LINK.findall(html)]


def save(client, name: str, query: str):
    return client.post("/cases/views", {"name": name, "query": query}, token_from="/cases/")


def test_a_saved_view_is_its_owners_alone(org, login_as, session):
    owner, colleague = login_as(org.operator), login_as(org.operator2)
    response = save(owner, "品質保証部の問い合わせ", f"kind=inquiry&department={org.qa.id}&page=3")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/?kind=inquiry&department={org.qa.id}")
    assert saved_views(owner) == [
        ("品質保証部の問い合わせ", f"kind=inquiry&department={org.qa.id}")
    ]
    assert saved_views(colleague) == []
    view_id = session.scalar(sa.select(SavedView.id))
    # Someone else's view does not exist for them: not deleted, 404.
    delete = f"/cases/views/{view_id}/delete"
    assert colleague.post(delete, token_from="/cases/").status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(SavedView)) == 1
    assert owner.post(delete, token_from="/cases/").status_code == 302
    assert saved_views(owner) == []
    audited = session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id)
        .where(AuditEvent.entity_type == "saved_view")
        .order_by(AuditEvent.id)
    ).all()
    assert audited == [
        ("saved_view.created", org.operator.id),
        ("saved_view.deleted", org.operator.id),
    ]


def test_a_saved_view_opens_the_list_it_names(org, login_as):
    inquiry = make_case(org.operator, department=org.qa, kind="inquiry", subject="使い方の質問")
    complaint = make_case(org.operator, department=org.qa, subject="壊れていた")
    client = login_as(org.operator)
    save(client, "問い合わせ", "kind=inquiry")
    [(_name, query)] = saved_views(client)
    html = client.get(f"/cases/?{query}").get_data(as_text=True)
    assert inquiry.ref in html and complaint.ref not in html


def test_two_views_of_one_person_cannot_share_a_name(org, login_as, session):
    client = login_as(org.operator)
    save(client, "重大案件", "severity=1")
    response = save(client, "重大案件", "severity=2")
    assert response.status_code == 302
    assert "という名前のビューはすでにあります" in client.get("/cases/").get_data(as_text=True)
    assert session.scalars(sa.select(SavedView.query)).all() == ["severity=1"]
    # Another person may use the same name.
    save(login_as(org.operator2), "重大案件", "severity=2")
    assert session.scalar(sa.select(sa.func.count()).select_from(SavedView)) == 2


def test_a_view_without_a_name_or_with_control_characters_is_refused(org, login_as, session):
    client = login_as(org.operator)
    assert save(client, "", "kind=inquiry").status_code == 422
    assert save(client, "ビュー\x00", "kind=inquiry").status_code == 422
    assert save(client, "ビュー", "kind=\x07").status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(SavedView)) == 0


def analyse_everything(app, session) -> None:
    """The NLP analysis the search's word index is made of (the tests' queue is off)."""
    session.commit()
    result = app.test_cli_runner().invoke(args=["relq", "nlp", "backfill"])
    assert result.exit_code == 0, result.output


def test_search_hits_are_marked_and_the_subject_stays_escaped(org, login_as, app, session):
    hostile = make_case(
        org.operator,
        department=org.qa,
        subject='<script>alert("x")</script>返金してほしい<b>至急</b>',
    )
    analyse_everything(app, session)
    client = login_as(org.operator)
    html = client.get("/cases/?q=返金したい").get_data(as_text=True)
    assert hostile.ref in html
    assert "<script>alert" not in html and "<b>至急" not in html
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;<mark>返金</mark>してほしい"
        "&lt;b&gt;至急&lt;/b&gt;"
    ) in html
    # Without a search, nothing is marked.
    assert "<mark>" not in client.get("/cases/").get_data(as_text=True)


def test_hits_are_marked_in_english_whatever_the_case_and_markup_in_the_query_is_text(
    org, login_as, app, session
):
    make_case(
        org.operator,
        department=org.qa,
        subject="Refund for the broken kettle (warranty)",
        customer_words="The kettle broke after two days. I want a refund.",
    )
    analyse_everything(app, session)
    client = login_as(org.operator)
    html = client.get("/cases/?q=refunds").get_data(as_text=True)
    assert "<mark>Refund</mark> for the broken kettle" in html
    html = client.get("/cases/?q=<mark>kettle").get_data(as_text=True)
    assert "<mark>kettle" not in html.split('class="cases"', 1)[0]  # the search box: text


def test_the_highlighter_marks_every_term_and_only_them():
    parts = Highlighter(["返金", "交換"]).parts("返金か交換、または返金")
    assert parts == [
        ("返金", True),
        ("か", False),
        ("交換", True),
        ("、または", False),
        ("返金", True),
    ]
    assert Highlighter([]).parts("<b>") == [("<b>", False)]
    assert Highlighter(["a.b"]).parts("axb a.b") == [("axb ", False), ("a.b", True)]


def test_slash_focuses_the_search_box_with_a_script_of_relqs_own(org, login_as, app):
    html = login_as(org.operator).get("/cases/").get_data(as_text=True)
    assert '<script src="/static/cases-list.js" defer></script>' in html
    assert 'id="q" name="q" type="search"' in html and 'aria-keyshortcuts="/"' in html
    script = app.test_client().get("/static/cases-list.js").get_data(as_text=True)
    assert 'event.key !== "/"' in script and 'getElementById("q")' in script
    # The page works without it: every tool is a plain form.
    assert 'action="/cases/export.csv"' in html and 'action="/cases/views"' in html
