"""The weekly digest by e-mail: each reader's choice (which digest, or none) and, for admins,
who receives it and what was sent. A part of the digest's blueprint (relq/digest/capability.py
registers it): /digest/subscription and /digest/readers.

Thin views: the choice goes through relq.digest.delivery.subscribe, which checks that the
reader may read the scope chosen; the readers' list is relq.digest.delivery.readers.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from relq.access import EVERYONE, allow
from relq.db import transaction, utcnow
from relq.digest import delivery
from relq.digest.delivery_forms import COMPANY, NONE, SubscriptionForm
from relq.i18n import locale_code
from relq.nav import NavItem
from relq.org.models import User

bp = Blueprint("delivery", __name__)


def can_see_readers(user: User) -> bool:
    return user.is_active and user.role == "admin"


MENU = (
    NavItem("digest.delivery.readers", _l("Digest readers"), visible=can_see_readers, order=78),
)
AUDIT_LABELS = {"digest_subscription.updated": _l("Weekly digest e-mail setting changed")}
AUDIT_OBJECTS = {"digest_subscription": _l("Weekly digest e-mail setting")}


@bp.route("/subscription", methods=["GET", "POST"])
@allow(EVERYONE)
def subscription():
    locale = locale_code()
    names = delivery.scope_names(locale, _("The company"))
    scopes = delivery.readable_scopes(current_user)
    active, scope, is_default = delivery.subscription_of(current_user)
    form = SubscriptionForm(data={"scope": SubscriptionForm.value_of(active, scope)})
    form.scope.choices = [(NONE, _("No weekly digest by e-mail"))] + [
        (COMPANY if s is None else str(s), names.get(s, "")) for s in scopes
    ]
    if form.validate_on_submit():
        chosen_active, chosen_scope = form.chosen()
        with transaction():
            changed = delivery.subscribe(
                current_user,
                actor=current_user,
                active=chosen_active,
                department_id=chosen_scope,
            )
        if changed:
            flash(_("Your weekly digest setting was saved."), "success")
        return redirect(url_for("digest.delivery.subscription"))
    return render_template(
        "digest/subscription.html",
        form=form,
        is_default=is_default,
        can_read_any=bool(scopes),
        mail_enabled=delivery.mail_enabled(),
    )


@bp.get("/readers")
@allow("admin")
def readers():
    from relq.digest.week import IsoWeek

    locale = locale_code()
    week = IsoWeek.last_complete(utcnow())
    sent = {d.user_id: d for d in delivery.deliveries_of(week)}
    return render_template(
        "digest/subscription_readers.html",
        readers=delivery.readers(),
        names=delivery.scope_names(locale, _("The company")),
        week=week,
        sent=sent,
        due_at=delivery.next_send_at(utcnow()),
        mail_enabled=delivery.mail_enabled(),
    )
