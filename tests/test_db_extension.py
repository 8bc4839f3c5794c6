"""hipflask.db's extension: config, engines and their defaults, binds, schema and 404 helpers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hipflask import App
from hipflask.db import SQLAlchemy
from hipflask.exceptions import NotFound


def make_app(tmp_path: Path, **config: Any) -> App:
    app = App("probe", instance_path=str(tmp_path / "instance"))
    app.config.update(config)
    return app


def test_relative_sqlite_path_lives_in_the_created_instance_folder(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite:///site.db")
    assert not (tmp_path / "instance").exists()
    db = SQLAlchemy(app)

    class Thing(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        assert db.engine.url.database == str(tmp_path / "instance" / "site.db")
        db.create_all()
    tables = sqlite3.connect(tmp_path / "instance" / "site.db").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    )
    assert [row[0] for row in tables] == ["thing"]


def test_sqlite_files_get_wal_and_a_busy_timeout_per_connection(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'wal.db'}")
    db = SQLAlchemy(app)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_sqlite_pragmas_are_overridden_by_config(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'plain.db'}",
        SQLALCHEMY_SQLITE_PRAGMAS={"busy_timeout": 250, "foreign_keys": "ON"},
    )
    db = SQLAlchemy(app)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_pragma_that_is_not_a_plain_word_is_refused(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI="sqlite:///x.db",
        SQLALCHEMY_SQLITE_PRAGMAS={"journal_mode": "WAL; DROP TABLE users"},
    )
    with pytest.raises(ValueError, match="SQLALCHEMY_SQLITE_PRAGMAS"):
        SQLAlchemy(app)


def test_in_memory_sqlite_is_one_connection_shared_by_threads(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    db = SQLAlchemy(app)
    with app.app_context():
        assert isinstance(db.engine.pool, sa.pool.StaticPool)


def test_server_engines_ping_before_use_and_mariadb_speaks_utf8mb4(
    postgres_url: str, mariadb_url: str, tmp_path: Path
) -> None:
    app = make_app(
        tmp_path, SQLALCHEMY_DATABASE_URI=postgres_url, SQLALCHEMY_BINDS={"maria": mariadb_url}
    )
    db = SQLAlchemy(app)
    with app.app_context():
        assert db.engine.pool._pre_ping is True
        maria = db.engines["maria"]
        assert maria.pool._pre_ping is True
        assert maria.pool._recycle == 7200
        assert maria.url.query["charset"] == "utf8mb4"
        with maria.connect() as connection:
            assert connection.exec_driver_sql("SELECT 'ü✓'").scalar() == "ü✓"


def test_engine_options_from_the_extension_and_config(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'o.db'}",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 3},
        SQLALCHEMY_ECHO=True,
    )
    db = SQLAlchemy(app, engine_options={"pool_size": 7, "max_overflow": 2})
    with app.app_context():
        assert db.engine.pool.size() == 3  # config wins over the extension's default
        assert db.engine.pool._max_overflow == 2
        assert db.engine.echo is True


def test_init_app_needs_a_uri_and_registers_once(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with pytest.raises(RuntimeError, match="SQLALCHEMY_DATABASE_URI"):
        SQLAlchemy(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy(app)
    assert app.extensions["sqlalchemy"] is db
    with pytest.raises(RuntimeError, match="already registered"):
        SQLAlchemy(app)


def test_one_extension_serves_several_apps(tmp_path: Path) -> None:
    db = SQLAlchemy()

    class Entry(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    apps = []
    for name in ("one", "two"):
        app = App(name)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / name}.db"
        db.init_app(app)
        apps.append(app)
    for count, app in enumerate(apps, start=1):
        with app.app_context():
            db.create_all()
            db.session.add_all([Entry() for _ in range(count)])
            db.session.commit()
    for count, app in enumerate(apps, start=1):
        with app.app_context():
            assert db.session.scalar(db.select(sa.func.count()).select_from(Entry)) == count
            assert db.engine.url.database == str(tmp_path / f"{app.name}.db")


def test_create_drop_and_reflect_per_bind(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'main.db'}",
        SQLALCHEMY_BINDS={"logs": {"url": f"sqlite:///{tmp_path / 'logs.db'}"}},
    )
    db = SQLAlchemy(app)

    class Main(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Log(db.Model):
        __bind_key__ = "logs"
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        db.create_all(bind_key="logs")
        assert sa.inspect(db.engines["logs"]).get_table_names() == ["log"]
        assert sa.inspect(db.engine).get_table_names() == []
        db.create_all()
        assert sa.inspect(db.engine).get_table_names() == ["main"]
        db.drop_all(bind_key=[None])
        assert sa.inspect(db.engine).get_table_names() == []
        with pytest.raises(sa.exc.UnboundExecutionError, match="'nope' is not in"):
            db.create_all(bind_key="nope")

    reader_app = make_app(
        tmp_path / "r",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        SQLALCHEMY_BINDS={"logs": f"sqlite:///{tmp_path / 'logs.db'}"},
    )
    reader = SQLAlchemy(reader_app)
    with reader_app.app_context():
        reader.reflect(bind_key="logs")
        assert list(reader.metadatas["logs"].tables) == ["log"]


def test_view_helpers_answer_404(database_url: str, tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=database_url)
    db = SQLAlchemy(app)

    class Tag(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(20))

    @app.route("/tags/<int:tag_id>")
    def show(tag_id: int) -> str:
        return db.get_or_404(Tag, tag_id, description="No such tag.").name

    @app.route("/first/<name>")
    def first(name: str) -> str:
        return db.first_or_404(db.select(Tag).filter_by(name=name)).name

    @app.route("/one/<name>")
    def one(name: str) -> str:
        return db.one_or_404(db.select(Tag).filter_by(name=name)).name

    with app.app_context():
        db.create_all()
        db.session.add_all([Tag(name="a"), Tag(name="b"), Tag(name="b")])
        db.session.commit()
    client = app.test_client()
    assert client.get("/tags/1").text == "a"
    missing = client.get("/tags/99")
    assert missing.status_code == 404 and "No such tag." in missing.text
    assert client.get("/first/b").text == "b"
    assert client.get("/first/z").status_code == 404
    assert client.get("/one/a").text == "a"
    assert client.get("/one/b").status_code == 404  # two rows
    assert client.get("/one/z").status_code == 404
    with app.app_context(), pytest.raises(NotFound):
        db.get_or_404(Tag, 42)


def test_shell_gets_db_and_the_models(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    db = SQLAlchemy(app)

    class Person(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        context = app.make_shell_context()
    assert context["db"] is db and context["Person"] is Person
    quiet = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://")
    SQLAlchemy(quiet, add_models_to_shell=False)
    with quiet.app_context():
        assert "db" not in quiet.make_shell_context()


def test_metadata_naming_convention_reaches_the_binds(tmp_path: Path) -> None:
    naming = {"pk": "pk_%(table_name)s"}
    app = make_app(
        tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_BINDS={"b": "sqlite://"}
    )
    db = SQLAlchemy(app, metadata=sa.MetaData(naming_convention=naming))
    assert db.metadata.naming_convention["pk"] == "pk_%(table_name)s"
    assert db.metadatas["b"].naming_convention["pk"] == "pk_%(table_name)s"
    assert db.Model.metadata is db.metadata


def test_repr_names_the_database(tmp_path: Path) -> None:
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite:///r.db")
    db = SQLAlchemy(app)
    assert repr(db) == "<SQLAlchemy>"
    with app.app_context():
        assert repr(db) == f"<SQLAlchemy sqlite:///{tmp_path / 'instance' / 'r.db'}>"
    binds = make_app(
        tmp_path, SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_BINDS={"a": "sqlite://"}
    )
    SQLAlchemy(binds)
    with binds.app_context():
        assert repr(binds.extensions["sqlalchemy"]) == "<SQLAlchemy sqlite:// +1 binds>"


def test_importing_the_extension_leaves_signals_off() -> None:
    # hipflask.signals turns signal sending on for every app; only tracking needs it.
    code = (
        "import sys\nfrom hipflask.db import SQLAlchemy\nfrom hipflask import App\n"
        "app = App('x'); app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite://'; SQLAlchemy(app)\n"
        "print('hipflask.signals' in sys.modules)\n"
        "from hipflask.db import models_committed\n"
        "print('hipflask.signals' in sys.modules, models_committed.name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True", "models-committed"]
