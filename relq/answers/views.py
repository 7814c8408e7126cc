from flask import Blueprint, g, render_template, request
from flask_login import current_user

from relq import access
from relq.access import allow
from relq.answers.models import ANSWERS
from relq.answers.services import (
    INBOX_VIEWS,
    answers_for_front_line,
    answers_of,
    inbox,
    inbox_counts,
    latest_answers,
    waiting_count,
)
from relq.db import db

bp = Blueprint("answers", __name__, url_prefix="/inbox")
PER_PAGE = 50


def _waiting_badge(user) -> int | None:
    # The menu is drawn once per page: count once per request.
    if "inbox_waiting" not in g:
        g.inbox_waiting = waiting_count(user)
    return g.inbox_waiting or None


@bp.app_context_processor
def answer_labels():
    return {"ANSWERS": ANSWERS}


def _page() -> int:
    value = request.args.get("page", "")
    return max(int(value), 1) if value.isdigit() else 1


@bp.get("/")
@allow("lead")
def index():
    view = request.args.get("view") if request.args.get("view") in INBOX_VIEWS else "waiting"
    page = _page()
    cases = db.session.scalars(
        inbox(current_user, view).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    ).all()
    shown = cases[:PER_PAGE]
    return render_template(
        "answers/inbox.html",
        view=view,
        cases=shown,
        has_next=len(cases) > PER_PAGE,
        page=page,
        counts=inbox_counts(current_user),
        answers=latest_answers([c.id for c in shown]),
        clocks=_acknowledge_clocks([c.id for c in shown]),
    )


def _acknowledge_clocks(case_ids: list[int]) -> dict:
    """The acknowledgement deadline of each case, when the deadlines capability keeps one."""
    from relq.deadlines.services import deadlines_of

    return {
        case_id: next((d for d in clocks if d.kind == "acknowledge"), None)
        for case_id, clocks in deadlines_of(case_ids).items()
    }


@bp.get("/answers")
@allow("operator", "lead")
def feed():
    access.require(access.is_front_line(current_user))
    mine_only = request.args.get("scope", "mine") != "all"
    page = _page()
    rows = answers_for_front_line(
        current_user, mine_only=mine_only, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE
    )
    return render_template(
        "answers/feed.html",
        rows=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=page,
        mine_only=mine_only,
    )


def _case_panel(case, user):
    found = answers_of(case.id)
    return {"answers": found} if found else None
