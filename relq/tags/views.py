from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from relq import access, charts
from relq.access import allow, get_case_or_404, require
from relq.background import run_in_background
from relq.db import db, transaction
from relq.learning import latest_models, reliability_table, retrain_tag_model
from relq.tags.forms import DecideAllForm, DecideForm, TagForm, TrainForm
from relq.tags.models import TAG_SOURCES, TAG_STATES, Tag
from relq.tags.services import (
    TagError,
    TagInput,
    all_tags,
    decide_all_suggestions,
    decide_tag,
    save_tag,
    tag_statistics,
)

bp = Blueprint("tags", __name__)

TAG_MESSAGES = {
    "not_allowed": lambda: _("You may not do this."),
    "unknown_tag": lambda: _("Choose an active tag."),
    "not_suggested": lambda: _("This tag is no longer a suggestion on this case."),
    "not_on_case": lambda: _("This tag is not on the case."),
    "parent_not_a_category": lambda: _("A category must be a top-level tag."),
    "category_has_tags": lambda: _("This category holds tags: it cannot move into another."),
    "code_taken": lambda: _("A tag with this code exists already."),
}


@bp.app_context_processor
def tag_vocabulary():
    return {"TAG_SOURCES": TAG_SOURCES, "TAG_STATES": TAG_STATES}


def tag_message(code: str) -> str:
    message = TAG_MESSAGES.get(code)
    return message() if message else code


@bp.post("/cases/<int:case_id>/tags")
@allow("operator", "lead")
def decide(case_id: int):
    case = get_case_or_404(case_id, current_user)
    require(access.can_tag_case(current_user, case))
    form = DecideForm()
    if not form.validate_on_submit():
        flash(_("Choose an active tag."), "error")
        return redirect(url_for("cases.detail", case_id=case_id) + "#tags")
    try:
        with transaction():
            case = get_case_or_404(case_id, current_user)
            decide_tag(case, form.tag_id.data, actor=current_user, decision=form.decision.data)
    except TagError as error:
        flash(tag_message(error.code), "error")
    return redirect(url_for("cases.detail", case_id=case_id) + "#tags")


@bp.post("/cases/<int:case_id>/tags/all")
@allow("operator", "lead")
def decide_all(case_id: int):
    """Accept or reject every suggestion of the case in one click."""
    case = get_case_or_404(case_id, current_user)
    require(access.can_tag_case(current_user, case))
    form = DecideAllForm()
    if form.validate_on_submit():
        with transaction():
            case = get_case_or_404(case_id, current_user)
            decided = decide_all_suggestions(case, actor=current_user, decision=form.decision.data)
        flash(ngettext("%(num)d suggestion decided.", "%(num)d suggestions decided.", len(decided)))
    return redirect(url_for("cases.detail", case_id=case_id) + "#tags")


@bp.get("/admin/tags")
@allow("admin")
def index():
    models = latest_models()
    tables = {kind: reliability_table(model) for kind, model in models.items()}
    return render_template(
        "tags/index.html",
        stats=tag_statistics(),
        model=models["tags"],
        models=models,
        reliability=tables,
        reliability_charts={kind: _reliability_chart(kind, rows) for kind, rows in tables.items()},
        train_form=TrainForm(),
    )


def _reliability_chart(kind: str, rows) -> charts.Chart:
    """Per confidence bucket (lowest first): the share right, beside the share a confidence
    that means what it says would give (the middle of its bucket)."""
    rows = list(reversed(rows))
    title = {
        "departments": _("Department suggestions (the most likely department)"),
        "tags": _("Tag suggestions (every tag shown)"),
    }.get(kind, kind)
    return charts.bar(
        [f"{int(r.low * 100)}–{int(r.high * 100)}%" for r in rows],  # as the table
        {
            _("Share right"): [
                None if r.share_right is None else round(r.share_right * 100) for r in rows
            ],
            _("Middle of the bucket"): [round((r.low + r.high) * 50) for r in rows],
        },
        title=_("Share right per confidence: %(kind)s", kind=title),
        value_format="{:.0f}%",
        value_range=(0, 105),
        colors={_("Middle of the bucket"): "#999999"},
    )


def _parent_choices(tag: Tag | None):
    locale = str(get_locale())
    categories = [t for t in all_tags() if t.parent_id is None and (tag is None or t.id != tag.id)]
    return [(0, _("(none: this is a category)"))] + [(t.id, t.name_for(locale)) for t in categories]


def _tag_page(tag: Tag | None):
    form = TagForm(obj=tag) if request.method == "GET" and tag else TagForm()
    form.parent_id.choices = _parent_choices(tag)
    if request.method == "GET" and tag:
        form.triggers.data = "\n".join(tag.triggers or [])
        form.parent_id.data = tag.parent_id or 0
    if tag is not None:
        form.code.data = tag.code  # the code never changes
    if form.validate_on_submit():
        data = TagInput(
            code=form.code.data,
            name_ja=form.name_ja.data,
            name_en=form.name_en.data,
            parent_id=form.parent_id.data or None,
            triggers=(form.triggers.data or "").splitlines(),
            is_active=form.is_active.data,
        )
        try:
            with transaction():
                current = db.session.get(Tag, tag.id) if tag else None
                saved = save_tag(data, actor=current_user, tag=current)
        except TagError as error:
            flash(tag_message(error.code), "error")
        else:
            flash(_("Tag %(code)s was saved.", code=saved.code), "success")
            return redirect(url_for("tags.index"))
    return render_template("tags/form.html", form=form, tag=tag)


@bp.route("/admin/tags/new", methods=["GET", "POST"])
@allow("admin")
def new():
    return _tag_page(None)


@bp.route("/admin/tags/<int:tag_id>", methods=["GET", "POST"])
@allow("admin")
def edit(tag_id: int):
    return _tag_page(db.session.get(Tag, tag_id) or abort(404))


@bp.post("/admin/tags/train")
@allow("admin")
def train():
    form = TrainForm()
    if not form.validate_on_submit():
        abort(400)
    # Minutes on a large history: never inside the request (gunicorn would kill it).
    if run_in_background(retrain_tag_model):
        flash(
            _(
                "Retraining has started. The new model is used as soon as it is stored: "
                "reload this page in a few minutes to see its scores."
            ),
            "success",
        )
    else:
        flash(_("Retraining runs with the next daily tick on this installation."), "info")
    return redirect(url_for("tags.index"))
