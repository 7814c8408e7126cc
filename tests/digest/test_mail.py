"""The weekly digest's e-mail, as a real SMTP server (aiosmtpd on 127.0.0.1) receives it and
the `email` package parses it: a plain-text part and an HTML part with its charts as inline PNG
images (multipart/related, referenced by cid:), in each reader's language, and an HTML that
ordinary mail clients read (no script, no external image, at most 600 px wide, CSS inlined)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from relq.db import db
from relq.digest import services
from relq.digest.delivery import DigestDelivery, send_week
from relq.digest.models import DigestSnapshot
from tests.digest import test_delivery
from tests.digest.test_delivery import MONDAY_8, W48
from tests.factories import make_user

PNG = b"\x89PNG\r\n\x1a\n"

# The SMTP server and the week of cases of the delivery's tests.
mail = test_delivery.mail
week_of_cases = test_delivery.week_of_cases


def _snapshot_of(user) -> DigestSnapshot:
    delivery = db.session.scalar(sa.select(DigestDelivery).where(DigestDelivery.user_id == user.id))
    return db.session.get(DigestSnapshot, delivery.snapshot_id)


def _parts(message):
    """(text, html, {content id: (content type, bytes)}) of a digest e-mail, checking its
    structure on the way."""
    assert message.get_content_type() == "multipart/alternative"
    plain, related = list(message.iter_parts())
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, *images = list(related.iter_parts())
    assert html_part.get_content_type() == "text/html"
    found = {}
    for image in images:
        assert image.get_content_disposition() == "inline"
        found[image["Content-ID"].strip("<>")] = (image.get_content_type(), image.get_content())
    return plain.get_content(), html_part.get_content(), found


def test_the_email_has_a_text_part_and_an_html_part_with_its_charts_inline(
    org, mail, week_of_cases
):
    send_week(W48, now=MONDAY_8)

    (message,) = mail.to(org.executive)
    assert message["Subject"] == "【relq】週次ダイジェスト 2026-W48"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["To"].addresses[0].addr_spec == org.executive.email
    text, html, images = _parts(message)

    # Every chart of the snapshot is one PNG part, named in the HTML by its Content-ID.
    snapshot = _snapshot_of(org.executive)
    charts = services.charts(snapshot, "ja")
    assert len(charts) >= 2 and len(images) == len(charts)
    referenced = re.findall(r'src="cid:([^"]+)"', html)
    assert sorted(referenced) == sorted(images)
    for content_type, data in images.values():
        assert content_type == "image/png" and data.startswith(PNG)
    # The same chart, drawn the same way, as the web page's (its SVG) from the same numbers.
    assert sorted(name for name in charts if any(cid.startswith(name) for cid in images)) == sorted(
        charts
    )
    assert images[next(c for c in images if c.startswith("volume_weeks"))][1] == (
        charts["volume_weeks"].png()
    )

    # An HTML that mail clients read.
    assert "<script" not in html.lower() and "<svg" not in html.lower()
    assert not re.search(r'src="(?!cid:)', html)  # no external image
    assert "<link" not in html.lower()
    widths = [int(w) for w in re.findall(r'width="(\d+)"', html)]
    assert widths and max(widths) <= 600
    assert re.search(r"<table[^>]*width=\"600\"", html)
    assert 'style="' in html and ".digest-body" not in html  # the CSS is in the elements
    assert len(html.encode()) < 102_000  # Gmail clips a longer message
    # The digest's own body, in Japanese, with its absolute links.
    sentence = snapshot.data["summary"]["ja"][0]["text"]
    assert sentence in html
    # The inbox's preview line is the summary's first sentence (hidden in the message itself).
    preheader = re.search(r'<div class="preheader" style="([^"]*)">([^<]*)</div>', html)
    assert preheader.group(2) == sentence and "display:none" in preheader.group(1).replace(" ", "")
    assert 'href="http://127.0.0.1:5000/digest/2026-W48' in html
    assert "http://127.0.0.1:5000/digest/subscription" in html

    # The plain-text part: the summary, the key numbers and the link to the web page.
    assert text.startswith("【relq】週次ダイジェスト 2026-W48")
    for line in snapshot.data["summary"]["ja"]:
        assert f"- {line['text']}" in text
    assert "今週の受付件数: 2" in text
    assert "http://127.0.0.1:5000/digest/2026-W48" in text.splitlines()
    assert "<" not in text.replace("<relq", "")  # no markup in the text part


def test_each_reader_gets_it_in_their_language(org, mail, week_of_cases):
    english = make_user("executive", org.qa, locale="en", name="Emma Clark")
    db.session.commit()
    send_week(W48, now=MONDAY_8)

    (japanese,) = mail.to(org.executive)
    (message,) = mail.to(english)
    assert message["Subject"] == "relq weekly digest 2026-W48"
    text, html, images = _parts(message)
    snapshot = _snapshot_of(english)
    assert snapshot.id == _snapshot_of(org.executive).id  # one snapshot, two languages
    for line in snapshot.data["summary"]["en"]:
        assert line["text"] in text and line["text"] in html
    assert "Cases received this week: 2" in text
    assert '<html lang="en"' in html
    # The charts' labels are in the reader's language too: other pictures than in Japanese.
    _text, _html, japanese_images = _parts(japanese)
    assert {data for _t, data in images.values()} != {data for _t, data in japanese_images.values()}


def test_a_leads_email_is_their_departments_digest(org, mail, week_of_cases):
    send_week(W48, now=MONDAY_8)
    (message,) = mail.to(org.lead_qa)
    text, html, _images = _parts(message)
    assert "品質保証部" in text.splitlines()[1]
    assert f"department={org.qa.id}" in html  # its links open the department's page
    assert f"http://127.0.0.1:5000/digest/2026-W48?department={org.qa.id}" in text
