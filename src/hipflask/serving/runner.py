"""The development server behind ``hipflask run`` and ``app.run()``: waitress, request logging
and start-up checks.

Plain HTTP is served by waitress; HTTPS (``--cert``/``--key``) by gunicorn, see
:mod:`hipflask.serving.tls`. With ``use_reloader`` the app runs in a child process of the
reloader (:mod:`hipflask.serving.reloader`).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..app import App

__all__ = [
    "RequestLogger",
    "StartupError",
    "check_secret_key",
    "check_startup",
    "is_running_from_reloader",
    "run_app",
    "serve",
    "serve_wsgi",
]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

RELOADER_ENV = "HIPFLASK_RUN_FROM_RELOADER"
SERVER_FD_ENV = "HIPFLASK_SERVER_FD"
_TRUE = frozenset(("1", "true", "yes", "on"))
# NOTE: Werkzeug's server options, accepted from ported Flask code and ignored: waitress is
# always threaded, and hipflask has no in-browser debugger.
_IGNORED_OPTIONS = frozenset(
    ("threaded", "processes", "use_debugger", "use_evalex", "passthrough_errors", "reloader_type")
)

logger = logging.getLogger("hipflask.serving")


class StartupError(RuntimeError):
    """The server refuses to start; the message says why and what to do instead."""


def is_running_from_reloader() -> bool:
    """Tell whether this process is the reloader's child, the one that serves."""
    return os.environ.get(RELOADER_ENV) == "true"


def check_startup(
    app: App,
    host: str,
    debug: bool,
    allow_unsafe_debug: bool = False,
    cert: str | None = None,
    key: str | None = None,
) -> None:
    """Raise :class:`StartupError` when serving ``app`` this way would be unsafe.

    Refused: a ``cert`` or ``key`` that cannot serve HTTPS (see
    :func:`hipflask.serving.tls.check_tls`), debug mode on an address other than loopback unless
    ``allow_unsafe_debug``. Without debug mode, a weak SECRET_KEY logs a warning (see
    :mod:`hipflask.secret_key`) but is no refusal: an app that never signs anything needs none.
    """
    if cert or key:
        from .tls import check_tls

        check_tls(cert, key)
    # SECURITY: debug mode shows tracebacks (source, settings, secrets) to whoever can connect.
    if debug and not allow_unsafe_debug and not _is_loopback(host):
        raise StartupError(
            f"Refusing to run in debug mode on {host!r}: tracebacks would be shown to anyone "
            "who can connect. Bind to 127.0.0.1, turn debug off, or pass --force-debug "
            "(allow_unsafe_debug=True) if this network is trusted."
        )
    if not debug:
        from ..secret_key import warn_weak_secret_key

        warn_weak_secret_key(app)


