"""Benchmark hipflask against Flask, Bottle, Falcon and a bare WSGI callable (``make bench``).

Every framework serves the same routes (``bench/apps``) and answers the same requests
(``bench/scenarios.py``), called in-process with no server. Each answer is checked before
anything is timed. Frameworks take turns within a round, in a rotating order, so machine
noise falls on all of them alike; each cell is the best round.

    python bench/run.py [--quick] [--rounds N] [--scenario NAME ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

if not __package__:
    # NOTE: run as a script: make the ``bench`` package importable from the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import apps, coldstart, e2e, login_cost, memory, report, timing
from bench.scenarios import SCENARIOS, Scenario, write_static

COLD_START = "cold_start"
END_TO_END = "end_to_end"
MEMORY = "memory"
LOGIN_COST = "login_cost"

# (scenario, framework) -> (app, environ, body): the cells that passed verification.
Jobs = dict[tuple[str, str], tuple[timing.WSGIApp, dict[str, Any], bytes]]
# A framework's apps by factory name, and the scenarios it has no feature for (with why).
Loaded = tuple[dict[str, timing.WSGIApp], dict[str, str]]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    names = [scenario.name for scenario in SCENARIOS]
    names += [COLD_START, END_TO_END, MEMORY, LOGIN_COST]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few short rounds (a smoke test)")
    parser.add_argument("--rounds", type=int, help="rounds per cell (default 15, quick 3)")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=names,
        metavar="NAME",
        help=f"run only this scenario; repeatable ({', '.join(names)})",
    )
    return parser.parse_args(argv)


def _header(rounds: int) -> str:
    versions = []
    for name in apps.FRAMEWORKS[:-1]:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores; {', '.join(versions)}\n"
        f"{rounds} rounds, frameworks interleaved, best round per cell"
    )


def _load_apps(static_dir: str) -> dict[str, Loaded]:
    """Build each framework's apps; a framework that fails to import or build is skipped."""
    loaded = {}
    for framework in apps.FRAMEWORKS:
        try:
            loaded[framework] = load_framework(framework, static_dir)
        except Exception as exc:
            print(f"SKIP {framework}: {type(exc).__name__}: {exc}")
    return loaded


def load_framework(
    framework: str, static_dir: str, factories: frozenset[str] | None = None
) -> Loaded:
    """Return ``framework``'s apps by factory name (all, or those of ``factories``), and what
    it cannot run."""
    module = apps.load(framework)
    built = {
        factory: getattr(module, factory)(static_dir)
        for factory in {scenario.factory for scenario in SCENARIOS}
        if hasattr(module, factory) and (factories is None or factory in factories)
    }
    return built, module.UNAVAILABLE


def _verify(app: timing.WSGIApp, scenario: Scenario) -> tuple[dict[str, Any], bytes, list[str]]:
    """Check the app answers ``scenario`` right, twice; return its environ, body and problems."""
    environ, body = scenario.environ(), scenario.body
    try:
        if scenario.primed:
            cookie = timing.cookies_set(timing.call(app, environ, body))
            if not cookie:
                return environ, body, ["first call set no cookie"]
            environ = scenario.environ(cookie)
        if scenario.token_path is not None:
            page = timing.call(app, {**environ, "REQUEST_METHOD": "GET",
                                     "PATH_INFO": scenario.token_path}, b"")  # fmt: skip
            body = body.replace(b"{token}", page.body)
            environ = scenario.environ(timing.cookies_set(page) or None)
            environ["CONTENT_LENGTH"] = str(len(body))
        if scenario.revalidate:
            etag = timing.call(app, environ, body).header("ETag")
            if not etag:
                return environ, body, ["first call sent no ETag"]
            environ = scenario.environ(extra=(("If-None-Match", etag),))
        for _ in range(2):
            answer = timing.call(app, environ, body)
            problems = [problem for check in scenario.checks if (problem := check(answer))]
            if problems:
                return environ, body, problems
    except Exception as exc:
        return environ, body, [f"raised {type(exc).__name__}: {exc}"]
    return environ, body, []


