"""``lazy``: an attribute computed on first access and cached on the instance.

The :class:`~hipflask.request.Request` is built of them, so a request parses nothing it is not
asked for.
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Generic, TypeVar, overload

    T = TypeVar("T")
else:
    # NOTE: `lazy` is generic for the type checker only (`lazy[T]` is written in annotations,
    # never evaluated), so at run time `Generic[T]` is plain `object`.
    T = None
    Generic = {None: object}


class lazy(Generic[T]):
    """Compute an attribute on first access and store it on the instance.

    Unlike :func:`functools.cached_property` on Python 3.11 it takes no lock, so concurrent
    requests never serialise on each other.
    """

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    if TYPE_CHECKING:

        @overload
        def __get__(self, instance: None, owner: type[Any]) -> lazy[T]: ...
        @overload
        def __get__(self, instance: object, owner: type[Any]) -> T: ...

    def __get__(self, instance: object | None, owner: type[Any]) -> T | lazy[T]:
        if instance is None:
            return self
        value = self.func(instance)
        instance.__dict__[self.name] = value
        return value
