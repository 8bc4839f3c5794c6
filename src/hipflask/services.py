"""What the app hands out from the layers above it, through :mod:`hipflask.wiring`.

The test client, CLI runner and test request contexts, the shell's namespace, the development
server, and :meth:`App.finalize`, which installs the batteries the config switches ask for.
These functions are methods of :class:`~hipflask.app.App`, bound in its class body
(``test_client = services.test_client``), so subclasses override them as before.
"""

from __future__ import annotations

from . import wiring

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .app import App
    from .ctx import RequestContext


def test_request_context(self: App, *args: Any, **kwargs: Any) -> RequestContext:
    """Return a request context for a made-up request (arguments as for the test client)."""
    builder = wiring.environ_builder_class()(self, *args, **kwargs)
    try:
        return self.request_context(builder.get_environ())
    finally:
        builder.close()


def test_client(self: App, use_cookies: bool = True, **kwargs: Any) -> Any:
    """Return a test client that calls the app without a server."""
    cls = self.test_client_class
    if cls is None:
        cls = wiring.test_client_class()
    return cls(self, use_cookies=use_cookies, **kwargs)


def test_cli_runner(self: App, **kwargs: Any) -> Any:
    """Return a click runner that invokes the app's CLI commands."""
    cls = self.test_cli_runner_class
    if cls is None:
        cls = wiring.cli_runner_class()
    return cls(self, **kwargs)


def make_shell_context(self: App) -> dict[str, Any]:
    """Return the namespace of ``hipflask shell``."""
    from .ctx import g

    namespace: dict[str, Any] = {"app": self, "g": g}
    for processor in self.shell_context_processors:
        namespace.update(processor())
    return namespace


def finalize(self: App) -> None:
    """Install the batteries the config switches ask for; run once, before the first request.

    ``wsgi_app``, the test client and ``request_context()`` / ``test_request_context()`` call
    it when it was not called yet, so configure the app before its first request, or call
    it yourself to check the settings at start-up. The switches are ``CSRF_PROTECT``,
    ``SECURITY_HEADERS`` (on by default), ``CONTENT_SECURITY_POLICY`` and ``HSTS_MAX_AGE``
    (see :func:`hipflask.wiring.finalize`); a weak ``SECRET_KEY`` logs a warning, once.
    Concurrent first requests wait for the one doing the work.

    A bad setting raises ValueError naming it, before any context is pushed; the app logs
    it once and raises the same error again on every later call, without installing
    anything twice.
    """
    if self._finalized:
        return
    with self._setup_lock:
        # NOTE: checked again under the lock: another thread may have finished meanwhile.
        if self._finalize_error is not None:
            raise self._finalize_error
        if self._finalized:
            return
        try:
            wiring.finalize(self)
        except Exception as exc:
            self._finalize_error = exc
            self.logger.error("The app's settings are invalid: %s", exc)
            raise
        self._plain_pipeline = self._pipeline_is_plain()
        # Set last, so no thread runs the hooks while they are still being installed.
        self._finalized = True


def run(
    self: App,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    **options: Any,
) -> None:
    """Serve the app with the development server (``hipflask run`` does the same)."""
    wiring.run(self, host=host, port=port, debug=debug, load_dotenv=load_dotenv, **options)
