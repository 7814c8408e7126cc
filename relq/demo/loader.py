"""Load the demo organisation and its history.

Users and departments go through the org services. Cases are written as rows with their
historical times (received weeks ago, routed an hour later, ...) because the audit trail is
append-only and services stamp events with the present: the demo has to tell a past.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from relq.answers.models import DepartmentAnswer
from relq.audit.models import AuditEvent
from relq.cases.models import Case, Customer, Note
from relq.cases.services import normalise_phone
from relq.db import db, utcnow
from relq.deadlines.calendar import OFFICE_TZ
from relq.deadlines.services import apply_clock_rules, meet, start_case_clocks
from relq.demo.answers import answer_text
from relq.demo.corpus import DEPARTMENTS, HARASSMENT_CALLS, USERS, generate_cases
from relq.demo.csat import load_demo_csat
from relq.demo.enps import load_demo_enps, load_demo_plans
from relq.demo.privacy import load_demo_privacy
from relq.demo.review import load_demo_review
from relq.org.models import Department, User
from relq.org.services import DepartmentInput, UserInput, create_department, create_user
from relq.routing.services import RuleInput, save_rule
from relq.tags.models import CaseTag, Tag
from relq.tags.services import seed_default_tags

# The tag people gave each demo theme (None: no tag in the starter list fits).
THEME_TAGS = {
    "foreign_object": "quality.foreign_object",
    "kettle_lid_lock": "quality.defect",
    "rice_cooker_error_e3": "quality.defect",
    "toaster_timer": "quality.defect",
    "repair_request": "quality.defect",
    "appliance_smoke": "safety.fire_injury",
    "food_quality": "quality.taste",
    "food_illness": "safety.illness",
    "allergen_question": "quality.labelling",
    "late_delivery": "delivery.late",
    "damaged_package": "delivery.damaged",
    "wrong_item": "delivery.wrong_item",
    "delivery_change": "delivery.change",
    "double_charge": "billing.double_charge",
    "refund_request": "billing.refund",
    "receipt_request": "billing.receipt",
    "app_login": "app.login",
    "points_missing": "app.points",
    "online_store_error": "app.store_error",
    "subscription_cancel": "subscription.cancel",
    "store_stock": None,
    "staff_attitude": "service.attitude",
    "product_suggestion": "wish.product",
    "compliment_store": "praise.staff",
    "compliment_staff": "praise.staff",
    "product_usage": "usage.howto",
    "compliment_product": "praise.product",
}
DEMO_RULES = [
    (
        "安全・異物は品質保証部へ",
        "qa",
        {"words": ["発火", "煙", "異物", "やけど", "怪我", "食中毒"]},
    ),
    (
        "配送の苦情は物流部へ",
        "logistics",
        {"kinds": ["complaint"], "tags": ["delivery.late", "delivery.damaged"]},
    ),
    ("請求・返金は経理部へ", "accounting", {"tags": ["billing.double_charge", "billing.refund"]}),
    (
        "アプリ・ECは情報システム部へ",
        "it",
        {"tags": ["app.login", "app.points", "app.store_error"]},
    ),
]
# Cases older than this have been tagged by people: the history the tag model learns from.
TAGGED_AFTER = timedelta(days=2)

# The steps that lead to each status, from "received". The owner's steps are its answers:
# 受領 (acknowledge), 対応予定 (plan, with a date), 対応済 (complete, saying what was done).
PATHS = {
    "received": [],
    "routed": ["route"],
    "acknowledged": ["route", "acknowledge"],
    "in_progress": ["route", "acknowledge", "plan"],
    "awaiting_customer": ["route", "acknowledge", "plan", "await_customer"],
    "resolved": ["route", "acknowledge", "plan", "complete"],
    "closed": ["route", "acknowledge", "plan", "complete", "close"],
}
NO_DEPARTMENT_PATHS = {"received": [], "resolved": ["resolve"], "closed": ["resolve", "close"]}
# One in DECLINE_EVERY of the cases waiting for their department was declined (対応しない):
# it is back with the front line, which has to route it again.
DECLINE_EVERY = 23
DECLINED_PATH = ["route", "decline"]
TARGET = {
    "route": "routed",
    "acknowledge": "acknowledged",
    "plan": "in_progress",
    "await_customer": "awaiting_customer",
    "complete": "resolved",
    "decline": "received",
    "resolve": "resolved",
    "close": "closed",
}
ANSWER = {
    "acknowledge": "acknowledged",
    "plan": "planned",
    "complete": "done",
    "decline": "declined",
}


def load_demo_organisation(password: str) -> tuple[dict[str, Department], list[User]]:
    """The demo's departments (by code) and users, all with `password`: also the organisation
    the benchmarks log their cases in."""
    departments: dict[str, Department] = {}
    for d in DEPARTMENTS:
        departments[d["code"]] = create_department(
            DepartmentInput(d["code"], d["name_ja"], d["name_en"], d["is_customer_contact"]),
            actor=None,
        )
    users = [
        create_user(
            UserInput(
                u["email"],
                u["name"],
                u["role"],
                departments[u["department"]].id,
                u["locale"],
                password,
            ),
            actor=None,
        )
        for u in USERS
    ]
    return departments, users


def load_demo(n_cases: int = 600, *, progress: Callable[[int], None] | None = None) -> list[User]:
    departments, users = load_demo_organisation(current_app.config["DEMO_PASSWORD"])
    seed_default_tags()
    admin = next(u for u in users if u.role == "admin")
    for name, code, conditions in DEMO_RULES:
        save_rule(RuleInput(name, departments[code].id, conditions), actor=admin)
    tag_ids = {t.code: t.id for t in db.session.scalars(select(Tag))}
    operators = [u for u in users if u.role == "operator"]
    leads = {u.department.code: u for u in users if u.role == "lead"}
    intake = next(d for d in departments.values() if d.is_customer_contact)

    customers: dict[tuple, Customer] = {}
    harassed: list[tuple[Case, User, dict]] = []  # (case, the operator who bore it, its plan)
    compliments: list[tuple[Case, User, dict]] = []
    waiting = 0  # cases still waiting for or just acknowledged by their department
    now = utcnow()
    for rng_index, item in enumerate(generate_cases(n_cases, now=now), start=1):
        operator = operators[rng_index % len(operators)]
        customer = None
        if item.get("customer"):
            c = item["customer"]
            key = (c.get("email") or "", normalise_phone(c.get("phone") or ""), c.get("name") or "")
            customer = customers.get(key)
            if customer is None:
                customer = Customer(
                    name=c.get("name"),
                    email=(c.get("email") or None),
                    phone=normalise_phone(c.get("phone") or "") or None,
                    created_at=item["received_at"],
                )
                customers[key] = customer
        owner_code = item.get("department")
        owner = departments[owner_code] if owner_code else None
        path = (PATHS if owner else NO_DEPARTMENT_PATHS)[item["status"]]
        if owner and item["status"] in ("routed", "acknowledged"):
            waiting += 1
            if waiting % DECLINE_EVERY == 1:
                path, item["status"] = DECLINED_PATH, "received"
        received = item["received_at"]
        case = Case(
            intake_token=secrets.token_urlsafe(18),
            kind=item["kind"],
            channel=item["channel"],
            received_at=received,
            product=item.get("product") or "",
            subject=item["subject"],
            customer_words=item["customer_words"],
            remedy_requested=item.get("remedy_requested") or "",
            severity=item["severity"],
            status=item["status"],
            intake_department_id=intake.id,
            responsible_department_id=owner.id if owner and path else None,
            created_by=operator,
            customer=customer,
            created_at=received + timedelta(minutes=5),
            updated_at=received + timedelta(minutes=5),
        )
        db.session.add(case)
        db.session.flush()
        at = received + timedelta(minutes=5)
        db.session.add(
            AuditEvent(
                at=at,
                actor_id=operator.id,
                action="case.created",
                entity_type="case",
                entity_id=case.id,
                case_id=case.id,
                after={"subject": case.subject, "kind": case.kind, "status": "received"},
            )
        )
        # The case's deadline clocks, replayed through the same rules as live cases.
        start_case_clocks(case, now=at, routed=False)
        status = "received"
        for step, action in enumerate(path):
            at = min(at + timedelta(hours=1 + 7 * step), now - timedelta(minutes=1))
            front_line = owner is None or action in ("route", "close")
            actor = operator if front_line else leads.get(owner.code, operator)
            after = {"status": TARGET[action]}
            if action == "route":
                after["responsible_department_id"] = owner.id
            answer = _answer(case, action, actor, at, rng_index, item, owner)
            if answer is not None:
                db.session.add(answer)
                after |= {"reason": answer.body} if answer.body else {}
                if answer.planned_for:
                    after["planned_for"] = answer.planned_for.isoformat()
            db.session.add(
                AuditEvent(
                    at=at,
                    actor_id=actor.id,
                    action=f"case.{action}",
                    entity_type="case",
                    entity_id=case.id,
                    case_id=case.id,
                    before={"status": status},
                    after=after,
                )
            )
            status = TARGET[action]
            case.updated_at = at
            apply_clock_rules(case, action, now=at)
        for note in item.get("notes", []):
            author = (
                operator
                if note["author_role"] == "operator" or owner is None
                else leads.get(owner.code, operator)
            )
            note_at = min(received + timedelta(minutes=note["after_minutes"]), now)
            db.session.add(
                Note(
                    case=case,
                    kind=note["kind"],
                    body=note["body"],
                    author=author,
                    created_at=note_at,
                )
            )
            if note["kind"] == "response":
                meet(case, "first_response", now=note_at)
        tag_code = THEME_TAGS.get(item.get("theme"))
        if tag_code and now - received > TAGGED_AFTER:
            db.session.add(
                CaseTag(
                    case=case,
                    tag_id=tag_ids[tag_code],
                    state="accepted",
                    source="manual",
                    decided_by=operator,
                    decided_at=received + timedelta(minutes=6),
                    created_at=received + timedelta(minutes=6),
                )
            )
        call = HARASSMENT_BY_SUBJECT.get(item["subject"])
        if call is not None and call["nth"] >= 3:
            harassed.append((case, operator, call))
        if item.get("theme") in SHARED_THEMES and now - received > SHARED_AFTER:
            compliments.append((case, operator, item))
        if progress:
            progress(1)
        if rng_index % 200 == 0:
            db.session.flush()
    db.session.flush()
    load_demo_handoffs(departments, users, now)
    _escalate(users, now)
    lead = next(u for u in users if u.role == "lead" and u.department_id == intake.id)
    _flag_harassment(harassed, lead)
    _share_compliments(compliments, departments, users)
    load_demo_enps(departments, users, now)
    load_demo_plans(departments, users)
    load_demo_csat(now)
    load_demo_review(departments, users, now)
    load_demo_privacy(users, now)
    return users


# The calls of the customer-harassment pattern (relq/demo/corpus.py), by their subject.
HARASSMENT_BY_SUBJECT = {
    call["subject"]: {"nth": nth, "quote": call["quote"]}
    for nth, call in enumerate(HARASSMENT_CALLS, start=1)
}

# Compliments the front line has passed on (a day after they came in; the newest still wait,
# so that an operator sees the share button).
SHARED_THEMES = ("compliment_staff", "compliment_store")
SHARED_AFTER = timedelta(days=1)


def _flag_harassment(harassed: list[tuple[Case, User, dict]], lead: User) -> None:
    """The customer-harassment pattern flagged from its third call, written up as the MHLW
    manual asks, and the lead's talk with the operator who bore the last call."""
    from relq.harassment.services import add_follow_up, flag_case, update_report

    report = None
    for case, operator, item in harassed:
        report = flag_case(case, actor=operator)
        update_report(
            report,
            actor=lead,
            expected_version=report.version,
            changes={
                "behaviours": ["abusive_language", "threats", "excessive_demands"]
                + (["repeated_contact"] if item["nth"] >= 3 else [])
                + (["sns_exposure"] if "SNS" in case.customer_words else []),
                "demand_valid": "no",
                "manner_acceptable": "no",
                "fact_when": case.received_at.astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M"),
                "fact_where": "電話（お客様相談室）",
                "fact_who": f"{case.customer.name} 様 / {operator.name}",
                "fact_what": case.subject,
                "fact_why": "炊飯器 RC-550 の E3 エラー（修理対応中）",
                "fact_how": f"{item['nth']} 回目の入電。大声で同じ要求を繰り返された。",
                "quotes": item["quote"],
                "evidence": "通話録音（録音サーバー、相談室フォルダ）",
                "actions": ["warning"] + (["end_contact"] if item["nth"] >= 4 else []),
            },
        )
    if report is not None:
        add_follow_up(
            report,
            actor=lead,
            held_at=utcnow() - timedelta(hours=2),
            body="通話後に面談。体調と業務への影響を確認し、今後の入電はリーダーが引き取ると伝えた。",
        )


