"""Count the CPU instructions each framework spends per request (``make bench-count``).

Wall-clock timings on a shared machine swing by tens of percent; instruction counts under
valgrind repeat to well under 1%, so one run shows what a change bought. Each framework runs in
its own process under ``valgrind --tool=callgrind`` with collection off. Every scenario is first
verified and warmed up, then its ``N`` measured requests run inside one ``sys.call_tracing``
call: callgrind collects only inside that C function (``--toggle-collect``) and writes one
profile per call (``--dump-after``), so interpreter start-up, imports and app set-up never
count. A first run over a do-nothing WSGI app measures the harness itself (copying the
environ, a ``BytesIO``, draining the answer), which is subtracted from every scenario.

    python bench/count.py [--requests N] [--framework NAME ...] [--scenario NAME ...]
                          [--save] [--check]

``--save`` writes the counts to ``bench/baseline.json``; ``--check`` compares hipflask's counts
with it and exits 1 when a scenario grew more than 3%.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

if not __package__:
    # NOTE: run as a script: make the ``bench`` package importable from the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import apps
from bench.scenarios import SCENARIOS, write_static
from bench.timing import serve

BASELINE = Path(__file__).resolve().parent / "baseline.json"
#: The growth over the baseline that ``--check`` tolerates.
TOLERANCE = 0.03
DEFAULT_REQUESTS = 200
#: The row holding ``import <framework>`` instructions beyond a bare interpreter's.
COLD_START = "cold_start"
WARMUP = 20
_TOTALS = re.compile(rb"^(?:totals|summary): *(\d+)", re.MULTILINE)

Counts = dict[str, dict[str, float | str]]


def valgrind() -> str | None:
    """Return the valgrind executable, or None when it is not installed."""
    return shutil.which("valgrind")


def _null_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [])
    return [b""]


def _requests(app: Any, environ: dict[str, Any], body: bytes, count: int) -> None:
    """Make ``count`` requests inside one ``sys.call_tracing`` call: the measured region."""

    def loop() -> None:
        for _ in range(count):
            serve(app, environ, body)

    # NOTE: sys.call_tracing is a C function nothing else calls, so callgrind's toggle on it
    # marks exactly the measured region.
    sys.call_tracing(loop, ())


def _work(framework: str, names: list[str], count: int) -> dict[str, str]:
    """In the valgrind process: verify, warm up and measure each scenario; say which ran."""
    from bench.run import _verify, load_framework

    outcome: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="hipflask-count-") as static_dir:
        write_static(Path(static_dir))
        built, unavailable = load_framework(framework, static_dir)
        hello = SCENARIOS[0].environ()
        _requests(_null_app, hello, b"", WARMUP)
        _requests(_null_app, hello, b"", count)  # dump 1: the harness
        for scenario in SCENARIOS:
            if scenario.name not in names:
                continue
            if scenario.name in unavailable:
                outcome[scenario.name] = "-"
                continue
            app = built[scenario.factory]
            environ, body, problems = _verify(app, scenario)
            if problems:
                outcome[scenario.name] = "FAIL: " + "; ".join(problems)
                continue
            _requests(app, environ, body, WARMUP)
            _requests(app, environ, body, count)
            outcome[scenario.name] = "ok"
    return outcome


def count_framework(framework: str, names: list[str], count: int) -> dict[str, float | str]:
    """Run ``framework``'s scenarios under callgrind; return instructions per request."""
    arguments = ["bench.count", "--worker", framework, "--requests", str(count)]
    arguments += [arg for name in names for arg in ("--scenario", name)]
    answer, totals = callgrind(arguments, framework)
    outcome: dict[str, str] = json.loads(answer)
    # Dumps, in order: the harness warm-up and measure, then warm-up and measure per scenario
    # that ran.
    measured = [name for name, state in outcome.items() if state == "ok"]
    if len(totals) != 2 + 2 * len(measured):
        raise RuntimeError(
            f"{framework}: {len(totals)} profiles for {len(measured)} scenarios "
            "(does the framework call sys.call_tracing itself?)"
        )
    harness = totals[1] / count
    result: dict[str, float | str] = {}
    index = 2
    for name, state in outcome.items():
        if state == "ok":
            result[name] = round(totals[index + 1] / count - harness)
            index += 2
        else:
            result[name] = state
    return result


def callgrind(module_arguments: list[str], label: str) -> tuple[str, list[int]]:
    """Run ``python -m <module_arguments>`` under callgrind, collecting only inside each
    ``sys.call_tracing`` call; return its last line of output and each call's instructions."""
    tool = valgrind()
    if tool is None:
        raise RuntimeError("valgrind is not installed")
    with tempfile.TemporaryDirectory(prefix="hipflask-callgrind-") as out_dir:
        out_file = os.path.join(out_dir, "callgrind.out")
        command = [
            tool,
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=sys_call_tracing",
            "--dump-after=sys_call_tracing",
            f"--callgrind-out-file={out_file}",
            sys.executable,
            "-m",
            *module_arguments,
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        root = str(Path(__file__).resolve().parent.parent)
        process = subprocess.run(command, capture_output=True, cwd=root, env=env, check=False)
        if process.returncode:
            tail = process.stderr.decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"{label} worker failed: " + " | ".join(tail))
        dumps = sorted(
            (path for path in Path(out_dir).glob("callgrind.out.*")),
            key=lambda path: int(path.suffix[1:]),
        )
        totals = [_total(path) for path in dumps]
    return process.stdout.decode().strip().splitlines()[-1], totals


def _total(path: Path) -> int:
    match = _TOTALS.search(path.read_bytes())
    return int(match.group(1)) if match else 0


