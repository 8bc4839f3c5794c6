"""The built-in commands: routes, shell, and run's refusals, driven with click's CliRunner."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hipflask import App
from hipflask.cli import cli

from .cli_support import KEY, invoke, write

pytestmark = pytest.mark.usefixtures("isolated")


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
