"""ScriptInfo, with_appcontext and AppGroup: app commands run in the app context."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hipflask import App, Blueprint, current_app
from hipflask.cli import AppGroup, ScriptInfo, with_appcontext

from .cli_support import invoke, write

pytestmark = pytest.mark.usefixtures("isolated")

# -- custom commands and groups ---------------------------------------------------------------


def test_app_commands_run_in_the_app_context(isolated: Path) -> None:
    write(
        isolated / "commands.py",
        """
        import click
        from hipflask import App, current_app, g

        app = App(__name__)

        @app.cli.command("greet")
        @click.argument("who")
        def greet(who):
            g.seen = True
            click.echo(f"hello {who} from {current_app.import_name}")

        @app.cli.command(with_appcontext=False)
        def outside():
            from hipflask import has_app_context
            click.echo(f"context={has_app_context()}")

        @app.cli.command
        def bare():
            click.echo("bare decorator")

        extra = click.Command("extra", callback=lambda: click.echo("added"))
        app.cli.add_command(extra)

        @app.cli.group()
        def db():
            pass

        @db.command()
        def init():
            click.echo(f"db init in {current_app.import_name}")
        """,
    )
    assert invoke("--app", "commands", "greet", "ada").stdout == "hello ada from commands\n"
    assert invoke("--app", "commands", "outside").stdout == "context=True\n"
    assert invoke("--app", "commands", "bare").stdout == "bare decorator\n"
    assert invoke("--app", "commands", "extra").stdout == "added\n"
    assert invoke("--app", "commands", "db", "init").stdout == "db init in commands\n"
    listing = invoke("--app", "commands", "--help").stdout
    for name in ("greet", "outside", "extra", "db", "run", "routes", "shell"):
        assert f"  {name}" in listing


def test_blueprint_cli_groups() -> None:
    app = App("bp_cli")
    default = Blueprint("admin", __name__)
    renamed = Blueprint("tools", __name__, cli_group="ops")
    merged = Blueprint("merged", __name__, cli_group=None)
    for blueprint, label in ((default, "admin"), (renamed, "ops"), (merged, "merged")):

        @blueprint.cli.command("who", with_appcontext=True)
        def who(label: str = label) -> None:
            click.echo(f"{label} in {current_app.import_name}")

        app.register_blueprint(blueprint)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["admin", "who"]).output == "admin in bp_cli\n"
    assert runner.invoke(args=["ops", "who"]).output == "ops in bp_cli\n"
    assert runner.invoke(args=["who"]).output == "merged in bp_cli\n"


def test_with_appcontext_on_a_plain_click_command() -> None:
    app = App("plain_click")

    @click.command()
    @with_appcontext
    def show() -> None:
        click.echo(current_app.import_name)

    result = CliRunner().invoke(show, obj=ScriptInfo(create_app=lambda: app))
    assert result.output == "plain_click\n"


def test_app_group_nests_app_groups() -> None:
    group = AppGroup("outer")

    @group.group()
    def inner() -> None:
        pass

    assert isinstance(inner, AppGroup)


def test_test_cli_runner_invokes_app_commands() -> None:
    app = App("runner_app")

    @app.cli.command("hello")
    @click.option("--name", default="world")
    def hello(name: str) -> None:
        click.echo(f"hello {name} ({current_app.import_name})")

    result = app.test_cli_runner().invoke(args=["hello", "--name", "ada"])
    assert result.output == "hello ada (runner_app)\n"
