"""Unlinkability: after answers through the real pages, nothing in the whole database (every
table, every column, on SQLite and PostgreSQL), in the audit trail or in the log ties an answer
to a person or to a link.

What an answer may change: its own rows (enps_responses, enps_factor_answers), the `used` flag
of its invitation, and the random version token of a cache topic. Nothing else. The answers'
keys, their order on disk and (PostgreSQL) their transaction numbers after the round closes
follow neither the order of submission nor the invitations.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from relq.db import db
from relq.enps.collect import token_digest
from relq.enps.models import SurveyResponse
from relq.enps.rounds import close_round
from tests.enps.test_collect_survey import (
    answer_data,
    issue_links,
    make_open_round,
    post_answer,
)

N = 30
REASONS = [
    "上司に相談しやすい",
    "評価の基準が分かりにくい",
    "",
    "残業が多い",
    "チームの雰囲気が良い",
]
# What an answer is allowed to hold (anything else is a way back to a person or a moment).
RESPONSE_COLUMNS = {
    "id",
    "round_id",
    "department_id",
    "level_band_id",
    "tenure_band_id",
    "score",
    "reason",
    "reason_terms",
    "source",
}
FACTOR_ANSWER_COLUMNS = {"response_id", "factor_id", "value"}
MAY_CHANGE = {"enps_responses", "enps_factor_answers", "enps_invitations", "cache_topics"}


def snapshot() -> dict[str, dict[str, list[tuple]]]:
    """Every row of every table (values as text), by table; with the column names."""
    db.session.commit()
    inspector = sa.inspect(db.engine)
    found = {}
    with db.engine.connect() as connection:
        for table in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(table)]
            rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            found[table] = {
                "columns": columns,
                "rows": sorted(tuple(repr(v) for v in row) for row in rows),
            }
    return found


def cells(found) -> list[tuple[str, str, str]]:
    return [
        (table, column, value)
        for table, data in found.items()
        for row in data["rows"]
        for column, value in zip(data["columns"], row, strict=True)
    ]


def response_ids() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(SurveyResponse.id)))


@pytest.fixture
def answered(app, org, client, caplog):
    """30 answers through the respondent's page, one link each; the ids in submission order."""
    survey_round = make_open_round(org)
    emails = [f"person{i}@example.jp" for i in range(N)]
    tokens = issue_links(org, survey_round, emails)
    before = snapshot()
    caplog.set_level(logging.DEBUG)
    order: list[int] = []
    seen: set[int] = set()
    departments = [org.cs, org.qa, org.logistics]
    for i, token in enumerate(tokens):
        data = answer_data(
            survey_round,
            departments[i % 3],
            score=i % 11,
            reason=REASONS[i % len(REASONS)],
            value=1 + i % 5,
        )
        assert post_answer(client, token, data).status_code == 302
        now = response_ids()
        (new,) = now - seen
        order.append(new)
        seen = now
    return {
        "round": survey_round,
        "tokens": tokens,
        "emails": emails,
        "order": order,
        "before": before,
        "after": snapshot(),
        "log": caplog.text,
    }


def test_nothing_in_the_database_ties_an_answer_to_a_link_or_a_person(answered, org):
    before, after = answered["before"], answered["after"]
    tokens = answered["tokens"]
    digests = {token_digest(t) for t in tokens}
    ids = {str(i) for i in answered["order"]}

    for table, column, value in cells(after):
        # The tokens are nowhere, in any form.
        assert not any(t in value for t in tokens), (table, column)
        # Their digests only on the invitations, where they were before anyone answered.
        if any(d in value for d in digests):
            assert (table, column) == ("enps_invitations", "token_digest")
        # An answer's key only on the answer and its factor values.
        if value in ids:
            assert (table, column) in (
                ("enps_responses", "id"),
                ("enps_factor_answers", "response_id"),
            ), (table, column)
        # No person's address next to anything new.
        if table in ("enps_responses", "enps_factor_answers"):
            assert "@" not in value

    # Answering changed the answers' own rows, the invitations' used flags, a cache token:
    # nothing else (no audit event, no login, no notification, no time anywhere).
    changed = {t for t in after if after[t] != before.get(t)}
    assert changed <= MAY_CHANGE, changed - MAY_CHANGE
    assert {"enps_responses", "enps_invitations"} <= changed
    invitation_columns = after["enps_invitations"]["columns"]
    used = invitation_columns.index("used")

    def without_used(rows):
        return sorted(row[:used] + row[used + 1 :] for row in rows)

    assert without_used(after["enps_invitations"]["rows"]) == without_used(
        before["enps_invitations"]["rows"]
    )