def _prepare(loaded: dict[str, Loaded], scenarios: list[Scenario]) -> tuple[report.Results, Jobs]:
    """Verify every cell; mark the ones that cannot be timed and return the rest as jobs."""
    results: report.Results = {}
    jobs: Jobs = {}
    for scenario in scenarios:
        cells = results[scenario.name] = {}
        for framework in apps.FRAMEWORKS:
            if framework not in loaded:
                cells[framework] = "n/a"
                continue
            built, unavailable = loaded[framework]
            if scenario.name in unavailable:
                cells[framework] = "-"
                print(f"- {framework} {scenario.name}: {unavailable[scenario.name]}")
                continue
            app = built[scenario.factory]
            environ, body, problems = _verify(app, scenario)
            if not problems:
                jobs[scenario.name, framework] = (app, environ, body)
                continue
            # NOTE: only hipflask may lack a feature; a wrong answer elsewhere is a bench bug.
            soft = scenario.optional and framework == "hipflask"
            cells[framework] = "n/a" if soft else "FAIL"
            label = "n/a (not working yet)" if soft else "FAIL"
            print(f"{label} {framework} {scenario.name}: {'; '.join(problems)}")
    return results, jobs


def _time(jobs: Jobs, results: report.Results, rounds: int, batch_seconds: float) -> None:
    """Time every job for ``rounds`` rounds, frameworks interleaved; keep each job's best."""
    counts = {key: timing.calibrate(*job, batch_seconds) for key, job in jobs.items()}
    best: dict[tuple[str, str], float] = {}
    order = list(jobs)
    for round_number in range(rounds):
        if sys.stderr.isatty():
            print(f"\rround {round_number + 1}/{rounds}", end="", file=sys.stderr, flush=True)
        # Rotate the order each round so that no framework always runs right after another.
        shift = round_number % len(apps.FRAMEWORKS)
        for key in sorted(order, key=lambda key: (key[0], _position(key[1], shift))):
            seconds = timing.seconds_per_call(*jobs[key], counts[key])
            best[key] = min(seconds, best.get(key, seconds))
    if sys.stderr.isatty():
        print("\r" + " " * 20 + "\r", end="", file=sys.stderr, flush=True)
    for (scenario_name, framework), seconds in best.items():
        results[scenario_name][framework] = seconds


def _position(framework: str, shift: int) -> int:
    return (apps.FRAMEWORKS.index(framework) - shift) % len(apps.FRAMEWORKS)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the report; exit 0 whatever it finds."""
    options = _parse(argv)
    rounds = options.rounds or (3 if options.quick else 15)
    selected = options.scenario or [scenario.name for scenario in SCENARIOS]
    scenarios = [scenario for scenario in SCENARIOS if scenario.name in selected]
    print(_header(rounds))
    if scenarios:
        with tempfile.TemporaryDirectory(prefix="hipflask-bench-") as static_dir:
            write_static(Path(static_dir))
            results, jobs = _prepare(_load_apps(static_dir), scenarios)
            _time(jobs, results, rounds, 0.01 if options.quick else 0.15)
        print()
        print("\n".join(report.table(results, apps.FRAMEWORKS)))
        print()
        print("\n".join(report.targets(results, scenarios)))
    if COLD_START in selected or not options.scenario:
        print()
        baseline, cold = coldstart.measure(3 if options.quick else 7)
        print("\n".join(report.cold_start(baseline, cold)))
    if END_TO_END in selected or not options.scenario:
        print()
        # NOTE: five rounds of two seconds rather than three of three (about the same time):
        # the median of more, shorter alternating rounds swings less on a shared machine.
        rounds, seconds = (1, 1) if options.quick else (5, 2)
        print("\n".join(e2e.report(e2e.measure(rounds, seconds))))
    if LOGIN_COST in selected or not options.scenario:
        # NOTE: login_page against its floor (the ORM user loader alone) and the database's
        # share of each side; ``bench/login_cost.py --count`` gives it in instructions.
        print()
        requests = 300 if options.quick else 2000
        print("\n".join(login_cost.measure_and_report(False, requests, rounds)))
    if MEMORY in selected or not options.scenario:
        print()
        served, later = (2_000, 20_000) if options.quick else (10_000, 100_000)
        print("\n".join(memory.report(memory.measure(served, later), served)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
