"""relq: the voice of the customer, carried from the front line to the people who own it."""

from __future__ import annotations

import os
from pathlib import Path

from flask import (
    Flask,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFError, CSRFProtect

ROOT = Path(__file__).resolve().parent.parent

csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()


def create_app(config: str | type | dict | None = None) -> Flask:
    """Build the app. `config`: a name from config.CONFIGS, a class, or a dict of overrides
    applied on top of the class named by RELQ_CONFIG (development by default)."""
    import config as settings

    overrides: dict = {}
    if isinstance(config, dict):
        overrides, config = config, None
    if config is None or isinstance(config, str):
        name = config or os.environ.get("RELQ_CONFIG", "development")
        if name not in settings.CONFIGS:
            raise settings.ConfigError(f"RELQ_CONFIG must be one of {sorted(settings.CONFIGS)}")
        config = settings.CONFIGS[name]

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(settings.INSTANCE),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    config.validate(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///") :]).parent.mkdir(
            parents=True, exist_ok=True
        )

    from relq import (
        cache,
        models,  # noqa: F401  (every model, for Alembic and relationships)
        speedups,
    )
    from relq.access import check_endpoints_declared, enforce_endpoint_access
    from relq.db import db, init_db
    from relq.i18n import init_i18n
    from relq.security import init_security

    init_db(app)
    with app.app_context():
        cache.watch(db.engine)  # every write marks its cache topic (relq/cache.py)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    init_login(app)
    init_i18n(app)
    init_security(app)

    from relq.capabilities import capabilities
    from relq.capability import install
    from relq.cli import cli
    from relq.errors import register_error_pages

    install(app, capabilities())
    speedups.install(app)
    app.cli.add_command(cli)
    register_error_pages(app)

    from relq.access import ANONYMOUS, allow

    @app.get("/")
    @allow(ANONYMOUS)
    def index():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        # Each role lands where its work waits: admins on the people, leads on their inbox,
        # executives on the weekly digest (what customers said, what is stuck, what waits for
        # them, with the escalation board one link away), the front line on the cases.
        landing = {
            "admin": "org.users",
            "lead": "answers.index",
            "executive": "digest.index",
        }.get(current_user.role, "cases.index")
        return redirect(url_for(landing))

    @app.get("/favicon.ico")
    @allow(ANONYMOUS)
    def favicon():
        # Browsers ask for it on every page, whatever the pages link to.
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    @app.get("/healthz")
    @allow(ANONYMOUS)
    def healthz():
        db.session.execute(db.text("SELECT 1"))
        return {"status": "ok"}

    from relq import nav

    app.jinja_env.globals["nav_items"] = nav.items_for
    app.before_request(enforce_endpoint_access)
    check_endpoints_declared(app)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        app.logger.warning("CSRF refused: %s", error.description)
        return render_template("errors/csrf.html"), 400

    return app


def init_login(app: Flask) -> None:
    from relq.auth.services import load_login_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Our server-side login session is the authority; Flask-Login's IP/agent hash is not needed.
    login_manager.session_protection = None

    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        sid = session.get("sid")
        user = load_login_user(sid)
        if user is None or str(user.id) != user_id:
            return None
        g.login_session_id = sid
        return user
