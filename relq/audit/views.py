from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from relq.access import allow, can_read_audit, require
from relq.audit.services import recent_events
from relq.capability import installed
from relq.cases.models import FIELD_LABELS
from relq.db import db
from relq.org.models import Department, User

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
        "department_name": department_name,
        "user_name": user_name,
    }


@bp.app_template_filter("field_label")
def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


@bp.get("/")
@allow("admin", "executive")
def index():
    require(can_read_audit(current_user))
    page = max(1, request.args.get("page", 1, type=int))
    events = recent_events(PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    return render_template(
        "audit/list.html", events=events[:PER_PAGE], page=page, has_next=len(events) > PER_PAGE
    )
