"""gunicorn entry point: `gunicorn wsgi:app` (configuration from the environment)."""

from relq import create_app

app = create_app()
