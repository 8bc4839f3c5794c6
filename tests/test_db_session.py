"""hipflask.db sessions: one per app context, removed at teardown, rolled back on errors."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from hipflask import App
from hipflask.db import SQLAlchemy


def make(url: str) -> tuple[App, SQLAlchemy, Any]:
    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db = SQLAlchemy(app)

    class Note(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        text = db.Column(db.String(50), nullable=False)

    with app.app_context():
        db.create_all()
    return app, db, Note


def test_one_session_per_app_context_removed_at_teardown(tmp_path: Any) -> None:
    app, db, _ = make(f"sqlite:///{tmp_path / 'a.db'}")
    with app.app_context():
        first = db.session()
        assert db.session() is first
        with app.app_context():  # a nested context gets its own session
            assert db.session() is not first
        assert db.session() is first
    with app.app_context():
        assert db.session() is not first


def test_threads_get_their_own_sessions(tmp_path: Any) -> None:
    app, db, _ = make(f"sqlite:///{tmp_path / 'a.db'}")
    seen: list[Any] = []

    def work() -> None:
        with app.app_context():
            seen.append(db.session())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(session) for session in seen}) == 2


def test_request_commits_and_a_failing_request_rolls_back(database_url: str) -> None:
    app, db, Note = make(database_url)

    @app.post("/ok/<text>")
    def ok(text: str) -> str:
        db.session.add(Note(text=text))
        db.session.commit()
        return "saved"

    @app.post("/fail/<text>")
    def fail(text: str) -> str:
        db.session.add(Note(text=text))
        db.session.flush()  # the row is in the transaction...
        raise RuntimeError("boom")  # ...which the teardown rolls back

    client = app.test_client()
    assert client.post("/ok/kept").status_code == 200
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/fail/lost").status_code == 500
    with app.app_context():
        assert db.session.scalars(db.select(Note.text)).all() == ["kept"]


def test_uncommitted_work_is_discarded_at_teardown(database_url: str) -> None:
    app, db, Note = make(database_url)
    with app.app_context():
        db.session.add(Note(text="never committed"))
        db.session.flush()
    with app.app_context():
        assert db.session.scalar(db.select(sa.func.count()).select_from(Note)) == 0


def test_a_request_that_never_touches_the_database_opens_no_connection(tmp_path: Any) -> None:
    app, db, Note = make(f"sqlite:///{tmp_path / 'a.db'}")
    events: list[str] = []
    with app.app_context():
        engine = db.engine
    engine.dispose()
    sa.event.listen(engine, "connect", lambda *args: events.append("connect"))
    sa.event.listen(engine, "checkout", lambda *args: events.append("checkout"))

    @app.route("/plain")
    def plain() -> str:
        return "no database here"

    @app.route("/count")
    def count() -> str:
        return str(db.session.scalar(db.select(sa.func.count()).select_from(Note)))

    client = app.test_client()
    assert client.get("/plain").text == "no database here"
    assert events == []
    assert client.get("/count").text == "0"
    assert events == ["connect", "checkout"]
    assert engine.pool.checkedout() == 0  # returned to the pool at teardown


def test_outside_an_app_context_the_error_says_what_to_do() -> None:
    _, db, Note = make("sqlite://")
    for attempt in (lambda: db.session.add(Note(text="x")), lambda: db.engine, db.create_all):
        with pytest.raises(RuntimeError, match=r"with app\.app_context\(\):"):
            attempt()
    with pytest.raises(RuntimeError, match=r"with app\.app_context\(\):"):
        Note.query.all()


def test_an_app_not_registered_with_the_extension_gets_a_clear_error() -> None:
    db = SQLAlchemy()
    other = App(__name__)
    with other.app_context(), pytest.raises(RuntimeError, match=r"db\.init_app\(app\)"):
        _ = db.engine


def test_custom_scopefunc_replaces_the_app_context_scope() -> None:
    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy(app, session_options={"scopefunc": lambda: "one-scope", "autoflush": False})
    with app.app_context():
        first = db.session()
        assert first.autoflush is False
    with app.app_context():
        assert db.session() is not first  # still removed at teardown
