"""The form of the weekly digest's e-mail settings. Its choices are set by the view from the
scopes the reader may read; the service checks the choice again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField

from relq.forms import RelqForm

NONE = "none"
COMPANY = "company"


class SubscriptionForm(RelqForm):
    scope = RadioField(
        _l("Send me the weekly digest"),
        choices=[],
        validate_choice=True,
    )

    @staticmethod
    def value_of(active: bool, department_id: int | None) -> str:
        if not active:
            return NONE
        return COMPANY if department_id is None else str(department_id)

    def chosen(self) -> tuple[bool, int | None]:
        """(subscribed, scope) of the submitted choice (one of the form's choices)."""
        value = self.scope.data
        if value == NONE:
            return False, None
        if value == COMPANY:
            return True, None
        return True, int(value)
