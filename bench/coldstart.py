"""Time ``python -c "import <framework>"`` as whole processes, interleaved like the rest."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

MODULES = ("hipflask", "flask", "bottle", "falcon")


@dataclass(frozen=True)
class ColdStart:
    """The median wall time of a process that imports ``module``; ``None`` if it failed."""

    module: str
    seconds: float | None
    error: str = ""


# NOTE: every installed framework has its bytecode cached (pip compiles on install); an
# editable install only gets it if Python may write it, so PYTHONDONTWRITEBYTECODE is dropped
# and the warm-up run below writes the cache, putting all frameworks on the same footing.
_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _run(code: str) -> tuple[float, str]:
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=_ENV
    )
    elapsed = time.perf_counter() - started
    error = process.stderr.strip().splitlines()[-1] if process.returncode else ""
    return elapsed, error


def measure(runs: int) -> tuple[float, list[ColdStart]]:
    """Return the median time of ``python -c pass`` and of importing each module."""
    codes = {"": "pass", **{module: f"import {module}" for module in MODULES}}
    times: dict[str, list[float]] = {name: [] for name in codes}
    errors: dict[str, str] = {}
    for code in codes.values():  # warm the disk and bytecode caches; not counted
        _run(code)
    for _ in range(runs):
        for name, code in codes.items():
            elapsed, error = _run(code)
            if error:
                errors[name] = error
            times[name].append(elapsed)
    results = [
        ColdStart(module, None, errors[module])
        if module in errors
        else ColdStart(module, statistics.median(times[module]))
        for module in MODULES
    ]
    return statistics.median(times[""]), results
