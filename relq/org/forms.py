from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from relq.forms import RelqForm
from relq.org.models import LOCALES

ROLE_LABELS = {
    "operator": _l("Operator"),
    "lead": _l("Department lead"),
    "executive": _l("Executive"),
    "admin": _l("Administrator"),
}
LOCALE_LABELS = {"ja": "日本語", "en": "English"}


class UserForm(RelqForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()), validators=[DataRequired()])
    department_id = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    is_active = BooleanField(_l("May log in"), default=True)


class NewUserForm(UserForm):
    email = StringField(
        _l("E-mail"),
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address.")),
        ],
    )
    locale = SelectField(_l("Language"), choices=[(c, LOCALE_LABELS[c]) for c in LOCALES])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=10, max=256)]
    )


class DepartmentForm(RelqForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(
                r"^[a-z][a-z0-9_-]{1,31}$", message=_l("2–32 lower-case letters, digits, - or _.")
            ),
        ],
    )
    name_ja = StringField(_l("Name (Japanese)"), validators=[DataRequired(), Length(max=80)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    is_customer_contact = BooleanField(_l("Takes customer contacts (operators work here)"))
    is_active = BooleanField(_l("Active"), default=True)
