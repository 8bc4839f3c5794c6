"""Shared fixtures."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REDIS_URL = os.environ.get("HIPFLASK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(autouse=True)
def _signal_sending_off_again() -> Iterator[None]:
    """Turn the core's signal sending off after a test that left no receiver connected.

    In a process, the first receiver connected turns sending on for good, and sending on
    switches off the app's inline paths; without this, every test after the first one that
    connects a receiver would run the slower paths only, and their guard tests could not fail.
    """
    yield
    signals = sys.modules.get("hipflask.signals")
    if signals is None or any(signal.receivers for signal in signals._signals.values()):
        return
    from hipflask import app, ctx

    app.App._signals_active = False
    app._signals_on = ctx._signals_on = False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Return the URL of the test Redis server; skip when it is unreachable, except in CI.

    With ``CI=true`` an unreachable server fails the test instead: CI must never pass by
    silently skipping the Redis tests.
    """
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        message = f"Redis is unreachable at {REDIS_URL} ({exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true requires it.")
        pytest.skip(f"{message}; start redis-server or set HIPFLASK_TEST_REDIS_URL.")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Return a self-signed certificate for localhost and 127.0.0.1, and its key (PEM files)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


class MatchCounter:
    """Stand in for a module's compiled regex and count the matches asked of it.

    Tests of hostile input assert the work done (how many pieces were examined), never the time
    taken: speed is shown in the benchmark, and a wall-clock limit fails on a busy machine.
    """

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.count = 0

    def match(self, *args: Any) -> re.Match[str] | None:
        self.count += 1
        return self.pattern.match(*args)

    def fullmatch(self, *args: Any) -> re.Match[str] | None:
        self.count += 1
        return self.pattern.fullmatch(*args)

    def finditer(self, *args: Any) -> Iterator[re.Match[str]]:
        for found in self.pattern.finditer(*args):
            self.count += 1
            yield found


CountMatches = Callable[[ModuleType, str], MatchCounter]


@pytest.fixture
def count_matches(monkeypatch: pytest.MonkeyPatch) -> CountMatches:
    """Replace ``module.name``, a compiled regex, by a :class:`MatchCounter` for the test."""

    def install(module: ModuleType, name: str) -> MatchCounter:
        counter = MatchCounter(getattr(module, name))
        monkeypatch.setattr(module, name, counter)
        return counter

    return install


# -- SQL databases (hipflask.db, hipflask.migrate) ------------------------------------------------

POSTGRES_URL = os.environ.get(
    "HIPFLASK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get(
    "HIPFLASK_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
)


def _unreachable(name: str, url: str, exc: Exception, variable: str) -> None:
    message = f"{name} is unreachable at {url} ({str(exc).strip().splitlines()[0]})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI=true requires it.")
    pytest.skip(f"{message}; start the server or set {variable}.")


def _server_engine(name: str, url: str, variable: str, **options: Any) -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, **options)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        _unreachable(name, url, exc, variable)
    return engine


def unique_name(prefix: str = "hf") -> str:
    """Return a database or schema name no concurrent test run uses."""
    import uuid

    return f"{prefix}_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Yield a PostgreSQL URL whose ``search_path`` is a new schema, dropped after the test.

    Skips when the server is unreachable, except with ``CI=true`` (then it fails).
    """
    import sqlalchemy as sa

    engine = _server_engine(
        "PostgreSQL", POSTGRES_URL, "HIPFLASK_TEST_POSTGRES_URL", isolation_level="AUTOCOMMIT"
    )
    schema = unique_name()
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """Yield a MariaDB URL of a new database, dropped after the test (skips when unreachable)."""
    import sqlalchemy as sa

    engine = _server_engine("MariaDB", MARIADB_URL, "HIPFLASK_TEST_MARIADB_URL")
    name = unique_name()
    with engine.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    url = sa.engine.make_url(MARIADB_URL).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each SQL backend in turn: a SQLite file, a PostgreSQL schema, a MariaDB database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


class JSONLog:
    """The JSON lines written by the logger of an app named :attr:`name` (and its children)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stream = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        """Return every line written so far, parsed (a line that is not JSON fails the test)."""
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def of(self, logger: str) -> list[dict[str, Any]]:
        """Return the lines of one logger (``log.of(f"{log.name}.access")``)."""
        return [line for line in self.lines() if line["logger"] == logger]


@pytest.fixture
def json_log(request: pytest.FixtureRequest) -> Iterator[JSONLog]:
    """Name an app logger of the test's own that writes JSON lines to memory, not to pytest.

    Build the app as ``App(json_log.name, root_path=...)``; the loggers are reset afterwards.
    """
    from hipflask.logs import JSONFormatter

    log = JSONLog(f"hipflask_test_{request.node.name}".replace("[", "_").replace("]", "_"))
    logger = logging.getLogger(log.name)
    handler = logging.StreamHandler(log.stream)
    handler.setFormatter(JSONFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    yield log
    for each in (logger, logger.getChild("access")):
        each.handlers.clear()
        each.setLevel(logging.NOTSET)
        each.propagate = True


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty folder; undo the imports, sys.path and environment changes (CLI tests)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    for name in ("HIPFLASK_APP", "HIPFLASK_DEBUG", "HIPFLASK_SKIP_DOTENV", "HIPFLASK_RUN_FROM_CLI"):
        monkeypatch.delenv(name, raising=False)
    modules = set(sys.modules)
    environ = dict(os.environ)
    yield tmp_path
    for name in set(sys.modules) - modules:
        # Forget only the modules the test wrote, so they can be written again.
        if str(tmp_path) in str(getattr(sys.modules[name], "__file__", "") or ""):
            del sys.modules[name]
    os.environ.clear()
    os.environ.update(environ)
