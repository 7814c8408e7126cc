"""Login: an unknown e-mail costs what a wrong password costs, so timing names no account."""

from __future__ import annotations

import time

from relq.auth.services import authenticate, hash_password


def _fastest(attempt, tries: int = 5) -> float:
    # The work done (this process's CPU time, which other jobs on the machine do not inflate
    # as they do wall time), the fastest of a few tries. Before the fix the two paths differed
    # some 80 times (0.9 ms against 78 ms); the bounds below leave room for noise only.
    times = []
    for _ in range(tries):
        started = time.process_time()
        assert attempt() is None
        times.append(time.process_time() - started)
    return min(times)


def test_unknown_email_takes_as_long_as_a_wrong_password(app, org, session):
    # The production hasher (werkzeug's scrypt default), not the test configuration's cheap one.
    app.config.pop("PASSWORD_HASH_METHOD", None)
    app.config["LOGIN_MAX_FAILURES"] = 100
    org.operator.password_hash = hash_password("correct horse battery")
    session.flush()
    assert org.operator.password_hash.startswith("scrypt:")

    authenticate("nobody@example.jp", "a guess", ip=None)  # the dummy hash may be made once
    known = _fastest(lambda: authenticate(org.operator.email, "a guess", ip=None))
    unknown = _fastest(lambda: authenticate("nobody@example.jp", "a guess", ip=None))
    assert 1 / 3 <= unknown / known <= 3, (
        f"known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms"
    )


def test_the_dummy_hash_follows_the_configured_method(app, org):
    from relq.auth import services

    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1001"
    assert authenticate("nobody@example.jp", "a guess", ip=None) is None
    assert services._dummy_hash().startswith("pbkdf2:sha256:1001$")