def count_import(module: str | None) -> int:
    """Return the instructions of ``python -c "import <module>"`` (``pass`` for None).

    Run as a whole process under cachegrind with bytecode caching on, as a worker starts.
    """
    tool = valgrind()
    if tool is None:
        raise RuntimeError("valgrind is not installed")
    code = "pass" if module is None else f"import {module}"
    command = [tool, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, "-c", code]  # fmt: skip
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONHASHSEED"] = "0"
    subprocess.run([sys.executable, "-c", code], env=env, check=False)  # write the bytecode
    process = subprocess.run(command, capture_output=True, env=env, check=False)
    match = re.search(rb"I\s+refs:\s+([\d,]+)", process.stderr)
    if process.returncode or match is None:
        raise RuntimeError(f"{code!r} failed under valgrind")
    return int(match.group(1).replace(b",", b""))


def cold_start_counts(frameworks: list[str]) -> dict[str, float | str]:
    """Return each framework's import cost in instructions beyond ``python -c pass``."""
    bare = count_import(None)
    counts: dict[str, float | str] = {}
    for framework in frameworks:
        if framework == "bare":
            counts[framework] = 0
            continue
        try:
            counts[framework] = count_import(framework) - bare
        except RuntimeError as exc:
            counts[framework] = f"n/a ({exc})"
    return counts


def run_counts(frameworks: list[str], names: list[str], count: int) -> Counts:
    """Return ``{scenario: {framework: instructions or mark}}``."""
    counts: Counts = {name: {} for name in names}
    for framework in frameworks:
        try:
            per_scenario = count_framework(framework, names, count)
        except (ImportError, RuntimeError) as exc:
            print(f"SKIP {framework}: {exc}", file=sys.stderr)
            per_scenario = dict.fromkeys(names, "n/a")
        for name in names:
            counts[name][framework] = per_scenario.get(name, "n/a")
    return counts


def table(counts: Counts, frameworks: list[str]) -> list[str]:
    """Return one row per scenario: instructions per request and each over hipflask's."""
    lines = [
        "instructions per request (callgrind, harness subtracted); (x) = framework / hipflask",
        f"{'scenario':<12}" + "".join(f"{name:>18}" for name in frameworks),
    ]
    for name, cells in counts.items():
        base = cells.get("hipflask")
        row = ""
        for framework in frameworks:
            cell = cells.get(framework, "n/a")
            # NOTE: imports cost millions of instructions: shown in millions to fit the column.
            if isinstance(cell, str):
                text = cell[:16]
                row += f"{text:>18}"
                continue
            number = f"{cell / 1e6:,.1f}M" if name == COLD_START else f"{cell:,.0f}"
            if framework == "hipflask" or not isinstance(base, float | int) or not base:
                text = number
            else:
                text = f"{number} ({cell / base:.2f}x)"
            row += f"{text:>18}"
        lines.append(f"{name:<12}{row}")
    return lines


def load_baseline() -> dict[str, Any]:
    """Return the recorded baseline (``{"requests": N, "python": ..., "counts": {...}}``)."""
    baseline: dict[str, Any] = json.loads(BASELINE.read_text())
    return baseline


def regressions(counts: Counts, baseline: dict[str, Any]) -> list[str]:
    """Return a line per hipflask scenario whose count grew more than ``TOLERANCE``."""
    problems = []
    for name, cells in counts.items():
        now, before = cells.get("hipflask"), baseline["counts"].get(name, {}).get("hipflask")
        if not isinstance(now, int | float) or not isinstance(before, int | float):
            continue
        if now > before * (1 + TOLERANCE):
            problems.append(
                f"{name}: {now:,.0f} instructions per request, {now / before - 1:+.1%} over the "
                f"baseline's {before:,.0f}; update bench/baseline.json (make bench-count) if meant"
            )
    return problems


def _parse(argv: list[str] | None) -> argparse.Namespace:
    names = [scenario.name for scenario in SCENARIOS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, help="per scenario")
    parser.add_argument("--framework", action="append", choices=apps.FRAMEWORKS)
    parser.add_argument("--scenario", action="append", choices=names, metavar="NAME")
    parser.add_argument("--save", action="store_true", help="write bench/baseline.json")
    parser.add_argument("--check", action="store_true", help="fail on a >3%% regression")
    parser.add_argument("--worker", choices=apps.FRAMEWORKS, help=argparse.SUPPRESS)
    parser.add_argument("--no-cold-start", action="store_true", help="skip the import counts")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Count, print the table, and save or check the baseline as asked."""
    options = _parse(argv)
    names = options.scenario or [scenario.name for scenario in SCENARIOS]
    if options.worker:
        print(json.dumps(_work(options.worker, names, options.requests)))
        return 0
    if valgrind() is None:
        print("valgrind is not installed: no count mode", file=sys.stderr)
        return 2
    frameworks = options.framework or list(apps.FRAMEWORKS)
    counts = run_counts(frameworks, names, options.requests)
    if not options.no_cold_start and not options.scenario:
        counts[COLD_START] = cold_start_counts(frameworks)
    print(f"Python {platform.python_version()}, {options.requests} requests per scenario")
    print("\n".join(table(counts, frameworks)))
    if options.save:
        # NOTE: merged into the recorded cells, so a run of one framework keeps the others'.
        recorded = load_baseline()["counts"] if BASELINE.exists() else {}
        for name, cells in counts.items():
            recorded.setdefault(name, {}).update(cells)
        record = {
            "python": platform.python_version(),
            "requests": options.requests,
            "counts": recorded,
        }
        BASELINE.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
        print(f"wrote {BASELINE}")
    if options.check:
        problems = regressions(counts, load_baseline())
        print("\n".join(problems) or "no scenario grew more than 3% over the baseline")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
