"""Path safety: safe_join and secure_filename."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hipflask.paths import safe_join, secure_filename


@pytest.mark.parametrize(
    "name",
    [
        "../secret.txt",
        "..",
        "/etc/passwd",
        "sub/../../secret.txt",
        "..\\secret.txt",
        "hello.txt\x00.png",
        "C:secret.txt",
        "c:/windows/win.ini",
        "CON",
        "nul.txt",
        "com1.log",
        "LPT9",
        "aux .txt",
        "hello.txt/",
        "a//hello.txt",
        "",
    ],
)
def test_safe_join_refuses_escapes(name: str) -> None:
    assert safe_join("/srv/files", name) is None


def test_safe_join_accepts_plain_paths() -> None:
    assert safe_join("/srv/files", "css/site.css") == os.path.join("/srv/files", "css", "site.css")
    assert safe_join("/srv/files", "..hidden") == os.path.join("/srv/files", "..hidden")


# -- secure_filename -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("My cool movie.mov", "My_cool_movie.mov"),
        ("../../../etc/passwd", "etc_passwd"),
        ("..\\..\\windows\\win.ini", "windows_win.ini"),
        ("/etc/shadow", "etc_shadow"),
        ("C:\\boot.ini", "C_boot.ini"),
        ("i contain cool \xfcml\xe4uts.txt", "i_contain_cool_umlauts.txt"),
        ("résumé.pdf", "resume.pdf"),
        (".bashrc", "bashrc"),
        ("...hidden", "hidden"),
        ("a..b..txt", "a.b.txt"),
        ("evil\x00.php", "evil.php"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT1.log", "_LPT1.log"),
        ("- leading", "-_leading"),
        ("", ""),
        ("...", ""),
        ("日本語", ""),
    ],
)
def test_secure_filename(name: str, expected: str) -> None:
    assert secure_filename(name) == expected


def test_secure_filename_limits_the_length_and_keeps_the_extension() -> None:
    name = secure_filename("a" * 300 + ".txt")
    assert len(name) == 255
    assert name.endswith(".txt")
    assert len(secure_filename("b" * 300)) == 255


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "..\\x",
        "/abs/x",
        "C:\\x",
        "x\x00y",
        "a" * 300,
        " . . / . . /x",
        "....//....//x",
        "\u2025/x",
        "\uff0e\uff0e/x",
        "x/.",
        "%2e%2e%2fx",
    ],
)
def test_secure_filename_always_stays_inside(name: str, tmp_path: Path) -> None:
    safe = secure_filename(name)
    assert safe
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert ".." not in safe
    assert not safe.startswith(".")
    assert len(safe) <= 255
    target = (tmp_path / safe).resolve()
    assert target.parent == tmp_path.resolve()
