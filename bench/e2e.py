"""Serve each app under gunicorn and load it over TCP: requests per second end to end.

One sync worker, keep-alive off (a new connection per request, as gunicorn's sync worker has
it), the same for every framework; the load comes from ``wrk`` when it is installed, else from
a small threaded client of ours. After a warm-up load of every server, frameworks take turns
within a round, the order rotating each round, and each cell is the median of the rounds. On a
shared 2-core machine (the load generator takes one core) these rates swing by 10% or more;
``--count`` gives the deterministic figure: instructions per request in the worker.

    python -m bench.e2e [--rounds N] [--seconds S]
    python -m bench.e2e --count [--requests N] [--framework NAME ...]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.scenarios import write_static

FRAMEWORKS = ("hipflask", "bare", "falcon", "flask")
PATHS = {"hello": "/", "json": "/json"}
_WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)")


@dataclass(frozen=True)
class Served:
    """A running gunicorn: its process and port."""

    process: subprocess.Popen[bytes]
    port: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(
    framework: str, static_dir: str, prefix: tuple[str, ...] = (), wait: float = 20
) -> Served:
    """Start gunicorn (1 sync worker, no keep-alive) on ``framework``'s bench app.

    ``prefix`` is put before the command (valgrind, for ``--count``), with the hooks of
    ``bench/e2e_hooks.py`` as gunicorn's configuration.
    """
    port = _free_port()
    config = ("-c", "python:bench.e2e_hooks") if prefix else ()
    command = [
        *prefix, sys.executable, "-m", "gunicorn", *config, "--workers", "1",
        "--worker-class", "sync", "--keep-alive", "0", "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning", f"bench.apps.{framework}_app:create_app({static_dir!r})",
    ]  # fmt: skip
    root = str(Path(__file__).resolve().parent.parent)
    # NOTE: valgrind's banner is not wanted; its failures show as a server that does not start.
    errors = subprocess.DEVNULL if prefix else None
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                connection.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                if connection.recv(16).startswith(b"HTTP/"):
                    return Served(process, port)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not start {framework}")


def stop(served: Served) -> None:
    """Stop the gunicorn started by :func:`serve`."""
    served.process.terminate()
    try:
        served.process.wait(10)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()


def load(port: int, path: str, seconds: float, connections: int = 4) -> float:
    """Return the requests per second served on ``path`` during ``seconds``."""
    url = f"http://127.0.0.1:{port}{path}"
    wrk = shutil.which("wrk")
    if wrk is None:
        return _our_client(port, path, seconds, connections)
    output = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{round(seconds)}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = _WRK_ERRORS.search(output)
    if errors and errors.group(1):
        raise RuntimeError(f"{url}: {errors.group(1)} non-2xx answers")
    match = _WRK_RPS.search(output)
    if match is None:
        raise RuntimeError(f"wrk printed no rate: {output}")
    return float(match.group(1))


def _our_client(port: int, path: str, seconds: float, connections: int) -> float:
    """Load ``path`` from ``connections`` threads, one connection per request."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    done = [0] * connections
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        while time.monotonic() < deadline:
            with socket.create_connection(("127.0.0.1", port)) as connection:
                connection.sendall(request)
                answer = b""
                while chunk := connection.recv(65536):
                    answer += chunk
            if not answer.startswith(b"HTTP/1.1 200") and not answer.startswith(b"HTTP/1.0 200"):
                raise RuntimeError(f"{path}: {answer[:40]!r}")
            done[index] += 1

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def measure(rounds: int, seconds: float) -> dict[str, dict[str, float | str]]:
    """Return ``{scenario: {framework: requests per second or "n/a"}}``, median of ``rounds``.

    Every server is warmed up first (a load of ``seconds`` on each path, not counted); then
    each round loads every framework in turn, the order shifted by one each round, so no
    framework always runs first or right after the same neighbour.
    """
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in PATHS}
    with tempfile.TemporaryDirectory(prefix="hipflask-e2e-") as static_dir:
        write_static(Path(static_dir))
        servers: dict[str, Served] = {}
        try:
            for framework in FRAMEWORKS:
                try:
                    servers[framework] = serve(framework, static_dir)
                except RuntimeError as exc:
                    print(f"SKIP {framework}: {exc}", file=sys.stderr)
            for served in servers.values():
                for path in PATHS.values():
                    load(served.port, path, seconds)
            for round_number in range(rounds):
                order = list(servers)
                shift = round_number % max(1, len(order))
                for framework in order[shift:] + order[:shift]:
                    for name, path in PATHS.items():
                        rate = load(servers[framework].port, path, seconds)
                        samples[name].setdefault(framework, []).append(rate)
        finally:
            for served in servers.values():
                stop(served)
    results: dict[str, dict[str, float | str]] = {}
    for name, cells in samples.items():
        results[name] = {framework: statistics.median(rates) for framework, rates in cells.items()}
        for framework in FRAMEWORKS:
            results[name].setdefault(framework, "n/a")
    return results


