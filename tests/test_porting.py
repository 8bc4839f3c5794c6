"""``hipflask port``: each rewrite, the command, and Flask's own tutorial app ported end to end."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from hipflask.porting import port_command
from hipflask.porting.rewriter import PortError, port_source
from hipflask.porting.table import MODULES, Resolver


class Inventory(Resolver):
    """A hipflask that holds exactly these modules and names (every battery landed)."""

    def __init__(self, names: dict[str, set[str]]) -> None:
        self.names = names

    def exists(self, module: str) -> bool:
        return module in self.names

    def has(self, module: str, name: str) -> bool:
        return name in self.names.get(module, set()) or f"{module}.{name}" in self.names


def port(source: str, resolver: Resolver | None = None) -> str:
    return port_source(textwrap.dedent(source), "app.py", resolver).code


def run_module(source: str) -> ModuleType:
    """Execute ported ``source`` as a module, the way the app would run it."""
    module = ModuleType("ported_app")
    exec(compile(source, "ported_app.py", "exec"), module.__dict__)
    return module


# -- from flask import ...


def test_a_renamed_name_is_imported_under_its_old_name() -> None:
    ported = port("from flask import Flask, request  # the app\n")
    assert ported == "from hipflask import App as Flask, request  # the app\n"


def test_an_alias_is_kept() -> None:
    ported = port("from flask import Flask as F, jsonify as js\n")
    assert ported == "from hipflask import App as F, jsonify as js\n"


def test_an_alias_already_spelled_the_new_way_is_dropped() -> None:
    assert port("from flask import Flask as App\n") == "from hipflask import App\n"


def test_the_ported_app_runs_unchanged() -> None:
    ported = port(
        """\
        from flask import Flask, jsonify, request

        app = Flask(__name__)

        @app.route("/hello/<name>")
        def hello(name):
            return jsonify(name=name, q=request.args["q"])
        """
    )
    app = run_module(ported).app
    response = app.test_client().get("/hello/ada?q=1")
    assert response.status_code == 200
    assert response.get_json() == {"name": "ada", "q": "1"}


def test_comments_blank_lines_and_other_code_are_kept_byte_for_byte() -> None:
    source = textwrap.dedent(
        '''\
        """My app."""
        # -*- a comment before -*-
        import os

        from flask import (  # the framework
            Flask,
            redirect,  # used in views
            url_for,
        )


        def   odd_spacing( x ):   # untouched
            return os.sep  +  x
        '''
    )
    expected = source.replace("from flask import", "from hipflask import").replace(
        "    Flask,\n", "    App as Flask,\n"
    )
    assert port(source) == expected


def test_names_in_different_hipflask_modules_split_the_statement() -> None:
    ported = port("from flask_wtf import FlaskForm, CSRFProtect  # forms\n")
    assert ported == (
        "from hipflask.forms import FlaskForm  # forms\nfrom hipflask.csrf import CSRFProtect\n"
    )


def test_werkzeug_modules_port_to_the_same_name() -> None:
    ported = port("from werkzeug.exceptions import NotFound, abort\n")
    assert ported == "from hipflask.exceptions import NotFound, abort\n"


def test_a_name_without_equivalent_stays_and_is_reported() -> None:
    source = "import os\nfrom flask import Flask, not_a_flask_name, g\n"
    result = port_source(source, "app.py")
    assert result.code == (
        "import os\nfrom hipflask import App as Flask, g\nfrom flask import not_a_flask_name\n"
    )
    [warning] = result.warnings
    assert (warning.path, warning.line, warning.name) == ("app.py", 2, "flask.not_a_flask_name")
    assert str(warning).startswith("app.py:2: flask.not_a_flask_name: no hipflask equivalent")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from flask import (\n    Flask,  # the app\n    not_a_flask_name\n)\n",
            "from hipflask import (\n    App as Flask,  # the app\n)\n",
        ),
        (
            "from flask import (\n    Flask,\n    not_a_flask_name,\n)\n",
            "from hipflask import (\n    App as Flask,\n)\n",
        ),
        ("from flask import (Flask, not_a_flask_name)\n", "from hipflask import (App as Flask)\n"),
    ],
)
def test_a_name_moved_out_keeps_the_parentheses_closed(source: str, expected: str) -> None:
    assert port(source) == expected + "from flask import not_a_flask_name\n"


def test_an_unmapped_module_stays_and_is_reported() -> None:
    result = port_source("from werkzeug.serving import run_simple\n", "serve.py")
    assert not result.changed
    assert [str(warning) for warning in result.warnings] == [
        "serve.py:1: werkzeug.serving.run_simple: no hipflask equivalent"
    ]


def test_a_battery_not_installed_is_named_in_the_warning() -> None:
    result = port_source("from flask_login import LoginManager\n", "app.py", Inventory({}))
    assert not result.changed
    assert "hipflask.auth is not installed" in result.warnings[0].reason


def test_a_star_import_ports_with_a_warning() -> None:
    result = port_source("from flask import *\n", "app.py")
    assert result.code == "from hipflask import *\n"
    assert result.warnings[0].name == "flask.*"


def test_relative_imports_are_untouched() -> None:
    source = "from . import flask\nfrom .flask import Flask\nfrom ..werkzeug.security import x\n"
    result = port_source(source, "pkg/views.py")
    assert result.code == source
    assert result.warnings == []


def test_an_import_inside_a_block_stays_in_the_block() -> None:
    source = "if True:\n    from flask_wtf import FlaskForm, CSRFProtect\n"
    assert port(source) == (
        "if True:\n"
        "    from hipflask.forms import FlaskForm\n"
        "    from hipflask.csrf import CSRFProtect\n"
    )


# -- import flask, flask.X


def test_module_import_and_attribute_use() -> None:
    ported = port(
        """\
        import flask

        app = flask.Flask(__name__)

        @app.route("/")
        def index():
            return flask.jsonify(path=flask.request.path)
        """
    )
    assert ported == textwrap.dedent(
        """\
        import hipflask

        app = hipflask.App(__name__)

        @app.route("/")
        def index():
            return hipflask.jsonify(path=hipflask.request.path)
        """
    )
    app = run_module(ported).app
    assert app.test_client().get("/").get_json() == {"path": "/"}


def test_an_aliased_module_import_renames_uses_in_place() -> None:
    ported = port("import flask as fl\napp = fl.Flask(__name__)\nfl.g.user = None\n")
    assert ported == "import hipflask as fl\napp = fl.App(__name__)\nfl.g.user = None\n"


def test_an_aliased_import_with_an_unported_use_stays_whole() -> None:
    source = "import flask as fl\napp = fl.Flask(__name__)\nfl.not_a_flask_name()\n"
    result = port_source(source, "app.py")
    assert result.code == source
    assert [warning.name for warning in result.warnings] == ["flask.not_a_flask_name"]


def test_a_submodule_chain_imports_what_it_needs() -> None:
    ported = port("import werkzeug.exceptions\n\nraise werkzeug.exceptions.NotFound()\n")
    assert ported == "import hipflask.exceptions\n\nraise hipflask.exceptions.NotFound()\n"


def test_a_chain_into_another_module_adds_its_import() -> None:
    ported = port("import flask_wtf\nform = flask_wtf.FlaskForm\nflask_wtf.CSRFProtect()\n")
    assert ported == (
        "import hipflask.forms\nimport hipflask.csrf\n"
        "form = hipflask.forms.FlaskForm\nhipflask.csrf.CSRFProtect()\n"
    )


def test_an_unported_use_keeps_the_old_import_beside_the_new() -> None:
    source = "import flask\napp = flask.Flask(__name__)\nflask.not_a_flask_name()\n"
    result = port_source(source, "app.py")
    assert result.code == (
        "import hipflask\nimport flask\napp = hipflask.App(__name__)\nflask.not_a_flask_name()\n"
    )
    assert [(w.line, w.name) for w in result.warnings] == [(3, "flask.not_a_flask_name")]


# -- the map, for every module Flask apps import (as if every battery had landed)

EVERY_BATTERY = Inventory(
    {new: {"Thing"} for targets in MODULES.values() for new in targets}
    | {
        "hipflask": {"App", "Thing", "json"},
        "hipflask.forms": {"Thing", "FlaskForm", "FileField"},
        "hipflask.csrf": {"Thing", "CSRFProtect", "generate_csrf"},
        "hipflask.security": {"Thing", "generate_password_hash", "Bcrypt"},
    }
)


@pytest.mark.parametrize("old", sorted(MODULES))
def test_every_mapped_module_ports_to_its_hipflask_module(old: str) -> None:
    ported = port(f"from {old} import Thing\n", EVERY_BATTERY)
    assert ported == f"from {MODULES[old][0]} import Thing\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from werkzeug.security import generate_password_hash", "hipflask.security"),
        ("from werkzeug.middleware.proxy_fix import Thing", "hipflask.middleware.proxy_fix"),
        ("from flask_bcrypt import Bcrypt", "hipflask.security"),
        ("from flask_login import Thing", "hipflask.auth"),
        ("from flask_sqlalchemy import Thing", "hipflask.db"),
        ("from flask_migrate import Thing", "hipflask.migrate"),
        ("from flask_limiter import Thing", "hipflask.limiter"),
        ("from flask_limiter.util import Thing", "hipflask.limiter.util"),
        ("from flask_wtf import generate_csrf", "hipflask.csrf"),
        ("from flask_wtf.file import FileField", "hipflask.forms"),
        ("from flask.json.provider import Thing", "hipflask.json.provider"),
        ("from flask.globals import Thing", "hipflask.globals"),
    ],
)
def test_the_documented_table(source: str, expected: str) -> None:
    assert port(source + "\n", EVERY_BATTERY).startswith(f"from {expected} import ")


def test_a_mapped_submodule_imported_as_a_name() -> None:
    ported = port("from werkzeug import security\nfrom flask import json\n", EVERY_BATTERY)
    assert ported == "from hipflask import security\nfrom hipflask import json\n"


# -- idempotence, errors


def test_porting_twice_changes_nothing() -> None:
    source = textwrap.dedent(
        """\
        import flask
        import flask_wtf as fw
        from flask import Flask, not_a_flask_name
        from flask_wtf import FlaskForm, CSRFProtect
        from werkzeug.exceptions import abort

        app = flask.Flask(__name__)
        form = fw.FlaskForm
        flask.other_missing()
        """
    )
    once = port_source(source, "app.py")
    twice = port_source(once.code, "app.py")
    assert once.changed
    assert twice.code == once.code
    assert [w.name for w in twice.warnings] == [w.name for w in once.warnings]


def test_a_syntax_error_raises_a_port_error_naming_the_line() -> None:
    with pytest.raises(PortError, match=r"^broken\.py:2:"):
        port_source("import flask\ndef (:\n", "broken.py")


# -- the command


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text("from flask import Flask  # app\n\napp = Flask(__name__)\n")
    (tmp_path / "plain.py").write_text("import os\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "views.py").write_text("from flask import request, not_a_flask_name\n")
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "flask.py").write_text("from flask import Flask\n")
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in sorted(folder.rglob("*.py"))}


def test_the_command_rewrites_in_place_and_reports(project: Path) -> None:
    result = CliRunner().invoke(port_command, [str(project)])
    assert result.exit_code == 0, result.output
    assert (project / "app.py").read_text() == (
        "from hipflask import App as Flask  # app\n\napp = Flask(__name__)\n"
    )
    assert (project / "pkg" / "views.py").read_text() == (
        "from hipflask import request\nfrom flask import not_a_flask_name\n"
    )
    assert (project / "plain.py").read_text() == "import os\n"
    assert (project / ".venv" / "lib" / "flask.py").read_text() == "from flask import Flask\n"
    assert f"rewrote {project / 'app.py'}" in result.stdout
    assert f"rewrote {project / 'pkg' / 'views.py'}" in result.stdout
    assert "plain.py" not in result.stdout
    assert f"warning: {project / 'pkg' / 'views.py'}:1: flask.not_a_flask_name" in result.stderr
    assert "2 of 3 files rewritten, 1 warnings, 0 unparsable" in result.stderr


def test_a_dry_run_prints_the_diff_and_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    result = CliRunner().invoke(port_command, [str(project), "--dry-run"])
    assert result.exit_code == 0
    assert snapshot(project) == before
    assert f"--- a/{project / 'app.py'}\n+++ b/{project / 'app.py'}\n" in result.stdout
    assert "-from flask import Flask  # app\n+from hipflask import App as Flask  # app\n" in (
        result.stdout
    )
    assert f"would rewrite {project / 'app.py'}" in result.stdout


def test_check_exits_1_when_something_would_change(project: Path) -> None:
    before = snapshot(project)
    result = CliRunner().invoke(port_command, [str(project), "--check"])
    assert result.exit_code == 1
    assert snapshot(project) == before
    CliRunner().invoke(port_command, [str(project)])
    assert CliRunner().invoke(port_command, [str(project), "--check"]).exit_code == 0


def test_a_file_that_does_not_parse_is_reported_and_the_rest_ported(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("from flask import Flask\ndef (:\n")
    (tmp_path / "good.py").write_text("from flask import g\n")
    (tmp_path / "undecodable.py").write_bytes(b"from flask import g\nname = '\xff'\n")
    result = CliRunner().invoke(port_command, [str(tmp_path)])
    assert result.exit_code == 0
    assert "1 of 3 files rewritten, 0 warnings, 2 unparsable" in result.stderr
    assert f"error: {tmp_path / 'undecodable.py'}:" in result.stderr
    assert (tmp_path / "good.py").read_text() == "from hipflask import g\n"
    assert (tmp_path / "bad.py").read_text() == "from flask import Flask\ndef (:\n"
    assert f"error: {tmp_path / 'bad.py'}:2:" in result.stderr
    assert CliRunner().invoke(port_command, [str(tmp_path), "--check"]).exit_code == 1


def test_line_endings_and_encoding_are_kept(tmp_path: Path) -> None:
    file = tmp_path / "app.py"
    file.write_bytes(
        "# -*- coding: latin-1 -*-\r\nfrom flask import g\r\nname = 'café'\r\n".encode("latin-1")
    )
    assert CliRunner().invoke(port_command, [str(file)]).exit_code == 0
    assert file.read_bytes() == (
        "# -*- coding: latin-1 -*-\r\nfrom hipflask import g\r\nname = 'café'\r\n".encode("latin-1")
    )


def test_importing_the_command_does_not_load_libcst() -> None:
    code = "import sys, hipflask, hipflask.porting; print('libcst' in sys.modules)"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout == "False\n"


# -- Flask's tutorial app, flaskr, ported and run against its own tests

# NOTE: flask and werkzeug are installed for the benchmarks; the ported app must not use them.
_RUN_WITHOUT_FLASK = (
    "import sys; sys.modules['flask'] = sys.modules['werkzeug'] = None; import pytest; "
    "raise SystemExit(pytest.main(['-p', 'no:cacheprovider', '-q']))"
)


@pytest.fixture(scope="session")
def flask_sdist(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return Flask 3.1's source distribution, downloaded from PyPI once and cached."""
    cache = getattr(pytestconfig, "cache", None)  # None under -p no:cacheprovider
    folder = cache.mkdir("flask-sdist") if cache else tmp_path_factory.mktemp("flask-sdist")
    found = sorted(folder.glob("flask-3.1.*.tar.gz"))
    if found:
        return found[-1]
    download = tmp_path_factory.mktemp("download")
    command = [sys.executable, "-m", "pip", "download", "flask==3.1.*", "--no-binary", ":all:"]
    done = subprocess.run(
        [*command, "--no-deps", "-d", str(download)], capture_output=True, text=True
    )
    archives = sorted(download.glob("flask-3.1.*.tar.gz"))
    if done.returncode != 0 or not archives:
        message = f"could not download Flask's sdist from PyPI: {done.stderr.strip()[-300:]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true requires it.")
        pytest.skip(message)
    # NOTE: a rename is atomic, so a concurrent run sees the whole archive or none.
    target = folder / archives[-1].name
    os.replace(archives[-1], target)
    return target


