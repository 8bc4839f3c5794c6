"""What the battery scenarios share: the users table, its rows, and the expected answers."""

from __future__ import annotations

import os
import sqlite3

#: Rows in the bench's users table; ``db_read`` fetches one by key, ``db_page`` a page of 20.
USERS = 100
PAGE = 2
PER_PAGE = 20
READ_ID = 7


def database(static_dir: str, framework: str) -> str:
    """Create (once) the framework's own SQLite file with :data:`USERS` users; return its URI."""
    path = os.path.join(static_dir, f"{framework}-bench.sqlite3")
    if not os.path.exists(path):
        with sqlite3.connect(path) as connection:
            connection.execute(
                "CREATE TABLE bench_user (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL)"
            )
            connection.executemany(
                "INSERT INTO bench_user (id, name) VALUES (?, ?)",
                [(index, f"user{index}") for index in range(1, USERS + 1)],
            )
        connection.close()
    return f"sqlite:///{path}"


def read_answer() -> dict[str, object]:
    return {"id": READ_ID, "name": f"user{READ_ID}"}


def page_answer() -> dict[str, object]:
    first = (PAGE - 1) * PER_PAGE + 1
    return {
        "page": PAGE,
        "total": USERS,
        "names": [f"user{index}" for index in range(first, first + PER_PAGE)],
    }