def check_secret_key(app: App) -> None:
    """Raise :class:`StartupError` when ``app``'s SECRET_KEY is missing or weak.

    The strict mode: :mod:`hipflask.gunicorn_conf` calls it for non-debug apps. ``hipflask
    run`` only warns (:func:`hipflask.secret_key.warn_weak_secret_key`).
    """
    from ..secret_key import MIN_SECRET_KEY_BYTES, weak_reason

    reason = weak_reason(app.config.get("SECRET_KEY"))
    if reason is not None:
        raise StartupError(
            f"Refusing to start: SECRET_KEY is {reason}; it must be at least "
            f"{MIN_SECRET_KEY_BYTES} random bytes, e.g. "
            "python -c 'import secrets; print(secrets.token_hex(32))' (debug mode skips this "
            "check)."
        )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run_app(
    app: App,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    *,
    use_reloader: bool | None = None,
    threads: int = 8,
    allow_unsafe_debug: bool = False,
    extra_files: Sequence[str] = (),
    cert: str | None = None,
    key: str | None = None,
    ssl_context: Any = None,
    **options: Any,
) -> None:
    """Serve ``app`` as ``hipflask run`` does (this is ``App.run``).

    ``host`` and ``port`` default to ``SERVER_NAME`` or ``127.0.0.1:5000``; the reloader is on
    in debug mode. ``cert`` and ``key`` (or Flask's ``ssl_context=(cert, key)``) serve HTTPS.
    A refused start (see :func:`check_startup`) exits with a one-line error.
    Inside a ``hipflask`` command the call does nothing, so an unguarded ``app.run()`` in a
    module cannot block the command that imported it.
    """
    unknown = set(options) - _IGNORED_OPTIONS
    if unknown:
        raise TypeError(f"run() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    if os.environ.get("HIPFLASK_RUN_FROM_CLI") == "true":
        if not is_running_from_reloader():
            print(
                " * Ignoring a call to 'app.run()' that would block the 'hipflask' command; call"
                " it only under 'if __name__ == \"__main__\":'.",
                file=sys.stderr,
            )
        return
    if load_dotenv:
        from ..cli.discovery import get_debug_flag, get_load_dotenv
        from ..cli.discovery import load_dotenv as read_dotenv

        if get_load_dotenv():
            read_dotenv()
        if "HIPFLASK_DEBUG" in os.environ:
            app.debug = get_debug_flag()
    if debug is not None:
        app.debug = bool(debug)
    default_host, _, default_port = (app.config.get("SERVER_NAME") or "").partition(":")
    host = host or default_host or "127.0.0.1"
    port = port if port is not None else int(default_port or 5000)
    try:
        if ssl_context is not None:
            from .tls import split_ssl_context

            cert, key = split_ssl_context(ssl_context)
        check_startup(app, host, app.debug, allow_unsafe_debug, cert, key)
        serve(
            app,
            host,
            port,
            use_reloader=app.debug if use_reloader is None else use_reloader,
            threads=threads,
            extra_files=extra_files,
            cert=cert,
            key=key,
        )
    except StartupError as exc:
        raise SystemExit(f"Error: {exc}") from None


def serve(
    app: App,
    host: str = "127.0.0.1",
    port: int = 5000,
    *,
    use_reloader: bool = False,
    threads: int = 8,
    extra_files: Sequence[str] = (),
    cert: str | None = None,
    key: str | None = None,
) -> None:
    """Serve ``app`` until interrupted, in a reloading child process when ``use_reloader``,
    over HTTPS when given a ``cert`` and its ``key``.

    Call :func:`check_startup` first; this function does not.
    """
    if use_reloader and not is_running_from_reloader():
        from .reloader import run_reloader

        run_reloader(app, host, port, extra_files)
        return
    if app.debug:
        print(
            " * Debug mode: on (tracebacks are shown in the browser; never in production)",
            file=sys.stderr,
        )
    serve_wsgi(app, host, port, threads, name=app.name, cert=cert, key=key)


def serve_wsgi(
    wsgi_app: WSGIApp,
    host: str,
    port: int,
    threads: int = 8,
    name: str | None = None,
    *,
    cert: str | None = None,
    key: str | None = None,
) -> None:
    """Serve a WSGI callable, logging each request, until interrupted.

    Plain HTTP is served by waitress; with a ``cert`` and its ``key`` (checked by
    :func:`check_startup`), HTTPS is served by gunicorn (see :mod:`hipflask.serving.tls`).
    """
    sock = _inherited_socket() or _bind(host, port)
    _configure_logger()
    server: Any
    if cert and key:
        from .tls import gunicorn_server

        server = gunicorn_server(RequestLogger(wsgi_app), sock, cert, key, threads)
        scheme, software = "https", "gunicorn"
    else:
        from .limits import waitress_server

        server = waitress_server(RequestLogger(wsgi_app), sock, threads)
        scheme, software = "http", "waitress"
    label = f"app {name!r}" if name else "app"
    print(
        f" * Serving {label} on {_url(host, sock, scheme)} ({software}, {threads} threads)\n"
        " * Press CTRL+C to quit",
        file=sys.stderr,
        flush=True,
    )
    if is_running_from_reloader():
        from .reloader import exit_with_parent

        exit_with_parent()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def load_error_app(exc: BaseException, debug: bool) -> WSGIApp:
    """Return a WSGI app answering 500 for an app that failed to load (the reloader's child)."""
    if debug:
        text = "The app failed to load:\n\n" + "".join(traceback.format_exception(exc))
    else:
        text = "The app failed to load; the server's console shows the traceback."
    body = text.encode("utf-8")
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]

    def error_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("500 INTERNAL SERVER ERROR", headers)
        return [body]

    return error_app


# -- sockets -------------------------------------------------------------------------------------


def _bind(host: str, port: int) -> socket.socket:
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        return socket.create_server(address, family=family, backlog=1024)
    except OSError as exc:
        raise StartupError(
            f"Could not listen on {host}:{port}: {exc.strerror or exc}. Is another server "
            "running there? Choose another --port."
        ) from None


def _inherited_socket() -> socket.socket | None:
    fd = os.environ.get(SERVER_FD_ENV)
    if not fd or not is_running_from_reloader():
        return None
    return socket.socket(fileno=int(fd))


def _url(host: str, sock: socket.socket, scheme: str = "http") -> str:
    port = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    url = f"{scheme}://{shown}:{port}"
    if host in ("0.0.0.0", "::", ""):
        url += " (all addresses)"
    return url


# -- request logging -----------------------------------------------------------------------------


def _configure_logger() -> None:
    from ..logging import has_level_handler

    if not logger.level:
        logger.setLevel(logging.INFO)
    if not has_level_handler(logger):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)


class RequestLogger:
    """WSGI middleware logging one line per request to ``hipflask.serving``: client, request
    line, status, bytes sent and duration."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Call the app, logging when the server closes the response."""
        started = time.perf_counter()
        status: list[str] = []

        def logging_start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
            status[:] = [code.split(" ", 1)[0]]
            return start_response(code, headers, exc_info)

        try:
            body = self.app(environ, logging_start_response)
        except BaseException:
            _log_request(environ, "500", 0, started)
            raise
        return _LoggedBody(body, environ, status, started)


class _LoggedBody:
    """The response body, counting bytes as the server sends them, logging on close."""

    __slots__ = ("_body", "_environ", "_sent", "_started", "_status")

    def __init__(
        self, body: Iterable[bytes], environ: dict[str, Any], status: list[str], started: float
    ) -> None:
        self._body = body
        self._environ = environ
        self._status = status
        self._started = started
        self._sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            self._sent += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            _log_request(self._environ, "".join(self._status) or "-", self._sent, self._started)


def _log_request(environ: dict[str, Any], status: str, sent: int, started: float) -> None:
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if environ.get("QUERY_STRING"):
        path += "?" + environ["QUERY_STRING"]
    line = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
    logger.info(
        '%s - "%s" %s %d %.1fms',
        environ.get("REMOTE_ADDR", "-"),
        _printable(line),
        status,
        sent,
        (time.perf_counter() - started) * 1000,
    )


def _printable(text: str) -> str:
    # SECURITY: the request line is client data; escape control characters so a request cannot
    # forge log lines or send escape sequences to the terminal.
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in text)
