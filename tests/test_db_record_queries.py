"""SQLALCHEMY_RECORD_QUERIES and get_recorded_queries()."""

from __future__ import annotations

from typing import Any

from hipflask import App
from hipflask.db import SQLAlchemy, get_recorded_queries


def make(url: str, record: bool) -> tuple[App, SQLAlchemy, Any]:
    app = App(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_RECORD_QUERIES=record)
    db = SQLAlchemy(app)

    class Item(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(20))

    with app.app_context():
        db.create_all()
    return app, db, Item


def test_queries_of_a_request_are_recorded_with_timing_and_location(database_url: str) -> None:
    app, db, Item = make(database_url, record=True)

    @app.route("/")
    def index() -> dict[str, Any]:
        db.session.add(Item(name="x"))
        db.session.commit()
        db.session.execute(db.select(Item).filter_by(name="x")).scalars().all()
        return {
            "queries": [
                {
                    "sql": query.statement,
                    "params": list(
                        query.parameters.values()
                        if isinstance(query.parameters, dict)
                        else query.parameters
                    ),
                    "duration": query.duration,
                    "location": query.location,
                }
                for query in get_recorded_queries()
            ]
        }

    queries = app.test_client().get("/").get_json()["queries"]
    assert [q["sql"].split()[0] for q in queries] == ["INSERT", "SELECT"]
    assert queries[1]["params"] == ["x"]
    assert all(q["duration"] >= 0 for q in queries)
    assert queries[1]["location"].startswith(f"{__name__}:")
    assert queries[1]["location"].endswith("(index)")
    with app.app_context():
        assert get_recorded_queries() == []  # a new context starts empty


def test_nothing_is_recorded_when_the_setting_is_off(tmp_path: Any) -> None:
    app, db, Item = make(f"sqlite:///{tmp_path / 'q.db'}", record=False)
    with app.app_context():
        db.session.execute(db.select(Item)).all()
        assert get_recorded_queries() == []
