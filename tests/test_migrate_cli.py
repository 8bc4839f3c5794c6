"""``hipflask db``: the Flask-Migrate workflow end to end, on SQLite, PostgreSQL and MariaDB.

The first command runs the real ``hipflask`` executable in a subprocess; the rest use the
app's CLI runner, which invokes the same click commands in-process.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hipflask import App

HIPFLASK = str(Path(sys.executable).parent / "hipflask")

APP_SOURCE = """
import os

from hipflask import App
from hipflask.db import SQLAlchemy
from hipflask.migrate import Migrate

app = App(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["TEST_DATABASE_URL"]
db = SQLAlchemy(app)
migrate = Migrate(app, db, directory=os.environ["TEST_MIGRATIONS"])


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(20), unique=True, nullable=False)
"""

PERSON = """

class Person(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50), nullable=False)
"""


class Project:
    """A temporary project folder with an app.py whose models the test edits."""

    def __init__(self, folder: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.url = url
        self.migrations = folder / "migrations"
        self.env = {**os.environ, "TEST_DATABASE_URL": url, "TEST_MIGRATIONS": str(self.migrations)}
        monkeypatch.setenv("TEST_DATABASE_URL", url)
        monkeypatch.setenv("TEST_MIGRATIONS", str(self.migrations))
        self.write(APP_SOURCE)

    def write(self, source: str) -> None:
        (self.folder / "app.py").write_text(source)

    def app(self) -> App:
        app: App = runpy.run_path(str(self.folder / "app.py"), run_name="project_app")["app"]
        return app

    def subprocess(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [HIPFLASK, "--app", "app.py", *args],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def cli(self, app: App, *args: str) -> Any:
        return app.test_cli_runner().invoke(args=list(args))

    def tables(self) -> set[str]:
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            return set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def revisions(self) -> list[Path]:
        return sorted((self.migrations / "versions").glob("*.py"))


@pytest.fixture
def project(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Project:
    return Project(tmp_path, database_url, monkeypatch)


def test_the_migration_workflow(project: Project) -> None:
    created = project.subprocess("db", "init")
    assert created.returncode == 0, created.stderr
    assert {p.name for p in project.migrations.iterdir()} >= {
        "alembic.ini",
        "env.py",
        "script.py.mako",
        "README",
        "versions",
    }
    env_before = (project.migrations / "env.py").read_text()

    again = project.subprocess("db", "init")
    assert again.returncode == 1
    assert "already exists and is not empty" in again.stderr
    assert (project.migrations / "env.py").read_text() == env_before

    app = project.app()
    result = project.cli(app, "db", "migrate", "-m", "users table")
    assert result.exit_code == 0, result.output
    (first,) = project.revisions()
    assert "users table" in first.read_text()
    assert "op.create_table('user'" in first.read_text()

    assert project.cli(app, "db", "upgrade").exit_code == 0
    assert project.tables() == {"alembic_version", "user"}

    result = project.cli(app, "db", "migrate", "-m", "nothing")
    assert result.exit_code == 0
    assert "No changes in schema detected; no revision written." in result.output
    assert project.revisions() == [first]

    project.write(APP_SOURCE + PERSON)
    app = project.app()
    result = project.cli(app, "db", "check")
    assert result.exit_code == 1  # the models changed and no migration says so yet
    result = project.cli(app, "db", "migrate", "-m", "Add Person table")
    assert result.exit_code == 0, result.output
    second = next(path for path in project.revisions() if path != first)
    assert "op.create_table('person'" in second.read_text()
    assert project.cli(app, "db", "upgrade").exit_code == 0
    assert project.tables() == {"alembic_version", "user", "person"}
    assert project.cli(app, "db", "check").exit_code == 0

    head = second.name.split("_")[0]
    current = project.subprocess("db", "current")
    assert current.returncode == 0 and f"{head} (head)" in current.stdout
    history = project.cli(app, "db", "history").output
    assert "Add Person table" in history and "users table" in history
    assert head in project.cli(app, "db", "heads").output
    assert "Add Person table" in project.cli(app, "db", "show", head).output

    result = project.cli(app, "db", "downgrade")
    assert result.exit_code == 0, result.output
    assert project.tables() == {"alembic_version", "user"}
    sql = project.cli(app, "db", "upgrade", "--sql")
    assert sql.exit_code == 0 and "CREATE TABLE person" in sql.output
    assert project.tables() == {"alembic_version", "user"}  # --sql only prints

    assert project.cli(app, "db", "downgrade", "base").exit_code == 0
    assert project.tables() == {"alembic_version"}
    assert project.cli(app, "db", "stamp", "head").exit_code == 0
    assert f"{head} (head)" in project.cli(app, "db", "current").output


BROKEN = """
from alembic import op
import sqlalchemy as sa

revision = "b0b0"
down_revision = "a0a0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("SELECT * FROM no_such_table_anywhere")


def downgrade():
    op.drop_table("half_done")
"""

GOOD = """
from alembic import op
import sqlalchemy as sa

