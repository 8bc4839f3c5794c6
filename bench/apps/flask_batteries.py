"""The battery scenarios on Flask with Flask-SQLAlchemy and Flask-Login (the peers hipflask
replaces): a database read, a page of rows, and a login-protected page."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy

from bench.apps.batteries import PER_PAGE, READ_ID, database
from bench.apps.spec import SECRET_KEY


def create_db_app(static_dir: str) -> Flask:
    """Build the app of the database and login scenarios, on its own SQLite file."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY=SECRET_KEY, SQLALCHEMY_DATABASE_URI=database(static_dir, "flask"))
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

    return app
