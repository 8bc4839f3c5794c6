"""Flask's ``flask.typing``: the type aliases of what views and hooks take and return.

Only aliases live here, for annotations in apps (``def index() -> ResponseReturnValue``).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, TypeAlias

from .headers import Headers
from .response import Response

ResponseValue: TypeAlias = (
    Response
    | str
    | bytes
    | list[Any]
    | Mapping[str, Any]
    | Iterator[str]
    | Iterator[bytes]
    | Iterable[str]
    | Iterable[bytes]
    | AsyncIterable[str]
    | AsyncIterable[bytes]
)
StatusCode: TypeAlias = int
HeaderName: TypeAlias = str
HeaderValue: TypeAlias = str | list[str] | tuple[str, ...]
HeadersValue: TypeAlias = Headers | Mapping[str, HeaderValue] | list[tuple[str, HeaderValue]]
ResponseReturnValue: TypeAlias = (
    ResponseValue
    | tuple[ResponseValue, HeadersValue]
    | tuple[ResponseValue, int]
    | tuple[ResponseValue, int, HeadersValue]
    | Callable[..., Any]
)
ResponseClass: TypeAlias = type[Response]
RouteCallable: TypeAlias = (
    Callable[..., ResponseReturnValue] | Callable[..., Awaitable[ResponseReturnValue]]
)
BeforeRequestCallable: TypeAlias = (
    Callable[[], ResponseReturnValue | None] | Callable[[], Awaitable[ResponseReturnValue | None]]
)
AfterRequestCallable: TypeAlias = Callable[[Any], Any] | Callable[[Any], Awaitable[Any]]
TeardownCallable: TypeAlias = (
    Callable[[BaseException | None], None] | Callable[[BaseException | None], Awaitable[None]]
)
ErrorHandlerCallable: TypeAlias = (
    Callable[[Any], ResponseReturnValue] | Callable[[Any], Awaitable[ResponseReturnValue]]
)
TemplateContextProcessorCallable: TypeAlias = Callable[[], dict[str, Any]]
TemplateFilterCallable: TypeAlias = Callable[..., Any]
TemplateGlobalCallable: TypeAlias = Callable[..., Any]
TemplateTestCallable: TypeAlias = Callable[..., bool]
URLDefaultCallable: TypeAlias = Callable[[str, dict[str, Any]], None]
URLValuePreprocessorCallable: TypeAlias = Callable[[str | None, dict[str, Any] | None], None]
ShellContextProcessorCallable: TypeAlias = Callable[[], dict[str, Any]]

__all__ = [
    "AfterRequestCallable",
    "BeforeRequestCallable",
    "ErrorHandlerCallable",
    "HeaderName",
    "HeaderValue",
    "HeadersValue",
    "ResponseClass",
    "ResponseReturnValue",
    "ResponseValue",
    "RouteCallable",
    "ShellContextProcessorCallable",
    "StatusCode",
    "TeardownCallable",
    "TemplateContextProcessorCallable",
    "TemplateFilterCallable",
    "TemplateGlobalCallable",
    "TemplateTestCallable",
    "URLDefaultCallable",
    "URLValuePreprocessorCallable",
]
