"""The weekly digest as an e-mail, in its reader's language, readable in ordinary clients
(Outlook, Gmail, iOS Mail).

    multipart/alternative
      text/plain                 the summary, the key numbers and the link to the web page
      multipart/related
        text/html                the digest's own body (templates/digest/_body.html) in an
                                 e-mail-safe wrapper: tables at most 600 px wide, CSS inlined
                                 into style attributes, no script, no external image
        image/png (Content-ID)   one per chart, referenced from the HTML as cid:

The charts are the snapshot's own (relq.digest.services.charts, drawn by relq.charts): the same
numbers as the web page's SVG, here as PNG. The envelope (From, To, Message-ID, Auto-Submitted)
and the SMTP session are relq/notify/mail.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

import css_inline
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from relq.notify.mail import envelope
from relq.notify.messages import DEFAULT_BASE_URL, link
from relq.org.models import User

# What an e-mail client shows: the body's width, and its charts' (inside 24 px margins).
MAIL_WIDTH = 600
CHART_WIDTH = 552
# Inline every rule into style attributes (Gmail's apps and Outlook read little else); media
# queries stay in a <style> element for the clients that read them (phones).
_inliner = css_inline.CSSInliner(
    keep_at_rules=True, load_remote_stylesheets=False, apply_width_attributes=True
)
_NOT_IN_A_CID = re.compile(r"[^A-Za-z0-9_-]+")

# The plain-text part's key numbers: (section, path in its data, label). A section whose data
# does not exist (not "available") gives none; the summary says what is missing.
KEY_NUMBERS = (
    ("cases", ("volume", "total"), _l("Cases received this week")),
    ("cases", ("volume", "baseline"), _l("Weekly average of the weeks before")),
    ("cases", ("products", "complaints"), _l("Complaints")),
    ("cases", ("observations", "count"), _l("Front-line observations")),
    ("themes", ("surge_count",), _l("Surges")),
    ("escalations", ("new", "total"), _l("New escalations")),
    ("escalations", ("open", "waiting_for_decision"), _l("Waiting for a management decision")),
    ("relations", ("stall_count",), _l("Stalled handoffs between departments")),
    ("thanks", ("total",), _l("Compliments")),
    ("harassment", ("flagged",), _l("Customer-harassment cases")),
)


def subject_of(week: str) -> str:
    """The digest's subject in the current locale: "【relq】週次ダイジェスト 2026-W48"."""
    return _("relq weekly digest %(week)s", week=week)


def content_id(name: str, snapshot: Any) -> str:
    """A chart's Content-ID (without its angle brackets): unique per chart, week and scope."""
    return f"{_NOT_IN_A_CID.sub('-', name)}.{snapshot.week}.{snapshot.scope}@relq"


@contextmanager
def _external_links() -> Iterator[None]:
    """A request context on RELQ_BASE_URL, so that the body's url_for(..., _external=True)
    gives the addresses readers open (e-mail is built in the clock or a command)."""
    base = current_app.config.get("RELQ_BASE_URL") or DEFAULT_BASE_URL
    with current_app.test_request_context("/", base_url=base):
        yield


def _drawn(snapshot: Any, locale: str, cache: dict | None) -> dict[str, tuple[str, bytes]]:
    """name -> (accessible label, PNG bytes) of the snapshot's charts in `locale`, drawn once
    per snapshot and language when a `cache` is shared between readers."""
    from relq.digest.services import charts

    key = (snapshot.id, locale)
    if cache is not None and key in cache:
        return cache[key]
    drawn = {name: (chart.label, chart.png()) for name, chart in charts(snapshot, locale).items()}
    if cache is not None:
        cache[key] = drawn
    return drawn


def _chart_image(cid: str, label: str) -> Markup:
    """A chart's <img src="cid:..."> for the body, from its (autoescaped) template."""
    html = render_template("digest/mail_chart.html", cid=cid, label=label, width=CHART_WIDTH)
    return Markup(html)  # noqa: S704 (an autoescaped template's output)


def render_parts(reader: User, snapshot: Any, *, cache: dict | None = None) -> dict[str, Any]:
    """The digest e-mail's parts for `reader`: subject, text, html and images (name ->
    (content id, PNG bytes)). Rendered in the reader's language."""
    locale = reader.locale
    with _external_links(), force_locale(locale):
        drawn = _drawn(snapshot, locale, cache)
        images = {name: (content_id(name, snapshot), png) for name, (_label, png) in drawn.items()}
        chart_html = {
            name: _chart_image(images[name][0], label) for name, (label, _png) in drawn.items()
        }
        department = snapshot.department
        context = {
            "snapshot": snapshot,
            "data": snapshot.data,
            "locale": locale,
            "chart_html": chart_html,
            "reader": reader,
            "subject": subject_of(snapshot.week),
            "scope_name": department.name_for(locale) if department else _("The company"),
            "summary": summary_lines(snapshot.data, locale),
            "key_numbers": key_numbers(snapshot.data),
            "web_url": link(
                "digest.week",
                external=True,
                week=snapshot.week,
                department=snapshot.department_id,
            ),
            "subscription_url": link("digest.delivery.subscription", external=True),
            "mail_width": MAIL_WIDTH,
            # The text template's words (babel reads .html templates and Python, not .txt).
            "words": {
                "summary": _("Summary"),
                "no_summary": _("No summary was written for this week."),
                "key_numbers": _("Key numbers"),
                "whole": _("The whole digest, with its charts and tables:"),
                "why": _("You receive the weekly digest of relq. Choose which one, or none, here:"),
            },
        }
        html = _inliner.inline(render_template("digest/mail.html", **context))
        text = render_template("digest/mail.txt", **context)
    return {"subject": context["subject"], "text": text, "html": html, "images": images}


def summary_lines(data: dict[str, Any], locale: str) -> list[str]:
    """The summary's sentences in `locale` as plain text (the snapshot keeps both languages)."""
    summary = (data or {}).get("summary") or {}
    if not isinstance(summary, dict):
        return []
    sentences = summary.get(locale) or summary.get("ja") or []
    lines = []
    for sentence in sentences:
        if isinstance(sentence, dict):
            sentence = sentence.get("text") or ""
        text = " ".join(str(sentence).split())
        if text:
            lines.append(text)
    return lines


def key_numbers(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of the week's key numbers, in the current locale (KEY_NUMBERS)."""
    sections = (data or {}).get("sections") or {}
    found = []
    for section, path, label in KEY_NUMBERS:
        value: Any = sections.get(section) or {}
        if not value.get("available"):
            continue
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"
            found.append((str(label), text))
    return found


def compose_digest(reader: User, snapshot: Any, *, charts: dict | None = None) -> EmailMessage:
    """The digest e-mail of `snapshot` to `reader` (its Message-ID names the week and the
    reader, so that a retry is recognisably the same message)."""
    parts = render_parts(reader, snapshot, cache=charts)
    message = envelope(
        reader, parts["subject"], parts["text"], f"digest-{snapshot.week}-{reader.id}"
    )
    # The subject is the digest's own ("【relq】…"), not the notifications' "[relq] …".
    message.replace_header("Subject", parts["subject"])
    message.add_alternative(parts["html"], subtype="html")
    html_part = message.get_payload()[1]
    for name, (cid, png) in parts["images"].items():
        html_part.add_related(
            png,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            disposition="inline",
            filename=f"{_NOT_IN_A_CID.sub('-', name)}.png",
        )
    return message
