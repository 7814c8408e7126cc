"""The digest's employee side: the latest closed eNPS round per department, only through the
anonymity gate (relq.enps.gate): a department below the round's threshold shows no score and
not even its number of answers."""

from __future__ import annotations

import json

from relq.db import transaction
from relq.digest import services
from tests.digest.helpers import WEEK
from tests.enps.test_gate_helpers import add_answers, make_round

URL = f"/digest/{WEEK}"


def test_no_closed_round_says_so(org, login_as):
    page = login_as(org.executive).get(URL).get_data(as_text=True)
    assert "締め切られたサーベイはまだありません" in page


def test_a_department_below_the_threshold_shows_no_score(org, login_as):
    with transaction():
        found = make_round(org.admin, min_group=5)
        add_answers(found, org.qa, [10, 9, 9, 8, 3, 10])  # 6 answers: shown
        add_answers(found, org.cs, [7, 8, 9, 10, 10, 6])  # 6 answers: shown
        add_answers(found, org.logistics, [0, 1, 2])  # 3 answers: below 5
        snapshot = services.build(WEEK, None)
    section = snapshot.data["sections"]["enps"]
    rows = {row["department_id"]: row for row in section["departments"]}
    assert rows[org.qa.id]["shown"] is True
    assert rows[org.qa.id]["enps"] == round(100 * (4 - 1) / 6, 1)
    assert rows[org.logistics.id]["shown"] is False
    assert "enps" not in rows[org.logistics.id] and "n" not in rows[org.logistics.id]
    # Nothing in the stored snapshot tells how many answered in logistics.
    assert '"n": 3' not in json.dumps(section)
    page = login_as(org.executive).get(URL).get_data(as_text=True)
    assert "回答が少なすぎます" in page
    # The logistics lead's digest shows their department, without a score.
    lead = login_as(org.lead_logistics).get(URL).get_data(as_text=True)
    assert "回答が少なすぎます" in lead and "+50" not in lead
