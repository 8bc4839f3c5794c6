"""hipflask.db pagination: ?page= and ?per_page= parsing, counts, iter_pages."""

from __future__ import annotations

from typing import Any

import pytest

from hipflask import App
from hipflask.db import Pagination, SQLAlchemy


def make_site(url: str) -> tuple[App, SQLAlchemy, Any]:
    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db = SQLAlchemy(app)

    class Row(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        db.create_all()
        db.session.add_all([Row(id=number) for number in range(1, 251)])
        db.session.commit()

    @app.route("/select")
    def select() -> dict[str, Any]:
        return describe(db.paginate(db.select(Row).order_by(Row.id)))

    @app.route("/legacy")
    def legacy() -> dict[str, Any]:
        return describe(Row.query.order_by(Row.id).paginate(max_per_page=50))

    return app, db, Row


@pytest.fixture
def site(database_url: str) -> tuple[App, SQLAlchemy, Any]:
    return make_site(database_url)


@pytest.fixture(scope="module")
def sqlite_site() -> tuple[App, SQLAlchemy, Any]:
    """One in-memory site for the page-number arithmetic, which no backend changes."""
    return make_site("sqlite://")


def describe(page: Pagination) -> dict[str, Any]:
    return {
        "ids": [row.id for row in page],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
        "first": page.first,
        "last": page.last,
        "prev": page.prev_num,
        "next": page.next_num,
        "links": list(page.iter_pages()),
    }


def test_default_page_reads_nothing_from_the_query_string(site: Any) -> None:
    app, _, _ = site
    data = app.test_client().get("/select").get_json()
    assert data["ids"] == list(range(1, 21))
    assert (data["page"], data["per_page"], data["total"], data["pages"]) == (1, 20, 250, 13)
    assert (data["first"], data["last"], data["prev"], data["next"]) == (1, 20, None, 2)
    assert data["links"] == [1, 2, 3, 4, 5, None, 12, 13]


def test_page_and_per_page_from_the_query_string(site: Any) -> None:
    app, _, _ = site
    data = app.test_client().get("/select?page=3&per_page=100").get_json()
    assert data["ids"] == list(range(201, 251))
    assert (data["pages"], data["prev"], data["next"], data["first"], data["last"]) == (
        3,
        2,
        None,
        201,
        250,
    )
    capped = app.test_client().get("/select?per_page=500").get_json()
    assert capped["per_page"] == 100 and len(capped["ids"]) == 100
    legacy = app.test_client().get("/legacy?page=2&per_page=500").get_json()
    assert legacy["per_page"] == 50  # max_per_page caps it
    assert legacy["ids"] == list(range(51, 101))


@pytest.mark.parametrize(
    "query", ["page=abc", "page=-1", "page=0", "per_page=x", "per_page=0", "page=99"]
)
def test_junk_negative_or_past_the_end_is_404(site: Any, query: str) -> None:
    app, _, _ = site
    assert app.test_client().get(f"/select?{query}").status_code == 404


def test_error_out_false_falls_back_to_defaults(site: Any) -> None:
    app, db, Row = site
    with app.test_request_context("/?page=junk&per_page=-5"):
        page = db.paginate(db.select(Row).order_by(Row.id), error_out=False)
        assert (page.page, page.per_page) == (1, 20)
    with app.app_context():
        empty = db.paginate(db.select(Row), page=50, error_out=False, count=False)
        assert empty.items == [] and empty.total is None and empty.pages == 0


def test_prev_and_next_pages(site: Any) -> None:
    app, db, Row = site
    with app.app_context():
        page = db.paginate(db.select(Row).order_by(Row.id), page=2, per_page=10)
        assert [row.id for row in page.next().items] == list(range(21, 31))
        assert [row.id for row in page.prev().items] == list(range(1, 11))
        assert page.next().total == 250


@pytest.mark.parametrize(
    ("current", "pages", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (10, 20, [1, 2, None, 8, 9, 10, 11, 12, 13, 14, None, 19, 20]),
        (1, 20, [1, 2, 3, 4, 5, None, 19, 20]),
        (20, 20, [1, 2, None, 18, 19, 20]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ],
)
def test_iter_pages_edges_and_gaps(
    sqlite_site: Any, current: int, pages: int, expected: list[int | None]
) -> None:
    app, db, Row = sqlite_site
    with app.app_context():
        per_page = -(-250 // pages)
        statement = db.select(Row).order_by(Row.id)
        page = db.paginate(statement, page=current, per_page=per_page, max_per_page=None)
        assert page.pages == pages
        assert list(page.iter_pages()) == expected
