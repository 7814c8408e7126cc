"""Access-matrix rows for CSAT. The results page: everyone who works cases (each sees the
surveys of the cases they may open). The customer's pages: anyone with the link, logged in or
not (the matrix's empty POST of an answer is refused with 422, its opt-out goes through)."""

from __future__ import annotations

import secrets

from relq.cases.services import CustomerInput
from tests.access import ANON, EVERYONE
from tests.csat.conftest import sent_survey
from tests.factories import make_case

EXPECTED = {
    "csat.index": EVERYONE,
    "csat.survey": {ANON} | EVERYONE,
    "csat.thanks": {ANON} | EVERYONE,
    "csat.opt_out": {ANON} | EVERYONE,
}
CASE_ROUTES: set[str] = set()
REFUSALS: dict = {}


def arguments(org, case):
    closed = make_case(
        org.operator,
        department=org.qa,
        status="closed",
        customer=CustomerInput(name="matrix", email="matrix@example.jp"),
    )
    token = secrets.token_urlsafe(32)
    sent_survey(closed, token=token)
    return {"csat_token": token}