def count(framework: str, static_dir: str, requests: int) -> dict[str, tuple[float, float]]:
    """Return ``{scenario: (worker, app)}`` instructions per request under gunicorn.

    The worker runs under callgrind with the hooks of ``bench/e2e_hooks.py``: ``worker`` is
    what the sync worker spends on a connection once accepted (gunicorn and the app), ``app``
    the app call alone. Requests come one at a time, as ``wrk`` sends them.
    """
    tool = shutil.which("valgrind")
    if tool is None:
        raise RuntimeError("valgrind is not installed")
    warmup = 20 * len(PATHS)
    with tempfile.TemporaryDirectory(prefix="hipflask-e2e-count-") as out_dir:
        prefix = (
            tool, "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=_operator_call",
            "--dump-after=_operator_call", f"--callgrind-out-file={out_dir}/callgrind.out.%p",
        )  # fmt: skip
        os.environ["HIPFLASK_E2E_WARMUP"] = str(warmup)
        os.environ["HIPFLASK_E2E_REQUESTS"] = str(requests * len(PATHS))
        served = serve(framework, static_dir, prefix, wait=600)
        try:
            # NOTE: serve()'s probe was request 1; warm each path, then measure each in turn.
            for index in range(warmup - 1):
                _get(served.port, list(PATHS.values())[index % len(PATHS)])
            for path in PATHS.values():
                for _ in range(requests):
                    _get(served.port, path)
        finally:
            # NOTE: SIGINT has the arbiter send SIGQUIT, on which the worker exits at once.
            served.process.send_signal(signal.SIGINT)
            served.process.wait(120)
        dumps = sorted(
            (path for path in Path(out_dir).glob("callgrind.out.*.*")),
            key=lambda path: int(path.suffix[1:]),
        )
        profiles = [_profile(path) for path in dumps]
    if len(profiles) != requests * len(PATHS):
        raise RuntimeError(f"{framework}: {len(profiles)} profiles for {requests} requests")
    result = {}
    for index, name in enumerate(PATHS):
        mine = profiles[index * requests : (index + 1) * requests]
        result[name] = (
            sum(worker for worker, _ in mine) / requests,
            sum(app for _, app in mine) / requests,
        )
    return result


def _get(port: int, path: str) -> None:
    """Send ``path`` as wrk does (only a Host header) and read the answer to its end."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    if not answer.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"{path}: {answer[:40]!r}")


def _profile(path: Path) -> tuple[int, int]:
    """Return a callgrind dump's total and the inclusive cost of its ``sys_call_tracing``."""
    total = app = 0
    names: dict[str, str] = {}
    into_app = cost_follows = False
    for line in path.read_text().splitlines():
        if cost_follows:
            app += int(line.split()[1])
            cost_follows = False
        elif line.startswith(("fn=", "cfn=")):
            ident, _, name = line.partition("=")[2].partition(" ")
            if name:
                names[ident] = name
            into_app = line.startswith("cfn=") and names.get(ident) == "sys_call_tracing"
        elif line.startswith("calls="):
            cost_follows = into_app
        elif line.startswith(("totals:", "summary:")):
            total = int(line.split()[1])
    return total, app


def count_report(frameworks: list[str], requests: int) -> list[str]:
    """Return the table of :func:`count` for each framework."""
    lines = [
        "instructions per request in the gunicorn sync worker (callgrind, bench/e2e_hooks.py)",
        f"  {'scenario':<10}{'framework':<12}{'worker':>12}{'app':>12}{'gunicorn':>12}",
    ]
    cells: dict[str, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="hipflask-e2e-") as static_dir:
        write_static(Path(static_dir))
        for framework in frameworks:
            cells[framework] = count(framework, static_dir, requests)
    for name in PATHS:
        for framework in frameworks:
            worker, app = cells[framework][name]
            lines.append(
                f"  {name:<10}{framework:<12}{worker:>12,.0f}{app:>12,.0f}{worker - app:>12,.0f}"
            )
    return lines


def report(results: dict[str, dict[str, float | str]]) -> list[str]:
    """Return the table and the targets: hipflask >= 0.97x bare WSGI and >= Falcon."""
    tool = "wrk" if shutil.which("wrk") else "our threaded client"
    lines = [
        f"end to end: requests/s under gunicorn (1 sync worker, no keep-alive), load by {tool};"
        " median of alternating rounds",
        f"  {'scenario':<10}" + "".join(f"{name:>12}" for name in FRAMEWORKS),
    ]
    verdicts = []
    for name, cells in results.items():
        row = "".join(
            f"{cell:>12.0f}" if isinstance(cell, float) else f"{cell:>12}"
            for cell in (cells[framework] for framework in FRAMEWORKS)
        )
        lines.append(f"  {name:<10}{row}")
        mine, bare, falcon = cells["hipflask"], cells["bare"], cells["falcon"]
        if isinstance(mine, float) and isinstance(bare, float) and isinstance(falcon, float):
            ok_bare, ok_falcon = mine >= 0.97 * bare, mine >= falcon
            verdicts += [ok_bare, ok_falcon]
            lines.append(
                f"    hipflask/bare {mine / bare:.3f} >= 0.97 {'PASS' if ok_bare else 'FAIL'}   "
                f"hipflask/falcon {mine / falcon:.3f} >= 1 {'PASS' if ok_falcon else 'FAIL'}"
            )
    lines.append(f"  {sum(verdicts)}/{len(verdicts)} targets met")
    return lines


if __name__ == "__main__":
    if not __package__:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", action="store_true", help="instructions, not requests/s")
    parser.add_argument("--requests", type=int, default=100, help="per scenario, with --count")
    parser.add_argument("--framework", action="append", choices=FRAMEWORKS)
    parser.add_argument("--rounds", type=int, default=7, help="timed samples per cell")
    parser.add_argument("--seconds", type=float, default=2.0, help="per timed sample")
    options = parser.parse_args()
    if options.count:
        print("\n".join(count_report(options.framework or list(FRAMEWORKS), options.requests)))
    else:
        print("\n".join(report(measure(options.rounds, options.seconds))))
