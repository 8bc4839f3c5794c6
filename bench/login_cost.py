"""Where a logged-in page's time goes: hipflask against Flask + Flask-Login, and the floor.

The ``login_page`` scenario is a ``login_required`` page reading ``current_user``, the user
loaded from SQLite by the same ORM call on both sides (``db.session.get(User, id)``). Three
figures say how far hipflask can go ahead of Flask on it:

- the cost of one request on each side: timed (µs, best round, frameworks interleaved) or, with
  ``--count``, in instructions under callgrind (repeatable on a busy machine);
- the share of each side's time spent in the database (SQLAlchemy and sqlite3), from cProfile;
- the floor: the user loader alone in plain SQLAlchemy, with no web framework (a fresh scoped
  session, ``get``, ``remove``), which no framework calling that loader can go below.

A speed-up target over Flask is reachable only if Flask's cost divided by it is above the floor.

    python bench/login_cost.py [--count] [--requests N] [--rounds N] [--target X]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if not __package__:
    # NOTE: run as a script: make the ``bench`` package importable from the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import timing
from bench.apps.batteries import READ_ID, database
from bench.scenarios import SCENARIOS, write_static

SCENARIO = "login_page"
FRAMEWORKS = ("hipflask", "flask")
FLOOR = "floor"
#: What the issue asks of this scenario: hipflask at least this many times faster than Flask.
TARGET = 5.0
WARMUP = 50

Probe = Callable[[], None]


def probes(static_dir: str) -> dict[str, Probe]:
    """Return one request of each framework's ``login_page``, and one run of the floor loader."""
    from bench.run import _verify, load_framework

    scenario = next(scenario for scenario in SCENARIOS if scenario.name == SCENARIO)
    found: dict[str, Probe] = {}
    for framework in FRAMEWORKS:
        built, _ = load_framework(framework, static_dir, frozenset({scenario.factory}))
        app = built[scenario.factory]
        environ, body, problems = _verify(app, scenario)
        if problems:
            raise RuntimeError(f"{framework} {SCENARIO}: {'; '.join(problems)}")
        found[framework] = _request(app, environ, body)
    found[FLOOR] = floor_loader(database(static_dir, FLOOR))
    return found


def _request(app: timing.WSGIApp, environ: dict[str, Any], body: bytes) -> Probe:
    return lambda: timing.serve(app, environ, body)


def floor_loader(uri: str) -> Probe:
    """Return the user loader of both apps with no framework around it: plain SQLAlchemy.

    What a request of either framework does with the database, and nothing else: a fresh
    session in a ``scoped_session``, ``get`` by primary key (reading the name, as the page
    does), and ``remove`` at the end (the teardown both database extensions run).
    """
    import sqlalchemy as sa
    from sqlalchemy import orm

    class Base(orm.DeclarativeBase):
        pass

    class BenchUser(Base):
        __tablename__ = "bench_user"
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(64), nullable=False)

    session = orm.scoped_session(orm.sessionmaker(sa.create_engine(uri)))

    def load() -> None:
        user = session.get(BenchUser, READ_ID)
        assert user is not None and user.name == f"user{READ_ID}"
        session.remove()

    return load


# -- timed -----------------------------------------------------------------------------------


def microseconds(found: dict[str, Probe], requests: int, rounds: int) -> dict[str, float]:
    """Return each probe's µs per call: the best of ``rounds`` rounds, probes interleaved."""
    best: dict[str, float] = {}
    for probe in found.values():
        for _ in range(WARMUP):
            probe()
    for _ in range(rounds):
        for name, probe in found.items():
            gc.collect()
            started = time.perf_counter()
            for _ in range(requests):
                probe()
            seconds = (time.perf_counter() - started) / requests
            best[name] = min(seconds * 1e6, best.get(name, float("inf")))
    return best


# -- the database share ----------------------------------------------------------------------


def _in_database(filename: str) -> bool:
    return "sqlalchemy" in filename or "sqlite3" in filename


def database_share(probe: Probe, requests: int) -> float:
    """Return the share of ``probe``'s profiled time spent in SQLAlchemy and sqlite3.

    cProfile's own time per function: the functions of those packages' files, and the C
    functions (``~``) as far as those files called them (the driver's ``execute``, say).
    """
    for _ in range(WARMUP):
        probe()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        probe()
    profile.disable()
    stats: Any = pstats.Stats(profile)
    inside = 0.0
    for (filename, _, _), (_, _, own, _, callers) in stats.stats.items():
        if _in_database(filename):
            inside += own
        elif filename == "~":
            inside += sum(edge[2] for caller, edge in callers.items() if _in_database(caller[0]))
    return float(inside / stats.total_tt)


# -- instructions ----------------------------------------------------------------------------


