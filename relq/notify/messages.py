"""What a notification says, worded in its reader's language when it is shown or sent.

Notifications are stored as data (event code + params); this module is the only place that
turns them into words. Times are shown in the reader's own time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from relq.db import db
from relq.deadlines.models import DEADLINE_KINDS
from relq.escalations.models import LEVELS, REASONS
from relq.notify.models import Notification
from relq.org.models import Department, User

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def describe(
    notification: Notification, *, external: bool = False, can_see: bool = True
) -> tuple[str, str, str]:
    """(title, body, url) of `notification` in its reader's language, wherever it is asked
    (their page, their e-mail, a thread). `external`: an absolute link (for e-mail, from
    RELQ_BASE_URL). `can_see` False: the reader no longer sees the case (rerouted since), so
    neither its subject nor a link to it is given."""
    with force_locale(notification.user.locale):
        return _describe(notification, external, can_see)


def _describe(notification: Notification, external: bool, can_see: bool) -> tuple[str, str, str]:
    reader = notification.user
    params = notification.params or {}
    case = notification.case if can_see else None
    if notification.case is not None:
        ref = notification.case.ref
    else:
        ref = params.get("ref", "") if notification.handoff_id is not None else ""
    department = _department_name(params.get("department_id"), reader.locale)
    title, lines = _WORDING[notification.event](notification, params, ref, department, reader)
    if case is not None:
        lines.insert(0, _("Subject: %(subject)s", subject=case.subject))
    body = "\n".join(line for line in lines if line)
    if case is not None:
        url = link("cases.detail", external=external, case_id=case.id)
    elif notification.case_id is None and notification.escalation_id is not None:
        url = _escalation_link(notification, external)
    elif notification.event in _TO_THANKS and "thanks.index" in current_app.view_functions:
        url = link("thanks.index", external=external, mine="y")
    elif notification.handoff_id is not None:
        url = handoff_link(notification.handoff_id, external=external)
    else:
        url = link("notify.index", external=external)
    return title, body, url


def _routed(n, params, ref, department, reader):
    if params.get("action") == "reroute":
        title = _("%(ref)s was rerouted to %(department)s", ref=ref, department=department)
    else:
        title = _("%(ref)s was routed to %(department)s", ref=ref, department=department)
    reason = params.get("reason")
    return title, [_("Reason: %(reason)s", reason=reason) if reason else ""]


_ANSWER_TITLES: dict[str, Callable[..., str]] = {
    "acknowledged": lambda **p: _("%(department)s acknowledged %(ref)s", **p),
    "planned": lambda **p: _("%(department)s will act on %(ref)s by %(date)s", **p),
    "done": lambda **p: _("%(department)s has acted on %(ref)s", **p),
    "declined": lambda **p: _("%(department)s will not act on %(ref)s", **p),
}
_ANSWER_TEXTS: dict[str, Callable[[str], str]] = {
    "acknowledged": lambda text: _("Comment: %(text)s", text=text),
    "planned": lambda text: _("Plan: %(text)s", text=text),
    "done": lambda text: _("What was done: %(text)s", text=text),
    "declined": lambda text: _("Why not: %(text)s", text=text),
}


def _answered(n, params, ref, department, reader):
    code = params.get("answer", "acknowledged")
    planned_for = params.get("planned_for")
    title = _ANSWER_TITLES[code](department=department, ref=ref, date=_date(planned_for))
    text = (params.get("body") or "").strip()
    return title, [_ANSWER_TEXTS[code](text) if text else ""]


def _deadline(n, params, ref, department, reader):
    kind = str(DEADLINE_KINDS.get(params.get("kind"), params.get("kind", "")))
    due = _local(params.get("due_at"), reader)
    if n.event == "deadline_missed":
        title = _("%(ref)s: %(kind)s deadline missed (due %(due)s)", ref=ref, kind=kind, due=due)
    else:
        title = _("%(ref)s: %(kind)s due at %(due)s", ref=ref, kind=kind, due=due)
    return title, [_("Department: %(department)s", department=department) if department else ""]


def _escalation(n, params, ref, department, reader):
    reason = REASONS.get(params.get("reason"))
    label = str(reason.label) if reason else params.get("reason", "")
    if ref:
        title = _("%(ref)s was escalated: %(reason)s", ref=ref, reason=label)
    else:
        title = _("Escalation: %(reason)s", reason=label)
    level = LEVELS.get(params.get("level"))
    return title, [
        _("Level: %(level)s", level=str(level)) if level else "",
        _("Department: %(department)s", department=department) if department else "",
        params.get("detail") or "",
    ]


def _compliment(n, params, ref, department, reader):
    title = _("A customer thanked you (%(department)s)", department=department)
    quote = (params.get("quote") or "").strip()
    return title, [_("In their words: %(quote)s", quote=quote) if quote else ""]


def _handoff_requested(n, params, ref, department, reader):
    if params.get("provider_user_id") == reader.id:
        title = _("%(ref)s: %(department)s asks you", ref=ref, department=department)
    else:
        title = _("%(ref)s: %(department)s asks your department", ref=ref, department=department)
    return title, [
        _("What is asked: %(ask)s", ask=params.get("ask") or ""),
        _("Due: %(due)s", due=_local(params.get("due_at"), reader)),
    ]


def _handoff_answered(n, params, ref, department, reader):
    text = (params.get("body") or "").strip()
    if params.get("action") == "decline":
        title = _("%(department)s declined your request %(ref)s", department=department, ref=ref)
        line = _("Why they declined: %(text)s", text=text) if text else ""
    else:
        title = _("%(department)s answered your request %(ref)s", department=department, ref=ref)
        line = _("Their answer: %(text)s", text=text) if text else ""
    return title, [line, _("What was asked: %(ask)s", ask=params.get("ask") or "")]


def _handoff_sent_back(n, params, ref, department, reader):
    title = _("%(department)s sent your answer to %(ref)s back", department=department, ref=ref)
    text = (params.get("body") or "").strip()
    return title, [
        _("What is still missing: %(text)s", text=text) if text else "",
        _("What was asked: %(ask)s", ask=params.get("ask") or ""),
    ]


def _handoff_overdue(n, params, ref, department, reader):
    due = _local(params.get("due_at"), reader)
    title = _(
        "%(ref)s from %(department)s is overdue (due %(due)s)",
        ref=ref,
        department=department,
        due=due,
    )
    return title, [_("What is asked: %(ask)s", ask=params.get("ask") or "")]


def _handoff_thanked(n, params, ref, department, reader):
    title = _(
        "%(department)s thanked you for your answer (%(ref)s)", department=department, ref=ref
    )
    thanks = (params.get("thanks") or "").strip()
    return title, [_("Their words: %(quote)s", quote=thanks) if thanks else ""]


# Thanks are read in the thanks feed (among the reader's own: mine=y).
_TO_THANKS = ("compliment", "handoff_thanked")

_WORDING = {
    "routed": _routed,
    "answered": _answered,
    "deadline_soon": _deadline,
    "deadline_missed": _deadline,
    "escalation": _escalation,
    "compliment": _compliment,
    "handoff_requested": _handoff_requested,
    "handoff_answered": _handoff_answered,
    "handoff_sent_back": _handoff_sent_back,
    "handoff_overdue": _handoff_overdue,
    "handoff_thanked": _handoff_thanked,
}


def _department_name(department_id: int | None, locale: str) -> str:
    # Departments are few and usually in the session already: get() reads the identity map.
    department = db.session.get(Department, department_id) if department_id else None
    return department.name_for(locale) if department else ""


def _date(value: str | None) -> str:
    return date.fromisoformat(value).strftime("%Y-%m-%d") if value else ""


def _local(value: str | None, reader: User) -> str:
    """A stored UTC time in the reader's zone (numeric: the same in every language)."""
    if not value:
        return ""
    zone = ZoneInfo(reader.timezone or current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _escalation_link(notification: Notification, external: bool) -> str:
    # The escalation board is another capability's page: link to it when the app has it.
    if "escalations.index" in current_app.view_functions:
        return link("escalations.index", external=external)
    return link("notify.index", external=external)


def handoff_link(handoff_id: int, *, external: bool = False) -> str:
    """The handoff's page (relq/handoffs' capability), or the notifications while this app
    has no such page."""
    if "handoffs.detail" in current_app.view_functions:
        return link("handoffs.detail", external=external, handoff_id=handoff_id)
    return link("notify.index", external=external)


def link(endpoint: str, *, external: bool = False, **values) -> str:
    """A URL of this app: relative inside a request, absolute from RELQ_BASE_URL for e-mail
    (which is built outside any request, in a thread or the tick)."""
    if not external and has_request_context():
        return url_for(endpoint, **values)
    base = urlsplit(current_app.config.get("RELQ_BASE_URL") or DEFAULT_BASE_URL)
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=external)
