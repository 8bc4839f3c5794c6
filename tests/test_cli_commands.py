"""The hipflask command line, driven in-process with click's CliRunner."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from hipflask import App, Blueprint, current_app
from hipflask.cli import AppGroup, ScriptInfo, cli, with_appcontext
from hipflask.cli.discovery import NoAppException, find_best_app, load_dotenv, prepare_import

KEY = "k" * 32


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty folder; undo the imports, sys.path and environment changes."""
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


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def invoke(*args: str, **kwargs: object) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)  # type: ignore[arg-type]


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


# -- routes ---------------------------------------------------------------------------------


ROUTES_APP = """
from hipflask import App

app = App(__name__, static_folder=None)

@app.route("/zebra/<int:id>", methods=["GET", "POST"])
def zebra(id):
    return "z"

@app.route("/apple")
def apple():
    return "a"

@app.route("/mango/<path:rest>", methods=["DELETE"])
def mango(rest):
    return "m"

@app.route("/mango/<int:id>", methods=["PUT"])
def mango_id(id):
    return "m"
"""


def table(result: Result) -> list[list[str]]:
    assert result.exit_code == 0, result.output
    return [line.split() for line in result.stdout.splitlines()]


def test_routes_table_sorted_by_endpoint(isolated: Path) -> None:
    write(isolated / "routes_app.py", ROUTES_APP)
    rows = table(invoke("--app", "routes_app", "routes"))
    assert rows[0] == ["Endpoint", "Methods", "Rule"]
    assert set("".join(rows[1])) == {"-"}
    assert [row[0] for row in rows[2:]] == ["apple", "mango", "mango_id", "zebra"]
    assert rows[2] == ["apple", "GET", "/apple"]
    assert rows[5] == ["zebra", "GET,", "POST", "/zebra/<int:id>"]


def test_routes_sorting(isolated: Path) -> None:
    write(isolated / "routes_app.py", ROUTES_APP)

    def endpoints(sort: str) -> list[str]:
        return [row[0] for row in table(invoke("--app", "routes_app", "routes", "-s", sort))[2:]]

    assert endpoints("rule") == ["apple", "mango_id", "mango", "zebra"]
    assert endpoints("methods") == ["mango", "apple", "zebra", "mango_id"]
    # Static rules are tried first; among dynamic ones, an int segment beats a path.
    match = endpoints("match")
    assert match[0] == "apple"
    assert match.index("mango_id") < match.index("mango")


def test_routes_all_methods_and_subdomains(isolated: Path) -> None:
    write(
        isolated / "sub_app.py",
        """
        from hipflask import App

        app = App(__name__, static_folder=None, subdomain_matching=True)

        @app.route("/", subdomain="api")
        def api():
            return "api"
        """,
    )
    rows = table(invoke("--app", "sub_app", "routes", "--all-methods"))
    assert rows[0] == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert rows[2] == ["api", "GET,", "HEAD,", "OPTIONS", "api", "/"]


def test_routes_with_no_routes(isolated: Path) -> None:
    write(
        isolated / "bare.py", "from hipflask import App\napp = App(__name__, static_folder=None)\n"
    )
    result = invoke("--app", "bare", "routes")
    assert result.stdout.strip() == "No routes were registered."


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


# -- shell ---------------------------------------------------------------------------------------


def test_shell_has_app_g_and_shell_context(isolated: Path) -> None:
    write(
        isolated / "shell_app.py",
        """
        from hipflask import App

        app = App(__name__)

        @app.shell_context_processor
        def extra():
            return {"answer": 42}
        """,
    )
    code = "print(app.import_name, answer, g is not None)\ng.x = 1\nprint(g.x)\n"
    result = invoke("--app", "shell_app", "shell", input=code)
    assert result.exit_code == 0, result.output
    assert "shell_app 42 True" in result.output
    assert ">>> 1\n" in result.output
    assert "App: shell_app" in result.output


# -- run (refusals only; serving is in test_serving*.py) ---------------------------------------


def write_served_app(tmp_path: Path, key: str | None) -> None:
    setting = f"app.config['SECRET_KEY'] = {key!r}\n" if key is not None else ""
    write(tmp_path / "served.py", "from hipflask import App\napp = App(__name__)\n" + setting)