revision = "a0a0"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("good", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("good")
"""


def test_a_broken_revision_exits_non_zero_and_leaves_the_last_good_one(project: Project) -> None:
    app = project.app()
    assert project.cli(app, "db", "init").exit_code == 0
    (project.migrations / "versions" / "a0a0_good.py").write_text(GOOD)
    (project.migrations / "versions" / "b0b0_broken.py").write_text(BROKEN)
    result = project.subprocess("db", "upgrade")
    assert result.returncode == 1
    assert "Error: the database refused the migration" in result.stderr
    assert "no_such_table_anywhere" in result.stderr
    assert "a0a0" in project.cli(app, "db", "current").output
    tables = project.tables()
    assert "good" in tables
    if project.url.startswith("postgresql"):
        assert "half_done" not in tables  # transactional DDL: the broken revision left nothing


def test_errors_exit_with_status_1(project: Project) -> None:
    app = project.app()
    result = project.cli(app, "db", "upgrade")  # no migrations folder yet
    assert result.exit_code == 1
    assert project.cli(app, "db", "init").exit_code == 0
    assert project.cli(app, "db", "upgrade", "no-such-revision").exit_code == 1
    assert project.cli(app, "db", "init", "-t", "no-such-template", "-d", "other").exit_code == 1


def test_list_templates_names_the_shipped_ones(tmp_path: Path, monkeypatch: Any) -> None:
    project = Project(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", monkeypatch)
    result = project.subprocess("db", "list-templates")
    assert result.returncode == 0
    assert "hipflask " in result.stdout or "hipflask -" in result.stdout
    assert "hipflask-multidb" in result.stdout
    assert "db" in project.subprocess("--help").stdout


def test_revisions_branches_and_merge(project: Project) -> None:
    app = project.app()
    assert project.cli(app, "db", "init").exit_code == 0
    run = project.cli
    assert run(app, "db", "revision", "-m", "empty", "--rev-id", "r1").exit_code == 0
    empty = (project.migrations / "versions" / "r1_empty.py").read_text()
    assert "def upgrade():\n    pass" in empty
    assert run(app, "db", "revision", "--autogenerate", "-m", "x").exit_code == 1  # r1 pending
    assert run(app, "db", "upgrade").exit_code == 0
    result = run(app, "db", "revision", "--autogenerate", "-m", "users", "--rev-id", "r2")
    assert result.exit_code == 0, result.output
    assert "op.create_table('user'" in (project.migrations / "versions" / "r2_users.py").read_text()
    result = run(app, "db", "revision", "-m", "side", "--head", "r1", "--splice", "--rev-id", "r3")
    assert result.exit_code == 0, result.output
    heads = run(app, "db", "heads").output
    assert "r2 (head)" in heads and "r3 (head)" in heads
    branches = run(app, "db", "branches").output
    assert branches.startswith("r1 (branchpoint)")
    assert "-> r2 (head)" in branches and "-> r3 (head)" in branches
    assert run(app, "db", "upgrade").exit_code == 1  # two heads: Alembic asks which
    result = run(app, "db", "merge", "-m", "join", "--rev-id", "r4", "heads")
    assert result.exit_code == 0, result.output
    assert "r4 (head)" in run(app, "db", "heads").output
    assert run(app, "db", "upgrade").exit_code == 0
    assert "r4 (head)" in run(app, "db", "current").output
    assert "user" in project.tables()
    assert run(app, "db", "stamp", "--purge", "r1").exit_code == 0
    assert "r1" in run(app, "db", "current").output


def test_shell_and_commands_run_in_an_app_context(tmp_path: Path, monkeypatch: Any) -> None:
    project = Project(tmp_path, f"sqlite:///{tmp_path / 's.db'}", monkeypatch)
    result = subprocess.run(
        [HIPFLASK, "--app", "app.py", "shell"],
        input="db.create_all()\nprint('tables:', sorted(db.metadata.tables), User.query.all())\n",
        cwd=tmp_path,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "tables: ['user'] []" in result.stdout
    assert project.tables() == {"user"}


def test_column_changes_use_batch_mode_and_work_on_sqlite(project: Project) -> None:
    project.write(
        APP_SOURCE + "    bio = db.Column(db.String(20))\n    age = db.Column(db.Integer)\n"
    )
    app = project.app()
    assert project.cli(app, "db", "init").exit_code == 0
    assert project.cli(app, "db", "migrate", "-m", "start").exit_code == 0
    assert project.cli(app, "db", "upgrade").exit_code == 0
    project.write(APP_SOURCE + "    bio = db.Column(db.String(200))\n")  # wider bio, no age
    app = project.app()
    result = project.cli(app, "db", "migrate", "-m", "change columns", "--rev-id", "c2")
    assert result.exit_code == 0, result.output
    source = (project.migrations / "versions" / "c2_change_columns.py").read_text()
    assert "with op.batch_alter_table('user', schema=None) as batch_op:" in source
    assert "batch_op.drop_column('age')" in source
    assert "type_=sa.String(length=200)" in source  # compare_type saw the type change
    result = project.cli(app, "db", "upgrade")
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    try:
        columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("user")}
    finally:
        engine.dispose()
    assert set(columns) == {"id", "username", "bio"}
    assert columns["bio"].length == 200
    assert project.cli(app, "db", "downgrade").exit_code == 0
