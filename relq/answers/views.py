from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from relq import access
from relq.access import allow, get_case_or_404
from relq.answers.forms import AnswerForm
from relq.answers.models import ANSWERS
from relq.answers.services import (
    INBOX_VIEWS,
    answer_case,
    answers_for_front_line,
    answers_of,
    inbox,
    inbox_counts,
    latest_answers,
    waiting_count,
)
from relq.db import db, transaction
from relq.errors import Conflict, Invalid

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


@bp.post("/<int:case_id>/answer")
@allow("lead")
def answer(case_id: int):
    """A lead answers a case (受領 / 対応予定 / 対応済 / 対応しない): answer_case."""
    access.require(access.can_answer(current_user, get_case_or_404(case_id, current_user)))
    form = AnswerForm()
    back = (
        url_for("answers.index")
        if form.back.data == "inbox"
        else url_for("cases.detail", case_id=case_id)
    )
    if not form.validate_on_submit():
        flash(_("The answer was not understood; nothing was changed."), "error")
        return redirect(back), 303
    try:
        with transaction():
            case = get_case_or_404(case_id, current_user)
            answer_case(
                case,
                actor=current_user,
                answer=form.answer.data,
                expected_version=form.version.data,
                body=form.body.data or "",
                planned_for=form.planned_for.data,
            )
    except (Conflict, Invalid):  # answered or changed meanwhile, or a missing word or date
        message = _("Case %(ref)s was not answered: open it and try again.", ref=case.ref)
        flash(message, "error")
        return redirect(back), 303
    flash(_("Case %(ref)s: %(answer)s.", ref=case.ref, answer=ANSWERS[form.answer.data]), "success")
    return redirect(back), 303


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
