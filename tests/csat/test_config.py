"""Bad survey settings stop the app at start."""

import pytest

import config as settings
from relq import create_app


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"CSAT_DAYS": "two weeks"}, "RELQ_CSAT_DAYS must be a whole number"),
        ({"CSAT_DAYS": "0"}, "RELQ_CSAT_DAYS must be 1 to 365"),
        ({"CSAT_DELAY_HOURS": "-1"}, "RELQ_CSAT_DELAY_HOURS must be 0 to 720"),
        ({"CSAT_DELAY_HOURS": "1.5"}, "RELQ_CSAT_DELAY_HOURS must be a whole number"),
    ],
)
def test_bad_survey_settings_stop_the_app(overrides, message):
    with pytest.raises(settings.ConfigError, match=message):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **overrides})


def test_survey_settings_from_the_environment_are_numbers():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "CSAT_DAYS": "30"})
    assert (app.config["CSAT_DAYS"], app.config["CSAT_DELAY_HOURS"]) == (30, 24)
