"""Class-based views: :class:`View` and :class:`MethodView`, registered with ``as_view``.

``app.add_url_rule("/users/<int:id>", view_func=UserAPI.as_view("user"))`` registers the class;
each request calls its ``dispatch_request`` with the URL's values, as in Flask.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, ClassVar

from .ctx import request

__all__ = ["MethodView", "View"]

#: The lower-case method names a :class:`MethodView` answers with a method of the same name.
HTTP_METHOD_FUNCS = frozenset(("get", "post", "head", "options", "delete", "put", "trace", "patch"))


def _run_if_coroutine(rv: Any) -> Any:
    # NOTE: an ``async def`` dispatch_request (or verb method) returns a coroutine; run it on a
    # fresh event loop in this worker thread, as scaffold.ensure_sync does for async views.
    if inspect.iscoroutine(rv):
        return asyncio.run(rv)
    return rv


class View:
    """Subclass and implement :meth:`dispatch_request`; register with :meth:`as_view`.

    Class attributes configure the registration: ``methods`` (default ``GET``),
    ``provide_automatic_options``, ``decorators`` (applied to the view function, first one
    innermost) and ``init_every_request`` (False: one instance serves every request, so it must
    not keep per-request state on ``self``).
    """

    methods: ClassVar[Collection[str] | None] = None
    provide_automatic_options: ClassVar[bool | None] = None
    decorators: ClassVar[list[Callable[..., Any]]] = []
    init_every_request: ClassVar[bool] = True

    if TYPE_CHECKING:
        # NOTE: typed as a callable attribute so that overrides with any signature (the URL's
        # values as parameters) type-check; a method here would make them violate Liskov.
        dispatch_request: Callable[..., Any]
    else:

        def dispatch_request(self, **kwargs):
            """Answer the request; the URL's values arrive as keyword arguments."""
            raise NotImplementedError(f"{type(self).__name__} must define dispatch_request().")

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> Callable[..., Any]:
        """Return a view function for ``add_url_rule``, named ``name`` (the default endpoint).

        ``class_args`` and ``class_kwargs`` are passed to the constructor, once per request or,
        with ``init_every_request = False``, once now.
        """
        if cls.init_every_request:

            def view(**kwargs: Any) -> Any:
                instance = view.view_class(  # type: ignore[attr-defined]
                    *class_args, **class_kwargs
                )
                return _run_if_coroutine(instance.dispatch_request(**kwargs))

        else:
            instance = cls(*class_args, **class_kwargs)

            def view(**kwargs: Any) -> Any:
                return _run_if_coroutine(instance.dispatch_request(**kwargs))

        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return view


class MethodView(View):
    """Dispatch each request to the method named after its HTTP verb (``get``, ``post``, ...).

    ``methods`` is derived from the verb methods the class (and its bases) define; ``HEAD``
    falls back to ``get``. Verb methods may be ``async def``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            methods.update(getattr(base, "methods", None) or ())
        methods.update(verb.upper() for verb in HTTP_METHOD_FUNCS if hasattr(cls, verb))
        if methods:
            cls.methods = methods

    def dispatch_request(self, **kwargs: Any) -> Any:
        """Call the method named after the request's verb with the URL's values."""
        method = getattr(self, request.method.lower(), None)
        if method is None and request.method == "HEAD":
            method = getattr(self, "get", None)
        if method is None:
            raise AssertionError(f"Unimplemented method {request.method!r}")
        return method(**kwargs)
