"""Access-matrix rows for eNPS (tests/test_access_matrix.py reads one access_rules.py per
test package). Each part of eNPS keeps its rows in its own module, gathered here:
rounds and the respondent's page (below), results (access_rules_results.py) and plans
(access_rules_plans.py), when they exist.

Rounds: admins only. The respondent's page: anyone, logged in or not, with a one-time link
(an unused link of an open round: the matrix's empty POST is refused with 422, never 403).
"""

from __future__ import annotations

import importlib
from datetime import date

from relq.enps.collect import invite
from relq.enps.rounds import RoundInput, create_round, open_round
from tests.access import ANON, EVERYONE

ADMIN = {"admin"}
EXPECTED = {
    "enps.rounds.index": ADMIN,
    "enps.rounds.new": ADMIN,
    "enps.rounds.detail": ADMIN,
    "enps.rounds.edit": ADMIN,
    "enps.rounds.open_round": ADMIN,
    "enps.rounds.close_round": ADMIN,
    "enps.rounds.invite": ADMIN,
    "enps.rounds.remind": ADMIN,
    "enps.rounds.survey": {ANON} | EVERYONE,
    "enps.rounds.thanks": {ANON} | EVERYONE,
}
CASE_ROUTES: set[str] = set()
REFUSALS: dict = {}

PARTS = []
for _name in ("access_rules_results", "access_rules_plans"):
    try:
        PARTS.append(importlib.import_module(f"tests.enps.{_name}"))
    except ModuleNotFoundError:
        continue
for _part in PARTS:
    assert not set(_part.EXPECTED) & set(EXPECTED), _part.__name__
    EXPECTED |= _part.EXPECTED
    CASE_ROUTES |= set(getattr(_part, "CASE_ROUTES", ()))
    REFUSALS |= getattr(_part, "REFUSALS", {})


def arguments(org, case):
    draft = create_round(
        RoundInput("matrix draft", "census", date(2026, 4, 1), date(2026, 4, 30)), actor=org.admin
    )
    survey_round = create_round(
        RoundInput("matrix open", "census", date(2026, 10, 1), date(2026, 10, 31)),
        actor=org.admin,
    )
    open_round(survey_round, actor=org.admin)
    (issued,) = invite(survey_round, actor=org.admin, emails=["matrix@example.jp"]).issued
    values = {"round_id": draft.id, "token": issued.token}
    for part in PARTS:
        if hasattr(part, "arguments"):
            values |= part.arguments(org, case)
    return values
