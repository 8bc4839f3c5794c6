"""Resident memory of one process serving mixed requests, and a leak check.

Each framework runs in a fresh process: build its bench app (hipflask also once with the demo
app imported), serve 10,000 requests cycling through every scenario it can answer, and report
the resident set size. hipflask's process then serves on up to 100,000 requests: its RSS must
not grow between the two readings beyond allocator noise.

    python -m bench.memory [--requests N] [--leak-requests N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.scenarios import SCENARIOS, write_static
from bench.timing import serve

RUNS = (("hipflask", False), ("hipflask", True), ("falcon", False), ("flask", False))
#: Growth between the two readings that still counts as "no leak" (allocator arenas, caches).
LEAK_TOLERANCE_KB = 1024


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _serve(jobs: list[tuple[Any, dict[str, Any], bytes]], count: int) -> None:
    for index in range(count):
        serve(*jobs[index % len(jobs)])


def _work(framework: str, demo: bool, count: int, leak_count: int) -> dict[str, int]:
    from bench.run import _verify, load_framework

    if demo:
        root = Path(__file__).resolve().parent.parent / "examples" / "demo"
        sys.path.insert(0, str(root))
        import hipflask_demo  # noqa: F401  (imported for its memory, as a worker would)
    with tempfile.TemporaryDirectory(prefix="hipflask-memory-") as static_dir:
        write_static(Path(static_dir))
        # NOTE: the core scenarios' app only: the batteries' apps would weigh SQLAlchemy in.
        built, unavailable = load_framework(framework, static_dir, frozenset({"create_app"}))
        jobs = []
        for scenario in SCENARIOS:
            if scenario.name in unavailable or scenario.factory not in built:
                continue
            environ, body, problems = _verify(built[scenario.factory], scenario)
            if not problems:
                jobs.append((built[scenario.factory], environ, body))
        readings = {"start": _rss_kb()}
        _serve(jobs, count)
        readings["served"] = _rss_kb()
        if leak_count > count:
            _serve(jobs, leak_count - count)
            readings["leak_check"] = _rss_kb()
        readings["scenarios"] = len(jobs)
    return readings


def measure(count: int, leak_count: int) -> list[tuple[str, dict[str, int] | str]]:
    """Return each run's label and RSS readings (kB), or why it failed."""
    results: list[tuple[str, dict[str, int] | str]] = []
    root = str(Path(__file__).resolve().parent.parent)
    for framework, demo in RUNS:
        label = f"{framework} + demo app" if demo else framework
        leak = leak_count if framework == "hipflask" and not demo else 0
        command = [sys.executable, "-m", "bench.memory", "--worker", framework,
                   "--requests", str(count), "--leak-requests", str(leak)]  # fmt: skip
        if demo:
            command.append("--demo")
        process = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        if process.returncode:
            results.append((label, process.stderr.strip().splitlines()[-1]))
        else:
            results.append((label, json.loads(process.stdout.strip().splitlines()[-1])))
    return results


def report(results: list[tuple[str, dict[str, int] | str]], count: int) -> list[str]:
    """Return the RSS table and the leak verdict."""
    lines = [
        f"memory: resident set of one process (MB) after building the bench app and {count:,} "
        "mixed requests",
        f"  {'process':<22}{'start':>8}{'served':>8}{'later':>8}",
    ]
    for label, readings in results:
        if isinstance(readings, str):
            lines.append(f"  {label:<22}failed: {readings}")
            continue
        later = readings.get("leak_check")
        lines.append(
            f"  {label:<22}{readings['start'] / 1024:>8.1f}{readings['served'] / 1024:>8.1f}"
            + (f"{later / 1024:>8.1f}" if later is not None else f"{'':>8}")
        )
        if later is not None:
            growth = later - readings["served"]
            verdict = "PASS" if growth <= LEAK_TOLERANCE_KB else "FAIL"
            lines.append(
                f"    leak check ({label}): {growth:+,} kB from the served reading to the later "
                f"one (<= {LEAK_TOLERANCE_KB:,} kB) {verdict}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Measure and print, or (``--worker``) be one measured process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--leak-requests", type=int, default=100_000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        readings = _work(options.worker, options.demo, options.requests, options.leak_requests)
        print(json.dumps(readings))
        return 0
    print("\n".join(report(measure(options.requests, options.leak_requests), options.requests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
