from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from relq.access import allow
from relq.cases.models import CHANNELS, KINDS, SEVERITIES
from relq.db import db, transaction
from relq.i18n import translated
from relq.org.models import active_departments
from relq.routing.forms import MoveForm, RuleForm
from relq.routing.models import CONDITION_LABELS, RoutingRule
from relq.routing.services import RoutingError, RuleInput, dry_run, move_rule, rules, save_rule
from relq.tags.services import taggable_tags

bp = Blueprint("routing", __name__, url_prefix="/admin/routing")

MESSAGES = {
    "not_allowed": lambda: _("You may not do this."),
    "unknown_department": lambda: _("Choose an active department."),
    "no_condition": lambda: _(
        "Give the rule at least one condition: without one it would take every case."
    ),
}


def routing_message(code: str) -> str:
    message = MESSAGES.get(code)
    return message() if message else code


@bp.get("/")
@allow("admin")
def index():
    locale = str(get_locale())
    tags = {t.code: t.label_for(locale) for t in taggable_tags()}
    # The conditions in the reader's words: codes of kinds, channels, severities and tags as
    # their labels (a rule read "kinds: complaint, tags: billing.refund").
    vocabularies = {
        "kinds": translated(KINDS),
        "channels": translated(CHANNELS),
        "severities": translated(SEVERITIES),
        "tags": tags,
    }
    return render_template(
        "routing/index.html",
        rules=rules(),
        move_form=MoveForm(),
        CONDITION_LABELS=translated(CONDITION_LABELS),
        condition_words=lambda name, value: vocabularies.get(name, {}).get(
            int(value) if name == "severities" else value, value
        ),
    )


def _form(rule: RoutingRule | None) -> RuleForm:
    form = RuleForm(obj=rule) if rule is not None and request.method == "GET" else RuleForm()
    locale = str(get_locale())
    form.department_id.choices = [
        (d.id, d.name_for(locale)) for d in db.session.scalars(active_departments())
    ]
    form.tags.choices = [(t.code, t.label_for(locale)) for t in taggable_tags()]
    if rule is not None and request.method == "GET":
        form.kinds.data = rule.condition("kinds")
        form.channels.data = rule.condition("channels")
        form.severities.data = [str(v) for v in rule.condition("severities")]
        form.tags.data = rule.condition("tags")
        form.products.data = "\n".join(rule.condition("products"))
        form.words.data = "\n".join(rule.condition("words"))
    return form


def _rule_page(rule: RoutingRule | None):
    form = _form(rule)
    preview = None
    if form.validate_on_submit():
        if form.action.data == "preview":
            preview = dry_run(form.conditions(), user=current_user)
        else:
            data = RuleInput(
                form.name.data, form.department_id.data, form.conditions(), form.is_active.data
            )
            try:
                with transaction():
                    current = db.session.get(RoutingRule, rule.id) if rule else None
                    saved = save_rule(data, actor=current_user, rule=current)
            except RoutingError as error:
                flash(routing_message(error.code), "error")
            else:
                flash(_("Routing rule “%(name)s” was saved.", name=saved.name), "success")
                return redirect(url_for("routing.index"))
    return render_template("routing/form.html", form=form, rule=rule, preview=preview)


@bp.route("/new", methods=["GET", "POST"])
@allow("admin")
def new():
    return _rule_page(None)


@bp.route("/<int:rule_id>", methods=["GET", "POST"])
@allow("admin")
def edit(rule_id: int):
    return _rule_page(db.session.get(RoutingRule, rule_id) or abort(404))


@bp.post("/<int:rule_id>/move")
@allow("admin")
def move(rule_id: int):
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    with transaction():
        rule = db.session.get(RoutingRule, rule_id) or abort(404)
        move_rule(rule, actor=current_user, direction=-1 if form.direction.data == "up" else 1)
    return redirect(url_for("routing.index"))
