"""The embedded broker's leases, through kombu's own API on a real SQLite file."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection

import hipflask.tasks.transport  # noqa: F401  (registers the hipflask+ URL prefix)

# NOTE: kombu's models declare a relationship lazy="noload", deprecated by SQLAlchemy 2.1.
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"hipflask+sqlite:///{tmp_path / 'broker.sqlite'}"


def rows(tmp_path: Path) -> list[tuple[int, int]]:
    connection = sqlite3.connect(tmp_path / "broker.sqlite")
    try:
        return connection.execute("SELECT id, visible FROM kombu_message ORDER BY id").fetchall()
    finally:
        connection.close()


def connect(url: str, **options: float) -> Connection:
    return Connection(url, transport_options=options)


@pytest.fixture
def sent(url: str) -> Iterator[None]:
    with connect(url) as connection:
        connection.SimpleQueue("jobs").put({"n": 1})
    yield


@pytest.mark.usefixtures("sent")
def test_ack_deletes_the_message(url: str, tmp_path: Path) -> None:
    with connect(url) as connection:
        message = connection.SimpleQueue("jobs").get(timeout=5)
        assert message.payload == {"n": 1}
        assert rows(tmp_path) == [(1, 0)]  # taken: invisible, not gone
        message.ack()
    assert rows(tmp_path) == []


@pytest.mark.usefixtures("sent")
def test_closing_without_ack_makes_it_visible_again(url: str, tmp_path: Path) -> None:
    with connect(url) as connection:
        assert connection.SimpleQueue("jobs").get(timeout=5).payload == {"n": 1}
    assert rows(tmp_path) == [(1, 1)]  # the same row, not a copy
    with connect(url) as connection:
        message = connection.SimpleQueue("jobs").get(timeout=5)
        assert message.payload == {"n": 1}
        message.ack()
    assert rows(tmp_path) == []


@pytest.mark.usefixtures("sent")
def test_requeue_and_reject(url: str, tmp_path: Path) -> None:
    with connect(url) as connection:
        queue = connection.SimpleQueue("jobs")
        queue.get(timeout=5).requeue()
        assert rows(tmp_path) == [(1, 1)]
        queue.get(timeout=5).reject()
        assert rows(tmp_path) == []


@pytest.mark.usefixtures("sent")
def test_an_expired_lease_goes_to_the_next_consumer(url: str, tmp_path: Path) -> None:
    crashed = connect(url, visibility_timeout=0.5)  # takes the message, then never answers
    assert crashed.SimpleQueue("jobs").get(timeout=5).payload == {"n": 1}
    with connect(url, visibility_timeout=0.5, polling_interval=0.1) as rescuer:
        queue = rescuer.SimpleQueue("jobs")
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.1)  # still leased
        time.sleep(0.6)
        message = queue.get(timeout=5)
        assert message.payload == {"n": 1}
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.1)  # leased again, by the rescuer
        message.ack()
    assert rows(tmp_path) == []
