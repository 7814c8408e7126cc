"""The page where each person keeps their API tokens (/settings/api-tokens): create one (its
secret shown once, on the answer to the POST, never again), see name, scope, created and last
used, revoke. Admins see everyone's and revoke any."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from relq.access import EVERYONE, allow, require
from relq.api.forms import RevokeForm, TokenForm
from relq.api.models import SCOPES
from relq.api.tokens import can_manage_all_tokens, create_token, revoke_token, token_rows
from relq.db import transaction
from relq.i18n import translated

bp = Blueprint("tokens", __name__, url_prefix="/settings/api-tokens")


def _page(form: TokenForm, *, secret: str | None = None, status: int = 200):
    response = render_template(
        "api/tokens.html",
        form=form,
        rows=token_rows(current_user),
        secret=secret,
        scopes=translated(SCOPES),
        revoke_form=RevokeForm(),
        everyone=False,
    )
    # The page may carry a secret: no cache keeps it (relq/security.py sets no-store on pages).
    return response, status


@bp.get("/")
@allow(EVERYONE)
def index():
    return _page(TokenForm())


@bp.post("/")
@allow(EVERYONE)
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    with transaction():
        made = create_token(current_user, name=form.name.data, scope=form.scope.data)
        name, secret = made.token.name, made.secret
    flash(
        _("The token “%(name)s” was created. Copy it now: it is not shown again.", name=name),
        "success",
    )
    return _page(TokenForm(formdata=None), secret=secret)


@bp.post("/<int:token_id>/revoke")
@allow(EVERYONE)
def revoke(token_id: int):
    RevokeForm().validate_on_submit()  # (the CSRF token is checked before the view)
    with transaction():
        token = revoke_token(current_user, token_id)  # someone else's: NotFound, a 404
        name, own = token.name, token.user_id == current_user.id
    flash(_("The token “%(name)s” was revoked.", name=name), "success")
    return redirect(url_for("api.tokens.index" if own else "api.tokens.everyone"))


@bp.get("/all")
@allow("admin")
def everyone():
    require(can_manage_all_tokens(current_user))
    return render_template(
        "api/tokens.html",
        form=None,
        rows=token_rows(current_user, everyone=True),
        secret=None,
        scopes=translated(SCOPES),
        revoke_form=RevokeForm(),
        everyone=True,
    )
