"""URL building for the current app: :func:`url_for`, and the app's URL-building hooks.

Inside a request, URLs are relative to its host and script root and ``.view`` means "in the
current blueprint". Outside a request, an app context and ``SERVER_NAME`` are needed, and
URLs are external (absolute) by default, as in Flask. ``inject_url_defaults`` and
``handle_url_build_error`` are methods of :class:`~hipflask.app.App`, bound in its class body.
"""

from __future__ import annotations

from collections import namedtuple

from ..ctx import app_ctx_var, request_ctx_var
from ..lazyload import lazy_import
from .building import BuildError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import urllib.parse as _urlparse
    from typing import Any, NamedTuple

    from ..app import App
else:
    _urlparse = lazy_import("urllib.parse")

_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """Build the URL of ``endpoint`` with ``values`` for its variables.

    Values that are not variables of the rule go into the query string. ``_external`` makes
    the URL absolute, ``_scheme`` picks its scheme, ``_anchor`` appends ``#anchor``, and
    ``_method`` picks the rule for that method. A missing endpoint or value raises
    :class:`~hipflask.routing.BuildError`.
    """
    app_ctx = app_ctx_var.get(None)
    if app_ctx is None:
        raise RuntimeError(
            "Unable to build URLs outside an application context. Use 'with app.app_context():'."
        )
    return build_url(app_ctx.app, endpoint, values, _anchor, _method, _scheme, _external)


if TYPE_CHECKING:

    class _Base(NamedTuple):
        """Where built URLs start: the endpoint resolved, external or not, root, host, scheme."""

        endpoint: str
        external: bool
        script_root: str
        host: str
        scheme: str

else:  # NOTE: the same class without importing typing (see hipflask/__init__.py)
    _Base = namedtuple("_Base", "endpoint external script_root host scheme")


def build_url(
    app: App,
    endpoint: str,
    values: dict[str, Any],
    anchor: str | None,
    method: str | None,
    scheme: str | None,
    external: bool | None,
) -> str:
    """Build a URL for ``app`` (the implementation behind :func:`url_for`)."""
    base = _base(app, endpoint, external, scheme)
    endpoint, external, host = base.endpoint, base.external, base.host
    if scheme is not None and not external:
        raise ValueError("When specifying '_scheme', '_external' must be True.")
    app.inject_url_defaults(endpoint, values)
    try:
        path = app.url_map.build(endpoint, values, method)
    except BuildError as error:
        values.update(_anchor=anchor, _method=method, _scheme=scheme, _external=external)
        return app.handle_url_build_error(error, endpoint, values)
    if app.host_matching:
        target_host = _rule_host(app, endpoint)
        if target_host is not None and target_host != host.partition(":")[0].lower():
            host, external = target_host, True
    elif app.subdomain_matching and app.config["SERVER_NAME"]:
        target_host = _subdomain_host(app, endpoint)
        if target_host is not None and target_host != host.lower():
            host, external = target_host, True
    url = base.script_root + path
    if anchor is not None:
        url = f"{url}#{_urlparse.quote(anchor, safe=_ANCHOR_SAFE)}"
    if external:
        return f"{scheme or base.scheme}://{host}{url}"
    return url


def _base(app: App, endpoint: str, external: bool | None, scheme: str | None) -> _Base:
    """Resolve ``.endpoint`` and the URL's origin from the request, or from the config."""
    req_ctx = request_ctx_var.get(None)
    if req_ctx is not None:
        request = req_ctx.request
        if endpoint[:1] == ".":
            blueprint = request.blueprint
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        if external is None:
            external = scheme is not None
        return _Base(endpoint, external, request.script_root, request.host, request.scheme)
    server_name = app.config["SERVER_NAME"]
    if not server_name:
        raise RuntimeError(
            "Unable to build URLs outside an active request without 'SERVER_NAME' "
            "configured. Also configure 'APPLICATION_ROOT' and 'PREFERRED_URL_SCHEME' as "
            "needed."
        )
    if endpoint[:1] == ".":
        endpoint = endpoint[1:]
    script_root = (app.config["APPLICATION_ROOT"] or "/").rstrip("/")
    return _Base(
        endpoint,
        True if external is None else external,
        script_root,
        server_name,
        app.config["PREFERRED_URL_SCHEME"],
    )


def _subdomain_host(app: App, endpoint: str) -> str | None:
    """Return the host ``endpoint`` is served on: its subdomain's, or ``SERVER_NAME`` itself.

    None when the endpoint has no rule (building fails before this matters).
    """
    server_name: str = app.config["SERVER_NAME"]
    for rule in app.url_map.iter_rules(endpoint):
        return f"{rule.subdomain}.{server_name}" if rule.subdomain else server_name
    return None


def _rule_host(app: App, endpoint: str) -> str | None:
    """Return the host ``endpoint`` is served on (host matching), or None."""
    for rule in app.url_map.iter_rules(endpoint):
        return rule.host
    return None


# -- the app's hooks (methods of App) --------------------------------------------------------------


def inject_url_defaults(self: App, endpoint: str, values: dict[str, Any]) -> None:
    """Let the ``url_defaults`` functions of the app and the endpoint's blueprints fill in
    values."""
    names: tuple[str | None, ...] = (None,)
    if "." in endpoint:
        parts = endpoint.split(".")[:-1]
        names = (None, *(".".join(parts[: i + 1]) for i in range(len(parts))))
    for name in names:
        if name in self.url_default_functions:
            for func in self.url_default_functions[name]:
                func(endpoint, values)


def handle_url_build_error(
    self: App, error: Exception, endpoint: str, values: dict[str, Any]
) -> str:
    """Give the ``url_build_error_handlers`` a chance, then re-raise ``error``."""
    for handler in self.url_build_error_handlers:
        try:
            rv = handler(error, endpoint, values)
        except Exception as exc:
            error = exc
            continue
        if rv is not None:
            return rv
    raise error
