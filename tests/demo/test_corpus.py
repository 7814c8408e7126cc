"""The demo corpus: deterministic, plausible, and with its planted patterns in place."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone

import pytest

from relq.demo.corpus import DEPARTMENTS, THEMES, USERS, generate_cases

JST = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # a Friday, noon in Tokyo
DEPARTMENT_CODES = {d["code"] for d in DEPARTMENTS}
KINDS = {"inquiry", "complaint", "request", "compliment"}
CHANNELS = {"phone", "email", "web", "letter", "visit", "social"}
STATUSES = {
    "received",
    "routed",
    "acknowledged",
    "in_progress",
    "awaiting_customer",
    "resolved",
    "closed",
}
NOTE_KINDS = {"observation", "internal", "response"}
SAFETY_WORDS = ("発火", "煙", "怪我", "けが", "やけど", "異物", "プラスチック", "食中毒", "choke")


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    return generate_cases(600, now=NOW)


def share(cases, predicate) -> float:
    return sum(1 for c in cases if predicate(c)) / len(cases)


# ---- determinism and shape -------------------------------------------------------------------


def test_same_arguments_give_the_same_corpus(cases):
    again = generate_cases(600, now=NOW)
    assert again == cases
    other_seed = generate_cases(600, now=NOW, seed=8)
    assert [c["customer_words"] for c in other_seed] != [c["customer_words"] for c in cases]


@pytest.mark.parametrize("n", [0, 1, 37, 100, 600, 1500])
def test_exactly_n_cases(n):
    assert len(generate_cases(n, now=NOW)) == n


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        generate_cases(10, now=datetime(2026, 11, 20, 12, 0))


def test_fields_have_known_values(cases):
    for c in cases:
        assert c["kind"] in KINDS
        assert c["channel"] in CHANNELS
        assert c["language"] in ("ja", "en")
        assert c["status"] in STATUSES
        assert c["severity"] in (1, 2, 3, 4)
        assert c["theme"] in THEMES
        assert c["department"] is None or c["department"] in DEPARTMENT_CODES
        assert 0 < len(c["subject"]) <= 80
        assert c["customer_words"].strip()
        assert isinstance(c["remedy_requested"], str)
        assert c["product"]
        assert "{" not in c["customer_words"] + c["subject"]


def test_proportions_are_sensible(cases):
    kinds = Counter(c["kind"] for c in cases)
    assert 0.28 <= kinds["inquiry"] / 600 <= 0.42
    assert 0.33 <= kinds["complaint"] / 600 <= 0.47
    assert 0.09 <= kinds["request"] / 600 <= 0.21
    assert 0.05 <= kinds["compliment"] / 600 <= 0.15
    channels = Counter(c["channel"] for c in cases)
    assert channels.most_common(1)[0][0] == "phone"
    assert 0.05 <= share(cases, lambda c: c["customer"] is None) <= 0.18
    assert 0.05 <= share(cases, lambda c: c["department"] is None) <= 0.20
    # remedies: mostly asked for in complaints, mostly empty for compliments
    complaints = [c for c in cases if c["kind"] == "complaint"]
    compliments = [c for c in cases if c["kind"] == "compliment"]
    assert share(complaints, lambda c: c["remedy_requested"]) > 0.8
    assert (
        share(compliments, lambda c: c["remedy_requested"] in ("", "お礼の伝達", "Pass on thanks"))
        == 1
    )


def test_english_share(cases):
    assert 0.05 <= share(cases, lambda c: c["language"] == "en") <= 0.25
    for c in cases:
        text = c["customer_words"] + c["subject"]
        if c["language"] == "en":
            assert sum(ch.isascii() for ch in text) / len(text) > 0.95, text
        else:
            assert sum(not ch.isascii() for ch in text) / len(text) > 0.3, text


def test_customer_words_are_varied(cases):
    words = [c["customer_words"] for c in cases]
    assert len(set(words)) >= 0.9 * len(words)
    subjects = {c["subject"] for c in cases}
    assert len(subjects) >= 100
    sentences = [c["customer_words"].count("。") for c in cases if c["language"] == "ja"]
    assert min(sentences) >= 1 and max(sentences) <= 5


# ---- time ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 3, 1, 22, 30, tzinfo=UTC),  # 07:30 on a Monday in Tokyo, before opening
        datetime(2027, 1, 3, 15, 0, tzinfo=UTC),  # midnight on a Monday in Tokyo
    ],
)
def test_received_at_is_aware_and_in_the_last_12_weeks(now):
    cases = generate_cases(600, now=now)
    for c in cases:
        at = c["received_at"]
        assert at.tzinfo is not None and at.utcoffset() == timedelta(0)
        assert now - timedelta(weeks=12) <= at <= now
    assert [c["received_at"] for c in cases] == sorted(c["received_at"] for c in cases)
    local = [c["received_at"].astimezone(JST) for c in cases]
    business = [t for t in local if t.weekday() < 6 and 9 <= t.hour < 18]
    assert len(business) >= 0.75 * len(cases)
    # spread over the whole window, not bunched up
    weeks = Counter(int((now - c["received_at"]).days // 7) for c in cases)
    assert set(weeks) == set(range(12))


def test_status_follows_age_and_ownership(cases):
    for c in cases:
        if c["department"] is None:
            assert c["status"] in ("received", "resolved", "closed")
    old = [c for c in cases if NOW - c["received_at"] > timedelta(weeks=3)]
    assert share(old, lambda c: c["status"] in ("resolved", "closed")) >= 0.8
    recent = [c for c in cases if NOW - c["received_at"] < timedelta(days=3) and c["department"]]
    assert recent
    early = ("received", "routed", "acknowledged")
    assert share(recent, lambda c: c["status"] in early) >= 0.6
    assert not [c for c in recent if c["status"] == "closed"]


# ---- departments and people ------------------------------------------------------------------


def test_departments():
    assert [d["code"] for d in DEPARTMENTS] == [
        "cs",
        "qa",
        "logistics",
        "sales",
        "accounting",
        "it",
        "hr",
        "planning",
    ]
    contact = [d["code"] for d in DEPARTMENTS if d["is_customer_contact"]]
    assert contact == ["cs"]
    names = {d["code"]: (d["name_ja"], d["name_en"]) for d in DEPARTMENTS}
    assert names["cs"] == ("お客様相談室", "Customer Consultation Office")
    assert names["planning"] == ("経営企画室", "Corporate Planning")


def test_case_departments_fit_their_themes(cases):
    owners = Counter(c["department"] for c in cases)
    assert set(owners) <= DEPARTMENT_CODES | {None}
    assert owners["planning"] == 0
    assert owners["cs"] == 0
    assert owners["hr"] <= 0.03 * len(cases)  # only a named employee's conduct
    for c in cases:
        home = THEMES[c["theme"]]["department"]
        if c["theme"] == "staff_attitude":
            assert c["department"] in ("sales", "hr")
        elif home is not None and c["department"] is not None:
            assert c["department"] == home or c["theme"].startswith("compliment")


def test_users():
    roles = Counter(u["role"] for u in USERS)
    assert set(roles) == {"operator", "lead", "executive", "admin"}
    assert roles == {"operator": 4, "lead": 8, "executive": 2, "admin": 1}
    emails = [u["email"] for u in USERS]
    assert len(set(emails)) == len(emails)
    for u in USERS:
        assert u["email"] == u["email"].lower() and u["email"].isascii()
        assert u["email"].endswith("@demo.relq.jp")
        assert u["department"] in DEPARTMENT_CODES
        assert u["locale"] in ("ja", "en")
        assert u["name"].strip()
    operators = [u for u in USERS if u["role"] == "operator"]
    assert {u["department"] for u in operators} == {"cs"}
    assert [u["locale"] for u in operators].count("en") == 1
    leads = sorted(u["department"] for u in USERS if u["role"] == "lead")
    assert leads == sorted(DEPARTMENT_CODES)
    assert {u["department"] for u in USERS if u["role"] == "executive"} == {"planning"}
    assert [u["department"] for u in USERS if u["role"] == "admin"] == ["it"]


def test_themes(cases):
    assert len(THEMES) >= 15
    for key, theme in THEMES.items():
        assert key.isascii() and key == key.lower()
        assert theme["department"] is None or theme["department"] in DEPARTMENT_CODES
        assert theme["label_ja"] and theme["label_en"]
    assert len({c["theme"] for c in cases}) >= 15


# ---- planted patterns ------------------------------------------------------------------------


def test_kettle_lid_surge(cases):
    ages = [NOW - c["received_at"] for c in cases if c["theme"] == "kettle_lid_lock"]
    last_week = sum(1 for a in ages if a < timedelta(days=7))
    before = sum(1 for a in ages if timedelta(days=7) <= a < timedelta(days=63))
    weekly_mean = before / 8
    assert weekly_mean > 0
    assert last_week >= 3 * weekly_mean
    assert 8 <= last_week <= 16
    # the background: about one a week for the 11 weeks before
    weeks = Counter(int(a.days // 7) for a in ages if a >= timedelta(days=7))
    assert set(weeks) == set(range(1, 12))
    for c in cases:
        if c["theme"] == "kettle_lid_lock":
            assert c["product"] == "電気ケトル KT-200"


def test_surge_scales_with_n():
    big = generate_cases(3000, now=NOW)
    ages = [NOW - c["received_at"] for c in big if c["theme"] == "kettle_lid_lock"]
    last_week = sum(1 for a in ages if a < timedelta(days=7))
    before = sum(1 for a in ages if timedelta(days=7) <= a < timedelta(days=63))
    assert last_week >= 3 * before / 8


def test_safety_cases(cases):
    safety = [c for c in cases if c["severity"] == 1]
    assert 3 <= len(safety) <= 5
    for c in safety:
        text = c["customer_words"] + c["subject"]
        assert any(word in text for word in SAFETY_WORDS), text
        assert c["department"] == "qa"
        assert c["kind"] == "complaint"
        assert any(n["kind"] == "observation" for n in c["notes"])


def test_repeat_customers_and_harassment(cases):
    by_contact = defaultdict(list)
    for c in cases:
        customer = c["customer"]
        if customer and (customer["phone"] or customer["email"]):
            by_contact[(customer["phone"], customer["email"], customer["name"])].append(c)
    repeaters = []
    for contact_cases in by_contact.values():
        if len(contact_cases) >= 3:
            times = sorted(c["received_at"] for c in contact_cases)
            assert len(times) <= 6
            assert times[-1] - times[0] <= timedelta(weeks=6)
            repeaters.append(contact_cases)
    assert 4 <= len(repeaters) <= 7
    harassment = [
        c
        for group in repeaters
        for c in group
        if any(p in c["customer_words"] for p in ("責任者を出せ", "誠意を見せろ", "SNSに晒すぞ"))
    ]
    assert len(harassment) >= 3
    assert len({c["customer"]["phone"] for c in harassment}) == 1
    observed = [n for c in harassment for n in c["notes"] if n["kind"] == "observation"]
    assert any("回目の入電" in n["body"] for n in observed)


def test_compliments_name_staff(cases):
    compliments = [c for c in cases if c["kind"] == "compliment"]
    operators = [u["name"].split()[0] for u in USERS if u["role"] == "operator"]
    naming = [
        c for c in compliments if any(f"{name}さん" in c["customer_words"] for name in operators)
    ]
    assert len(naming) >= 2
    assert all(c["severity"] == 4 for c in compliments)


def test_customers(cases):
    for c in cases:
        customer = c["customer"]
        if customer is None:
            continue
        assert set(customer) == {"name", "email", "phone"}
        assert customer["name"]
        if customer["email"]:
            assert customer["email"].isascii() and "@example." in customer["email"]
        if customer["phone"]:
            digits = customer["phone"].replace("-", "")
            assert digits.isdigit() and digits.startswith("0") and len(digits) in (10, 11)
        if c["channel"] in ("email", "web") and not c["customer"]["name"].startswith("@"):
            assert customer["email"] or customer["phone"]


def test_notes(cases):
    with_notes = [c for c in cases if c["notes"]]
    assert len(with_notes) >= 0.5 * len(cases)
    kinds = Counter(n["kind"] for c in cases for n in c["notes"])
    assert set(kinds) == NOTE_KINDS
    for c in cases:
        assert len(c["notes"]) <= 4
        age = (NOW - c["received_at"]).total_seconds() / 60
        minutes = [n["after_minutes"] for n in c["notes"]]
        assert minutes == sorted(minutes)
        for n in c["notes"]:
            assert n["kind"] in NOTE_KINDS
            assert n["author_role"] in ("operator", "lead")
            assert isinstance(n["after_minutes"], int) and 0 <= n["after_minutes"] <= age
            assert n["body"].strip() and "{" not in n["body"]
        if c["department"] is None:
            assert all(n["kind"] != "internal" for n in c["notes"])
        if c["status"] == "received":
            assert all(n["kind"] == "observation" for n in c["notes"])
