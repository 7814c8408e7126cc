"""The digest's numbers against a hand-built week: 2026-W18, with two holidays (29 April and
3 May) and the end of a month, counted in Tokyo's days; and a department's digest counts only
that department's cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from relq.access import visible_cases
from relq.answers.models import DepartmentAnswer
from relq.cases.models import Case
from relq.db import db, transaction
from relq.deadlines.models import CaseDeadline
from relq.digest import services
from relq.digest.scope import DigestScope
from relq.errors import Invalid
from relq.escalations.models import Escalation
from relq.thanks.models import Compliment
from tests.digest.helpers import WEEK, case_at, observation, tokyo, weeks_before


def sections(department_id=None):
    with transaction():
        return services.build(WEEK, department_id).data["sections"]


def test_volume_is_counted_by_tokyo_day_across_the_holiday_and_the_month_end(app, org):
    with transaction():
        # Before the week: Sunday 26 April 23:59 in Tokyo (still 14:59 UTC that Sunday).
        case_at(org, tokyo(2026, 4, 26, 23, 59))
        # Monday 00:00 in Tokyo is Sunday 15:00 UTC: the week's first moment.
        case_at(org, tokyo(2026, 4, 27, 0, 0), kind="inquiry", channel="email")
        # 昭和の日 (a holiday, Wednesday 29 April): counted on its day like any other.
        case_at(org, tokyo(2026, 4, 29, 10), kind="complaint", channel="phone")
        case_at(org, tokyo(2026, 4, 29, 11), kind="complaint", channel="web")
        # The month's end: Thursday 30 April 23:30 in Tokyo is 14:30 UTC the same day.
        case_at(org, tokyo(2026, 4, 30, 23, 30), kind="request", channel="letter")
        # 1 May in Tokyo, still 30 April in UTC.
        case_at(org, tokyo(2026, 5, 1, 8, 0), kind="compliment", channel="phone")
        # Sunday 3 May 23:59 (憲法記念日) is in; Monday 4 May 00:00 is the next week.
        case_at(org, tokyo(2026, 5, 3, 23, 59), kind="complaint", channel="phone")
        case_at(org, tokyo(2026, 5, 4, 0, 0), kind="complaint", channel="phone")
        # The four weeks before: 2, 0, 1 and 1 cases (their mean: 1).
        for n, count in ((1, 2), (2, 0), (3, 1), (4, 1)):
            for _ in range(count):
                case_at(org, weeks_before(WEEK, n), kind="complaint")
    volume = sections()["cases"]["volume"]
    assert volume["days"] == [1, 0, 2, 1, 1, 0, 1]
    assert volume["total"] == 6
    assert volume["by_kind"] == {"inquiry": 1, "complaint": 3, "request": 1, "compliment": 1}
    assert volume["by_channel"]["phone"] == 3 and volume["by_channel"]["email"] == 1
    assert volume["kinds_by_day"]["complaint"] == [0, 0, 2, 0, 0, 0, 1]
    # 26 April 23:59 belongs to the week before, with its two Wednesday cases.
    assert volume["weeks_before"] == [3, 0, 1, 1]
    assert volume["baseline"] == 1.25
    assert volume["baseline_by_kind"]["complaint"] == 1.25
    # Nothing recorded a year before: no comparison rather than a zero.
    assert volume["year_before"] is None


def test_the_same_week_a_year_before_once_the_record_reaches_back(app, org):
    with transaction():
        case_at(org, tokyo(2025, 4, 1, 12))  # the record starts before 2025-W18
        case_at(org, tokyo(2025, 4, 29, 12), kind="inquiry", channel="email")  # 2025-W18
        case_at(org, tokyo(2026, 4, 28, 12))
    year_before = sections()["cases"]["volume"]["year_before"]
    assert year_before["week"] == "2025-W18"
    assert year_before["total"] == 1
    assert year_before["by_kind"]["inquiry"] == 1 and year_before["by_channel"]["email"] == 1


def test_complaints_per_1000_cases_by_product(app, org):
    with transaction():
        for kind in ("complaint", "complaint", "inquiry", "inquiry"):
            case_at(org, tokyo(2026, 4, 28, 12), kind=kind, product="電気ケトル KT-200")
        case_at(org, tokyo(2026, 4, 28, 13), kind="inquiry", product="冷凍パスタ")
        case_at(org, weeks_before(WEEK, 1), kind="complaint", product="電気ケトル KT-200")
        case_at(org, weeks_before(WEEK, 1), kind="inquiry", product="電気ケトル KT-200")
    products = sections()["cases"]["products"]
    assert products["cases"] == 5 and products["complaints"] == 2
    assert products["per_1000"] == 400.0
    [kettle] = products["rows"]  # a product without complaints is not listed
    assert kettle == {
        "product": "電気ケトル KT-200",
        "cases": 4,
        "complaints": 2,
        "per_1000": 500.0,
        "per_1000_before": 500.0,
    }


def test_observations_new_this_week_without_personal_data(app, org):
    with transaction():
        old = case_at(org, weeks_before(WEEK, 2))
        new = case_at(org, tokyo(2026, 4, 28, 9))
        observation(old, org.operator, "以前の気づき", weeks_before(WEEK, 2))
        observation(
            old,
            org.operator,
            "山田太郎様から再度お電話。090-1234-5678 に折り返し希望。同じ不具合が3件目です。",
            tokyo(2026, 4, 30, 17),
        )
        observation(new, org.operator2, "蓋の割れの問い合わせが増えている", tokyo(2026, 5, 2, 10))
    found = sections()["cases"]["observations"]
    assert found["count"] == 2
    texts = [item["text"] for item in found["items"]]
    assert texts[0] == "蓋の割れの問い合わせが増えている"
    assert "山田" not in texts[1] and "090" not in texts[1]
    assert "同じ不具合が3件目です" in texts[1]


def test_a_department_digest_counts_only_that_departments_cases(app, org):
    with transaction():
        case_at(org, tokyo(2026, 4, 28, 9), department=org.qa)
        case_at(org, tokyo(2026, 4, 28, 10), department=org.logistics)
        case_at(org, tokyo(2026, 4, 28, 11), department=org.logistics)
    assert sections()["cases"]["volume"]["total"] == 3
    assert sections(org.logistics.id)["cases"]["volume"]["total"] == 2
    assert sections(org.qa.id)["cases"]["volume"]["total"] == 1
    # The scope is the department's lead's, whoever reads: the one door's condition.
    scope = DigestScope(WEEK, org.logistics.id)
    mine = set(db.session.scalars(select(Case.id).where(scope.cases())))
    lead = set(db.session.scalars(visible_cases(org.lead_logistics).with_only_columns(Case.id)))
    assert mine == lead and len(mine) == 2


def test_escalations_new_open_decided_and_what_came_of_earlier_ones(app, org):
    with transaction():
        a = case_at(org, tokyo(2026, 4, 20, 9))
        b = case_at(org, tokyo(2026, 4, 28, 9))
        c = case_at(org, tokyo(2026, 4, 10, 9), status="resolved")

        def escalation(case, reason, level, opened, closed=None, outcome=None, decision=""):
            e = Escalation(
                case_id=case.id,
                reason=reason,
                level=level,
                department_id=org.qa.id,
                opened_at=opened,
                closed_at=closed,
                outcome=outcome,
                decision=decision,
            )
            db.session.add(e)
            return e

        escalation(a, "severity", 2, tokyo(2026, 4, 21, 9))  # still open
        escalation(b, "safety", 2, tokyo(2026, 4, 28, 10))  # new, open
        escalation(
            a,
            "repeat_customer",
            1,
            tokyo(2026, 4, 22, 9),
            tokyo(2026, 4, 30, 9),
            "action_ordered",
            "佐藤様へ部長から電話で説明すること",
        )
        escalation(
            c, "resolution_missed", 2, tokyo(2026, 4, 12), tokyo(2026, 4, 14), "action_ordered"
        )
    found = sections()["escalations"]
    assert found["new"] == {"total": 1, "management": 1, "by_reason": {"safety": 1}}
    assert found["open"]["total"] == 2
    # At the week's end (Monday 4 May 00:00 Tokyo): 12.6 days and 5.6 days.
    assert found["open"]["by_age"] == {"day": 0, "week": 1, "older": 1}
    assert found["open"]["waiting_for_decision"] == 2
    assert found["open"]["oldest_days"] == pytest.approx(12.6, abs=0.05)
    assert found["decided"]["total"] == 1
    [decision] = found["decided"]["items"]
    assert decision["outcome"] == "action_ordered"
    assert "佐藤" not in decision["decision"] and "部長から電話で説明" in decision["decision"]
    assert found["earlier"]["total"] == 1 and found["earlier"]["case_resolved"] == 1


def test_deadlines_on_time_and_answers_not_acting(app, org):
    with transaction():
        cases = [case_at(org, tokyo(2026, 4, 27, 9 + i)) for i in range(3)]
        other = case_at(org, tokyo(2026, 4, 27, 10))
        # The clocks the cases started when they were logged (now) are not this test's.
        db.session.execute(delete(CaseDeadline))
        due = tokyo(2026, 4, 30, 18)

        def clock(case, kind, met):
            db.session.add(
                CaseDeadline(
                    case_id=case.id,
                    kind=kind,
                    department_id=org.qa.id,
                    started_at=tokyo(2026, 4, 27, 9),
                    allowed_minutes=480,
                    due_at=due,
                    warn_at=due - timedelta(hours=1),
                    met_at=met,
                )
            )

        clock(cases[0], "acknowledge", tokyo(2026, 4, 28, 9))  # on time
        clock(cases[1], "acknowledge", tokyo(2026, 5, 1, 9))  # late
        clock(cases[2], "resolution", None)  # missed by the week's end
        db.session.add(
            DepartmentAnswer(
                case_id=other.id,
                department_id=org.qa.id,
                answer="declined",
                body="仕様どおりのため対応しません。ご注文番号 AB-99887766 の件。",
                answered_by_id=org.lead_qa.id,
                answered_at=tokyo(2026, 4, 29, 15),
            )
        )
    found = sections()["deadlines"]
    [qa] = [d for d in found["departments"] if d["department_id"] == org.qa.id]
    assert qa["kinds"]["acknowledge"] == {"on_time": 1, "late": 1, "missed": 0, "rate": 0.5}
    assert qa["kinds"]["resolution"]["missed"] == 1
    assert found["declined"]["total"] == 1
    [item] = found["declined"]["items"]
    assert "AB-99887766" not in item["reason"] and "仕様どおり" in item["reason"]


def test_compliments_name_the_staff_and_departments_they_thank(app, org):
    with transaction():
        case = case_at(org, tokyo(2026, 4, 28, 9), kind="compliment")
        db.session.add(
            Compliment(
                case_id=case.id,
                department_id=org.cs.id,
                staff_user_id=org.operator2.id,
                quote="田中さんの説明がとても丁寧でした。",
                shared_by_id=org.operator.id,
                shared_at=tokyo(2026, 4, 28, 12),
            )
        )
    found = sections()["thanks"]
    assert found["total"] == 1
    assert found["staff"] == [{"name": "田中 健", "department_id": org.cs.id, "count": 1}]
    assert found["department_names"][str(org.cs.id)]["ja"] == "お客様相談室"


def test_every_section_is_there_and_says_when_it_has_no_data(app, org):
    found = sections()
    assert set(found) >= {
        "cases",
        "themes",
        "escalations",
        "deadlines",
        "relations",
        "thanks",
        "harassment",
        "enps",
    }
    assert found["enps"] == {"available": False, "reason": "no_round"}
    assert found["harassment"]["flagged"] == 0
    assert found["themes"]["surges"] == [] and found["themes"]["themes"] == []


def test_a_week_that_has_not_ended_is_not_archived(app, org):
    from relq.db import utcnow
    from relq.digest.week import IsoWeek

    this_week = IsoWeek.of(utcnow().date())
    with pytest.raises(Invalid):
        with transaction():
            services.build(this_week, None)


def test_harassment_is_counted_never_described(app, org):
    from relq.harassment.models import HarassmentReport

    with transaction():
        for i, when in enumerate((tokyo(2026, 4, 29, 10), tokyo(2026, 5, 2, 15))):
            case = case_at(org, when, department=(org.qa, org.logistics)[i])
            db.session.add(
                HarassmentReport(
                    case_id=case.id,
                    flagged_by_id=org.operator.id,
                    staff_member_id=org.operator2.id,
                    flagged_at=when,
                    behaviours=["abusive_language", "prolonged_contact"][: i + 1],
                    fact_what="山田様が2時間にわたり大声で担当者を罵倒した",
                    quotes="「お前の名前を覚えたぞ」",
                )
            )
    found = sections()["harassment"]
    assert found == {
        "available": True,
        "flagged": 2,
        "baseline": 0.0,
        "by_behaviour": {"abusive_language": 2, "prolonged_contact": 1},
    }
    # A department's count: its cases, and what its own staff bore (cs: both, by operator2).
    assert sections(org.qa.id)["harassment"]["flagged"] == 1
    assert sections(org.cs.id)["harassment"]["flagged"] == 2
