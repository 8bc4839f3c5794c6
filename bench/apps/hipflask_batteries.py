"""The battery scenarios on hipflask: a database read, a page, a login-protected page, limits.

The app is the Flask + Flask-SQLAlchemy + Flask-Login one (``flask_batteries.py``) with its
imports changed; the limited routes are hipflask's alone (their cost is read against ``hello``).
"""

from __future__ import annotations

import os
from typing import Any

from bench.apps.batteries import PER_PAGE, READ_ID, database
from bench.apps.spec import SECRET_KEY
from hipflask import App
from hipflask.auth import LoginManager, UserMixin, current_user, login_required, login_user
from hipflask.db import SQLAlchemy
from hipflask.limiter import Limiter, get_remote_address

REDIS_URL = os.environ.get("HIPFLASK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def create_db_app(static_dir: str) -> App:
    """Build the app of the database and login scenarios, on its own SQLite file."""
    app = App(__name__)
    app.config.update(
        SECRET_KEY=SECRET_KEY,
        SECURITY_HEADERS=False,  # the peers send none: the same answer is compared
        SQLALCHEMY_DATABASE_URI=database(static_dir, "hipflask"),
        # NOTE: the login records live in the same SQLite file, as in an app that uses hipflask.db.
    )
    db = SQLAlchemy(app)

    class BenchUser(UserMixin, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(64), nullable=False)

    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(BenchUser, int(user_id))

    @app.route("/db/read")
    def db_read() -> dict[str, Any]:
        user = db.get_or_404(BenchUser, READ_ID)
        return {"id": user.id, "name": user.name}

    @app.route("/db/page")
    def db_page() -> dict[str, Any]:
        page = db.paginate(db.select(BenchUser).order_by(BenchUser.id), per_page=PER_PAGE)
        return {"page": page.page, "total": page.total, "names": [u.name for u in page.items]}

    @app.route("/bench-login")
    def bench_login() -> str:
        login_user(db.session.get(BenchUser, READ_ID))
        return ""

    @app.route("/account")
    @login_required
    def account() -> str:
        return f"Welcome {current_user.name}!"

    with app.app_context():
        db.create_all()
    return app


def create_limited_memory_app(static_dir: str) -> App:
    """Build ``hello`` under a generous limit counted in memory (its cost: this minus hello)."""
    return _limited_app(Limiter(get_remote_address, storage_uri="memory://"))


def create_limited_redis_app(static_dir: str) -> App:
    """Build ``hello`` under a generous limit counted in Redis (its own key prefix)."""
    prefix = f"hipflask-bench-{os.getpid()}"
    return _limited_app(Limiter(get_remote_address, storage_uri=REDIS_URL, key_prefix=prefix))


def _limited_app(limiter: Limiter) -> App:
    app = App(__name__)
    app.config["SECURITY_HEADERS"] = False  # as the hello it is read against
    limiter.init_app(app)

    @app.route("/limited")
    @limiter.limit("1000000 per hour")
    def limited() -> str:
        return "Hello, World!"

    return app
