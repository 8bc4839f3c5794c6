"""The declarative model base: ``__tablename__`` derivation, ``__bind_key__``, ``repr``, ``query``.

Every base is built on SQLAlchemy 2's :class:`~sqlalchemy.orm.DeclarativeBase`, so classic
``db.Column`` models and typed ``Mapped[...]`` models go through the same mapping code. A
``model_class`` that already subclasses ``DeclarativeBase`` (optionally with
``MappedAsDataclass``) keeps its own base classes and metaclass; the mixins are added to it.
"""

from __future__ import annotations

import re
import types
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
import sqlalchemy.orm as sa_orm

from .query import Query

if TYPE_CHECKING:
    from .extension import SQLAlchemy

__all__ = ["BindMixin", "Model", "NameMixin", "camel_to_snake_case"]


class _QueryProperty:
    """Give each model class a ``query`` attribute: a :class:`Query` on the current session."""

    def __get__(self, obj: Any, cls: type[Model]) -> Query:
        return cls.query_class(cls, session=cls.__fsa__.session())


class Model:
    """The methods and attributes every ``db.Model`` has (a mixin, not mapped by itself)."""

    #: The extension this model belongs to (its session serves ``Model.query``).
    __fsa__: ClassVar[SQLAlchemy]
    #: The class of ``Model.query``; ``SQLAlchemy(query_class=...)`` sets it.
    query_class: ClassVar[type[Query]] = Query
    #: A legacy :class:`Query` for this model on the current session.
    query: ClassVar[Query] = _QueryProperty()  # type: ignore[assignment]

    def __repr__(self) -> str:
        state = sa.inspect(self)
        if state.transient:
            key = f"(transient {id(self)})"
        elif state.pending:
            key = f"(pending {id(self)})"
        else:
            key = ", ".join(map(str, state.identity or ()))
        return f"<{type(self).__name__} {key}>"


class BindMixin:
    """Put a model whose class sets ``__bind_key__`` in that bind's metadata (and engine)."""

    __fsa__: ClassVar[SQLAlchemy]
    metadata: ClassVar[sa.MetaData]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        own = cls.__dict__
        if "metadata" not in own and "__table__" not in own and hasattr(cls, "__bind_key__"):
            metadata = cls.__fsa__._make_metadata(getattr(cls, "__bind_key__", None))
            if metadata is not getattr(cls, "metadata", None):
                cls.metadata = metadata
        super().__init_subclass__(**kwargs)


class NameMixin:
    """Derive ``__tablename__`` from the class name, except for single-table inheritance."""

    metadata: ClassVar[sa.MetaData]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if _should_name(cls):
            cls.__tablename__ = camel_to_snake_case(cls.__name__)  # type: ignore[attr-defined]
        super().__init_subclass__(**kwargs)
        # NOTE: __table_cls__ returned None (single-table inheritance): use the parent's table.
        if (
            "__tablename__" not in cls.__dict__
            and "__table__" in cls.__dict__
            and cls.__dict__["__table__"] is None
        ):
            del cls.__table__  # type: ignore[attr-defined]

    @classmethod
    def __table_cls__(cls, *args: Any, **kwargs: Any) -> sa.Table | None:
        """Create the table, or return None when the class adds no primary key to a parent's.

        A name already in the metadata is used as is (a reflected table applied to a model).
        """
        schema = kwargs.get("schema")
        key = args[0] if schema is None else f"{schema}.{args[0]}"
        if key in cls.metadata.tables:
            return sa.Table(*args, **kwargs)
        for arg in args:
            if (isinstance(arg, sa.Column) and arg.primary_key) or isinstance(
                arg, sa.PrimaryKeyConstraint
            ):
                return sa.Table(*args, **kwargs)
        if not any("__table__" in base.__dict__ for base in cls.__mro__[1:-1]):
            # NOTE: no parent table either: let SQLAlchemy report the missing primary key.
            return sa.Table(*args, **kwargs)
        if "__tablename__" in cls.__dict__:
            del cls.__tablename__  # type: ignore[attr-defined]
        return None


def camel_to_snake_case(name: str) -> str:
    """Turn ``CamelCase`` into ``camel_case`` (``HTTPResponse`` -> ``http_response``)."""
    name = re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name)
    return name.lower().lstrip("_")


def _is_declarative(base: type) -> bool:
    return issubclass(base, sa_orm.DeclarativeBase | sa_orm.DeclarativeBaseNoMeta) or isinstance(
        base, sa_orm.DeclarativeMeta
    )


def _should_name(cls: type) -> bool:
    """Tell whether ``cls`` needs a derived ``__tablename__``.

    Not for abstract classes and not when the class or a mapped parent gives one (a parent's
    name means single-table inheritance unless the class adds a primary key: see
    ``__table_cls__``). A ``declared_attr`` name is left to SQLAlchemy.
    """
    if cls.__dict__.get("__abstract__", False):
        return False
    if sa_orm.DeclarativeBase in cls.__bases__ or sa_orm.DeclarativeBaseNoMeta in cls.__bases__:
        return False  # the base class itself
    if not any(_is_declarative(base) for base in cls.__mro__[1:]):
        return False
    for base in cls.__mro__:
        if "__tablename__" not in base.__dict__:
            continue
        if isinstance(base.__dict__["__tablename__"], sa_orm.declared_attr):
            return False
        return not (
            base is cls or base.__dict__.get("__abstract__", False) or not _is_declarative(base)
        )
    return True


def _declarative_bases(model_class: type) -> list[type]:
    return [
        base
        for base in model_class.__bases__
        if issubclass(base, sa_orm.DeclarativeBase | sa_orm.DeclarativeBaseNoMeta)
    ]


def make_declarative_base(
    db: SQLAlchemy, model_class: type[Any], disable_autonaming: bool
) -> type[Any]:
    """Build ``db.Model`` from ``model_class`` (see the module docstring for what it accepts)."""
    mixins: list[type] = [BindMixin, Model] if disable_autonaming else [BindMixin, NameMixin, Model]
    declarative = _declarative_bases(model_class)
    if len(declarative) > 1:
        raise ValueError(f"model_class may subclass one declarative base only, got {declarative}.")
    if declarative:
        body = {
            key: value
            for key, value in model_class.__dict__.items()
            # NOTE: the new base is set up (and made a dataclass) afresh by SQLAlchemy.
            if key
            not in ("__dict__", "__weakref__", "__dataclass_fields__", "__dataclass_params__")
        }
        body["__fsa__"] = db
        model: type[Any] = types.new_class(
            model_class.__name__,
            (*mixins, *model_class.__bases__),
            {"metaclass": type(declarative[0])},
            lambda namespace: namespace.update(body),
        )
    elif isinstance(model_class, sa_orm.DeclarativeMeta):
        model = model_class
    else:
        bases = (*(base for base in (*mixins, model_class) if base is not Model), Model)
        namespace: dict[str, Any] = {
            "__fsa__": db,
            "__allow_unmapped__": True,
            "metadata": db._make_metadata(None),
        }
        model = types.new_class(
            "Model",
            (*bases, sa_orm.DeclarativeBase),
            {},
            lambda ns: ns.update(namespace),
        )
    if None not in db.metadatas:
        model.metadata.info["bind_key"] = None
        db.metadatas[None] = model.metadata
    else:
        model.metadata = db.metadatas[None]
    model.query_class = db.Query
    model.query = _QueryProperty()
    model.__fsa__ = db
    return model
