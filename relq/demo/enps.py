"""Demo eNPS: two closed census rounds half a year apart, with a believable trend per
department (Japanese companies often score -20 to -40: お客様相談室 and 情報システム部 improve,
物流部 worsens), factor answers that move with the score (each department has a factor that
matters most, so the driver analysis has something to find), Japanese reasons, and 人事部 too
small (< 5 answers) to be shown.

The rounds go through the services (created, opened, closed by the admin, audited); the answers
are inserted directly, under random keys (new_response_id), before the round closes, so that
closing rewrites them like any round's. Deterministic: the same organisation gives the same
answers.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from relq.db import db
from relq.enps.models import (
    FactorAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
    new_response_id,
)
from relq.enps.rounds import RoundInput, close_round, create_round, open_round
from relq.org.models import Department, User

# Per department: answers in the older and the newer round, the eNPS each round aims at, and
# the factor (code) that moves most with the score there.
PLAN: dict[str, tuple[tuple[int, int], tuple[int, int], str]] = {
    "cs": ((28, 30), (-36, -18), "relationships"),
    "qa": ((22, 24), (-14, -17), "growth"),
    "logistics": ((46, 43), (-24, -44), "recognition_pay"),
    "sales": ((56, 58), (-31, -27), "recognition_pay"),
    "accounting": ((16, 15), (-12, -13), "environment"),
    "it": ((19, 20), (-21, -4), "meaningful_work"),
    "hr": ((4, 4), (-25, -25), "leadership_trust"),  # too few to be shown
    "planning": ((12, 12), (-6, -10), "leadership_trust"),
}
RESPONSE_RATE = 0.78  # share of the links that were used

# Reasons by the kind of answer and by factor: what people in a Japanese company write.
REASONS: dict[str, dict[str, list[str]]] = {
    "low": {
        "recognition_pay": [
            "頑張っても評価に反映されている実感がありません。",
            "評価の基準が曖昧で、上司によって結果が変わると感じます。",
            "業務量が増えているのに給与が見合っていないと思います。",
            "繁忙期の残業が続き、手当も十分ではありません。",
        ],
        "relationships": [
            "部署内のコミュニケーションが少なく、相談しづらい雰囲気です。",
            "クレーム対応が続いても、周りに気持ちを話せる場がありません。",
            "部署間の連携が悪く、板挟みになることが多いです。",
        ],
        "growth": [
            "研修の機会が少なく、成長できている実感がありません。",
            "同じ業務の繰り返しで、将来のキャリアが見えません。",
        ],
        "environment": [
            "人手不足で休みが取りづらい状況が続いています。",
            "システムが古く、手作業が多くて効率が悪いです。",
            "倉庫の空調が弱く、夏場の作業がとてもつらいです。",
        ],
        "leadership_trust": [
            "経営の方針が現場に伝わってこず、不安を感じます。",
            "方針がよく変わり、何を優先すべきか分かりません。",
        ],
        "meaningful_work": [
            "自分の仕事がお客様の役に立っているのか見えにくいです。",
            "やらされ感が強く、仕事にやりがいを感じにくいです。",
        ],
    },
    "middle": {
        "any": [
            "仕事内容には満足していますが、忙しさにむらがあります。",
            "職場の人は良いのですが、評価制度には改善の余地があると思います。",
            "大きな不満はありませんが、人に強くすすめるほどではありません。",
            "在宅勤務ができるようになって働きやすくなりました。",
            "上司は相談に乗ってくれますが、人員が足りていません。",
            "良い面も悪い面もあり、どちらとも言えません。",
            "最近は改善の動きが見えてきたので、今後に期待しています。",
        ],
    },
    "high": {
        "any": [
            "チームの雰囲気が良く、困ったときに助け合えます。",
            "お客様から感謝の言葉をいただけるのが励みになっています。",
            "上司が話をよく聞いてくれ、意見が反映されます。",
            "新しい仕事に挑戦させてもらえる環境があります。",
            "休暇が取りやすく、家庭と両立しやすい職場です。",
            "品質に真剣に向き合う文化があり、誇りを持てます。",
            "前回のサーベイの後に業務の見直しが進み、働きやすくなりました。",
            "研修制度が充実していて、成長を実感できます。",
        ],
    },
}
FACTOR_CODES = (
    "meaningful_work",
    "relationships",
    "recognition_pay",
    "growth",
    "environment",
    "leadership_trust",
)
LEVEL_WEIGHTS = (0.66, 0.22, 0.08)  # 一般, 主任・係長, 課長以上; the rest "答えない"
TENURE_WEIGHTS = (0.12, 0.26, 0.36, 0.2)


def _half_name(start: date) -> str:
    """A Japanese fiscal half (April-September is 上期): "2026年度上期 従業員サーベイ"."""
    fiscal_year = start.year if start.month >= 4 else start.year - 1
    half = "上期" if 4 <= start.month <= 9 else "下期"
    return f"{fiscal_year}年度{half} 従業員サーベイ"


def _scores(rng: random.Random, n: int, enps: int) -> list[int]:
    """n scores whose eNPS is close to `enps` (promoters 9-10, passives 7-8, detractors 0-6)."""
    promoters_share = max(0.04, 0.16 + enps / 400)
    detractors_share = promoters_share - enps / 100
    promoters = round(promoters_share * n)
    detractors = min(n - promoters, round(detractors_share * n))
    passives = n - promoters - detractors
    scores = (
        [rng.choice((9, 9, 10)) for _ in range(promoters)]
        + [rng.choice((7, 8, 8)) for _ in range(passives)]
        + [rng.choice((2, 3, 4, 5, 5, 6, 6, 6)) for _ in range(detractors)]
    )
    rng.shuffle(scores)
    return scores


def _factor_value(rng: random.Random, score: int, weight: float) -> int:
    """1-5, moving with the 0-10 score as much as `weight` says (plus noise)."""
    value = 3.1 + weight * (score - 6.5) / 2.2 + rng.gauss(0, 0.75)
    return max(1, min(5, round(value)))


def _reason(rng: random.Random, score: int, key_factor: str) -> str:
    if rng.random() < 0.3:
        return ""
    if score <= 6:
        pool = REASONS["low"][key_factor if rng.random() < 0.6 else rng.choice(FACTOR_CODES)]
    elif score <= 8:
        pool = REASONS["middle"]["any"]
    else:
        pool = REASONS["high"]["any"]
    return rng.choice(pool)


def _choose(rng: random.Random, bands: list, weights: tuple[float, ...]) -> int | None:
    roll = rng.random()
    for band, weight in zip(bands, weights, strict=False):
        if roll < weight:
            return band.id
        roll -= weight
    return None  # 答えない


def _answers(survey_round: SurveyRound, departments: dict[str, Department], which: int) -> int:
    rng = random.Random(f"enps-demo-{which}")
    factors = {f.code: f.id for f in survey_round.factors}
    levels = [b for b in survey_round.bands if b.dimension == "level"]
    tenures = [b for b in survey_round.bands if b.dimension == "tenure"]
    responses: list[dict] = []
    values: list[dict] = []
    for code, (sizes, targets, key_factor) in PLAN.items():
        department = departments.get(code)
        if department is None:
            continue
        for score in _scores(rng, sizes[which], targets[which]):
            response_id = new_response_id()
            responses.append(
                {
                    "id": response_id,
                    "round_id": survey_round.id,
                    "department_id": department.id,
                    "level_band_id": _choose(rng, levels, LEVEL_WEIGHTS),
                    "tenure_band_id": _choose(rng, tenures, TENURE_WEIGHTS),
                    "score": score,
                    "reason": _reason(rng, score, key_factor),
                    "reason_terms": None,
                    "source": "link",
                }
            )
            for factor_code, factor_id in factors.items():
                if rng.random() < 0.04:
                    continue  # skipped item
                weight = 1.0 if factor_code == key_factor else rng.choice((0.25, 0.35, 0.45))
                values.append(
                    {
                        "response_id": response_id,
                        "factor_id": factor_id,
                        "value": _factor_value(rng, score, weight),
                    }
                )
    responses.sort(key=lambda row: row["id"])
    db.session.execute(insert(SurveyResponse), responses)
    db.session.execute(insert(FactorAnswer), values)
    # The links: one per answer, and some unused (the response rate).
    invited = round(len(responses) / RESPONSE_RATE)
    db.session.execute(
        insert(SurveyInvitation),
        [
            {
                "round_id": survey_round.id,
                "token_digest": hashlib.sha256(secrets.token_bytes(24)).hexdigest(),
                "recipient_email": f"staff{n:04d}@example.co.jp",
                "user_id": None,
                "used": n < len(responses),
            }
            for n in range(invited)
        ],
    )
    return len(responses)


def load_demo_enps(departments: dict[str, Department], users: list[User], now: datetime) -> list:
    """The two demo rounds, older first, each closed with its answers."""
    admin = next(u for u in users if u.role == "admin")
    today = now.date()
    newer_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month
    older_start = (newer_start - timedelta(days=182)).replace(day=1)
    made = []
    for which, start in enumerate((older_start, newer_start)):
        survey_round = create_round(
            RoundInput(_half_name(start), "census", start, start + timedelta(days=18)),
            actor=admin,
        )
        open_round(survey_round, actor=admin)
        _answers(survey_round, departments, which)
        close_round(survey_round, actor=admin)
        made.append(survey_round)
    db.session.flush()
    return made


def demo_rounds() -> tuple[SurveyRound, SurveyRound] | None:
    """The demo's two closed rounds (older, newer), for the rest of the eNPS demo (plans)."""
    found = db.session.scalars(
        select(SurveyRound)
        .where(SurveyRound.status == "closed")
        .order_by(SurveyRound.period_start.desc(), SurveyRound.id.desc())
        .limit(2)
    ).all()
    if len(found) < 2:
        return None
    return found[1], found[0]


