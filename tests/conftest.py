"""Test set-up on a real database.

SQLite (default): the schema is built once per session by the migrations into a template
file; each test gets its own copy of it. PostgreSQL (`--db=postgresql+psycopg://...`): one
database per test session (per xdist worker), migrated once; each test starts from empty
tables (TRUNCATE). When PostgreSQL cannot be reached, every test skips and says why.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("RELQ_CONFIG", "test")


def pytest_addoption(parser):
    parser.addoption(
        "--db", default="sqlite", help="sqlite, or a PostgreSQL URL to run the suite on"
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Debian's chromium through Playwright")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def pytest_report_header(config):
    return f"relq database: {config.getoption('--db')}"


# ---- database --------------------------------------------------------------------------------


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from relq.db import db

    app = _test_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _test_app(url: str):
    import config as settings
    from relq import create_app

    class Config(settings.TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


@pytest.fixture(scope="session")
def database(request, tmp_path_factory):
    """What each test's database is made from: ("sqlite", template path) or ("postgresql", url)."""
    option = request.config.getoption("--db")
    if option == "sqlite":
        template = tmp_path_factory.mktemp("template") / "relq.db"
        _migrate(f"sqlite:///{template}")
        return "sqlite", template
    import psycopg

    admin_url = option.replace("postgresql+psycopg://", "postgresql://")
    # One database per test run and worker: two runs side by side (two developers, a helper)
    # never drop each other's database.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"relq_test_{worker}_{os.getpid()}"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {admin_url}: {str(error).strip()}")
    url = re.sub(r"/[^/]*$", f"/{name}", option)

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    request.addfinalizer(drop)
    _migrate(url)
    return "postgresql", url


@pytest.fixture
def db_url(database, tmp_path):
    kind, source = database
    if kind == "sqlite":
        path = tmp_path / "relq.db"
        shutil.copyfile(source, path)
        return f"sqlite:///{path}"
    _truncate_all(source)
    return source


def _truncate_all(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = conn.scalars(
            sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).all()
        if tables:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(db_url):
    app = _test_app(db_url)
    with app.app_context():
        yield app
        from relq.db import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app):
    from relq.db import db

    return db.session


# ---- the organisation every test starts from ------------------------------------------------


@pytest.fixture
def org(app):
    """Departments cs (customer contact), qa and logistics, a user of every role, and the
    starter tag list."""
    from relq.db import transaction
    from relq.tags.services import seed_default_tags
    from tests.factories import make_department, make_user

    with transaction():
        seed_default_tags()
        cs = make_department("cs", "お客様相談室", "Customer Consultation Office", contact=True)
        qa = make_department("qa", "品質保証部", "Quality Assurance")
        logistics = make_department("logistics", "物流部", "Logistics")
        people = {
            "operator": make_user("operator", cs, name="佐藤 美咲"),
            "operator2": make_user("operator", cs, name="田中 健"),
            "lead_cs": make_user("lead", cs, name="鈴木 一郎"),
            "lead_qa": make_user("lead", qa, name="高橋 誠"),
            "lead_logistics": make_user("lead", logistics, name="伊藤 由美"),
            "executive": make_user("executive", qa, name="渡辺 社長"),
            "admin": make_user("admin", cs, name="管理 太郎"),
        }
    return _Org(cs=cs, qa=qa, logistics=logistics, **people)


class _Org:
    def __init__(self, **items):
        self.__dict__.update(items)


# ---- clients --------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """Flask's test client with a CSRF token at hand, as a browser would have.

    Each request runs in a fresh context (its own app context, `g` and database session, as
    in production), after the test's own session has committed what it set up; afterwards
    the test's session starts a new transaction, so that it sees what the request did.
    """

    def __init__(self, app):
        self.app = app
        self.http = _IsolatedClient(app.test_client())

    def csrf(self, path: str = "/login") -> str:
        response = self.http.get(path)
        match = CSRF.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def get(self, path, **kwargs):
        return self.http.get(path, **kwargs)

    def post(self, path, data=None, *, csrf: bool = True, token_from: str | None = None, **kwargs):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.csrf(token_from or "/login")
        return self.http.post(path, data=data, **kwargs)

    def login(self, user, password: str = "correct horse battery"):
        response = self.post("/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return self


class _IsolatedClient:
    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        method = getattr(self._client, name)
        if name not in ("get", "post", "open"):
            return method

        def isolated(*args, **kwargs):
            from flask import has_app_context

            from relq.db import db

            if has_app_context():
                db.session.commit()
            response = contextvars.Context().run(method, *args, **kwargs)
            if has_app_context():
                db.session.commit()
            return response

        return isolated


@pytest.fixture
def client(app):
    return Client(app)


@pytest.fixture
def login_as(app):
    """login_as(user) -> a client logged in as that user."""

    def make(user, password: str = "correct horse battery"):
        return Client(app).login(user, password)

    return make


@pytest.fixture
def tmp_dir(tmp_path) -> Path:
    return tmp_path


@pytest.fixture
def empty_url(database, tmp_path):
    """The URL of an empty database of the kind under test, for migrations to build (dropped
    afterwards on PostgreSQL)."""
    kind, source = database
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    import psycopg

    admin = source.replace("postgresql+psycopg://", "postgresql://")
    name = re.search(r"/([^/]+)$", source).group(1) + "_migrations"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield re.sub(r"/[^/]+$", f"/{name}", source)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
