"""The map's and the scorecards' pages through the test client: who may read them, the SVG
pictures (Japanese names present, no two labels overlapping, measured from the SVG itself),
the drill-down through the handoffs' scoping door, and the scorecard's sides."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from itertools import combinations

import pytest

from relq.db import utcnow
from relq.deadlines.attainment import attainment
from relq.handoffs.services import confirm_handoff, request_handoff, take_step
from relq.relations.charts import Box, label_box, text_width
from relq.relations.scorecard import scorecard
from relq.relations.services import default_period
from tests.factories import make_case, make_department, make_user

SVG = "{http://www.w3.org/2000/svg}"


def in_last_period(days_before_end: int = 3):
    """A moment inside the map's default period (the last four complete weeks)."""
    period = default_period()
    return period.ends_at - timedelta(days=days_before_end, hours=-10)


def handoff(actor, provider, *, at, answer_by=None, answered_at=None, rating=None, thanks=""):
    h = request_handoff(
        actor=actor, provider_department_id=provider.id, ask="在庫の確認をお願いします", now=at
    )
    if answer_by is not None:
        take_step(
            h,
            actor=answer_by,
            action="answer",
            expected_version=h.version,
            body="確認しました",
            now=answered_at or at + timedelta(hours=2),
        )
        if rating:
            confirm_handoff(
                h,
                actor=actor,
                expected_version=h.version,
                usefulness=rating[0],
                speed=rating[1],
                thanks=thanks,
                now=(answered_at or at + timedelta(hours=2)) + timedelta(minutes=30),
            )
    return h


def svg(html: str, testid: str) -> ET.Element:
    match = re.search(rf'<svg data-testid="{testid}".*?</svg>', html, re.S)
    assert match, testid
    return ET.fromstring(match.group(0))  # noqa: S314 (our own page)


def label_boxes(root: ET.Element) -> list[tuple[str, Box]]:
    """Every label's box, from the SVG's own attributes: horizontal labels by their anchor,
    vertical ones (writing-mode) from their top, one em wide."""
    found = []
    for text in root.iter(f"{SVG}text"):
        if text.get("class") not in ("department-label", "row-label", "column-label"):
            continue
        x, y, size = float(text.get("x")), float(text.get("y")), float(text.get("font-size"))
        name = text.text or ""
        if text.get("writing-mode"):
            found.append((name, Box(x - size / 2, y, size, text_width(name, size))))
        else:
            found.append((name, label_box(x, y, name, size, text.get("text-anchor", "start"))))
    return found


def assert_no_overlap(boxes):
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        assert not box_a.overlaps(box_b), (a, b, box_a, box_b)


def test_who_may_read_the_map_and_the_scorecards(org, login_as, client):
    for user in (org.lead_qa, org.lead_logistics, org.executive):
        assert login_as(user).get("/relations/").status_code == 200
    for user in (org.operator, org.admin):
        assert login_as(user).get("/relations/").status_code == 403
    assert client.get("/relations/").status_code == 302  # to the login page
    qa = f"/relations/scorecards/{org.qa.id}"
    assert login_as(org.lead_qa).get(qa).status_code == 200
    assert login_as(org.executive).get(qa).status_code == 200
    for user in (org.lead_logistics, org.lead_cs, org.operator, org.admin):
        assert login_as(user).get(qa).status_code == 403
    # A lead's list of scorecards is their own; management chooses among all.
    response = login_as(org.lead_logistics).get("/relations/scorecards/")
    assert response.headers["Location"].endswith(f"/relations/scorecards/{org.logistics.id}")
    page = login_as(org.executive).get("/relations/scorecards/").get_data(as_text=True)
    assert all(name in page for name in ("お客様相談室", "品質保証部", "物流部"))
    # The menu shows the map to those who may read it, and only to them.
    assert "/relations/" in login_as(org.lead_qa).get("/cases/").get_data(as_text=True)
    assert "/relations/" not in login_as(org.operator).get("/cases/").get_data(as_text=True)
    assert login_as(org.executive).get("/relations/scorecards/999999").status_code == 404


def test_map_svg_names_every_department_without_overlapping_labels(org, session, login_as):
    at = in_last_period()
    for _ in range(3):
        handoff(org.operator, org.qa, at=at, answer_by=org.lead_qa, rating=(4, 4))
    handoff(org.lead_qa, org.logistics, at=at, answer_by=org.lead_logistics, rating=(2, 2))
    session.commit()
    html = login_as(org.executive).get("/relations/").get_data(as_text=True)
    network, heat = svg(html, "relations-network"), svg(html, "relations-heatmap")
    assert "Hiragino Sans" in network.get("font-family")
    labels = [t.text for t in network.iter(f"{SVG}text")]
    assert {"お客様相談室", "品質保証部", "物流部"} <= set(labels)
    assert_no_overlap(label_boxes(network))
    assert_no_overlap(label_boxes(heat))
    # One arrow per edge, each a link to its handoffs.
    links = [a.get("href") for a in network.iter(f"{SVG}a")]
    assert len(links) == 2
    assert any(f"/relations/edges/{org.cs.id}/{org.qa.id}?" in link for link in links)
    # The table beside the pictures carries the same numbers.
    assert f'data-testid="edge-{org.cs.id}-{org.qa.id}"' in html