# ---- the plans' demo (relq/enps/plans.py, relq/enps/published.py) -----------------------------

# Per key factor: what a department found in the older round, what it decided, and how far it
# got by the newer one.
DEMO_PLANS: dict[str, tuple[str, str, str]] = {
    "relationships": (
        "クレーム対応の負担を一人で抱え込み、相談しにくいという声が多かった。",
        "週1回の振り返りミーティングを設け、難しい電話の後はリーダーが必ず声をかける。",
        "done",
    ),
    "growth": (
        "研修の機会が少なく、成長の実感がないという声が多かった。",
        "四半期ごとに外部研修の枠を設け、担当業務のローテーションを試行する。",
        "in_progress",
    ),
    "recognition_pay": (
        "繁忙期の負担が評価と手当に反映されていないと感じている。",
        "評価面談を年2回から4回に増やし、繁忙期手当の見直しを人事部に提案する。",
        "planned",
    ),
    "environment": (
        "手作業が多く、月末の残業が続いている。",
        "経費精算をシステム化し、月末の手作業を減らす。",
        "done",
    ),
    "meaningful_work": (
        "自分の仕事がお客様の役に立っているか見えにくい。",
        "お客様相談室に届いた声と改善事例を毎月の部会で共有する。",
        "done",
    ),
    "leadership_trust": (
        "経営の方針が現場に伝わってこず、不安を感じている。",
        "経営陣との対話会を四半期に1回開き、質問には翌月までに回答する。",
        "in_progress",
    ),
}
DEMO_MESSAGE = (
    "ご回答ありがとうございました。全社の eNPS は多くの日本企業と同じくマイナスですが、"
    "部署によって大きな差がありました。各部署で結果を話し合い、下のアクションプランを決めました。"
    "経営としては、評価制度の見直しと、経営陣との対話会を四半期ごとに開くことを約束します。"
    "次回の調査で、変化を皆さんと一緒に確かめます。"
)


def load_demo_plans(departments: dict[str, Department], users: list[User]) -> int:
    """One action plan per department (written by its lead) for the older demo round, and the
    older round published to the employees with the measures decided. Returns the plans made."""
    from relq.enps.plans import create_plan
    from relq.enps.published import publish_round

    rounds = demo_rounds()
    if rounds is None:
        return 0
    older, _newer = rounds
    admin = next(u for u in users if u.role == "admin")
    leads = {u.department_id: u for u in users if u.role == "lead" and u.is_active}
    made = 0
    for code, (_sizes, _targets, key_factor) in PLAN.items():
        department = departments.get(code)
        lead = leads.get(department.id) if department is not None else None
        if lead is None:
            continue
        issue, measure, status = DEMO_PLANS[key_factor]
        create_plan(
            lead,
            older,
            department,
            issue=issue,
            measure=measure,
            owner_id=lead.id,
            due_on=older.period_end + timedelta(days=120),
            status=status,
        )
        made += 1
    publish_round(admin, older, message=DEMO_MESSAGE)
    db.session.flush()
    return made
