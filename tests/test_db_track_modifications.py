"""SQLALCHEMY_TRACK_MODIFICATIONS: the before_models_committed and models_committed signals."""

from __future__ import annotations

from typing import Any

from hipflask import App
from hipflask.db import SQLAlchemy, before_models_committed, models_committed


def make(url: str, track: bool) -> tuple[App, SQLAlchemy, Any]:
    app = App(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_TRACK_MODIFICATIONS=track)
    db = SQLAlchemy(app)

    class Doc(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(20))

    with app.app_context():
        db.create_all()
    return app, db, Doc


def test_commits_send_the_changes(database_url: str) -> None:
    app, db, Doc = make(database_url, track=True)
    received: list[tuple[str, Any, list[tuple[Any, str]]]] = []

    def before(sender: Any, changes: list[Any]) -> None:
        # NOTE: reading an attribute here could autoflush; the model objects are compared.
        received.append(("before", sender, [(m, op) for m, op in changes]))

    def after(sender: Any, changes: list[Any]) -> None:
        received.append(("after", sender, [(m, op) for m, op in changes]))

    with (
        before_models_committed.connected_to(before),
        models_committed.connected_to(after),
        app.app_context(),
    ):
        doc = Doc(title="draft")
        db.session.add(doc)
        db.session.commit()
        doc.title = "final"
        db.session.commit()
        db.session.delete(doc)
        db.session.rollback()  # a rolled-back change is never reported
        db.session.commit()
        db.session.delete(doc)
        db.session.commit()
    assert received == [
        ("before", app, [(doc, "insert")]),
        ("after", app, [(doc, "insert")]),
        ("before", app, [(doc, "update")]),
        ("after", app, [(doc, "update")]),
        ("before", app, [(doc, "delete")]),
        ("after", app, [(doc, "delete")]),
    ]


def test_no_signal_when_tracking_is_off(tmp_path: Any) -> None:
    app, db, Doc = make(f"sqlite:///{tmp_path / 't.db'}", track=False)
    received: list[Any] = []
    with (
        models_committed.connected_to(lambda sender, changes: received.append(changes)),
        app.app_context(),
    ):
        db.session.add(Doc(title="x"))
        db.session.commit()
    assert received == []