def _share_compliments(
    compliments: list[tuple[Case, User, dict]], departments: dict[str, Department], users
) -> None:
    """Pass the older compliments on to the people they name: an operator of the consultation
    office by name, a shop's clerk by the name the customer gave."""
    from relq.demo.corpus import CLERKS, OPERATOR_CALLED
    from relq.thanks.services import share_compliment

    intake = next(d for d in departments.values() if d.is_customer_contact)
    staff = [u for u in users if u.role == "operator" and u.department_id == intake.id]
    for case, operator, item in compliments:
        words = case.customer_words
        quote = next((s + "。" for s in words.split("。") if s.strip()), words)[:300]
        if item["theme"] == "compliment_staff":
            called = next((ja for ja, en in OPERATOR_CALLED if ja in words or en in words), None)
            named = next((u for u in staff if called and u.name.startswith(called)), None)
            if named is None:
                continue
            share_compliment(
                case,
                actor=operator,
                department_id=intake.id,
                staff_user_id=named.id,
                quote=quote,
            )
        else:
            clerk = next((ja for ja, en in CLERKS if ja in words or en in words), None)
            share_compliment(
                case,
                actor=operator,
                department_id=departments["sales"].id,
                staff_name=f"{clerk}さん" if clerk else "",
                quote=quote,
            )


