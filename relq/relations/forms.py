from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField
from wtforms.validators import NumberRange, Optional

from relq.forms import RelqForm
from relq.relations.services import MAX_WEEKS


class PeriodForm(RelqForm):
    """The map's period, read from the query string (GET: nothing changes): the week it starts
    in and how many whole weeks."""

    class Meta:
        csrf = False

    start = DateField(_l("From the week of"), validators=[Optional()])
    weeks = IntegerField(
        _l("Weeks"),
        validators=[
            Optional(),
            NumberRange(1, MAX_WEEKS, message=_l("Enter between %(min)s and %(max)s weeks.")),
        ],
    )
