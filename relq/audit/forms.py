from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from relq.forms import RelqForm


class AuditFilterForm(RelqForm):
    """The audit trail's filters, read from the query string (GET: nothing changes)."""

    class Meta:
        csrf = False

    actor = SelectField(_l("Who"), coerce=int, default=0, validators=[Optional()])
    action = SelectField(_l("What"), default="", validators=[Optional()])
    entity_type = SelectField(_l("Object"), default="", validators=[Optional()])
    case = StringField(_l("Case"), validators=[Optional(), Length(max=40)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