def _measured(probe: Probe, count: int) -> None:
    """Call ``probe`` ``count`` times inside one ``sys.call_tracing``: callgrind's region."""

    def loop() -> None:
        for _ in range(count):
            probe()

    sys.call_tracing(loop, ())


def _work(count: int) -> None:
    """In the valgrind process: the harness, then each probe, each in its own profile dump."""
    with tempfile.TemporaryDirectory(prefix="hipflask-login-cost-") as static_dir:
        write_static(Path(static_dir))
        found = probes(static_dir)
        _measured(lambda: None, count)
        for probe in found.values():
            for _ in range(WARMUP):
                probe()
            _measured(probe, count)
        print(json.dumps(list(found)))


def instructions(count: int) -> dict[str, float]:
    """Return each probe's instructions per call under callgrind, the harness subtracted."""
    from bench.count import callgrind

    answer, totals = callgrind(["bench.login_cost", "--worker", "--requests", str(count)], SCENARIO)
    names: list[str] = json.loads(answer)
    if len(totals) != len(names) + 1:
        raise RuntimeError(f"{len(totals)} profiles for {len(names)} probes")
    harness = totals[0] / count
    return {name: totals[index + 1] / count - harness for index, name in enumerate(names)}


# -- the report ------------------------------------------------------------------------------


def report(
    costs: dict[str, float], shares: dict[str, float], unit: str, target: float
) -> list[str]:
    """Return the lines of the report: the costs, the ratio, the shares, the floor's verdict."""
    mine, flask, floor = costs["hipflask"], costs["flask"], costs[FLOOR]
    show = _instructions if unit == "instructions" else _micros
    width = 16
    lines = [
        f"{SCENARIO}: a login_required page reading current_user, the user loaded from SQLite",
        "by db.session.get, the same ORM call on both sides",
        f"  {unit + ' per request':<34}{'hipflask':>{width}}{'flask+login':>{width}}",
        f"  {'the request':<34}{show(mine):>{width}}{show(flask):>{width}}"
        f"   flask/hipflask {flask / mine:.2f}x",
        f"  {'beyond the floor (framework, auth)':<34}"
        f"{show(mine - floor):>{width}}{show(flask - floor):>{width}}",
        f"  {'the floor, as a share of it':<34}"
        f"{floor / mine:>{width}.0%}{floor / flask:>{width}.0%}",
    ]
    if shares:
        lines.append(
            f"  {'in the database (cProfile)':<34}"
            f"{shares['hipflask']:>{width}.0%}{shares['flask']:>{width}.0%}"
            "   (SQLAlchemy + sqlite3)"
        )
    lines.append(
        f"  floor: the user loader alone (plain SQLAlchemy: scoped session, get, remove): "
        f"{show(floor)}"
    )
    needed = flask / target
    if needed < floor:
        lines += [
            f"  {target:g}x Flask means <= {show(needed)} per request, below the floor "
            f"({show(floor)}): out of reach while both call the same ORM loader;",
            f"  even at zero framework cost hipflask would be {flask / floor:.2f}x Flask.",
        ]
    else:
        lines.append(
            f"  {target:g}x Flask means <= {show(needed)} per request, above the floor "
            f"({show(floor)}): reachable in principle (now {flask / mine:.2f}x)."
        )
    return lines


def _instructions(value: float) -> str:
    return f"{value / 1e6:.2f}M" if value >= 1e6 else f"{value / 1e3:.0f}k"


def _micros(value: float) -> str:
    return f"{value:.0f} µs"


def measure_and_report(
    count: bool, requests: int, rounds: int, target: float = TARGET, shares: bool = True
) -> list[str]:
    """Measure (timed, or instructions with ``count``) and return the report's lines."""
    with tempfile.TemporaryDirectory(prefix="hipflask-login-cost-") as static_dir:
        write_static(Path(static_dir))
        found = probes(static_dir)
        costs = instructions(requests) if count else microseconds(found, requests, rounds)
        # NOTE: the median of three profiles: a busy machine moves one by several points.
        profiled = {
            name: statistics.median(database_share(found[name], requests) for _ in range(3))
            for name in FRAMEWORKS
        }
    return report(
        costs, profiled if shares else {}, "instructions" if count else "µs", target=target
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", action="store_true", help="instructions under callgrind")
    parser.add_argument("--requests", type=int, help="per round (default 2000; --count 200)")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (best one kept)")
    parser.add_argument("--target", type=float, default=TARGET, help="times faster than Flask")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    requests = options.requests or (200 if options.count or options.worker else 2000)
    if options.worker:
        _work(requests)
        return 0
    print("\n".join(measure_and_report(options.count, requests, options.rounds, options.target)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