@pytest.fixture
def flaskr(flask_sdist: Path, tmp_path: Path) -> Path:
    """Extract ``examples/tutorial`` (flaskr and its tests) from the sdist."""
    with tarfile.open(flask_sdist) as archive:
        members = [m for m in archive.getmembers() if "/examples/tutorial/" in m.name]
        archive.extractall(tmp_path, members=members, filter="data")
    [tutorial] = tmp_path.glob("*/examples/tutorial")
    return tutorial


def imported_modules(folder: Path) -> set[str]:
    names: set[str] = set()
    for file in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module)
    return names


def test_flaskr_passes_its_own_tests_after_hipflask_port(flaskr: Path) -> None:
    assert {"flask", "werkzeug.security", "werkzeug.exceptions"} <= imported_modules(flaskr)
    tests_before = {p.name: p.read_text() for p in (flaskr / "tests").iterdir()}

    result = CliRunner().invoke(port_command, [str(flaskr)])

    assert result.exit_code == 0, result.output
    assert "0 warnings, 0 unparsable" in result.stderr, result.stderr
    modules = imported_modules(flaskr)
    assert not {name for name in modules if name.split(".")[0] in {"flask", "werkzeug"}}
    assert {"hipflask", "hipflask.security", "hipflask.exceptions"} <= modules
    for name, text in tests_before.items():
        ported = (flaskr / "tests" / name).read_text()
        assert ported == text.replace("from flask import", "from hipflask import")

    run = subprocess.run(
        [sys.executable, "-c", _RUN_WITHOUT_FLASK],
        cwd=flaskr,
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.fullmatch(r"\d+ passed in [\d.]+s", summary), summary
