"""The API token page's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length

from relq.api.models import SCOPES
from relq.forms import RelqForm


class TokenForm(RelqForm):
    name = StringField(
        _l("Name (what the token is for)"), validators=[DataRequired(), Length(max=80)]
    )
    scope = RadioField(
        _l("Scope"), choices=list(SCOPES.items()), default="read", validate_choice=True
    )


class RevokeForm(RelqForm):
    """Nothing but the CSRF token."""
