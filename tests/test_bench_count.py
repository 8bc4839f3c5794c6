"""The hot scenarios cost no more instructions per request than bench/baseline.json records.

Counts come from valgrind (bench/count.py), so they repeat to well under 1% on a busy machine;
a change that makes a hot path more than 3% dearer fails here unless it updates the baseline
(``make bench-count COUNT_ARGS="--framework hipflask --save"``) in the same commit.
"""

from __future__ import annotations

import platform

import pytest
from bench import count

HOT = ["hello", "json", "session"]

needs_valgrind = pytest.mark.skipif(count.valgrind() is None, reason="valgrind is not installed")


def test_regressions_flags_only_growth_past_the_tolerance() -> None:
    baseline = {"counts": {"hello": {"hipflask": 1000}, "json": {"hipflask": 1000}}}
    counts: count.Counts = {
        "hello": {"hipflask": 1030.0},
        "json": {"hipflask": 1031.0},
        "new": {"hipflask": 5.0},
    }
    problems = count.regressions(counts, baseline)
    assert len(problems) == 1
    assert problems[0].startswith("json: 1,031 instructions per request, +3.1%")


@needs_valgrind
def test_hot_scenarios_stay_within_three_percent_of_the_baseline() -> None:
    baseline = count.load_baseline()
    if baseline["python"] != platform.python_version():
        pytest.skip(f"baseline counted on Python {baseline['python']}")
    counts = {
        name: {"hipflask": cells}
        for name, cells in count.count_framework("hipflask", HOT, baseline["requests"]).items()
    }
    assert all(isinstance(cells["hipflask"], float | int) for cells in counts.values()), counts
    assert count.regressions(counts, baseline) == []
