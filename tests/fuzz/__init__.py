"""Property-based fuzzing of every parser that reads client input, through the app.

The property is always the same: whatever the client sends, the app answers 2xx, 3xx or 4xx,
never a 500, and no exception escapes (the apps run with ``TESTING``, so an unexpected
exception propagates to the test). ``make test`` runs a few examples per test (the
``fuzz-quick`` profile); ``make fuzz`` runs many more (``HIPFLASK_FUZZ_PROFILE=fuzz-long``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "fuzz-quick",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "fuzz-long",
    max_examples=5_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: The settings of every fuzz test: the profile that ``HIPFLASK_FUZZ_PROFILE`` names.
FUZZ = settings(settings.get_profile(os.environ.get("HIPFLASK_FUZZ_PROFILE", "fuzz-quick")))

KEY = "fuzz-secret-key-that-is-long-enough-0123456789"

#: What a WSGI server can put in a header value or PATH_INFO: bytes read as latin-1.
wsgi_text = st.binary(max_size=300).map(lambda data: data.decode("latin-1"))
#: Printable ASCII, the stuff of real headers, with the separators parsers split on.
header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from(";,=\"'\\ "),
    max_size=200,
)
#: Either kind.
any_header = header_text | wsgi_text


def environ(**overrides: Any) -> dict[str, Any]:
    """Return a WSGI environ for ``GET /`` on localhost, with ``overrides``; a ``body`` override
    (bytes) becomes ``wsgi.input`` and, unless given, ``CONTENT_LENGTH``."""
    body = overrides.pop("body", b"")
    built: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body:
        built["CONTENT_LENGTH"] = str(len(body))
    built.update(overrides)
    return built


def call(app: Callable[..., Any], env: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """Call the WSGI ``app``; return the status code, the headers and the whole body."""
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append((status, headers))
        return lambda data: None

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started[-1]
    for name, value in headers:  # SECURITY.md #24: client data never splits a header
        assert "\r" not in value and "\n" not in value, (name, value)
    return int(status.split(" ", 1)[0]), dict(headers), body


def declared(status: int) -> bool:
    """True for the outcomes a parser may give: success, a redirect, or a client error."""
    return 200 <= status < 500
