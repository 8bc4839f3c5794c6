"""The embedded broker's leases, through kombu's own API on a real SQLite file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from kombu.simple import SimpleQueue

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


PUBLISHERS = 3
CONSUMERS = 2
ROUNDS = 6


def _open_together(role: str, urls: list[str], barrier: Any, errors: Any) -> None:
    """In a process of its own: open each fresh broker at the barrier, as ``role`` would."""
    warnings.filterwarnings("ignore", "The ``noload`` loader strategy is deprecated")
    for url in urls:
        barrier.wait(timeout=60)
        try:
            with connect(url) as connection:
                queue = connection.SimpleQueue("jobs")
                if role == "publisher":
                    queue.put({"from": role})
                else:  # a starting worker: declares the queue, polls once, closes unacked
                    try:
                        queue.get_nowait()
                    except SimpleQueue.Empty:
                        pass
        except Exception as exc:  # reported to the test
            errors.put(f"{role} on {url}: {exc!r}")


def test_publishers_and_workers_opening_a_fresh_broker_together(tmp_path: Path) -> None:
    """Processes that create the broker's tables at the same moment all succeed, none lost.

    A web process's first publish used to race a starting worker's table creation: the
    second CREATE TABLE failed and the publish raised (kombu's AttributeError, a 500).
    """
    context = multiprocessing.get_context("spawn")
    files = [tmp_path / f"broker-{number}.sqlite" for number in range(ROUNDS)]
    urls = [f"hipflask+sqlite:///{path}" for path in files]
    roles = ["publisher"] * PUBLISHERS + ["consumer"] * CONSUMERS
    barrier = context.Barrier(len(roles))
    errors = context.SimpleQueue()
    processes = [
        context.Process(target=_open_together, args=(role, urls, barrier, errors)) for role in roles
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        if process.is_alive():
            process.kill()
            process.join()
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == []
    assert [process.exitcode for process in processes] == [0] * len(roles)
    for path in files:  # every publish stored once, visible again after the consumers closed
        connection = sqlite3.connect(path)
        try:
            found = connection.execute("SELECT visible FROM kombu_message").fetchall()
        finally:
            connection.close()
        assert found == [(1,)] * PUBLISHERS
