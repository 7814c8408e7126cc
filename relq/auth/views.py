from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from relq.access import ANONYMOUS, EVERYONE, allow
from relq.auth.forms import LocaleForm, LoginForm, PasswordForm
from relq.auth.services import (
    LoginThrottled,
    PasswordRejected,
    authenticate,
    change_password,
    end_login_session,
    start_login_session,
)
from relq.db import transaction
from relq.org.services import set_locale

bp = Blueprint("auth", __name__)

PASSWORD_MESSAGES = {
    "wrong_current": lambda: _("The current password is not right."),
    "too_short": lambda: _("Use at least 10 characters."),
    "like_email": lambda: _("Do not use your e-mail address as a password."),
}


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an absolute or scheme-relative URL (open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _begin(user) -> None:
    login = start_login_session(
        user, ip=request.remote_addr, user_agent=request.headers.get("User-Agent")
    )
    locale = session.get("locale")
    session.clear()  # a fresh session for a fresh login (no fixation)
    if locale:
        session["locale"] = locale
    session["sid"] = login.id
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@allow(ANONYMOUS)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            with transaction():
                user = authenticate(form.email.data, form.password.data, ip=request.remote_addr)
                if user is not None:
                    _begin(user)
        except LoginThrottled as error:
            flash(
                _(
                    "Too many failed attempts. Try again in %(minutes)d minutes.",
                    minutes=error.minutes,
                ),
                "error",
            )
            return render_template("auth/login.html", form=form), 429
        if user is None:
            flash(_("The e-mail address or the password is not right."), "error")
            return render_template("auth/login.html", form=form), 200
        return redirect(_safe_next(form.next.data) or url_for("index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@allow(EVERYONE)
def logout():
    with transaction():
        end_login_session(g.login_session_id, actor=current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(EVERYONE)
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            with transaction():
                change_password(user, actor=user, current=form.current.data, new=form.new.data)
                _begin(user)
        except PasswordRejected as error:
            form.new.errors.append(PASSWORD_MESSAGES[error.reason]())
        else:
            flash(_("Your password was changed. Every other login has ended."), "success")
            return redirect(url_for("index"))
    return render_template("auth/password.html", form=form)


@bp.post("/language")
@allow(ANONYMOUS)
def language():
    form = LocaleForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            with transaction():
                set_locale(
                    current_user._get_current_object(), actor=current_user, locale=form.locale.data
                )
        session["locale"] = form.locale.data
    return redirect(_safe_next(request.form.get("next")) or url_for("index"))
