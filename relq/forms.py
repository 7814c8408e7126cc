"""The base of every form in relq: what any value a person sends must be, checked once here
rather than in each form."""

from __future__ import annotations

import re

from flask import Response, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# Control characters other than tab, LF and CR (C0, DEL and C1), and lone surrogates. Nobody
# types them; PostgreSQL's text cannot hold NUL (the insert fails), SQLite would keep it, and
# the others are invisible on the page or cannot be encoded at all.
REFUSED_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

CONTROL_CHARACTER_MESSAGE = _l("Remove the control characters (such as NUL) from this field.")


class RelqForm(FlaskForm):
    """Flask-WTF's form that also refuses, with a field error, any value sent with a control
    character (see REFUSED_CHARACTERS), in every field, whatever its own validators say.
    Forms read from the query string set `csrf = False` in their Meta."""

    def validate(self, extra_validators=None) -> bool:
        is_valid = super().validate(extra_validators)
        for field in self:
            # raw_data: what was sent, before a field's own filters or coercion.
            if any(
                isinstance(value, str) and REFUSED_CHARACTERS.search(value)
                for value in field.raw_data or ()
            ):
                field.errors = [*field.errors, CONTROL_CHARACTER_MESSAGE]
                is_valid = False
                if has_request_context():
                    g.relq_control_characters_refused = True
        self._errors = None  # form.errors is recomputed with the errors added here
        return is_valid


def answer_refused_form_with_422(response: Response) -> Response:
    """after_request: a form refused for its control characters, whose page is shown again,
    answers 422 whatever view showed it (some views show their own refusals with 200)."""
    if (
        request.method == "POST"
        and response.status_code == 200
        and g.get("relq_control_characters_refused")
    ):
        response.status_code = 422
    return response
