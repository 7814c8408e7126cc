"""Departments and users, managed by admins. Every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from relq import access
from relq.audit.services import apply_changes, record
from relq.auth.services import check_new_password, end_all_login_sessions, hash_password
from relq.cache import cached
from relq.db import db
from relq.errors import CodedError
from relq.org.models import LOCALES, ROLES, Department, User, active_departments


class OrgError(CodedError):
    """A refused change; `code` says why, the view translates it."""


@dataclass
class UserInput:
    email: str
    name: str
    role: str
    department_id: int
    locale: str = "ja"
    password: str = ""


def _check_user(data: UserInput) -> Department:
    if data.role not in ROLES:
        raise OrgError("unknown_role")
    if data.locale not in LOCALES:
        raise OrgError("unknown_locale")
    department = db.session.get(Department, data.department_id)
    if department is None or not department.is_active:
        raise OrgError("unknown_department")
    # Operators take customers' calls: they belong to a customer-contact department.
    if data.role == "operator" and not department.is_customer_contact:
        raise OrgError("operator_needs_contact_department")
    return department


def create_user(data: UserInput, *, actor: User | None) -> User:
    """Create a user. `actor` None is the command line. Raises OrgError."""
    if actor is not None and not access.can_manage_org(actor):
        raise OrgError("not_allowed")
    _check_user(data)
    email = data.email.strip().lower()
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise OrgError("email_taken")
    user = User(
        email=email,
        name=data.name.strip(),
        role=data.role,
        department_id=data.department_id,
        locale=data.locale,
        password_hash="!",  # noqa: S106  (no login until the real hash is set below)
    )
    check_new_password(user, data.password)
    user.password_hash = hash_password(data.password)
    db.session.add(user)
    db.session.flush()
    record(
        "user.created",
        actor=actor,
        entity_type="user",
        entity_id=user.id,
        after={"email": email, "role": user.role, "department_id": user.department_id},
    )
    return user


def update_user(
    user: User, *, actor: User, role: str, department_id: int, is_active: bool, name: str
) -> User:
    """Change a user's role, department, name or whether they may log in. A deactivated user's
    logins end at once. Admins cannot lock themselves out. Raises OrgError."""
    if not access.can_manage_org(actor):
        raise OrgError("not_allowed")
    _check_user(UserInput(user.email, name, role, department_id, user.locale))
    if user.id == actor.id and (role != "admin" or not is_active):
        raise OrgError("cannot_demote_self")
    after = apply_changes(
        user,
        {
            "role": role,
            "department_id": department_id,
            "is_active": is_active,
            "name": name.strip(),
        },
        action="user.updated",
        actor=actor,
        entity_type="user",
    )
    if after.get("is_active") is False or "role" in after or "department_id" in after:
        # What the user may see changed: their open logins must not keep the old view.
        end_all_login_sessions(user)
    return user


def set_locale(user: User, *, actor: User, locale: str) -> None:
    if locale not in LOCALES:
        raise OrgError("unknown_locale")
    apply_changes(
        user, {"locale": locale}, action="user.locale_changed", actor=actor, entity_type="user"
    )


@cached("org")
def department_choices(locale: str) -> list[tuple[int, str]]:
    """(id, name) of the active departments, for the choosers on busy pages."""
    return [(d.id, d.name_for(locale)) for d in db.session.scalars(active_departments())]


@dataclass
class DepartmentInput:
    code: str
    name_ja: str
    name_en: str
    is_customer_contact: bool = False
    is_active: bool = True


def create_department(data: DepartmentInput, *, actor: User | None) -> Department:
    if actor is not None and not access.can_manage_org(actor):
        raise OrgError("not_allowed")
    code = data.code.strip().lower()
    if db.session.scalar(select(Department.id).where(Department.code == code)):
        raise OrgError("code_taken")
    department = Department(
        code=code,
        name_ja=data.name_ja.strip(),
        name_en=data.name_en.strip(),
        is_customer_contact=data.is_customer_contact,
        is_active=data.is_active,
    )
    db.session.add(department)
    db.session.flush()
    record(
        "department.created",
        actor=actor,
        entity_type="department",
        entity_id=department.id,
        after={"code": code, "name_ja": department.name_ja, "name_en": department.name_en},
    )
    return department


def update_department(department: Department, data: DepartmentInput, *, actor: User) -> Department:
    """Rename a department or change its flags; the code never changes (it is referenced).
    A department that still has active users cannot be deactivated. Raises OrgError."""
    if not access.can_manage_org(actor):
        raise OrgError("not_allowed")
    changes = {
        "name_ja": data.name_ja.strip(),
        "name_en": data.name_en.strip(),
        "is_customer_contact": data.is_customer_contact,
        "is_active": data.is_active,
    }
    if not data.is_active and department.is_active:
        active_users = db.session.scalar(
            select(User.id).where(User.department_id == department.id, User.is_active.is_(True))
        )
        if active_users:
            raise OrgError("department_has_users")
    apply_changes(
        department, changes, action="department.updated", actor=actor, entity_type="department"
    )
    return department
