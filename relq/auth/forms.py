from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, EqualTo, Length

from relq.forms import RelqForm


class LoginForm(RelqForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class PasswordForm(RelqForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=256)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )


class LocaleForm(RelqForm):
    locale = SelectField(choices=[("ja", "日本語"), ("en", "English")])