def test_thirty_long_japanese_names_still_do_not_overlap(org, session, login_as):
    departments = [
        make_department(f"d{i:02d}", f"第{i}営業本部 東日本エリア統括部", f"Division {i}")
        for i in range(27)
    ]
    asker = make_user("lead", departments[0])
    at = in_last_period()
    for provider in departments[1:] + [org.qa, org.logistics]:
        handoff(asker, provider, at=at)
    session.commit()
    html = login_as(org.executive).get("/relations/").get_data(as_text=True)
    network, heat = svg(html, "relations-network"), svg(html, "relations-heatmap")
    boxes = label_boxes(network)
    assert len(boxes) == 30
    assert_no_overlap(boxes)
    assert_no_overlap(label_boxes(heat))
    # Every label lies inside the picture's view box.
    left, top, width, height = map(float, network.get("viewBox").split())
    for name, box in boxes:
        assert left <= box.x and box.x + box.width <= left + width, name
        assert top <= box.y and box.y + box.height <= top + height, name


def test_drill_down_lists_only_the_handoffs_the_reader_may_read(org, session, login_as):
    at = in_last_period()
    h = handoff(org.operator, org.qa, at=at)
    session.commit()
    url = f"/relations/edges/{org.cs.id}/{org.qa.id}"
    for user in (org.lead_qa, org.executive):
        page = login_as(user).get(url).get_data(as_text=True)
        assert f'data-testid="edge-handoff-{h.id}"' in page, user.role
    # Logistics reads the map's numbers, but this edge's handoffs are not theirs to open.
    page = login_as(org.lead_logistics).get(url).get_data(as_text=True)
    assert f"edge-handoff-{h.id}" not in page and 'data-testid="edge-empty"' in page
    assert (
        login_as(org.executive).get(f"/relations/edges/{org.cs.id}/{org.cs.id}").status_code == 404
    )
    assert login_as(org.executive).get(f"/relations/edges/{org.cs.id}/999999").status_code == 404


def test_period_filter_is_read_from_the_query_string(org, session, login_as):
    at = in_last_period()
    handoff(org.operator, org.qa, at=at)
    session.commit()
    c = login_as(org.executive)
    assert f"edge-{org.cs.id}-{org.qa.id}" in c.get("/relations/").get_data(as_text=True)
    # A period long before: nothing asked then.
    earlier = c.get("/relations/?start=2020-01-06&weeks=2").get_data(as_text=True)
    assert 'data-testid="relations-empty"' in earlier and "2020-01-06" in earlier
    # Nonsense is refused with a notice, and the default period is shown.
    refused = c.get("/relations/?start=x&weeks=999")
    assert refused.status_code == 200
    assert f"edge-{org.cs.id}-{org.qa.id}" in refused.get_data(as_text=True)
    assert c.get("/relations/?weeks=%00").status_code == 200


def test_scorecard_sides(org, session, login_as):
    now = utcnow()
    case = make_case(org.operator, department=org.qa)
    make_case(org.operator, department=org.qa, kind="inquiry")
    # qa answered two of cs's requests (one thanked, one sent back once) and asked logistics.
    handoff(org.operator, org.qa, at=now - timedelta(hours=1), answer_by=org.lead_qa)
    sent_back = handoff(org.operator, org.qa, at=now - timedelta(hours=1), answer_by=org.lead_qa)
    take_step(
        sent_back,
        actor=org.operator,
        action="send_back",
        expected_version=sent_back.version,
        body="不足があります",
    )
    handoff(
        org.operator,
        org.qa,
        at=now - timedelta(minutes=50),
        answer_by=org.lead_qa,
        answered_at=now - timedelta(minutes=40),
        rating=(5, 4),
        thanks="感謝します",
    )
    handoff(
        org.lead_qa,
        org.logistics,
        at=now - timedelta(minutes=50),
        answer_by=org.lead_logistics,
        answered_at=now - timedelta(minutes=40),
        rating=(2, 3),
    )
    session.commit()
    card = scorecard(org.lead_qa, org.qa)
    last = len(card.weeks) - 1
    assert card.series[("customer", "routed")][last] == 2
    assert card.series[("customer", "complaints")][last] == 1
    report = attainment(org.lead_qa, department_id=org.qa.id)
    mine = [d for d in report.departments if d.department.id == org.qa.id]
    expected = mine[0].cell("acknowledge", last).rate if mine else None
    assert card.series[("customer", "acknowledged_on_time")][last] == expected
    assert card.series[("provider", "asked_of")][last] == 3
    assert card.series[("provider", "usefulness_received")][last] == 5
    assert card.series[("provider", "sent_back")][last] == pytest.approx(1 / 3)
    assert card.series[("provider", "thanks_received")][last] == 1
    assert card.series[("requester", "asked")][last] == 1
    assert card.series[("requester", "usefulness_given")][last] == 2
    assert card.series[("requester", "had_to_send_back")][last] == 0
    assert card.series[("provider", "asked_of")][0] == 0  # an earlier week with nothing
    assert card.series[("provider", "usefulness_received")][0] is None  # nothing, not zero

    page = login_as(org.lead_qa).get(f"/relations/scorecards/{org.qa.id}").get_data(as_text=True)
    for side in ("customer", "provider", "requester", "employee"):
        assert f'data-testid="side-{side}"' in page
    # Charts and tables both.
    assert 'data-testid="chart-asked_of"' in page and 'data-testid="row-asked_of"' in page
    # drawn by relq.charts: this week's 3 requests and the 33% sent back on the bars
    figure = re.search(r'data-testid="chart-asked_of">.*?</figure>', page, re.S).group(0)
    assert 'class="chart"' in figure and ">3</text>" in figure
    figure = re.search(r'data-testid="chart-sent_back">.*?</figure>', page, re.S).group(0)
    assert ">33%</text>" in figure and "style=" not in page
    assert "eNPS" in page and case.ref not in page
