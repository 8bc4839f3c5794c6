"""Two gunicorn workers writing to one database under a bounded load: no lost rows, no 5xx.

Every request inserts a row and increments one shared counter, so the two processes contend for
the same write lock; on SQLite the busy timeout hipflask sets per connection makes a writer wait
for the lock instead of failing with "database is locked", and WAL lets readers go on meanwhile.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from .test_gunicorn import gunicorn, request

pytestmark = pytest.mark.server

CLIENTS = 4
REQUESTS_PER_CLIENT = 100

APP_MODULE = """
import os

from hipflask import App, request
from hipflask.db import SQLAlchemy

app = App(__name__)
app.config["SECRET_KEY"] = "k" * 32
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["TEST_DATABASE_URL"]
db = SQLAlchemy(app)


class Hit(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    client = db.Column(db.String(20), nullable=False)
    worker = db.Column(db.Integer, nullable=False)


class Counter(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    value = db.Column(db.Integer, nullable=False)


@app.route("/")
def index():
    return {"pid": os.getpid()}


@app.post("/hit/<client>")
def hit(client):
    db.session.add(Hit(client=client, worker=os.getpid()))
    db.session.execute(db.update(Counter).values(value=Counter.value + 1))
    db.session.commit()
    return {"pid": os.getpid()}
"""


def schema(url: str) -> None:
    """Create the tables and the counter row before the workers start."""
    metadata = sa.MetaData()
    sa.Table(
        "hit",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client", sa.String(20), nullable=False),
        sa.Column("worker", sa.Integer, nullable=False),
    )
    counter = sa.Table(
        "counter",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(counter.insert().values(id=1, value=0))
    engine.dispose()


def load(port: int) -> list[int]:
    statuses: list[int] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        for _ in range(REQUESTS_PER_CLIENT):
            status, body, _ = request(port, f"/hit/c{number}", method="POST")
            with lock:
                statuses.append(status)
            if status != 200:
                print(body[:500])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_workers_write_concurrently_without_losing_rows(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    schema(url)
    with gunicorn(
        tmp_path, "gunicorn_app:app", source=APP_MODULE, env={"TEST_DATABASE_URL": url}
    ) as port:
        statuses = load(port)
    total = CLIENTS * REQUESTS_PER_CLIENT
    assert statuses == [200] * total
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT client, worker FROM hit")).all()
        counter = connection.execute(sa.text("SELECT value FROM counter")).scalar_one()
    engine.dispose()
    assert len(rows) == total and counter == total
    assert {client for client, _ in rows} == {f"c{n}" for n in range(CLIENTS)}
    assert len({worker for _, worker in rows}) == 2  # both workers wrote
    log = (tmp_path / "gunicorn.log").read_text()
    assert "database is locked" not in log, json.dumps(log[-2000:])
