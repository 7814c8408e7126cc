"""The digest's forms: the scope chosen in the query string, and the admins' archive button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from relq.forms import RelqForm
from relq.security import MAX_ID


class ScopeForm(RelqForm):
    """?department=ID (GET: nothing changes); none means the company."""

    class Meta:
        csrf = False

    department = IntegerField(_l("Department"), validators=[Optional(), NumberRange(1, MAX_ID)])


class ArchiveForm(RelqForm):
    """Store a computed week as its archived snapshot (POST, CSRF)."""

    department = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])
