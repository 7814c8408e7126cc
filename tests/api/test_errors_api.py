"""Every API error is an RFC 9457 problem (application/problem+json with type, title,
status, detail; `errors` for fields): malformed JSON 400, wrong content type 415, oversized
body 413, unknown fields and wrong types 422, 404, 405; and nothing is saved half-way. Rate
limits per token with 429 and Retry-After, counted where every process sees the same count."""

from __future__ import annotations

import sqlalchemy as sa

from relq import create_app
from relq.cases.models import Case
from tests.api.helpers import ApiClient, make_token
from tests.factories import make_case

GOOD = {"kind": "inquiry", "channel": "phone", "subject": "件名", "customer_words": "本文"}


def _problem(response, status):
    assert response.status_code == status, response.get_data()[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def _no_case_saved(session):
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_malformed_json_is_400(app, org, session):
    api = ApiClient(app, make_token(org.operator))
    for raw in (b'{"kind": "inquiry",', b"\xff\xfe{}", b""):
        _problem(
            api.post("/api/v1/cases", raw=raw, headers={"Content-Type": "application/json"}), 400
        )
    _no_case_saved(session)


def test_wrong_content_type_is_415(app, org, session):
    api = ApiClient(app, make_token(org.operator))
    _problem(
        api.post(
            "/api/v1/cases",
            raw=b"kind=inquiry",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
    )
    _problem(
        api.post(
            "/api/v1/cases", raw=b"x", headers={"Content-Type": "multipart/form-data; boundary=x"}
        ),
        415,
    )
    _no_case_saved(session)


def test_oversized_body_is_413(app, org, session):
    api = ApiClient(app, make_token(org.operator))
    huge = GOOD | {"customer_words": "あ" * 30000}  # 90 kB of UTF-8, past the 64 kB limit
    _problem(api.post("/api/v1/cases", huge), 413)
    _no_case_saved(session)


def test_unknown_fields_and_wrong_types_are_422_with_the_fields(app, org, session):
    api = ApiClient(app, make_token(org.operator))
    unknown = _problem(api.post("/api/v1/cases", GOOD | {"priority": "high"}), 422)
    assert unknown["errors"][0]["loc"] == ["priority"]
    for field, value in (
        ("severity", "3"),
        ("severity", 9),
        ("kind", "praise"),
        ("subject", 42),
        ("subject", "x" * 201),
        ("subject", "ab\x00c"),
        ("received_at", "2026-12-01T10:00:00"),  # no zone: which time would it be?
        ("responsible_department_id", 2**40),
    ):
        body = _problem(api.post("/api/v1/cases", GOOD | {field: value}), 422)
        assert body["errors"][0]["loc"][0] == field, (field, value, body)
    _problem(api.post("/api/v1/cases", [GOOD]), 422)
    _problem(api.get("/api/v1/cases?limit=1000"), 422)
    _problem(api.get("/api/v1/cases?colour=red"), 422)
    _problem(api.get("/api/v1/cases?cursor=garbage"), 422)
    _no_case_saved(session)


def test_a_cursor_of_another_sort_or_tampered_is_422(app, org, session):
    for _ in range(3):
        make_case(org.operator)
    session.commit()
    api = ApiClient(app, make_token(org.operator))
    cursor = api.get("/api/v1/cases?limit=1").get_json()["next_cursor"]
    assert api.get(f"/api/v1/cases?limit=1&cursor={cursor}").status_code == 200
    _problem(api.get(f"/api/v1/cases?limit=1&sort=severity&cursor={cursor}"), 422)
    import base64

    forged = base64.urlsafe_b64encode(b'["-received_at",["x",1]]').decode().rstrip("=")
    _problem(api.get(f"/api/v1/cases?cursor={forged}"), 422)


def test_not_found_and_method_not_allowed(app, org, session):
    api = ApiClient(app, make_token(org.operator))
    _problem(api.get("/api/v1/cases/999999"), 404)
    _problem(api.get("/api/v1/cases/99999999999"), 404)
    _problem(api.get("/api/v1/nothing-here"), 404)
    _problem(api.request("DELETE", "/api/v1/cases"), 405)


def test_429_with_retry_after_counted_across_two_app_instances(db_url, org, session):
    """Two apps (two processes' worth of state) share one counter: 3 per hour in all."""
    import config as settings

    class Limited(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = db_url
        API_RATE = "3/hour"  # an hour: no window ends inside the test

    first, second = create_app(Limited), create_app(Limited)
    secret = make_token(org.operator)
    answers = []
    for app in (first, second, first, second):
        with app.app_context():
            answers.append(ApiClient(app, secret).get("/api/v1/me"))
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    _problem(refused, 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert answers[0].headers["RateLimit-Remaining"] == "2"
    # Another token of the same user has its own count.
    with second.app_context():
        assert ApiClient(second, make_token(org.operator)).get("/api/v1/me").status_code == 200


def _redis_url():
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return None
    return url


def test_429_on_redis_shared_by_two_app_instances(db_url, org, session):
    import pytest

    import config as settings

    url = _redis_url()
    if url is None:
        pytest.skip("no Redis at 127.0.0.1:6379")

    class OnRedis(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = db_url
        API_RATE = "2/hour"
        REDIS_URL = url

    first, second = create_app(OnRedis), create_app(OnRedis)
    secret = make_token(org.operator)
    answers = []
    for app in (first, second, first):
        with app.app_context():
            answers.append(ApiClient(app, secret).get("/api/v1/me"))
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    # Nothing was counted in the database.
    from relq.api.models import ApiRateWindow

    assert session.scalar(sa.select(sa.func.count()).select_from(ApiRateWindow)) == 0


def test_without_redis_the_count_falls_back_to_the_database(db_url, org, session):
    """REDIS_URL set but Redis down: the API still answers, and still limits (in the DB)."""
    import config as settings
    from relq.api.models import ApiRateWindow

    class RedisDown(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = db_url
        API_RATE = "2/hour"
        REDIS_URL = "redis://127.0.0.1:1/0"

    app = create_app(RedisDown)
    secret = make_token(org.operator)
    with app.app_context():
        statuses = [ApiClient(app, secret).get("/api/v1/me").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert session.scalar(sa.select(ApiRateWindow.hits)) == 3


def test_deeply_nested_json_is_400_not_a_crash(app, org, session):
    api = ApiClient(app, make_token(org.operator))
    nested = b"[" * 30000 + b"]" * 30000  # 60 kB, under the size limit
    _problem(
        api.post("/api/v1/cases", raw=nested, headers={"Content-Type": "application/json"}), 400
    )
    _no_case_saved(session)