DECISIONS = (
    (
        "action_ordered",
        "同型番の出荷を止め、品質保証部で原因を特定すること。結果を来週の経営会議で報告。",
    ),
    ("resolved", "お客様への説明と補償で収束。再発防止策は品質保証部の報告どおりで承認。"),
    ("accepted", "個別対応で十分と判断。テーマとして月次で経過を見る。"),
    ("resolved", "担当部署が期限後に回答済み。遅延の原因は人員配置のため、来月から増員で対応。"),
    ("no_action", "お客様とは和解済み。追加の対応は不要と判断。"),
    ("action_ordered", "配送業者との契約条件を見直すこと。物流部長が月末までに報告。"),
)


# Escalations older than this have been decided; the board shows what came in since.
DECIDED_BEFORE = timedelta(days=2)


def _escalate(users: list[User], now) -> None:
    """Raise what the open cases warrant (severity 1, safety words, repeat customers), dated
    with the case; stamp the clocks that lapsed as of their due time (raising theirs then), so
    that the first tick does not raise weeks of them at once; the executive has decided every
    escalation older than DECIDED_BEFORE, and people have read their older notifications."""
    from datetime import datetime

    from relq import events
    from relq.deadlines.models import CaseDeadline
    from relq.escalations.models import Escalation
    from relq.escalations.services import check_case, close_escalation
    from relq.notify.models import Notification

    executive = next(u for u in users if u.role == "executive")
    open_cases = db.session.scalars(
        select(Case).where(Case.status != "closed").order_by(Case.received_at)
    )
    for case in open_cases:
        check_case(case, now=case.received_at + timedelta(minutes=5))
    running = (
        CaseDeadline.met_at.is_(None),
        CaseDeadline.cancelled_at.is_(None),
        CaseDeadline.paused_at.is_(None),
    )
    lapsed = db.session.scalars(
        select(CaseDeadline)
        .where(*running, CaseDeadline.missed_at.is_(None), CaseDeadline.due_at <= now)
        .order_by(CaseDeadline.due_at, CaseDeadline.id)
    ).all()
    for clock in lapsed:
        clock.missed_at, clock.warned_at = clock.due_at, clock.warned_at or clock.warn_at
    for clock in db.session.scalars(
        select(CaseDeadline).where(
            *running, CaseDeadline.warned_at.is_(None), CaseDeadline.warn_at <= now
        )
    ):
        clock.warned_at = clock.warn_at
    db.session.flush()
    for clock in lapsed:
        events.deadline_missed.send(clock.case, deadline=clock)
    old = db.session.scalars(
        select(Escalation)
        .where(Escalation.closed_at.is_(None), Escalation.opened_at < now - DECIDED_BEFORE)
        .order_by(Escalation.opened_at, Escalation.id)
    ).all()
    for index, escalation in enumerate(old):
        outcome, decision = DECISIONS[index % len(DECISIONS)]
        decided_at = min(escalation.opened_at + timedelta(days=1, hours=index % 7), now)
        close_escalation(
            escalation, actor=executive, outcome=outcome, decision=decision, now=decided_at
        )
    opened = dict(db.session.execute(select(Escalation.id, Escalation.opened_at)).all())
    for notification in db.session.scalars(select(Notification)):
        due = (notification.params or {}).get("due_at")
        at = opened.get(notification.escalation_id) or (
            datetime.fromisoformat(due) if due else None
        )
        if at is not None:
            notification.created_at = min(at, now)
        if notification.created_at < now - DECIDED_BEFORE:
            notification.read_at = notification.created_at + timedelta(hours=2)
    db.session.flush()


