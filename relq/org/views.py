from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from relq.access import allow
from relq.db import db, transaction
from relq.org.forms import ROLE_LABELS, DepartmentForm, NewUserForm, UserForm
from relq.org.models import Department, User, active_departments
from relq.org.services import (
    DepartmentInput,
    OrgError,
    UserInput,
    create_department,
    create_user,
    update_department,
    update_user,
)

bp = Blueprint("org", __name__, url_prefix="/admin")

ORG_MESSAGES = {
    "unknown_role": lambda: _("Choose a role."),
    "unknown_locale": lambda: _("Choose a language."),
    "unknown_department": lambda: _("Choose an active department."),
    "operator_needs_contact_department": lambda: _(
        "Operators belong to a department that takes customer contacts."
    ),
    "email_taken": lambda: _("A user with this e-mail address exists already."),
    "cannot_demote_self": lambda: _("You cannot remove your own administrator rights."),
    "code_taken": lambda: _("A department with this code exists already."),
    "department_has_users": lambda: _("Move or deactivate its active users first."),
    "too_short": lambda: _("Use at least 10 characters."),
    "like_email": lambda: _("Do not use the e-mail address as a password."),
}


def org_message(code: str) -> str:
    message = ORG_MESSAGES.get(code)
    return message() if message else code


@bp.app_context_processor
def org_vocabulary():
    return {"ROLE_LABELS": ROLE_LABELS}


def _department_choices():
    locale = str(get_locale())
    return [(d.id, d.name_for(locale)) for d in db.session.scalars(active_departments())]


@bp.get("/users")
@allow("admin")
def users():
    rows = db.session.scalars(select(User).order_by(User.department_id, User.role, User.name)).all()
    return render_template("org/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@allow("admin")
def new_user():
    form = NewUserForm()
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        data = UserInput(
            email=form.email.data,
            name=form.name.data,
            role=form.role.data,
            department_id=form.department_id.data,
            locale=form.locale.data,
            password=form.password.data,
        )
        try:
            with transaction():
                user = create_user(data, actor=current_user)
        except OrgError as error:
            flash(org_message(error.code), "error")
        else:
            flash(_("User %(email)s was created.", email=user.email), "success")
            return redirect(url_for("org.users"))
    return render_template("org/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow("admin")
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user)
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        try:
            with transaction():
                user = db.session.get(User, user_id)
                update_user(
                    user,
                    actor=current_user,
                    role=form.role.data,
                    department_id=form.department_id.data,
                    is_active=form.is_active.data,
                    name=form.name.data,
                )
        except OrgError as error:
            flash(org_message(error.code), "error")
        else:
            flash(_("User %(email)s was updated.", email=user.email), "success")
            return redirect(url_for("org.users"))
    return render_template("org/user_form.html", form=form, user=user)


@bp.get("/departments")
@allow("admin")
def departments():
    counts = dict(
        db.session.execute(
            select(User.department_id, func.count(User.id))
            .where(User.is_active.is_(True))
            .group_by(User.department_id)
        ).all()
    )
    rows = db.session.scalars(select(Department).order_by(Department.id)).all()
    return render_template("org/departments.html", departments=rows, user_counts=counts)


@bp.route("/departments/new", methods=["GET", "POST"])
@allow("admin")
def new_department():
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            with transaction():
                department = create_department(_department_input(form), actor=current_user)
        except OrgError as error:
            flash(org_message(error.code), "error")
        else:
            flash(
                _("Department %(name)s was created.", name=department.name_for(str(get_locale()))),
                "success",
            )
            return redirect(url_for("org.departments"))
    return render_template("org/department_form.html", form=form, department=None)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@allow("admin")
def edit_department(department_id: int):
    department = db.session.get(Department, department_id) or abort(404)
    form = DepartmentForm(obj=department)
    if request.method == "POST":
        form.code.data = department.code  # the code never changes
    if form.validate_on_submit():
        try:
            with transaction():
                department = db.session.get(Department, department_id)
                update_department(department, _department_input(form), actor=current_user)
        except OrgError as error:
            flash(org_message(error.code), "error")
        else:
            flash(
                _("Department %(name)s was updated.", name=department.name_for(str(get_locale()))),
                "success",
            )
            return redirect(url_for("org.departments"))
    return render_template("org/department_form.html", form=form, department=department)


def _department_input(form: DepartmentForm) -> DepartmentInput:
    return DepartmentInput(
        code=form.code.data,
        name_ja=form.name_ja.data,
        name_en=form.name_en.data,
        is_customer_contact=form.is_customer_contact.data,
        is_active=form.is_active.data,
    )
