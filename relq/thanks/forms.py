from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from relq.forms import RelqForm
from relq.thanks.services import QUOTE_MAX, SOURCES, STAFF_NAME_MAX


class ShareForm(RelqForm):
    # Choices are set by the view; the service checks the department and the person, so that
    # a stale page gets the same answer as a forged one.
    department_id = SelectField(
        _l("Department thanked"), coerce=int, validators=[DataRequired()], validate_choice=False
    )
    staff_user_id = SelectField(
        _l("Staff member named"),
        coerce=int,
        default=0,
        validators=[Optional()],
        validate_choice=False,
    )
    staff_name = StringField(
        _l("…or their name as the customer gave it"),
        validators=[Optional(), Length(max=STAFF_NAME_MAX)],
    )
    quote = TextAreaField(_l("What to share"), validators=[DataRequired(), Length(max=QUOTE_MAX)])


class FeedFilterForm(RelqForm):
    """The feed's filters, read from the query string (GET: nothing changes)."""

    class Meta:
        csrf = False

    department = SelectField(_l("Department"), coerce=int, default=0, validators=[Optional()])
    source = SelectField(
        _l("Thanks from"),
        choices=[("", _l("Customers and departments"))] + list(SOURCES.items()),
        default="",
        validators=[Optional()],
    )
    mine = BooleanField(_l("Thanks to me"))
    page = IntegerField(default=1, validators=[Optional()])
