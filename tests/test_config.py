"""Config loaders."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

import pytest

from hipflask import App
from hipflask.config import DEFAULT_CONFIG, Config


class Settings:
    SECRET_KEY = "from-object"
    lower = "ignored"


def test_defaults_are_documented_values() -> None:
    app = App(__name__)
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MAX_FORM_PARTS"] == DEFAULT_CONFIG["MAX_FORM_PARTS"]
    assert app.debug is False


def test_from_object_and_string(tmp_path: Path) -> None:
    config = Config(tmp_path)
    config.from_object(Settings)
    assert config["SECRET_KEY"] == "from-object"
    assert "lower" not in config
    config.from_object("tests.test_config.Settings")
    assert config["SECRET_KEY"] == "from-object"


def test_from_mapping_and_kwargs(tmp_path: Path) -> None:
    config = Config(tmp_path)
    config.from_mapping({"A": 1, "b": 2}, C=3)
    assert config == {"A": 1, "C": 3}


def test_from_pyfile(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("DEBUG = True\nNAME = 'x'\nsecret = 1\n")
    config = Config(tmp_path)
    assert config.from_pyfile("settings.py") is True
    assert config["NAME"] == "x"
    assert "secret" not in config
    assert config.from_pyfile("missing.py", silent=True) is False
    with pytest.raises(OSError, match="Unable to load configuration file"):
        config.from_pyfile("missing.py")


def test_from_file_with_json(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"PORT": 8000, "lower": 1}))
    config = Config(tmp_path)
    assert config.from_file("config.json", load=json.load)
    assert config == {"PORT": 8000}
    assert config.from_file("nope.json", load=json.load, silent=True) is False


def test_from_prefixed_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPFLASK_SECRET_KEY", "abc")
    monkeypatch.setenv("HIPFLASK_PORT", "8000")
    monkeypatch.setenv("HIPFLASK_DEBUG", "true")
    monkeypatch.setenv("HIPFLASK_DB__HOST", '"db.local"')
    monkeypatch.setenv("OTHER_X", "1")
    config = Config(tmp_path)
    config.from_prefixed_env()
    assert config["SECRET_KEY"] == "abc"
    assert config["PORT"] == 8000
    assert config["DEBUG"] is True
    assert config["DB"] == {"HOST": "db.local"}
    assert "X" not in config


def test_from_envvar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "c.py").write_text("VALUE = 42\n")
    monkeypatch.setenv("APP_SETTINGS", str(tmp_path / "c.py"))
    config = Config(tmp_path)
    assert config.from_envvar("APP_SETTINGS")
    assert config["VALUE"] == 42
    with pytest.raises(RuntimeError, match="NOT_SET"):
        config.from_envvar("NOT_SET")


def test_get_namespace(tmp_path: Path) -> None:
    config = Config(tmp_path, {"MAIL_SERVER": "s", "MAIL_PORT": 25, "OTHER": 1})
    assert config.get_namespace("MAIL_") == {"server": "s", "port": 25}
    assert config.get_namespace("MAIL_", lowercase=False, trim_namespace=False) == {
        "MAIL_SERVER": "s",
        "MAIL_PORT": 25,
    }


def test_instance_relative_config(tmp_path: Path) -> None:
    app = App(__name__, instance_path=str(tmp_path), instance_relative_config=True)
    (tmp_path / "local.py").write_text("FROM_INSTANCE = 1\n")
    app.config.from_pyfile("local.py")
    assert app.config["FROM_INSTANCE"] == 1
    with pytest.raises(ValueError, match="absolute"):
        App(__name__, instance_path="relative/path")


@pytest.mark.parametrize("import_name", ["single_module", "a_package", "a_package.views"])
def test_default_instance_path_is_beside_the_module_or_top_level_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, import_name: str
) -> None:
    (tmp_path / "single_module.py").write_text("")
    (tmp_path / "a_package").mkdir()
    (tmp_path / "a_package" / "__init__.py").write_text("")
    (tmp_path / "a_package" / "views.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("single_module", "a_package", "a_package.views"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    importlib.import_module(import_name)
    assert App(import_name).instance_path == str(tmp_path / "instance")


def test_default_instance_path_of_an_installed_package_is_under_the_prefix() -> None:
    expected = os.path.join(os.path.abspath(sys.prefix), "var", "jinja2-instance")
    assert App("jinja2").instance_path == expected


# -- the stamp (what caches derived from settings compare) -----------------------------------

STAMP_CHANGES = {
    "setitem": lambda config: config.__setitem__("A", 1),
    "delitem": lambda config: config.__delitem__("B"),
    "update": lambda config: config.update(A=1),
    "update_mapping": lambda config: config.update({"A": 1}),
    "ior": lambda config: config.__ior__({"A": 1}),
    "setdefault_missing": lambda config: config.setdefault("A", 1),
    "pop": lambda config: config.pop("B"),
    "popitem": lambda config: config.popitem(),
    "clear": lambda config: config.clear(),
    "from_mapping": lambda config: config.from_mapping(A=1),
    "from_object": lambda config: config.from_object(Settings),
}


@pytest.mark.parametrize("name", sorted(STAMP_CHANGES))
def test_every_change_through_the_dict_interface_changes_the_stamp(
    tmp_path: Path, name: str
) -> None:
    config = Config(tmp_path, {"B": 2})
    before = config.stamp
    STAMP_CHANGES[name](config)
    assert config.stamp != before


def test_in_place_operator_changes_the_stamp(tmp_path: Path) -> None:
    config = Config(tmp_path)
    before = config.stamp
    config |= {"A": 1}
    assert config["A"] == 1 and config.stamp != before and isinstance(config, Config)


def test_file_and_environment_loaders_change_the_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "settings.py").write_text("A = 1\n")
    (tmp_path / "settings.json").write_text('{"B": 2}')
    monkeypatch.setenv("HIPFLASK_C", "3")
    monkeypatch.setenv("HIPFLASK_D__E", "4")
    monkeypatch.setenv("SETTINGS_FILE", str(tmp_path / "settings.py"))
    config = Config(tmp_path)
    for load in (
        lambda: config.from_pyfile("settings.py"),
        lambda: config.from_file("settings.json", json.load),
        lambda: config.from_prefixed_env(),
        lambda: config.from_envvar("SETTINGS_FILE"),
    ):
        before = config.stamp
        load()
        assert config.stamp != before


def test_app_attributes_change_the_stamp() -> None:
    app = App(__name__)
    before = app.config.stamp
    app.secret_key = "k" * 32
    assert app.config.stamp != before


def test_reads_and_a_setdefault_of_a_present_key_keep_the_stamp(tmp_path: Path) -> None:
    config = Config(tmp_path, {"A": 1})
    before = config.stamp
    assert config.setdefault("A", 2) == 1
    assert config["A"] == 1 and config.get("B") is None and "A" in config
    assert config.get_namespace("A") == {"": 1}
    assert config.stamp == before


def test_two_configs_never_share_a_stamp(tmp_path: Path) -> None:
    first, second = Config(tmp_path), Config(tmp_path)
    assert first.stamp != second.stamp
    first["A"] = 1
    second["A"] = 1
    assert first.stamp != second.stamp


def test_the_dict_interface_keeps_dicts_behaviour(tmp_path: Path) -> None:
    config = Config(tmp_path, {"A": 1, "B": 2})
    assert config.pop("C", "default") == "default"
    with pytest.raises(KeyError):
        config.pop("C")
    with pytest.raises(KeyError):
        del config["C"]
    assert config.popitem() == ("B", 2)
    config.update([("D", 4)], E=5)
    assert config == {"A": 1, "D": 4, "E": 5}
    config.clear()
    with pytest.raises(KeyError):
        config.popitem()
    assert config == {}
