"""The documentation's code runs: every captioned block of a guide is a file of a project.

A guide (quickstart, tutorial) shows its code in MyST blocks with a ``:caption:`` naming the
file. The test writes those files into an empty folder, later blocks of the same name replacing
earlier ones as the guide goes on, and runs the guide's own tests there with pytest.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(
    r"^```\{code-block\} (?P<lang>[\w+-]+)\n:caption: (?P<name>\S+)\n\n(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)


def blocks(page: Path) -> list[tuple[str, str, str]]:
    """Return ``(language, file name, code)`` for each captioned block of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    return [(m["lang"], m["name"], m["body"]) for m in BLOCK.finditer(text)]


def guide_pages(guide: str) -> list[Path]:
    """Return the pages of ``guide`` in reading order: one page, or a folder's toctree."""
    path = DOCS / guide
    if path.suffix == ".md":
        return [path]
    index = (path / "index.md").read_text(encoding="utf-8")
    toctree = re.search(r"^```\{toctree\}\n(?:^:.*\n)*\n(.*?)^```$", index, re.M | re.S)
    assert toctree, f"{guide}/index.md has no toctree"
    return [path / f"{name}.md" for name in toctree.group(1).split()]


def write_project(pages: list[Path], folder: Path) -> list[str]:
    """Write the pages' files into ``folder``; return the names of the test modules."""
    for page in pages:
        for language, name, body in blocks(page):
            if language == "python":
                compile(body, f"{page.name}:{name}", "exec")  # every version must parse
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("test_*.py"))


def run_guide_tests(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=folder, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_block_pattern_reads_captions() -> None:
    names = [name for _, name, _ in blocks(DOCS / "quickstart.md")]
    assert names == ["hello.py", "hello.py", "templates/hello.html", "greet.py", "test_hello.py"]


def test_tutorial_pages_are_read_in_order() -> None:
    names = [page.stem for page in guide_pages("tutorial")]
    assert names[:3] == ["layout", "factory", "views"]
    assert names[-2:] == ["testing", "deploy"]
    assert all(page.exists() for page in guide_pages("tutorial"))


@pytest.mark.parametrize("guide", ["quickstart.md", "tutorial"])
def test_guide_code_runs(guide: str, tmp_path: Path) -> None:
    tests = write_project(guide_pages(guide), tmp_path)
    assert tests, f"{guide} shows no test module"
    result = run_guide_tests(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^\d+ passed", result.stdout.splitlines()[-1]), result.stdout
    assert "failed" not in result.stdout.splitlines()[-1]
