"""Serve each app under gunicorn and load it over TCP: requests per second end to end.

One sync worker, keep-alive off (a new connection per request, as gunicorn's sync worker has
it), the same for every framework; the load comes from ``wrk`` when it is installed, else from
a small threaded client of ours. Frameworks take turns within a round and each cell is the
best round, as in the in-process table.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
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


def serve(framework: str, static_dir: str) -> Served:
    """Start gunicorn (1 sync worker, no keep-alive) on ``framework``'s bench app."""
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync",
        "--keep-alive", "0", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        f"bench.apps.{framework}_app:create_app({static_dir!r})",
    ]  # fmt: skip
    root = str(Path(__file__).resolve().parent.parent)
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
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
    """Return ``{scenario: {framework: requests per second or "n/a"}}``, best of ``rounds``."""
    results: dict[str, dict[str, float | str]] = {name: {} for name in PATHS}
    with tempfile.TemporaryDirectory(prefix="hipflask-e2e-") as static_dir:
        write_static(Path(static_dir))
        servers: dict[str, Served] = {}
        try:
            for framework in FRAMEWORKS:
                try:
                    servers[framework] = serve(framework, static_dir)
                except RuntimeError as exc:
                    print(f"SKIP {framework}: {exc}", file=sys.stderr)
            for round_number in range(rounds):
                order = list(servers)
                shift = round_number % max(1, len(order))
                for framework in order[shift:] + order[:shift]:
                    for name, path in PATHS.items():
                        rate = load(servers[framework].port, path, seconds)
                        best = results[name].get(framework, 0.0)
                        results[name][framework] = max(rate, best if isinstance(best, float) else 0)
        finally:
            for served in servers.values():
                stop(served)
    for cells in results.values():
        for framework in FRAMEWORKS:
            cells.setdefault(framework, "n/a")
    return results


def report(results: dict[str, dict[str, float | str]]) -> list[str]:
    """Return the table and the targets: hipflask >= 0.97x bare WSGI and >= Falcon."""
    tool = "wrk" if shutil.which("wrk") else "our threaded client"
    lines = [
        f"end to end: requests/s under gunicorn (1 sync worker, no keep-alive), load by {tool}",
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
    print("\n".join(report(measure(3, 3.0))))
