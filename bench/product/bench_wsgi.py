"""gunicorn entry point for the benchmark: the app of wsgi.py, as RELQ_CONFIG builds it, with
the session cookie not marked Secure, because the benchmark speaks plain HTTP on loopback
(see serve.sh).  Everything else, including RELQ_CONFIG=production, is unchanged."""

from relq import create_app

app = create_app({"SESSION_COOKIE_SECURE": False})
