"""Bad mail settings stop the app at start, not at the first e-mail."""

import pytest

import config as settings
from relq import create_app


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"MAIL_PORT": "smtp"}, "MAIL_PORT must be a number"),
        ({"MAIL_PORT": "70000"}, "MAIL_PORT must be between"),
        ({"MAIL_QUEUE": "celery"}, "RELQ_MAIL_QUEUE"),
        ({"MAIL_SERVER": "smtp.example.jp", "MAIL_FROM": "relq"}, "MAIL_FROM"),
        ({"MAIL_USERNAME": "relq"}, "MAIL_PASSWORD"),
    ],
)
def test_bad_mail_settings_stop_the_app(overrides, message):
    with pytest.raises(settings.ConfigError, match=message):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **overrides})


def test_mail_port_from_the_environment_is_a_number():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "MAIL_PORT": "2525"})
    assert app.config["MAIL_PORT"] == 2525
