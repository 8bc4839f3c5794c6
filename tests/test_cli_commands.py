"""The hipflask command line, driven in-process with click's CliRunner."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from hipflask import App
from hipflask.cli import cli
from hipflask.cli.discovery import NoAppException, find_best_app, load_dotenv, prepare_import

from .cli_support import invoke, write

pytestmark = pytest.mark.usefixtures("isolated")


def app_name(*args: str) -> str:
    """Run a command printing current_app.name, through a target given by args."""
    result = invoke(*args, "name")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


NAMED_HEADER = """\
from hipflask import App, current_app


def _named(app_name):
    app = App(app_name)

    @app.cli.command("name")
    def name():
        print(current_app.import_name)

    return app


"""


def named_module(tmp_path: Path, module: str, body: str) -> None:
    """Write a module whose apps print their import name with a 'name' command."""
    write(tmp_path / f"{module}.py", NAMED_HEADER + textwrap.dedent(body))


# -- discovery -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("app = _named('by-app')\nother = _named('ignored')\n", "by-app"),
        ("application = _named('by-application')\n", "by-application"),
        ("single = _named('the-only-one')\n", "the-only-one"),
        ("def create_app():\n    return _named('create')\n", "create"),
        ("def make_app():\n    return _named('make')\n", "make"),
    ],
)
def test_discovery_in_a_module(isolated: Path, body: str, expected: str) -> None:
    named_module(isolated, "discover_me", body)
    assert app_name("--app", "discover_me") == expected


def test_module_colon_name_and_factories(isolated: Path) -> None:
    named_module(
        isolated,
        "targets",
        """
        first = _named('first')
        second = _named('second')

        def factory(label='default', suffix=''):
            return _named(label + suffix)
        """,
    )
    assert app_name("--app", "targets:second") == "second"
    assert app_name("--app", "targets:factory()") == "default"
    assert app_name("--app", "targets:factory('with-args', suffix='!')") == "with-args!"


def test_environment_variable_and_path_targets(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named_module(isolated / "project", "web", "app = _named('from-path')\n")
    assert app_name("--app", "project/web.py") == "from-path"
    write(isolated / "pkg" / "__init__.py", "")
    named_module(isolated / "pkg", "site", "app = _named('in-package')\n")
    assert app_name("--app", "pkg/site.py") == "in-package"
    named_module(isolated, "envtarget", "app = _named('from-env')\n")
    monkeypatch.setenv("HIPFLASK_APP", "envtarget")
    assert app_name() == "from-env"


def test_default_files_wsgi_then_app(isolated: Path) -> None:
    named_module(isolated, "app", "app = _named('app-py')\n")
    assert app_name() == "app-py"
    named_module(isolated, "wsgi", "app = _named('wsgi-py')\n")
    assert app_name() == "wsgi-py"


def test_prepare_import(isolated: Path) -> None:
    write(isolated / "pkg" / "__init__.py", "")
    write(isolated / "pkg" / "inner" / "__init__.py", "")
    write(isolated / "pkg" / "inner" / "mod.py", "")
    assert prepare_import("pkg/inner/mod.py") == "pkg.inner.mod"
    assert sys.path[0] == str(isolated.resolve())
    assert prepare_import("pkg/inner/__init__.py") == "pkg.inner"
    assert prepare_import("plain") == "plain"


def test_find_best_app_with_several_apps_asks_for_a_name() -> None:
    module = type(sys)("two_apps")
    module.one = App("one")  # type: ignore[attr-defined]
    module.two = App("two")  # type: ignore[attr-defined]
    with pytest.raises(NoAppException, match=r"several apps.*two_apps:name"):
        find_best_app(module)


@pytest.mark.parametrize(
    ("target", "source", "message"),
    [
        ("nosuch", "", "Could not import 'nosuch': no such module or file"),
        ("nodir/app.py", "", "Could not import 'nodir/app.py': file not found ("),
        ("nosuch.py", "", "Could not import 'nosuch.py': file not found ("),
        ("nodir/pkg:app", "", "Could not import 'nodir/pkg': file not found ("),
        ("empty", "x = 1\n", "tried the attributes 'app' and 'application'"),
        ("empty:missing", "x = 1\n", "Could not find 'missing' in module 'empty'"),
        ("empty:x", "x = 1\n", "'empty:x' gave 'int', not a hipflask App"),
        ("empty:create(", "x = 1\n", "Could not parse 'create('"),
        ("empty:create(len)", "def create(a):\n    pass\n", "must be Python literals"),
        (
            "empty:create(1, 2)",
            "def create(a):\n    pass\n",
            "Could not call the factory 'create(1, 2)' in module 'empty'",
        ),
        ("empty", "def create_app(a):\n    pass\n", "Could not call the factory 'create_app'"),
    ],
)
def test_a_wrong_target_is_a_one_line_error(
    isolated: Path, target: str, source: str, message: str
) -> None:
    if source:
        write(isolated / "empty.py", source)
    result = CliRunner().invoke(cli, ["--app", target, "routes"])
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("Error: ")


def test_a_missing_file_never_falls_back_to_a_module_of_the_same_name(isolated: Path) -> None:
    named_module(isolated, "app", "app = _named('the-wrong-app')\n")
    result = CliRunner().invoke(cli, ["--app", "nodir/app.py", "routes"])
    assert result.exit_code == 1
    assert result.stdout == ""
    missing = str(isolated / "nodir" / "app.py")
    expected = f"Error: Could not import 'nodir/app.py': file not found ({missing!r}).\n"
    assert result.stderr == expected


def test_no_target_and_no_default_file(isolated: Path) -> None:
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 1
    assert "no --app option, no HIPFLASK_APP variable, and no 'wsgi.py' or 'app.py'" in (
        result.stderr
    )


def test_an_import_error_inside_the_module_shows_its_traceback(isolated: Path) -> None:
    write(isolated / "broken.py", "import not_installed_anywhere\n")
    result = CliRunner().invoke(cli, ["--app", "broken", "routes"])
    assert result.exit_code == 1
    assert "While importing 'broken', an ImportError was raised" in result.stderr
    assert "not_installed_anywhere" in result.stderr
    assert "Traceback" in result.stderr


def test_a_type_error_inside_a_factory_propagates(isolated: Path) -> None:
    write(isolated / "bad_factory.py", "def create_app():\n    return len(1)\n")
    result = CliRunner().invoke(cli, ["--app", "bad_factory", "routes"])
    assert isinstance(result.exception, TypeError)


def test_unknown_command_with_a_broken_target(isolated: Path) -> None:
    result = CliRunner().invoke(cli, ["--app", "nosuch", "frobnicate"])
    assert result.exit_code == 2
    assert "Could not import 'nosuch'" in result.stderr
    assert "No such command 'frobnicate'" in result.stderr


# -- options, dotenv and debug ---------------------------------------------------------------------


def test_debug_flag_sets_app_debug(isolated: Path) -> None:
    write(
        isolated / "debuggable.py",
        """
        import click
        from hipflask import App, current_app

        app = App(__name__)

        @app.cli.command()
        def mode():
            click.echo(f"debug={current_app.debug}")
        """,
    )
    assert invoke("--app", "debuggable", "mode").stdout == "debug=False\n"
    assert invoke("--app", "debuggable", "--debug", "mode").stdout == "debug=True\n"
    assert invoke("--app", "debuggable", "--no-debug", "mode").stdout == "debug=False\n"


def test_dotenv_files_are_loaded_with_precedence(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named_module(isolated, "dotenv_app", "app = _named('dotenv-app')\n")
    write(isolated / ".hipflaskenv", "HIPFLASK_APP=dotenv_app\nONLY_FLASKENV=f\nBOTH=flaskenv\n")
    write(isolated / ".env", "BOTH=env\nEXISTING=from-file\n")
    write(isolated / "custom.env", "BOTH=custom\n")
    monkeypatch.setenv("EXISTING", "from-environment")
    assert app_name() == "dotenv-app"
    assert os.environ["ONLY_FLASKENV"] == "f"
    assert os.environ["BOTH"] == "env"
    assert os.environ["EXISTING"] == "from-environment"
    del os.environ["BOTH"]
    assert app_name("--env-file", "custom.env") == "dotenv-app"
    assert os.environ["BOTH"] == "custom"


def test_skip_dotenv(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(isolated / ".env", "SKIPPED_VALUE=1\n")
    monkeypatch.setenv("HIPFLASK_SKIP_DOTENV", "1")
    invoke("--help")
    assert "SKIPPED_VALUE" not in os.environ
    assert load_dotenv(load_defaults=True) is True
    assert os.environ["SKIPPED_VALUE"] == "1"


def test_version() -> None:
    result = invoke("--version")
    assert "hipflask 0.1.0" in result.stdout
    assert "Python" in result.stdout


def test_a_module_level_app_run_is_ignored_under_the_cli(isolated: Path) -> None:
    write(
        isolated / "runs_at_import.py",
        """
        from hipflask import App

        app = App(__name__)
        app.run()
        """,
    )
    result = CliRunner().invoke(cli, ["--app", "runs_at_import", "routes"])
    assert result.exit_code == 0
    assert "Ignoring a call to 'app.run()'" in result.stderr


def test_python_dash_m_hipflask() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hipflask", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "run" in result.stdout
    assert "--app TARGET" in result.stdout
