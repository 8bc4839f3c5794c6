"""The legacy ``Model.query`` / ``session.query()`` class, with the 404 and pagination helpers."""

from __future__ import annotations

from typing import Any

import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as sa_orm

from hipflask import abort

from .pagination import Pagination, QueryPagination

__all__ = ["Query"]


class Query(sa_orm.Query[Any]):
    """SQLAlchemy's legacy :class:`~sqlalchemy.orm.Query` plus ``*_or_404`` and ``paginate``.

    New code can use ``db.session.execute(db.select(...))`` and ``db.get_or_404``; this class
    keeps ``User.query.filter_by(...).first()`` working.
    """

    def get_or_404(self, ident: Any, description: str | None = None) -> Any:
        """Return the row with this primary key, or abort with 404.

        # NOTE: goes through ``Session.get`` so it does not raise SQLAlchemy 2's
        # LegacyAPIWarning, as ``Query.get`` does.
        """
        entity = self.column_descriptions[0]["entity"]
        value = self.session.get(entity, ident)  # type: ignore[arg-type]
        if value is None:
            abort(404, description=description)
        return value

    def first_or_404(self, description: str | None = None) -> Any:
        """Return the first result, or abort with 404."""
        value = self.first()
        if value is None:
            abort(404, description=description)
        return value

    def one_or_404(self, description: str | None = None) -> Any:
        """Return the only result, or abort with 404 when there are none or several."""
        try:
            return self.one()
        except (sa_exc.NoResultFound, sa_exc.MultipleResultsFound):
            abort(404, description=description)

    def paginate(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> Pagination:
        """Return one page of results; see :meth:`hipflask.db.SQLAlchemy.paginate`."""
        return QueryPagination(
            query=self,
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )
