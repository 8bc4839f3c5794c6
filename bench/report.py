"""Format the results: the per-scenario table, the targets, and the cold-start table."""

from __future__ import annotations

from collections.abc import Sequence

from bench.coldstart import ColdStart
from bench.scenarios import Scenario

# A cell holds seconds per request, or a mark: "-" the framework has no such feature,
# "n/a" hipflask does not have it yet (or the framework is not installed), "FAIL" a wrong answer.
Cell = float | str
Results = dict[str, dict[str, Cell]]

FALCON_TARGET = 1.0
_WIDTH = 18


def _micros(seconds: float) -> str:
    micros = seconds * 1e6
    return f"{micros:.2f}" if micros < 100 else f"{micros:.1f}"


def _ratio(ratio: float) -> str:
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.1f}x"


def _cell(cell: Cell, base: Cell, show_ratio: bool) -> str:
    if isinstance(cell, str):
        return cell
    if not show_ratio or isinstance(base, str):
        return _micros(cell)
    return f"{_micros(cell)} ({_ratio(cell / base)})"


def table(results: Results, frameworks: Sequence[str]) -> list[str]:
    """Return one row per scenario: microseconds per request and each time over hipflask's."""
    lines = [
        "µs per request; (x) = framework's time / hipflask's, so flask 12.0x = hipflask 12x faster",
        f"{'scenario':<10}" + "".join(f"{name:>{_WIDTH}}" for name in frameworks),
    ]
    for scenario, cells in results.items():
        base = cells.get("hipflask", "n/a")
        row = "".join(
            f"{_cell(cells[name], base, name != 'hipflask'):>{_WIDTH}}" for name in frameworks
        )
        lines.append(f"{scenario:<10}{row}")
    lines.append('"-" no such feature; n/a not available (yet); FAIL wrong answer, not timed')
    return lines


def targets(results: Results, scenarios: Sequence[Scenario]) -> list[str]:
    """Return a PASS/FAIL line per scenario against the speed targets, and a tally."""
    lines = [
        "targets: hipflask >= 8x faster than Flask (10x session; 3x template, static, 304), "
        f"hipflask's time <= {FALCON_TARGET:g}x Falcon's"
    ]
    verdicts: list[bool] = []
    for scenario in scenarios:
        cells = results[scenario.name]
        mine, flask, falcon = cells["hipflask"], cells["flask"], cells["falcon"]
        if isinstance(mine, str):
            lines.append(f"  {scenario.name:<10} not evaluated: hipflask {mine}")
            continue
        parts = []
        if not isinstance(flask, str):
            verdicts.append(flask / mine >= scenario.flask_target)
            parts.append(f"flask {_ratio(flask / mine):>6} >= {scenario.flask_target:g}x")
            parts.append(_verdict(verdicts[-1]))
        if not isinstance(falcon, str):
            verdicts.append(mine / falcon <= FALCON_TARGET)
            parts.append(f"   hipflask/falcon {_ratio(mine / falcon):>6} <= {FALCON_TARGET:g}x")
            parts.append(_verdict(verdicts[-1]))
        lines.append(f"  {scenario.name:<10} " + " ".join(parts))
    lines.append(f"  {sum(verdicts)}/{len(verdicts)} targets met")
    return lines


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def cold_start(baseline: float, results: Sequence[ColdStart]) -> list[str]:
    """Return the import-time table: the raw process time and the time over ``python -c pass``."""
    lines = [
        'cold start: median wall time of `python -c "import <module>"` processes',
        f"  {'module':<10}{'raw ms':>10}{'net ms':>10}",
        f"  {'(pass)':<10}{baseline * 1e3:>10.1f}{0:>10.1f}",
    ]
    for result in results:
        if result.seconds is None:
            lines.append(f"  {result.module:<10}  import failed: {result.error}")
        else:
            raw, net = result.seconds * 1e3, (result.seconds - baseline) * 1e3
            lines.append(f"  {result.module:<10}{raw:>10.1f}{net:>10.1f}")
    return lines
