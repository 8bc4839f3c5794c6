"""bench/e2e.py: reading the callgrind dumps of ``--count``."""

from __future__ import annotations

from pathlib import Path

from bench import e2e


def test_profile_reads_the_total_and_the_inclusive_cost_of_sys_call_tracing(
    tmp_path: Path,
) -> None:
    dump = tmp_path / "callgrind.out.1.1"
    dump.write_text(
        "events: Ir\n"
        "fn=(1) handle\n"
        "5 100\n"
        "cfn=(2) sys_call_tracing\n"
        "calls=1 0\n"
        "7 40\n"
        "cfn=(3) other\n"
        "calls=1 0\n"
        "8 9\n"
        "fn=(4) again\n"
        "cfn=(2)\n"
        "calls=2 0\n"
        "+1 60\n"
        "totals: 209\n"
    )
    assert e2e._profile(dump) == (209, 100)