def _answer(case, action, lead, at, index, item, owner) -> DepartmentAnswer | None:
    """The owner's answer a demo step gives, dated when it was given, in words that fit the
    case (relq/demo/answers.py)."""
    if action not in ANSWER:
        return None
    body = answer_text(action, item.get("theme"), owner.code, item.get("language", "ja"), index)
    return DepartmentAnswer(
        case_id=case.id,
        department_id=case.responsible_department_id,
        answer=ANSWER[action],
        planned_for=(at + timedelta(days=3 + index % 5)).date() if action == "plan" else None,
        body=body,
        answered_by_id=lead.id,
        answered_at=at,
    )


# ---- handoffs between departments (the relationship map) -------------------------------------

# (asking, answering, how many over the 12 weeks, business minutes to accept, to answer,
# the share sent back at least once, usefulness and speed ratings, the share thanked). Two
# stall points a demo should show: 物流部 slow to answer 品質保証部 (its answers come days
# after the two-day due time), and 経理部 sending 営業部's answers back three times in five.
DEMO_HANDOFF_EDGES = [
    ("cs", "qa", 70, (20, 240), (240, 900), 0.08, (4, 5), (3, 5), 0.35),
    ("cs", "logistics", 45, (30, 300), (300, 1000), 0.1, (3, 5), (3, 4), 0.25),
    ("cs", "accounting", 30, (30, 240), (300, 900), 0.1, (3, 5), (3, 5), 0.2),
    ("cs", "sales", 20, (30, 240), (240, 800), 0.1, (3, 5), (3, 5), 0.2),
    ("cs", "it", 20, (20, 180), (200, 700), 0.1, (3, 5), (4, 5), 0.25),
    ("qa", "logistics", 36, (700, 1800), (2200, 4200), 0.1, (2, 4), (1, 2), 0.05),
    ("accounting", "sales", 30, (30, 200), (300, 800), 0.6, (2, 3), (3, 4), 0.05),
    ("sales", "accounting", 15, (30, 240), (240, 800), 0.1, (3, 5), (3, 5), 0.2),
    ("sales", "logistics", 20, (30, 300), (300, 900), 0.1, (3, 4), (3, 4), 0.15),
    ("logistics", "qa", 12, (30, 240), (240, 900), 0.1, (4, 5), (3, 5), 0.3),
    ("logistics", "it", 12, (20, 200), (200, 800), 0.1, (3, 5), (3, 5), 0.2),
    ("hr", "it", 10, (20, 200), (200, 700), 0.1, (4, 5), (4, 5), 0.3),
    ("planning", "accounting", 8, (30, 240), (300, 900), 0.1, (3, 5), (3, 5), 0.2),
]
DEMO_ASKS = {
    "qa": ("同ロットの出荷先と出荷日を教えてください", "お客様が原因の説明を待っています"),
    "logistics": ("配送状況と再配達の可否を確認してください", "お客様が届く日を知りたがっています"),
    "accounting": ("返金処理の状況を確認してください", "二重請求の返金をお客様が待っています"),
    "sales": ("取引先への請求内容の根拠資料をください", "請求額の説明を求められています"),
    "it": ("会員アプリのログイン障害の状況を教えてください", "ログインできない方が続いています"),
}
DEMO_ANSWERS = {
    "qa": "検査記録を確認しました。該当ロットは出荷前検査で異常ありません。",
    "logistics": "配送記録を確認しました。出荷日と配送業者の追跡番号をお送りします。",
    "accounting": "返金は本日手続きしました。3営業日以内に反映されます。",
    "sales": "請求の根拠となる見積書と契約書の写しを添付します。",
    "it": "障害は復旧済みです。影響範囲と再発防止策をまとめました。",
}
DEMO_SEND_BACK = {
    "sales": "見積書の版が古く、請求額と一致しません。最新版をお願いします。",
}
DEMO_THANKS = "迅速で丁寧なご対応、ありがとうございました。お客様にもすぐ説明できました。"


