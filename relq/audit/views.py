from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from relq.access import allow, can_read_audit, require
from relq.audit.forms import AuditFilterForm
from relq.audit.services import AuditFilter, case_refs, recent_events
from relq.audit.values import readable_changes
from relq.capability import installed
from relq.cases.models import FIELD_LABELS, parse_ref
from relq.db import db
from relq.i18n import locale_code, viewer_zone
from relq.org.models import Department, User
from relq.security import MAX_ID

bp = Blueprint("audit", __name__, url_prefix="/audit")

PER_PAGE = 100


def department_name(department_id: int) -> str:
    department = db.session.get(Department, department_id)  # identity map: one query per page
    return department.name_for(str(get_locale())) if department else str(department_id)


def user_name(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.name if user else str(user_id)


@bp.app_context_processor
def audit_vocabulary():
    # Each capability words its own audit codes (relq/capability.py).
    return {
        "AUDIT_ACTIONS": installed().audit_labels,
        "AUDIT_OBJECTS": installed().audit_objects,
        "department_name": department_name,
        "user_name": user_name,
    }


@bp.app_template_filter("field_label")
def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.actor.choices = [(0, _("Everyone"))] + [
        (user.id, user.name) for user in db.session.scalars(select(User).order_by(User.name))
    ]
    vocabulary = installed()
    form.action.choices = [("", _("Every change"))] + sorted(
        ((code, str(label)) for code, label in vocabulary.audit_labels.items()),
        key=lambda choice: choice[1],
    )
    form.entity_type.choices = [("", _("Every object"))] + sorted(
        ((code, str(label)) for code, label in vocabulary.audit_objects.items()),
        key=lambda choice: choice[1],
    )
    return form


def _where(form: AuditFilterForm) -> AuditFilter:
    zone = viewer_zone()
    case_text = (form.case.data or "").strip()
    return AuditFilter(
        actor_id=form.actor.data or None,
        action=form.action.data or None,
        entity_type=form.entity_type.data or None,
        # A reference (C-2026-000123) or a bare id; one that names no case matches nothing.
        case_id=(parse_ref(case_text) or _bounded_id(case_text) or -1) if case_text else None,
        since=datetime.combine(form.since.data, time.min, zone) if form.since.data else None,
        before=datetime.combine(form.until.data + timedelta(days=1), time.min, zone)
        if form.until.data
        else None,
    )


def _bounded_id(text: str) -> int | None:
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


@bp.get("/")
@allow("admin", "executive")
def index():
    require(can_read_audit(current_user))
    form = _filter_form()
    if not form.validate():
        return render_template("audit/list.html", form=form, events=[], page=1), 422
    page = max(1, request.args.get("page", 1, type=int))
    events = recent_events(PER_PAGE + 1, offset=(page - 1) * PER_PAGE, where=_where(form))
    has_next = len(events) > PER_PAGE
    locale = locale_code()
    events = events[:PER_PAGE]
    return render_template(
        "audit/list.html",
        form=form,
        events=[(event, readable_changes(event, locale)) for event in events],
        refs=case_refs(events),
        page=page,
        has_next=has_next,
        args={k: v for k, v in request.args.items() if k != "page"},
    )