def test_run_refuses_debug_on_a_public_address(isolated: Path) -> None:
    write_served_app(isolated, KEY)
    result = CliRunner().invoke(cli, ["--app", "served", "run", "--debug", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "Refusing to run in debug mode on '0.0.0.0'" in result.stderr
    assert "--force-debug" in result.stderr


@pytest.mark.parametrize(("key", "warned"), [(None, False), ("", False), ("short", True)])
def test_run_serves_without_a_key_and_warns_about_a_short_one(
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    key: str | None,
    warned: bool,
) -> None:
    # NOTE: issue 14: a missing or short key is no longer refused. serve() is replaced so the
    # command returns; serving itself is tested in test_serving_runner.py.
    from hipflask.serving import runner

    served: list[App] = []
    monkeypatch.setattr(runner, "serve", lambda app, *args, **kwargs: served.append(app))
    write_served_app(isolated, key)
    result = CliRunner().invoke(cli, ["--app", "served", "run"])
    assert result.exit_code == 0, result.output
    assert len(served) == 1
    assert ("SECRET_KEY is too short (5 bytes)" in caplog.text) is warned
    assert "Refusing" not in result.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--key", "{key}"], "Invalid value for '--key': '--cert' must be given too."),
        (["--cert", "{cert}"], "Invalid value for '--key': Required with '--cert'"),
        (["--cert", "missing.pem", "--key", "{key}"], "'missing.pem' does not exist."),
        (["--cert", "{cert}", "--key", "missing.pem"], "'missing.pem' does not exist."),
        (["--cert", "{folder}", "--key", "{key}"], "is a directory."),
    ],
)
def test_run_tls_usage_errors(
    isolated: Path, tls_files: tuple[Path, Path], options: list[str], message: str
) -> None:
    write_served_app(isolated, KEY)
    cert, key = tls_files
    paths = {"cert": str(cert), "key": str(key), "folder": str(cert.parent)}
    args = [option.format(**paths) for option in options]
    result = CliRunner().invoke(cli, ["--app", "served", "run", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def one_line_error(*args: str) -> str:
    """Run 'hipflask --app served run ARGS', expecting a one-line refusal; return it."""
    result = CliRunner().invoke(cli, ["--app", "served", "run", *args])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().count("\n") == 0
    return result.stderr.strip()


def test_run_refuses_adhoc_certificates_with_advice(isolated: Path) -> None:
    write_served_app(isolated, KEY)
    for options in (["--cert", "adhoc"], ["--cert", "adhoc", "--key", "served.py"]):
        error = one_line_error(*options)
        assert error.startswith("Error: 'adhoc' certificates are not supported")
        assert "openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem" in error


def test_run_refuses_certificates_it_cannot_load(
    isolated: Path, tls_files: tuple[Path, Path]
) -> None:
    write_served_app(isolated, KEY)
    cert, key = (str(path) for path in tls_files)
    error = one_line_error("--cert", "served.py", "--key", key)
    assert error.startswith("Error: Could not load the certificate 'served.py' with the key")
    assert "Could not load" in one_line_error("--cert", key, "--key", cert)
    subprocess.run(
        ["openssl", "pkey", "-in", key, "-aes256", "-passout", "pass:secret", "-out", "enc.pem"],
        check=True,
        timeout=60,
    )
    error = one_line_error("--cert", cert, "--key", "enc.pem")
    assert error.startswith("Error: The key file 'enc.pem' is encrypted")


@pytest.mark.parametrize(
    ("key", "options", "message"),
    [
        (KEY, ["--debug", "--host", "0.0.0.0"], "Refusing to run in debug mode on '0.0.0.0'"),
        (KEY, ["--debug", "--host", "10.0.0.1"], "Refusing to run in debug mode on '10.0.0.1'"),
    ],
)
def test_run_over_tls_keeps_the_start_up_checks(
    isolated: Path, tls_files: tuple[Path, Path], key: str, options: list[str], message: str
) -> None:
    write_served_app(isolated, key)
    error = one_line_error("--cert", str(tls_files[0]), "--key", str(tls_files[1]), *options)
    assert message in error


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
