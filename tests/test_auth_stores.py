"""The login store protocol on every backend: SQLite, PostgreSQL (SQLAlchemy Core) and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hipflask import App
from hipflask.auth.stores import LoginStore, store_for
from hipflask.auth.stores.base import digest, split_token
from hipflask.auth.stores.redis import RedisLoginStore
from hipflask.auth.stores.sqlalchemy import SQLAlchemyLoginStore
from hipflask.auth.stores.sqlite import SQLiteLoginStore
from hipflask.exceptions import ServiceUnavailable

from .test_sessions_stores import purge_redis, redis_prefix

POSTGRES_URL = os.environ.get(
    "HIPFLASK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_engine() -> Any:
    """Return an engine on the test database; skip when unreachable, except in CI."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        message = f"PostgreSQL is unreachable at {POSTGRES_URL} ({exc.orig})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true requires it.")
        pytest.skip(message)
    return engine


@pytest.fixture(
    params=[
        "sqlite",
        "sqlalchemy-sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LoginStore]:
    """A store of each kind, in tables or keys of its own (other runs may share the server)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = redis_prefix()
        redis_store = RedisLoginStore(url, prefix=prefix)
        yield redis_store
        redis_store.close()
        purge_redis(url, prefix)
        return
    if request.param == "sqlite":
        sqlite_store = SQLiteLoginStore(tmp_path / "auth.db")
        yield sqlite_store
        sqlite_store.close()
        return
    if request.param == "sqlalchemy-sqlite":
        from sqlalchemy import create_engine

        engine = create_engine(f"sqlite:///{tmp_path / 'auth.db'}")
        sql_store = SQLAlchemyLoginStore(engine)
        yield sql_store
        sql_store.close()
        return
    engine = postgres_engine()
    prefix = f"t{uuid.uuid4().hex[:12]}_"
    sql_store = SQLAlchemyLoginStore(engine, table_prefix=prefix)
    try:
        yield sql_store
    finally:
        sql_store.metadata.drop_all(engine)
        sql_store.close()


def test_logins_are_created_read_and_revoked(store: LoginStore) -> None:
    login_id = store.create_login("7", "hash-7", 60)
    assert len(login_id) == 43  # 256 bits, base64url
    record = store.get_login(login_id, 60)
    assert record is not None and (record.user_id, record.auth_hash) == ("7", "hash-7")
    assert 55 < record.expires - time.time() <= 60
    assert store.get_login("unknown", 60) is None
    assert store.get_login("x" * 1000, 60) is None
    store.revoke_login(login_id)
    assert store.get_login(login_id, 60) is None


def test_a_login_with_little_time_left_is_extended(store: LoginStore) -> None:
    login_id = store.create_login("7", "", 10)
    record = store.get_login(login_id, 100)  # 10 s left of a 100 s lifetime: extended
    assert record is not None
    extended = store.get_login(login_id, 100)
    assert extended is not None and extended.expires - time.time() > 90


def test_expired_logins_and_tokens_are_gone(store: LoginStore) -> None:
    login_id = store.create_login("7", "", 0.05)
    cookie = store.create_token("7", "", 0.05)
    time.sleep(0.15)
    assert store.get_login(login_id, 0.05) is None
    assert store.use_token(cookie, 10).status == "invalid"


def test_tokens_rotate_and_a_replaced_validator_is_theft(store: LoginStore) -> None:
    cookie = store.create_token("7", "auth", 60)
    other_login = store.create_login("7", "auth", 60)
    unrelated = store.create_token("8", "auth", 60)
    first = store.use_token(cookie, grace=0)
    assert (first.status, first.user_id, first.auth_hash) == ("ok", "7", "auth")
    assert first.cookie is not None and first.cookie.split(".")[0] == cookie.split(".")[0]
    assert 55 < first.expires - time.time() <= 60
    second = store.use_token(first.cookie, grace=0)
    assert second.status == "ok" and second.cookie != first.cookie
    theft = store.use_token(cookie, grace=0)  # the oldest validator, replaced twice
    assert (theft.status, theft.user_id) == ("theft", "7")
    assert store.use_token(second.cookie or "", grace=0).status == "invalid"
    assert store.get_login(other_login, 60) is None
    assert store.use_token(unrelated, grace=0).status == "ok"  # other users keep theirs


def test_the_previous_validator_is_accepted_within_the_grace_period(store: LoginStore) -> None:
    cookie = store.create_token("7", "", 60)
    rotated = store.use_token(cookie, grace=30)
    late = store.use_token(cookie, grace=30)
    assert rotated.status == "ok" and (late.status, late.user_id, late.cookie) == (
        "grace",
        "7",
        None,
    )
    assert store.use_token(rotated.cookie or "", grace=30).status == "ok"


def test_revoking_tokens_and_users(store: LoginStore) -> None:
    cookie = store.create_token("7", "", 60)
    store.revoke_token(cookie)
    assert store.use_token(cookie, 10).status == "invalid"
    logins = [store.create_login("9", "", 60) for _ in range(3)]
    tokens = [store.create_token("9", "", 60) for _ in range(2)]
    keep = store.create_login("10", "", 60)
    store.revoke_user("9")
    assert all(store.get_login(login, 60) is None for login in logins)
    assert all(store.use_token(token, 10).status == "invalid" for token in tokens)
    assert store.get_login(keep, 60) is not None
    store.revoke_user("nobody")


@pytest.mark.parametrize("cookie", ["", "abc", "a.", ".b", "a.b.c", "a b.c", "ü.x", "x" * 200])
def test_malformed_token_cookies_are_invalid(store: LoginStore, cookie: str) -> None:
    assert store.use_token(cookie, 10).status == "invalid"
    store.revoke_token(cookie)


@pytest.mark.parametrize("kind", ["sqlite", "sqlalchemy"])
def test_secrets_are_stored_only_as_hashes(tmp_path: Path, kind: str) -> None:
    import sqlite3

    from sqlalchemy import create_engine

    path = tmp_path / "auth.db"
    store: LoginStore
    if kind == "sqlite":
        store = SQLiteLoginStore(path)
    else:
        store = SQLAlchemyLoginStore(create_engine(f"sqlite:///{path}"))
    login_id = store.create_login("7", "", 60)
    cookie = store.create_token("7", "", 60)
    validator = (split_token(cookie) or ("", ""))[1]
    connection = sqlite3.connect(path)
    dumped = str(connection.execute("SELECT * FROM hipflask_auth_logins").fetchall())
    dumped += str(connection.execute("SELECT * FROM hipflask_auth_tokens").fetchall())
    connection.close()
    assert login_id not in dumped and validator not in dumped
    assert digest(login_id) in dumped and digest(validator) in dumped
    store.close()


def test_the_tables_join_a_given_metadata_once(tmp_path: Path) -> None:
    from sqlalchemy import MetaData, create_engine

    metadata = MetaData()
    engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    first = SQLAlchemyLoginStore(engine, metadata=metadata)
    second = SQLAlchemyLoginStore(lambda: engine, metadata=metadata)
    assert set(metadata.tables) == {"hipflask_auth_logins", "hipflask_auth_tokens"}
    assert second.logins is first.logins
    assert second.get_login(first.create_login("1", "", 60), 60) is not None
    first.close()


def test_store_for_follows_the_settings(tmp_path: Path, redis_url: str) -> None:
    app = App(__name__, instance_path=str(tmp_path / "instance"))
    default = store_for(app)
    assert isinstance(default, SQLiteLoginStore)
    assert default.path == str(tmp_path / "instance" / "auth.sqlite3")
    app.config["AUTH_SQLITE_PATH"] = str(tmp_path / "elsewhere.db")
    assert isinstance(elsewhere := store_for(app), SQLiteLoginStore)
    assert elsewhere.path == str(tmp_path / "elsewhere.db")
    app.config.update(SESSION_TYPE="redis", SESSION_REDIS_URL=redis_url)
    redis_store = store_for(app)
    assert isinstance(redis_store, RedisLoginStore) and redis_store.prefix == "hipflask:auth:"
    redis_store.close()

    class FakeDB:  # what hipflask.db puts in app.extensions["sqlalchemy"]
        def __init__(self) -> None:
            from sqlalchemy import MetaData, create_engine

            self.metadata = MetaData()
            self.engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")

    db = FakeDB()
    app.extensions["sqlalchemy"] = db
    sql_store = store_for(app)
    assert isinstance(sql_store, SQLAlchemyLoginStore) and sql_store.engine is db.engine
    assert "hipflask_auth_logins" in db.metadata.tables
    app.config["AUTH_STORE"] = "sqlite"
    assert isinstance(store_for(app), SQLiteLoginStore)
    app.config["AUTH_STORE"] = sql_store
    assert store_for(app) is sql_store
    app.config["AUTH_STORE"] = "memcached"
    with pytest.raises(ValueError, match="Unknown AUTH_STORE"):
        store_for(app)
    db.engine.dispose()


def test_an_unreachable_store_is_a_503(tmp_path: Path) -> None:
    down = RedisLoginStore("redis://127.0.0.1:1/0", timeout=0.2)
    with pytest.raises(ServiceUnavailable):
        down.get_login("x" * 43, 60)
    from sqlalchemy import create_engine

    unreadable = tmp_path / "not-a-dir" / "auth.db"
    engine = create_engine(f"sqlite:///{unreadable}")
    with pytest.raises(ServiceUnavailable):
        SQLAlchemyLoginStore(engine).create_login("1", "", 60)
    with pytest.raises(ServiceUnavailable):
        SQLAlchemyLoginStore(engine).get_login("x" * 43, 60)
    postgres_down = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:1/test", connect_args={"connect_timeout": 1}
    )
    with pytest.raises(ServiceUnavailable):
        SQLAlchemyLoginStore(postgres_down).get_login("x" * 43, 60)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ServiceUnavailable):
        SQLiteLoginStore(tmp_path / "a-file" / "auth.db").get_login("x" * 43, 60)


def test_the_login_check_reads_on_the_connection_the_reader_gives(tmp_path: Path) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import InvalidRequestError, OperationalError

    engine = create_engine(f"sqlite:///{tmp_path / 'auth.db'}")
    given: list[Any] = []

    def reader() -> Any:
        given.append(engine.connect())
        return given[-1]

    try:
        store = SQLAlchemyLoginStore(engine, login_reader=reader)
        login_id = store.create_login("7", "hash", 60)
        assert store.get_login(login_id, 60) == (  # type: ignore[comparison-overlap]
            "7",
            "hash",
            pytest.approx(time.time() + 60, abs=5),
        )
        assert len(given) == 1
        store.revoke_login(login_id)
        assert store.get_login(login_id, 60) is None  # the same connection sees the delete

        def unusable() -> Any:  # a session awaiting rollback: the pool serves the read
            raise InvalidRequestError("this session's transaction has been rolled back")

        login_id = store.create_login("7", "hash", 60)
        assert SQLAlchemyLoginStore(engine, login_reader=unusable).get_login(login_id, 60)

        def unreachable() -> Any:
            raise OperationalError("connect", {}, Exception("server closed the connection"))

        with pytest.raises(ServiceUnavailable):
            SQLAlchemyLoginStore(engine, login_reader=unreachable).get_login(login_id, 60)
    finally:
        for connection in given:
            connection.close()
        engine.dispose()


def test_the_login_manager_declares_the_tables_on_the_apps_metadata_at_init(
    tmp_path: Path,
) -> None:
    """Migrations generated before any request see the tables (and do not drop them)."""
    from sqlalchemy import MetaData, create_engine

    from hipflask.auth import LoginManager

    class DB:
        metadata = MetaData()

        @property
        def engine(self) -> Any:
            raise AssertionError("init_app must not connect")

    app = App(__name__)
    app.extensions["sqlalchemy"] = DB()
    LoginManager(app)
    assert {"hipflask_auth_logins", "hipflask_auth_tokens"} <= set(DB.metadata.tables)
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    DB.metadata.create_all(engine)  # what db.create_all() does
    engine.dispose()


@pytest.mark.redis
def test_redis_user_sets_lose_revoked_records(redis_url: str) -> None:
    prefix = redis_prefix()
    store = RedisLoginStore(redis_url, prefix=prefix)
    try:
        login_id = store.create_login("7", "", 60)
        cookie = store.create_token("7", "", 60)
        members = store.client.smembers(f"{prefix}user:7")
        assert members == {f"{prefix}login:{digest(login_id)}", f"{prefix}token:{cookie[:16]}"}
        store.revoke_login(login_id)
        store.revoke_token(cookie)
        assert store.client.smembers(f"{prefix}user:7") == set()
    finally:
        store.close()
        purge_redis(redis_url, prefix)


OPEN_TOGETHER = """
import sys, time
from pathlib import Path
from hipflask.auth.stores.sqlite import SQLiteLoginStore
path, go, name = sys.argv[1:]
Path(f"{go}.{name}").touch()
deadline = time.monotonic() + 60
while not Path(go).exists() and time.monotonic() < deadline:
    time.sleep(0.001)
store = SQLiteLoginStore(path)
for n in range(10):
    assert store.get_login(store.create_login(name, "h", 60), 60) is not None
"""


def test_sqlite_is_safe_when_processes_open_a_new_file_together(tmp_path: Path) -> None:
    """Six processes switch a new file to WAL and create the tables at once: no 503.

    Asking for WAL mode needs the only lock on the file, and SQLite answers "database is
    locked" at once (no busy wait) to a second process asking meanwhile; the store shares the
    session store's connections (sessions.connections), whose first users take turns.
    """
    path, go = tmp_path / "auth.db", tmp_path / "go"
    names = [f"w{number}" for number in range(6)]
    workers = [
        subprocess.Popen([sys.executable, "-c", OPEN_TOGETHER, str(path), str(go), name])
        for name in names
    ]
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}.{name}").exists() for name in names):
        assert time.monotonic() < deadline, "the processes did not start within 60 s"
        time.sleep(0.01)
    go.touch()
    assert [worker.wait(60) for worker in workers] == [0] * len(names)
    store = SQLiteLoginStore(path)
    with store.connections.connection() as connection:
        assert connection.execute("SELECT COUNT(*) FROM hipflask_auth_logins").fetchone() == (60,)
    store.close()
