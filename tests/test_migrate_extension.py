"""hipflask.migrate's extension and Python API: init_app, configure callbacks, -x arguments,
the command name, and the multi-database template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hipflask import App
from hipflask.db import SQLAlchemy
from hipflask.migrate import Migrate, MigrateState, downgrade, init, migrate, upgrade


def make_app(url: str) -> App:
    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    return app


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_python_functions_run_the_migrations(database_url: str, tmp_path: Path) -> None:
    app = make_app(database_url)
    db = SQLAlchemy(app)
    Migrate(app, db, directory=tmp_path / "migrations")

    class Song(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(40))

    with app.app_context():
        init()
        script = migrate(message="songs")
        assert script.doc == "songs"
        upgrade()
        assert tables(database_url) == {"alembic_version", "song"}
        assert migrate(message="again") == []  # no change: no revision
        downgrade()
        assert tables(database_url) == {"alembic_version"}


def test_factory_pattern_state_and_command_name(tmp_path: Path) -> None:
    db = SQLAlchemy()
    extension = Migrate(db=db, command="database", render_as_batch=False)
    app = make_app(f"sqlite:///{tmp_path / 'f.db'}")
    db.init_app(app)
    extension.init_app(app, directory=tmp_path / "m", compare_type=False)
    state = app.extensions["migrate"]
    assert isinstance(state, MigrateState)
    assert state.migrate is extension and state.db is db
    assert state.directory == str(tmp_path / "m")
    assert state.configure_args == {
        "transaction_per_migration": True,
        "compare_type": False,
        "render_as_batch": False,
    }
    assert "database" in app.cli.list_commands(None)  # type: ignore[arg-type]
    result = app.test_cli_runner().invoke(args=["database", "init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m" / "env.py").is_file()


def test_configure_callbacks_and_x_arguments_reach_alembic(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'c.db'}")
    db = SQLAlchemy(app)
    extension = Migrate(app, db, directory=tmp_path / "migrations")
    seen: list[Any] = []

    @extension.configure
    def add_option(config: Any) -> Any:
        config.set_main_option("hipflask_test", "configured")
        seen.append(config)
        return config

    with app.app_context():
        config = extension.get_config(x_arg=["tenant=blue"], opts=["autogenerate"])
    assert config.get_main_option("hipflask_test") == "configured"
    assert config.cmd_opts.x == ["tenant=blue"]
    assert config.cmd_opts.autogenerate is True
    assert config.get_main_option("script_location") == str(tmp_path / "migrations")
    assert seen == [config]


def test_cli_x_arg_reaches_env_py(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}")
    db = SQLAlchemy(app)
    Migrate(app, db, directory=tmp_path / "migrations")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "init"]).exit_code == 0
    env = tmp_path / "migrations" / "env.py"
    env.write_text(
        env.read_text() + "\nprint('x-args:', context.get_x_argument(as_dictionary=True))\n"
    )
    result = runner.invoke(args=["db", "-x", "tenant=red", "current"])
    assert result.exit_code == 0, result.output
    assert "x-args: {'tenant': 'red'}" in result.output


def test_multidb_template_migrates_every_bind(tmp_path: Path) -> None:
    main_url, logs_url = f"sqlite:///{tmp_path / 'main.db'}", f"sqlite:///{tmp_path / 'logs.db'}"
    app = make_app(main_url)
    app.config["SQLALCHEMY_BINDS"] = {"logs": logs_url}
    db = SQLAlchemy(app)
    Migrate(app, db, directory=tmp_path / "migrations")

    class Order(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Event(db.Model):
        __bind_key__ = "logs"
        id = db.Column(db.Integer, primary_key=True)

    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "init", "--multidb"]).exit_code == 0
    result = runner.invoke(args=["db", "migrate", "-m", "both"])
    assert result.exit_code == 0, result.output
    (revision,) = (tmp_path / "migrations" / "versions").glob("*.py")
    source = revision.read_text()
    assert "def upgrade_logs():" in source and "op.create_table('event'" in source
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert tables(main_url) == {"alembic_version", "order"}
    assert tables(logs_url) == {"alembic_version", "event"}
    assert "No changes" in runner.invoke(args=["db", "migrate"]).output
    assert runner.invoke(args=["db", "downgrade"]).exit_code == 0
    assert tables(main_url) == {"alembic_version"} and tables(logs_url) == {"alembic_version"}


def test_functions_outside_a_migrate_app_say_what_is_missing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'n.db'}")
    SQLAlchemy(app)
    with app.app_context(), pytest.raises(SystemExit) as info:
        upgrade()
    assert info.value.code == 1
    assert "no 'Migrate' extension" in caplog.text
