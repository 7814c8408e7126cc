"""Routing rules: data, in order, first match wins; tag rules after the analysis; dry run."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from relq.answers.services import answer_case
from relq.audit.models import AuditEvent
from relq.cases.models import Case
from relq.db import db, transaction
from relq.routing.models import RoutingRule
from relq.routing.services import RoutingError, RuleInput, dry_run, move_rule, save_rule
from tests.factories import make_case


def _rule(org, name, department, **conditions):
    with transaction():
        return save_rule(RuleInput(name, department.id, conditions), actor=org.admin).id


def _log(org, **fields):
    fields.setdefault("subject", "お問い合わせ")
    fields.setdefault("remedy_requested", "")
    with transaction():
        case = make_case(org.operator, **fields)
    db.session.rollback()
    return db.session.get(Case, case.id)


def _switch_all(org, *, active):
    with transaction():
        for rule in db.session.scalars(sa.select(RoutingRule)):
            data = RuleInput(rule.name, rule.department_id, rule.conditions, is_active=active)
            save_rule(data, actor=org.admin, rule=rule)


def test_first_matching_rule_routes_at_intake(org):
    _rule(org, "異物は品質保証部", org.qa, words=["異物"])
    _rule(org, "配送の苦情は物流部", org.logistics, kinds=["complaint"], words=["配送", "届かない"])
    foreign = _log(org, customer_words="パスタに異物が入っていた", kind="complaint")
    late = _log(org, customer_words="荷物が届かない", kind="complaint")
    late_inquiry = _log(org, customer_words="荷物が届かない", kind="inquiry")  # kind differs
    assert (foreign.status, foreign.responsible_department_id) == ("routed", org.qa.id)
    assert (late.status, late.responsible_department_id) == ("routed", org.logistics.id)
    assert (late_inquiry.status, late_inquiry.responsible_department_id) == ("received", None)
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.case_id == foreign.id, AuditEvent.action == "case.route"
        )
    )
    assert event.actor_id is None and event.after["rule"] == "異物は品質保証部"
    assert event.after["because"] == ["異物"]


def test_order_inactive_rules_and_manual_choice(org):
    first = _rule(org, "severity 1 to QA", org.qa, severities=[1])
    _rule(org, "phone to logistics", org.logistics, channels=["phone"])
    assert _log(org, severity=1, channel="phone").responsible_department_id == org.qa.id
    with transaction():
        move_rule(db.session.get(RoutingRule, first), actor=org.admin, direction=1)
    assert _log(org, severity=1, channel="phone").responsible_department_id == org.logistics.id
    _switch_all(org, active=False)
    assert _log(org, severity=1, channel="phone").status == "received"
    _switch_all(org, active=True)
    # A person's choice at intake wins over every rule.
    assert (
        _log(org, severity=1, channel="phone", department=org.qa).responsible_department_id
        == org.qa.id
    )


def test_tag_rules_apply_after_the_analysis(org, app):
    app.config["ANALYSIS_QUEUE"] = "inline"
    _rule(org, "refunds to logistics", org.logistics, tags=["billing.refund"])
    case = _log(org, customer_words="返金してほしい")
    assert (case.status, case.responsible_department_id) == ("routed", org.logistics.id)


def test_a_rule_needs_a_condition_and_an_admin(org):
    with pytest.raises(RoutingError), transaction():
        save_rule(RuleInput("everything", org.qa.id, {"words": ["  "]}), actor=org.admin)
    with pytest.raises(RoutingError), transaction():
        save_rule(RuleInput("x", org.qa.id, {"words": ["x"]}), actor=org.lead_qa)


def test_dry_run_shows_past_matches(org, login_as):
    old = _log(org, customer_words="ケトルの蓋が閉まらない", department=org.qa)
    _log(org, customer_words="アプリにログインできない", department=org.qa)
    matched, examined, matches = dry_run({"words": ["蓋"]}, user=org.admin)
    assert (matched, examined) == (1, 2) and matches[0].case.id == old.id
    assert matches[0].reasons == ["蓋"]
    admin = login_as(org.admin)
    html = admin.post(
        "/admin/routing/new",
        {"name": "lids", "department_id": str(org.qa.id), "words": "蓋", "action": "preview"},
        token_from="/admin/routing/new",
    ).get_data(as_text=True)
    assert 'data-testid="dry-run"' in html and old.ref in html
    assert db.session.scalar(sa.select(sa.func.count(RoutingRule.id))) == 0  # nothing saved
    saved = admin.post(
        "/admin/routing/new",
        {
            "name": "lids",
            "department_id": str(org.qa.id),
            "words": "蓋",
            "action": "save",
            "is_active": "y",
        },
        token_from="/admin/routing/new",
    )
    assert saved.status_code == 302
    assert db.session.scalar(sa.select(RoutingRule.conditions)) == {"words": ["蓋"]}


def test_learned_department_suggestion(org, app, login_as):
    """History: the QA lead owned the kettle cases, logistics the parcels. A new case gets the
    department that handled cases like it, with a confidence and the words behind it."""
    from relq.analysis.services import backfill
    from relq.learning import suggest_department, train_model

    texts = {
        org.qa: [
            "ケトルの蓋が閉まらない",
            "ケトルの蓋のロックが壊れた",
            "電気ケトルから水漏れ",
            "ケトルの蓋が開いて熱湯がこぼれた",
            "ケトルのスイッチが入らない",
        ],
        org.logistics: [
            "荷物が届かない",
            "配送が遅れている",
            "荷物の箱が潰れていた",
            "配達の日時を変えたい",
            "荷物が違う住所に届いた",
        ],
    }
    ids = []
    for department, samples in texts.items():
        lead = org.lead_qa if department == org.qa else org.lead_logistics
        for i in range(3):
            for text in samples:
                case = _log(
                    org, customer_words=f"{text}。{'お願いします' * i}", department=department
                )
                with transaction():
                    case = db.session.get(Case, case.id)
                    answer_case(
                        case, actor=lead, answer="acknowledged", expected_version=case.version
                    )
                ids.append(case.id)
    backfill(ids)
    with transaction():
        model = train_model("departments")
    assert model is not None and model.metrics["micro_f1"] >= 0.8, model.metrics
    app.config["ANALYSIS_QUEUE"] = "inline"
    case = _log(org, customer_words="ケトルの蓋がきちんと閉まらず困っている")
    guess = suggest_department(case)
    assert guess.code == "qa" and 0.5 < guess.confidence <= 1 and guess.reasons
    html = login_as(org.operator).get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="department-suggestion"' in html and "品質保証部" in html


def test_a_rule_to_a_department_closed_since_is_passed_over(org):
    from relq.org.services import DepartmentInput, update_department
    from tests.factories import make_department

    with transaction():
        returns = make_department("returns", "返品センター", "Returns")
    _rule(org, "返品は返品センター", returns, words=["返品"])
    assert _log(org, customer_words="返品したい").responsible_department_id == returns.id
    with transaction():  # the rules are still remembered in this process: the case must not fail
        update_department(
            returns,
            DepartmentInput("returns", "返品センター", "Returns", is_active=False),
            actor=org.admin,
        )
    case = _log(org, customer_words="返品したい")
    assert (case.status, case.responsible_department_id) == ("received", None)


def test_the_rules_page_reads_conditions_in_words(org, login_as):
    with transaction():
        save_rule(
            RuleInput(
                "返金の苦情は物流部へ",
                org.logistics.id,
                {
                    "kinds": ["complaint"],
                    "channels": ["phone"],
                    "severities": [1],
                    "tags": ["billing.refund"],
                },
            ),
            actor=org.admin,
        )
    html = login_as(org.admin).get("/admin/routing/").get_data(as_text=True)
    row = html.split("返金の苦情は物流部へ", 1)[1].split("</tr>", 1)[0]
    for words in ("苦情", "電話", "1 – 緊急", "返金"):
        assert words in row, words
    for code in ("complaint", "phone", "billing.refund"):
        assert code not in row, code