def test_the_answer_tables_hold_no_person_token_or_time(app):
    inspector = sa.inspect(db.engine)
    for table, allowed in (
        ("enps_responses", RESPONSE_COLUMNS),
        ("enps_factor_answers", FACTOR_ANSWER_COLUMNS),
    ):
        columns = inspector.get_columns(table)
        assert {c["name"] for c in columns} == allowed
        for column in columns:
            assert column["type"].python_type not in (date, datetime), column["name"]
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert targets <= {
            "enps_rounds",
            "departments",
            "enps_bands",
            "enps_factors",
            "enps_responses",
        }
    # Indexes only over what an answer is (its round, department, bands, score): none could
    # hold anything else.
    indexed = {c for i in inspector.get_indexes("enps_responses") for c in i["column_names"]}
    assert indexed <= {"round_id", "department_id", "level_band_id", "tenure_band_id", "score"}
    # No table refers to an answer but its own factor values.
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] == "enps_responses":
                assert table == "enps_factor_answers"
    # An invitation refers to no answer.
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("enps_invitations")} <= {
        "enps_rounds",
        "users",
    }


def test_keys_and_order_on_disk_do_not_follow_submission(answered):
    order = answered["order"]
    assert sorted(order) != order and sorted(order, reverse=True) != order
    # Consecutive answers' keys are no closer than chance: not a counter with noise.
    steps = [b - a for a, b in zip(order, order[1:], strict=False)]
    assert sum(1 for s in steps if s > 0) not in (0, len(steps))
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # No hidden row number counts the answers as they came (WITHOUT ROWID).
            for table in ("enps_responses", "enps_factor_answers"):
                with pytest.raises(sa.exc.OperationalError):
                    connection.execute(sa.text(f"SELECT rowid FROM {table}")).all()
            # The table itself, in its own order: selecting a column no index holds, so
            # that SQLite walks the table, not a covering index in another order.
            stored = [
                row.id
                for row in connection.execute(sa.text("SELECT id, reason FROM enps_responses"))
            ]
            plan = connection.execute(
                sa.text("EXPLAIN QUERY PLAN SELECT id, reason FROM enps_responses")
            ).all()
            assert plan[0][-1] == "SCAN enps_responses", plan
            assert stored == sorted(order) and stored != order


def test_closing_the_round_rewrites_its_answers_so_no_transaction_ties_them(answered, org):
    survey_round = answered["round"]
    db.session.expire_all()
    scores = sorted(db.session.scalars(select(SurveyResponse.score)))
    close_round(survey_round, actor=org.admin)
    db.session.commit()
    db.session.expire_all()
    # The same answers, the same keys.
    assert sorted(db.session.scalars(select(SurveyResponse.score))) == scores
    assert response_ids() == set(answered["order"])
    with db.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            return
        answers = connection.execute(
            sa.text("SELECT xmin::text, ctid::text, id FROM enps_responses")
        ).all()
        invitations = set(
            connection.scalars(sa.text("SELECT xmin::text FROM enps_invitations WHERE used"))
        )
        factor_values = set(
            connection.scalars(sa.text("SELECT xmin::text FROM enps_factor_answers"))
        )
    # One transaction number for every answer (the close's), none an invitation's.
    assert len({xmin for xmin, _ctid, _id in answers}) == 1
    assert not {xmin for xmin, _ctid, _id in answers} & invitations
    assert not factor_values & invitations
    # Their places on disk follow their random keys, not their arrival.
    by_place = [
        i for _x, _c, i in sorted(answers, key=lambda a: tuple(map(int, a[1][1:-1].split(","))))
    ]
    assert by_place == sorted(by_place)


def test_no_log_line_carries_a_token(answered):
    assert all(token not in answered["log"] for token in answered["tokens"])
    assert all(token_digest(t) not in answered["log"] for t in answered["tokens"])


def test_a_used_link_is_refused_and_nothing_is_counted_twice(answered, client, org):
    survey_round = answered["round"]
    count = db.session.scalar(select(func.count()).select_from(SurveyResponse))
    token = answered["tokens"][0]
    (fresh,) = issue_links(org, survey_round, ["late@example.jp"])
    refused = client.post(
        f"/enps/survey/{token}",
        answer_data(survey_round, org.qa),
        token_from=f"/enps/survey/{fresh}",
    )
    assert refused.status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == count == N


def test_a_closed_round_refuses_answers(answered, client, org):
    survey_round = answered["round"]
    (late,) = issue_links(org, survey_round, ["late@example.jp"])
    close_round(survey_round, actor=org.admin)
    db.session.commit()
    assert client.get(f"/enps/survey/{late}").status_code == 409
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == N
