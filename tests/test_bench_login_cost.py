"""bench/login_cost.py: the floor's verdict on a speed target, and the database share."""

from __future__ import annotations

from bench import login_cost


def test_a_target_below_the_floor_is_reported_out_of_reach() -> None:
    costs = {"hipflask": 1_190_000.0, "flask": 1_830_000.0, "floor": 850_000.0}
    lines = login_cost.report(costs, {"hipflask": 0.7, "flask": 0.48}, "instructions", 5.0)
    text = "\n".join(lines)
    assert "flask/hipflask 1.54x" in text
    assert "5x Flask means <= 366k per request, below the floor (850k): out of reach" in text
    assert "even at zero framework cost hipflask would be 2.15x Flask." in text
    assert "70%" in text and "48%" in text


def test_a_target_above_the_floor_is_reported_reachable() -> None:
    costs = {"hipflask": 400.0, "flask": 1000.0, "floor": 100.0}
    text = "\n".join(login_cost.report(costs, {}, "µs", 5.0))
    assert "5x Flask means <= 200 µs per request, above the floor (100 µs): reachable" in text
    assert "cProfile" not in text


def test_the_database_share_counts_sqlalchemy_and_the_driver_it_calls() -> None:
    import sqlalchemy as sa

    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:

        def query() -> None:
            connection.exec_driver_sql("SELECT 1").scalar()

        def python() -> None:
            sum(n * n for n in range(200))

        # Profiled time, so a loaded machine moves it: only the probe's own frame is outside.
        assert login_cost.database_share(query, 200) > 0.5
        assert login_cost.database_share(python, 50) == 0.0
    engine.dispose()
