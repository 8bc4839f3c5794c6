"""The ``SQLAlchemy`` extension: engines per app, the scoped session, the model base, helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary, ref

import sqlalchemy as sa
import sqlalchemy.event as sa_event
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as sa_orm

from hipflask import abort, current_app, has_app_context
from hipflask.ctx import app_ctx_var

from . import record_queries
from .engines import engine_options_from_config, make_engine
from .model import Model, make_declarative_base
from .outage import make_outage_handler
from .pagination import Pagination, SelectPagination
from .query import Query
from .session import NO_APP_CONTEXT, Session, app_context_scope

if TYPE_CHECKING:
    from hipflask import App

__all__ = ["SQLAlchemy"]


class SQLAlchemy:
    """Integrate SQLAlchemy 2 with one or more apps, as Flask-SQLAlchemy 3.1 does.

    ``db.Model`` is the model base, ``db.session`` the session of the current app context
    (removed when the context ends, so an exception in a request rolls its work back), and every
    public name of ``sqlalchemy`` and ``sqlalchemy.orm`` is an attribute (``db.Column``,
    ``db.select``, ``db.relationship``...). Engines are created by :meth:`init_app` from the
    app's config; none connects before the first query.

    ``metadata`` is the default bind's :class:`~sqlalchemy.MetaData` (naming conventions);
    ``session_options`` go to :class:`~sqlalchemy.orm.sessionmaker` (``scopefunc`` replaces the
    app-context scope); ``model_class`` is a plain class whose methods every model gets, or a
    ``DeclarativeBase`` subclass (optionally with ``MappedAsDataclass``) for typed models;
    ``engine_options`` apply to every engine, under ``SQLALCHEMY_ENGINE_OPTIONS``.
    """

    def __init__(
        self,
        app: App | None = None,
        *,
        metadata: sa.MetaData | None = None,
        session_options: dict[str, Any] | None = None,
        query_class: type[Query] = Query,
        model_class: type[Any] = Model,
        engine_options: dict[str, Any] | None = None,
        add_models_to_shell: bool = True,
        disable_autonaming: bool = False,
    ) -> None:
        #: The legacy query class of ``Model.query`` and ``session.query()``.
        self.Query = query_class
        #: The metadata of each bind key (None is the default database).
        self.metadatas: dict[str | None, sa.MetaData] = {}
        if metadata is not None:
            metadata.info["bind_key"] = None
            self.metadatas[None] = metadata
        self.session = self._make_scoped_session(session_options)
        self.Table = self._make_table_class()
        self.Model: Any = make_declarative_base(self, model_class, disable_autonaming)
        self._engine_options = dict(engine_options or {})
        self._app_engines: WeakKeyDictionary[App, dict[str | None, sa.engine.Engine]] = (
            WeakKeyDictionary()
        )
        # PERF: the last app's engines, found without a WeakKeyDictionary lookup (which builds
        # a weak reference per call): 2.4k instructions instead of 6.2k per lookup.
        self._last_engines: tuple[Any, dict[str | None, sa.engine.Engine]] = (None, {})
        #: The bind key of each mapper db.session has seen (see ``Session.get_bind``).
        self._mapper_bind_keys: dict[Any, Any] = {}
        self._add_models_to_shell = add_models_to_shell
        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        if not has_app_context():
            return f"<{type(self).__name__}>"
        engines = self._app_engines.get(current_app._get_current_object(), {})  # type: ignore[attr-defined]
        parts = [type(self).__name__]
        default = engines.get(None)
        if default is not None:
            parts.append(str(default.url))
        binds = len(engines) - (1 if default is not None else 0)
        if binds:
            parts.append(f"+{binds} binds")
        return f"<{' '.join(parts)}>"

    def init_app(self, app: App) -> None:
        """Register on ``app``: create its engines and remove the session at context teardown.

        Reads ``SQLALCHEMY_DATABASE_URI``, ``SQLALCHEMY_BINDS``, ``SQLALCHEMY_ENGINE_OPTIONS``,
        ``SQLALCHEMY_ECHO``, ``SQLALCHEMY_RECORD_QUERIES``, ``SQLALCHEMY_TRACK_MODIFICATIONS``
        and ``SQLALCHEMY_SQLITE_PRAGMAS``.
        """
        if "sqlalchemy" in app.extensions:
            raise RuntimeError(
                "A 'SQLAlchemy' instance is already registered on this app. Import and use "
                "that instance instead of creating another."
            )
        options = engine_options_from_config(app, self._engine_options)
        app.extensions["sqlalchemy"] = self
        app.teardown_appcontext(self._teardown_session)
        app.register_error_handler(sa_exc.DBAPIError, make_outage_handler(self))
        app.register_error_handler(sa_exc.TimeoutError, make_outage_handler(self))
        if self._add_models_to_shell:
            app.shell_context_processor(self._shell_context)
        engines = self._app_engines.setdefault(app, {})
        for engine in engines.values():
            engine.dispose()
        engines.clear()
        for key, engine_options in options.items():
            self._make_metadata(key)
            engines[key] = make_engine(app, engine_options)
        if app.config.setdefault("SQLALCHEMY_RECORD_QUERIES", False):
            for engine in engines.values():
                record_queries.listen(engine)
        if app.config.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", False):
            # NOTE: imported only here: hipflask.signals loads blinker, a cost an app that
            # does not track modifications should not pay at start-up.
            from . import track_modifications

            track_modifications.listen(Session)

    # -- session, metadata, engines ----------------------------------------------------------

    def _make_scoped_session(
        self, options: dict[str, Any] | None
    ) -> sa_orm.scoped_session[Session]:
        options = dict(options or {})
        scope: Callable[[], Any] = options.pop("scopefunc", app_context_scope)
        options.setdefault("query_cls", self.Query)
        options.setdefault("class_", Session)
        factory = sa_orm.sessionmaker(db=self, **options)
        return sa_orm.scoped_session(factory, scope)

    def _teardown_session(self, exc: BaseException | None) -> None:
        # PERF: no live session anywhere (every request that did not touch the database, on a
        # quiet server) costs one dict check: 0.15 us instead of 1.8 us for remove().
        if not getattr(self.session.registry, "registry", True):
            return
        self.session.remove()

    def _make_metadata(self, bind_key: str | None) -> sa.MetaData:
        """Return the metadata of ``bind_key``, creating it (with the default's naming) once."""
        if bind_key in self.metadatas:
            return self.metadatas[bind_key]
        if bind_key is not None:
            default = self.metadatas.get(None)
            naming = default.naming_convention if default is not None else None
            metadata = sa.MetaData(naming_convention=naming) if naming else sa.MetaData()
        else:
            metadata = sa.MetaData()
        metadata.info["bind_key"] = bind_key
        self.metadatas[bind_key] = metadata
        return metadata

    def _make_table_class(self) -> type[sa.Table]:
        db = self

        class Table(sa.Table):
            """``db.Table(name, *columns, bind_key=None)``: a table in that bind's metadata."""

            def __new__(cls, *args: Any, bind_key: str | None = None, **kwargs: Any) -> Any:
                if not args or (len(args) >= 2 and isinstance(args[1], sa.MetaData)):
                    return super().__new__(cls, *args, **kwargs)
                metadata = db._make_metadata(bind_key)
                full = (args[0], metadata, *args[1:])
                return super().__new__(cls, *full, **kwargs)

        return Table

    @property
    def metadata(self) -> sa.MetaData:
        """The default bind's metadata (``db.Model.metadata``)."""
        return self.metadatas[None]

    @property
    def engines(self) -> dict[str | None, sa.engine.Engine]:
        """The current app's engines by bind key (None is ``SQLALCHEMY_DATABASE_URI``)."""
        context = app_ctx_var.get(None)
        if context is None:
            raise RuntimeError(NO_APP_CONTEXT.format(what="The database engine"))
        app = context.app
        last_app, engines = self._last_engines
        if last_app is not None and last_app() is app:
            return engines
        engines = self._app_engines.get(app)  # type: ignore[assignment]
        if engines is None:
            raise RuntimeError(
                f"The current app {app.name!r} is not registered with this 'SQLAlchemy' "
                "instance: call db.init_app(app) first (or check that one instance is shared)."
            )
        self._last_engines = (ref(app), engines)
        return engines

    @property
    def engine(self) -> sa.engine.Engine:
        """The current app's default engine."""
        engines = self.engines
        if None not in engines:
            raise sa_exc.UnboundExecutionError(
                "'SQLALCHEMY_DATABASE_URI' is not set, so there is no default engine."
            )
        return engines[None]

    # -- schema -------------------------------------------------------------------------------

    def _call_for_binds(self, bind_key: str | Iterable[str | None] | None, operation: str) -> None:
        if bind_key == "__all__":
            keys: list[str | None] = list(self.metadatas)
        elif bind_key is None or isinstance(bind_key, str):
            keys = [bind_key]
        else:
            keys = list(bind_key)
        for key in keys:
            engines = self.engines
            if key not in engines:
                message = f"Bind key '{key}' is not in 'SQLALCHEMY_BINDS' config."
                if key is None:
                    message = f"'SQLALCHEMY_DATABASE_URI' config is not set. {message}"
                raise sa_exc.UnboundExecutionError(message)
            getattr(self.metadatas[key], operation)(bind=engines[key])

    def create_all(self, bind_key: str | Iterable[str | None] | None = "__all__") -> None:
        """Create the tables that do not exist yet (every bind, or the ones named)."""
        self._call_for_binds(bind_key, "create_all")

    def drop_all(self, bind_key: str | Iterable[str | None] | None = "__all__") -> None:
        """Drop the models' tables (every bind, or the ones named)."""
        self._call_for_binds(bind_key, "drop_all")

    def reflect(self, bind_key: str | Iterable[str | None] | None = "__all__") -> None:
        """Load the database's existing tables into the metadata (``db.metadata.tables``)."""
        self._call_for_binds(bind_key, "reflect")

    # -- view helpers -------------------------------------------------------------------------

    def get_or_404(self, entity: type[Any], ident: Any, *, description: str | None = None) -> Any:
        """Return the row of ``entity`` with this primary key, or abort with 404."""
        value = self.session.get(entity, ident)
        if value is None:
            abort(404, description=description)
        return value

    def first_or_404(self, statement: sa.sql.Select[Any], *, description: str | None = None) -> Any:
        """Return the first scalar of ``statement``'s result, or abort with 404."""
        value = self.session.execute(statement).scalar()
        if value is None:
            abort(404, description=description)
        return value

    def one_or_404(self, statement: sa.sql.Select[Any], *, description: str | None = None) -> Any:
        """Return the only scalar result, or abort with 404 when there are none or several."""
        try:
            return self.session.execute(statement).scalar_one()
        except (sa_exc.NoResultFound, sa_exc.MultipleResultsFound):
            abort(404, description=description)

    def paginate(
        self,
        select: sa.sql.Select[Any],
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = 100,
        error_out: bool = True,
        count: bool = True,
    ) -> Pagination:
        """Return one page of ``select``'s scalar results (see :mod:`hipflask.db.pagination`).

        ``max_per_page`` caps a ``?per_page=`` the client asks for (None: no cap).
        """
        return SelectPagination(
            select=select,
            session=self.session(),
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )

    # -- names of sqlalchemy ------------------------------------------------------------------

    def _set_rel_query(self, kwargs: dict[str, Any]) -> None:
        kwargs.setdefault("query_class", self.Query)
        backref = kwargs.get("backref")
        if isinstance(backref, str):
            kwargs["backref"] = (backref, {"query_class": self.Query})
        elif isinstance(backref, tuple):
            backref[1].setdefault("query_class", self.Query)

    def relationship(self, *args: Any, **kwargs: Any) -> Any:
        """:func:`sqlalchemy.orm.relationship`, with ``query_class`` for ``lazy="dynamic"``."""
        self._set_rel_query(kwargs)
        return sa_orm.relationship(*args, **kwargs)

    def dynamic_loader(self, argument: Any, **kwargs: Any) -> Any:
        """:func:`sqlalchemy.orm.dynamic_loader` with this extension's ``query_class``."""
        self._set_rel_query(kwargs)
        return sa_orm.dynamic_loader(argument, **kwargs)

    def backref(self, name: str, **kwargs: Any) -> Any:
        """:func:`sqlalchemy.orm.backref` with this extension's ``query_class``."""
        kwargs.setdefault("query_class", self.Query)
        return sa_orm.backref(name, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name == "relation":
            return self.relationship
        if name == "event":
            return sa_event
        if name.startswith("_"):
            raise AttributeError(name)
        for module in (sa, sa_orm):
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"'SQLAlchemy' object (and sqlalchemy) has no attribute {name!r}")

    def _shell_context(self) -> dict[str, Any]:
        names: dict[str, Any] = {
            mapper.class_.__name__: mapper.class_ for mapper in self.Model.registry.mappers
        }
        names["db"] = self
        return names