def load_demo_handoffs(departments: dict[str, Department], users: list[User], now) -> int:
    """A few hundred handoffs over the demo's 12 weeks, asked and answered through the handoff
    services with their `now=` (their audit events and notifications dated then), with the
    stall points of DEMO_HANDOFF_EDGES; then the clock stamps what is still waiting past due.
    Returns how many were asked."""
    import random

    from relq.deadlines.calendar import add_business_minutes, is_working_day
    from relq.demo.corpus import WINDOW_DAYS
    from relq.handoffs.services import confirm_handoff, request_handoff, take_step
    from relq.handoffs.services import tick as handoff_tick
    from relq.notify.models import Notification

    rng = random.Random(15)
    leads = {u.department.code: u for u in users if u.role == "lead"}
    operators = [u for u in users if u.role == "operator"]
    start = now - timedelta(days=WINDOW_DAYS)

    def dated(at) -> None:
        # What the services just added carries the present; the demo tells a past.
        for obj in db.session.new:
            if isinstance(obj, AuditEvent):
                obj.at = at
            elif isinstance(obj, Notification):
                obj.created_at = at

    def moment(index: int, count: int):
        at = start + timedelta(days=WINDOW_DAYS * (index + rng.random()) / count)
        local = at.astimezone(OFFICE_TZ)
        while not is_working_day(local.date()):
            local += timedelta(days=1)
        local = local.replace(hour=9 + rng.randrange(8), minute=rng.randrange(0, 60, 5))
        return local.astimezone(now.tzinfo)

    asked = 0
    for edge in DEMO_HANDOFF_EDGES:
        asking, answering, count, accept, answer, bounce, useful, speed, thanks = edge
        provider = leads[answering]
        for index in range(count):
            at = moment(index, count)
            if at >= now:
                continue
            actor = operators[index % len(operators)] if asking == "cs" else leads[asking]
            ask, why = DEMO_ASKS[answering]
            handoff = request_handoff(
                actor=actor,
                provider_department_id=departments[answering].id,
                ask=ask,
                why=why if asking == "cs" else "",
                now=at,
            )
            dated(at)
            asked += 1

            def step(action, when, body="", handoff=handoff, actor=actor, provider=provider):
                if when >= now:
                    return False
                side = provider if action in ("accept", "decline", "answer") else actor
                take_step(
                    handoff,
                    actor=side,
                    action=action,
                    expected_version=handoff.version,
                    body=body,
                    now=when,
                )
                dated(when)
                return True

            accepted_at = add_business_minutes(at, rng.randint(*accept))
            if index % 29 == 7:
                step("decline", accepted_at, "当部の所管ではありません。担当部署をご確認ください。")
                continue
            if index % 41 == 11:
                step("cancel", accepted_at)
                continue
            if not step("accept", accepted_at):
                continue
            answered_at = add_business_minutes(at, max(rng.randint(*answer), accept[1] + 10))
            if not step("answer", answered_at, DEMO_ANSWERS[answering]):
                continue
            # Bounces spread evenly: any four weeks of an edge hold about its share.
            if int((index + 1) * bounce) > int(index * bounce):
                sent_back_at = add_business_minutes(answered_at, rng.randint(60, 240))
                reason = DEMO_SEND_BACK.get(answering, "必要な情報が不足しています。")
                if not step("send_back", sent_back_at, reason):
                    continue
                answered_at = add_business_minutes(sent_back_at, rng.randint(*answer) // 2)
                if not step("answer", answered_at, DEMO_ANSWERS[answering]):
                    continue
            confirmed_at = add_business_minutes(answered_at, rng.randint(30, 600))
            if confirmed_at >= now:
                continue
            usefulness = rng.randint(*useful)
            confirm_handoff(
                handoff,
                actor=actor,
                expected_version=handoff.version,
                usefulness=usefulness,
                speed=rng.randint(*speed),
                thanks=DEMO_THANKS if usefulness >= 4 and rng.random() < thanks else "",
                now=confirmed_at,
            )
            dated(confirmed_at)
    db.session.flush()
    handoff_tick(now)
    return asked
