"""One page of query results, with the numbers a page navigation needs.

``page`` and ``per_page`` come from the arguments, else from the request's ``?page=`` and
``?per_page=`` (default 1 and 20). A value that is not an integer, or is below 1, aborts with
404 when ``error_out`` is true (the default) and falls back to the default otherwise, as in
Flask-SQLAlchemy. ``max_per_page`` caps ``per_page``.
"""

from __future__ import annotations

from collections.abc import Iterator
from math import ceil
from typing import Any

import sqlalchemy as sa

from hipflask import abort, has_request_context, request

__all__ = ["Pagination", "QueryPagination", "SelectPagination"]


def _read_arg(name: str, given: int | None, default: int, error_out: bool) -> int:
    if given is not None:
        return given
    if not has_request_context():
        return default
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        if error_out:
            abort(404)
        return default


class Pagination:
    """A page of ``items`` and the counts around it; subclasses say how to query.

    Do not create one directly: call ``db.paginate(select)`` or ``Model.query.paginate()``.
    """

    def __init__(
        self,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = 100,
        error_out: bool = True,
        count: bool = True,
        **query_args: Any,
    ) -> None:
        self._query_args = query_args
        page = _read_arg("page", page, 1, error_out)
        per_page = _read_arg("per_page", per_page, 20, error_out)
        if max_per_page is not None:
            per_page = min(per_page, max_per_page)
        if page < 1 or per_page < 1:
            if error_out:
                abort(404)
            page = max(page, 1)
            per_page = per_page if per_page >= 1 else 20
        #: The current page number (1-based).
        self.page = page
        #: The largest number of items on a page.
        self.per_page = per_page
        #: The cap applied to ``per_page``.
        self.max_per_page = max_per_page
        items = self._query_items()
        if not items and page != 1 and error_out:
            abort(404)
        #: The items on this page.
        self.items: list[Any] = items
        #: The number of items over all pages (None when ``count=False``).
        self.total: int | None = self._query_count() if count else None

    def _query_items(self) -> list[Any]:
        raise NotImplementedError

    def _query_count(self) -> int:
        raise NotImplementedError

    @property
    def _query_offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        """The 1-based number of the first item on the page (0 when there are none)."""
        return 0 if len(self.items) == 0 else self._query_offset + 1

    @property
    def last(self) -> int:
        """The 1-based number of the last item on the page."""
        return self._query_offset + len(self.items)

    @property
    def pages(self) -> int:
        """The number of pages (0 when there are no items or the total was not counted)."""
        if not self.total:
            return 0
        return ceil(self.total / self.per_page)

    @property
    def has_prev(self) -> bool:
        """Tell whether a page comes before this one."""
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        """The previous page's number, or None."""
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        """Tell whether a page comes after this one."""
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        """The next page's number, or None."""
        return self.page + 1 if self.has_next else None

    def prev(self, *, error_out: bool = False) -> Pagination:
        """Return the previous page (queried now)."""
        return self._sibling(self.page - 1, error_out)

    def next(self, *, error_out: bool = False) -> Pagination:
        """Return the next page (queried now)."""
        return self._sibling(self.page + 1, error_out)

    def _sibling(self, page: int, error_out: bool) -> Pagination:
        sibling = type(self)(
            page=page,
            per_page=self.per_page,
            max_per_page=self.max_per_page,
            error_out=error_out,
            count=False,
            **self._query_args,
        )
        sibling.total = self.total
        return sibling

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> Iterator[int | None]:
        """Yield the page numbers to link to, with None where a run of numbers is skipped.

        With 20 pages and page 10 current: 1, 2, None, 8, 9, 10, 11, 12, 13, 14, None, 19, 20.
        """
        end = self.pages + 1
        if end == 1:
            return
        left_end = min(1 + left_edge, end)
        yield from range(1, left_end)
        if left_end == end:
            return
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, end)
        if mid_start > left_end:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end == end:
            return
        right_start = max(mid_end, end - right_edge)
        if right_start > mid_end:
            yield None
        yield from range(right_start, end)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


class SelectPagination(Pagination):
    """A page of a ``select()`` statement's results (from ``db.paginate``)."""

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).unique().scalars())

    def _query_count(self) -> int:
        subquery = self._query_args["select"].order_by(None).subquery()
        statement = sa.select(sa.func.count()).select_from(subquery)
        return int(self._query_args["session"].execute(statement).scalar() or 0)


class QueryPagination(Pagination):
    """A page of a legacy :class:`~hipflask.db.Query`'s results."""

    def _query_items(self) -> list[Any]:
        query = self._query_args["query"]
        return list(query.limit(self.per_page).offset(self._query_offset).all())

    def _query_count(self) -> int:
        return int(self._query_args["query"].order_by(None).count())
