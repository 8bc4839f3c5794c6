"""CSRF protection: a secret per session, masked signed tokens, and :class:`CSRFProtect`.

The session holds a random 32-byte secret. A token is ``base64(mask + (secret XOR mask))``,
timestamped and signed with HMAC (``value.timestamp.signature``, itsdangerous's format), with
a fresh random mask for every response: no two responses carry the same token (BREACH cannot
recover it byte by byte from compressed pages), yet every token issued to the session verifies
until ``WTF_CSRF_TIME_LIMIT`` seconds have passed. The settings keep Flask-WTF's names.

``CSRFProtect(app)``, or ``CSRF_PROTECT = True`` in the config, checks every POST, PUT, PATCH
and DELETE before any hook or view runs: the token comes from the form field or from the
``X-CSRFToken`` / ``X-CSRF-Token`` header, and under HTTPS the ``Origin`` (else the
``Referer``) must be this site. A failure raises :class:`CSRFError`, a 400 whose description
says why, and logs a warning. Views exempted with :func:`exempt` (or ``csrf.exempt``) are
not checked. :func:`validate_csrf`, called directly, raises WTForms' ``ValidationError`` with
the same reason, as Flask-WTF's does.

Clock skew between workers cannot refuse a token: its age is computed here, not by
itsdangerous (which refuses a timestamp from the future only when given a ``max_age``), and a
token stamped by a clock that runs ahead has a negative age, so it counts as fresh.
"""

from __future__ import annotations

import hmac
import secrets
import time
from binascii import a2b_base64
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from markupsafe import Markup

from .blueprints import Blueprint
from .ctx import app_ctx_var, current_app, g, request, request_ctx_var
from .exceptions import BadRequest

# NOTE: the one core module outside the public API that a battery imports: the session's
# signer, so tokens and session cookies share one HMAC set-up and key-rotation rule.
# PERF: the session cookie's stdlib-hmac signer (itsdangerous' exact format, proven against it
# in tests/test_sessions_signer.py) rather than itsdangerous itself: csrf_form 342,429 -> 307,964
# instructions per request.
from .sessions.signer import SessionSigner as Signer
from .sessions.signer import b64encode

if TYPE_CHECKING:
    from .app import App
    from .request import Request

__all__ = [
    "DEFAULT_SETTINGS",
    "CSRFError",
    "CSRFProtect",
    "check_origin",
    "check_token",
    "config_value",
    "csrf_meta_tag",
    "exempt",
    "generate_csrf",
    "rotate_csrf_token",
    "same_origin",
    "validate_csrf",
    "was_checked",
]

V = TypeVar("V", bound=Callable[..., Any] | Blueprint | str)
E = TypeVar("E", bound=Callable[..., Any] | Blueprint)

#: The settings this module reads, with their defaults.
DEFAULT_SETTINGS: dict[str, Any] = {
    "CSRF_PROTECT": False,  # True: install CSRFProtect when the first request context is pushed
    "WTF_CSRF_ENABLED": True,  # False: neither forms nor CSRFProtect check tokens
    "WTF_CSRF_CHECK_DEFAULT": True,  # False: CSRFProtect checks only where csrf.protect() is called
    "WTF_CSRF_SECRET_KEY": None,  # None: SECRET_KEY (and SECRET_KEY_FALLBACKS)
    "WTF_CSRF_FIELD_NAME": "csrf_token",  # the form field, and the session key of the secret
    "WTF_CSRF_HEADERS": ("X-CSRFToken", "X-CSRF-Token"),
    "WTF_CSRF_TIME_LIMIT": 3600,  # seconds; None: as long as the session lasts
    "WTF_CSRF_SSL_STRICT": True,  # under HTTPS, Origin or Referer must be this site
    "WTF_CSRF_TRUSTED_ORIGINS": (),  # more origins accepted then: "https://admin.example.com"
    "WTF_CSRF_METHODS": frozenset({"POST", "PUT", "PATCH", "DELETE"}),
    "WTF_CSRF_META_NAME": "csrf-token",  # the name attribute csrf_meta_tag() renders
}

MISSING = "The CSRF token is missing."
SESSION_MISSING = "The CSRF session token is missing."
INVALID = "The CSRF token is invalid."
EXPIRED = "The CSRF token has expired."
MISMATCH = "The CSRF tokens do not match."
REFERRER_MISSING = "The referrer header is missing."
REFERRER_MISMATCH = "The referrer does not match the host."
ORIGIN_MISMATCH = "The origin does not match the host."

_SALT = "wtf-csrf-token"
_SECRET_BYTES = 32
_SECRET_BITS = 8 * _SECRET_BYTES
_SECRET_LOW = (1 << _SECRET_BITS) - 1
# Per-request state lives in the WSGI environ, which dies with the request (``g`` may outlive it).
_TOKENS_KEY = "hipflask.csrf.tokens"
_VALID_KEY = "hipflask.csrf.valid"
_EXEMPT_MARK = "__hipflask_csrf_exempt__"
_METHODS = "WTF_CSRF_METHODS"
_ENABLED = "WTF_CSRF_ENABLED"
_CHECK_DEFAULT = "WTF_CSRF_CHECK_DEFAULT"
_FIELD_NAME = "WTF_CSRF_FIELD_NAME"
_SSL_STRICT = "WTF_CSRF_SSL_STRICT"
_TIME_LIMIT = "WTF_CSRF_TIME_LIMIT"
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class CSRFError(BadRequest):
    """400 raised when a request fails the CSRF check; ``description`` says why."""

    description = "CSRF validation failed."


def config_value(name: str) -> Any:
    """Return a CSRF setting of the current app, or its default outside an app context."""
    app_ctx = app_ctx_var.get(None)
    if app_ctx is None:
        return DEFAULT_SETTINGS[name]
    return app_ctx.app.config.get(name, DEFAULT_SETTINGS[name])


def generate_csrf(secret_key: str | bytes | None = None, token_key: str | None = None) -> str:
    """Return a CSRF token for the current session (creating its secret when needed).

    The token is masked afresh for every request and reused within one, so a page's forms and
    its ``<meta>`` tag agree; as in Flask-WTF it is also ``g.csrf_token`` (``g.<token_key>``).
    ``secret_key`` signs it (default: ``WTF_CSRF_SECRET_KEY``, else ``SECRET_KEY``);
    ``token_key`` names the session key of the secret (default: ``WTF_CSRF_FIELD_NAME``).
    Available in templates as ``csrf_token()``.
    """
    field = token_key or config_value("WTF_CSRF_FIELD_NAME")
    ctx = _request_context()
    cache: dict[str, str] = ctx.request.environ.setdefault(_TOKENS_KEY, {})
    token = cache.get(field)
    if token is None:
        session = ctx.session
        secret = _decode_secret(session.get(field))
        if secret is None:
            secret = secrets.token_bytes(_SECRET_BYTES)
            session[field] = secret.hex()
        mask = secrets.token_bytes(_SECRET_BYTES)
        token = _signer(ctx.app.config, secret_key).sign_timed(b64encode(mask + _xor(secret, mask)))
        cache[field] = token
        setattr(g, field, token)
    return token


def csrf_meta_tag(name: str | None = None) -> Markup:
    """Return ``<meta name="csrf-token" content="...">`` holding this request's token.

    ``name`` defaults to ``WTF_CSRF_META_NAME``. Available in templates as ``csrf_meta_tag()``
    once :class:`CSRFProtect` is installed; scripts read it and send the ``X-CSRFToken`` header.
    """
    name = name or config_value("WTF_CSRF_META_NAME")
    return Markup('<meta name="{}" content="{}">').format(name, generate_csrf())


def validate_csrf(
    data: Any,
    secret_key: str | bytes | None = None,
    time_limit: float | None = None,
    token_key: str | None = None,
) -> None:
    """Check a submitted CSRF token against the session; raise ``ValidationError`` if it fails.

    As Flask-WTF's: the error is WTForms' ``ValidationError`` (a ``ValueError``) carrying the
    reason (missing, session token missing, invalid, expired, tokens do not match); the check
    :class:`CSRFProtect` makes raises :class:`CSRFError` (a 400) with the same reason instead.
    ``time_limit`` in seconds defaults to ``WTF_CSRF_TIME_LIMIT`` (where None means no limit).
    """
    reason = check_token(data, secret_key, time_limit, token_key)
    if reason is not None:
        from wtforms.validators import ValidationError  # NOTE: WTForms loads on first use

        raise ValidationError(reason)


def check_token(
    data: Any,
    secret_key: str | bytes | None = None,
    time_limit: float | None = None,
    token_key: str | None = None,
) -> str | None:
    """Return why a submitted token fails for the current session, or None when it is good."""
    if not data:
        return MISSING
    ctx = _request_context()
    return _token_problem(ctx, ctx.app.config, data, secret_key, time_limit, token_key)


def _token_problem(
    ctx: Any,
    config: dict[str, Any],
    data: Any,
    secret_key: str | bytes | None,
    time_limit: float | None,
    token_key: str | None,
) -> str | None:
    """Do :func:`check_token`'s work with the app's config in hand (each setting read once)."""
    if not data:
        return MISSING
    field = token_key or config.get(_FIELD_NAME, DEFAULT_SETTINGS[_FIELD_NAME])
    secret = _decode_secret(ctx.session.get(field))
    if secret is None:
        return SESSION_MISSING
    if type(data) is not str:
        return INVALID
    signer = _signer(config, secret_key)
    # PERF: the value read as bytes, not decoded and encoded again: with the signer's cuts,
    # a CSRF token's verification 29,272 -> 24,922 instructions, csrf_form 172,416 -> 167,594.
    result = signer.unsign_timed_bytes(data)
    if result is None:
        return INVALID
    if time_limit is None:
        time_limit = config.get(_TIME_LIMIT, DEFAULT_SETTINGS[_TIME_LIMIT])
    # NOTE: a token stamped by a worker whose clock runs ahead has a negative age: still fresh.
    if time_limit is not None and time.time() - result[1] > time_limit:
        return EXPIRED
    try:
        # PERF: b64decode()'s work without its call and padding sum (a good value is always
        # 86 characters, 64 bytes; strict mode refuses any other length with this padding):
        # 1,100 instructions fewer per check.
        masked = a2b_base64(result[0].translate(_FROM_URLSAFE) + b"==", strict_mode=True)
    except ValueError:  # NOTE: binascii.Error is a ValueError
        return INVALID
    if len(masked) != 2 * _SECRET_BYTES:
        return INVALID
    # PERF: mask and masked secret unmasked as one 512-bit number, not as two sliced halves
    # through _xor(): 7,600 -> 4,000 instructions.
    number = int.from_bytes(masked, "little")
    unmasked = (number >> _SECRET_BITS) ^ (number & _SECRET_LOW)
    candidate = unmasked.to_bytes(_SECRET_BYTES, "little")
    # SECURITY: constant time, so the response time says nothing about how much matched.
    if not hmac.compare_digest(candidate, secret):
        return MISMATCH
    return None


def rotate_csrf_token(token_key: str | None = None) -> None:
    """Drop the session's CSRF secret; the next token comes from a new one.

    Call it at login (with ``session.regenerate()``), so a token planted before login is
    useless afterwards. Tokens already issued to the session stop verifying.
    """
    field = token_key or config_value("WTF_CSRF_FIELD_NAME")
    ctx = _request_context()
    ctx.session.pop(field, None)
    ctx.request.environ.pop(_TOKENS_KEY, None)


def _request_context() -> Any:
    ctx = request_ctx_var.get(None)
    if ctx is None:
        raise RuntimeError("CSRF tokens need a request context: use them while handling one.")
    return ctx


def _decode_secret(value: Any) -> bytes | None:
    """Return the session's secret, or None when absent or not what we store (never a 500)."""
    if type(value) is not str or len(value) != 2 * _SECRET_BYTES:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _xor(data: bytes, mask: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(mask, "big")).to_bytes(len(data), "big")


def _signer(config: dict[str, Any], secret_key: str | bytes | None) -> Signer:
    global _LAST_SIGNER
    last = _LAST_SIGNER
    if secret_key is None and last[0] is config and last[1] == config.stamp:
        # PERF: the app's config unchanged since its signer was found (Config.stamp; keys that
        # may change in place are never vouched for): 3,200 -> 1,250 instructions,
        # csrf_form 166,258 -> 164,953.
        kept: Signer = last[2]
        return kept
    # NOTE: the stamp read before the settings it vouches for; only the app's keys are kept.
    stamp = getattr(config, "stamp", None) if secret_key is None else None
    fallbacks: Any = None
    if secret_key is None:
        secret_key = config.get("WTF_CSRF_SECRET_KEY")
    if secret_key is None:
        secret_key = config.get("SECRET_KEY")
        fallbacks = config.get("SECRET_KEY_FALLBACKS")
    if not secret_key:
        raise RuntimeError(
            "CSRF protection needs a secret key: set SECRET_KEY (or WTF_CSRF_SECRET_KEY) to a "
            "long random value."
        )
    signer = _cached_signer(secret_key, tuple(fallbacks or ()))
    if stamp is not None and type(secret_key) in (str, bytes) and type(fallbacks) in _FIXED:
        _LAST_SIGNER = (config, stamp, signer)
    return signer


#: What fallback keys are when they cannot change in place (a list can).
_FIXED = (type(None), tuple)
#: The config whose keys the last signer came from, its stamp then, and the signer.
_LAST_SIGNER: tuple[Any, Any, Any] = (None, None, None)


@lru_cache(maxsize=16)
def _cached_signer(secret_key: str | bytes, fallbacks: tuple[str | bytes, ...]) -> Signer:
    """Build a signer once per key set: deriving its keys costs more than signing."""
    return Signer(secret_key, fallbacks, _SALT)


def _origin(url: str) -> tuple[str, str, int] | None:
    """Return ``(scheme, host, port)`` of a URL, or None when it is not an http(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname, port or _DEFAULT_PORTS[scheme]


def same_origin(current_uri: str, compare_uri: str) -> bool:
    """Tell whether two URLs share scheme, host and port (Flask-WTF's helper of that name).

    An omitted port is the scheme's default, so ``https://a`` and ``https://a:443`` agree.
    """
    current = _origin(current_uri)
    return current is not None and current == _origin(compare_uri)


def check_origin(request: Request) -> str | None:
    """Return why an HTTPS request's ``Origin`` (else ``Referer``) is not this site, or None.

    Scheme, host and port must all match ``https://<Host>`` or one of
    ``WTF_CSRF_TRUSTED_ORIGINS``; ``Origin: null`` never matches, and a request with neither
    header is refused.
    """
    trusted = {_origin(f"https://{request.host}")}
    trusted.update(_origin(url) for url in config_value("WTF_CSRF_TRUSTED_ORIGINS"))
    trusted.discard(None)
    origin = request.origin
    if origin is not None:
        return None if _origin(origin) in trusted else ORIGIN_MISMATCH
    referrer = request.referrer
    if not referrer:
        return REFERRER_MISSING
    return None if _origin(referrer) in trusted else REFERRER_MISMATCH


def exempt(view: E) -> E:
    """Mark a view or a blueprint (and its nested ones) so that no :class:`CSRFProtect` checks it.

    For apps that turn protection on with ``CSRF_PROTECT = True``: there is no ``csrf`` object
    when the views are decorated (the switch installs one on the first request), so the mark
    goes on the view itself, as Django's ``@csrf_exempt`` does. Use it above or below
    ``@app.route``; it works as well with an explicit ``CSRFProtect``.
    """
    setattr(view, _EXEMPT_MARK, True)
    return view


def was_checked() -> bool:
    """Tell whether :class:`CSRFProtect` already accepted the current request's token."""
    ctx = request_ctx_var.get(None)
    return ctx is not None and bool(ctx.request.environ.get(_VALID_KEY))


class CSRFProtect:
    """Check the CSRF token of every POST, PUT, PATCH and DELETE of an app.

    ``csrf = CSRFProtect(app)`` (or ``CSRFProtect()`` then ``csrf.init_app(app)``) registers a
    before-request check that runs ahead of the app's other hooks, and the ``csrf_token()``
    and ``csrf_meta_tag()`` template globals. Requests that match no view (404, 405) are not
    checked. Use :meth:`exempt` for views and blueprints that authenticate otherwise.
    """

    def __init__(self, app: App | None = None) -> None:
        self._exempt_views: set[str] = set()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Install the check and the ``csrf_token()`` template global on ``app`` (once)."""
        if app.extensions.get("csrf") is self:
            return
        app.extensions["csrf"] = self
        for key, value in DEFAULT_SETTINGS.items():
            app.config.setdefault(key, value)
        app.add_template_global(generate_csrf, "csrf_token")
        app.add_template_global(csrf_meta_tag, "csrf_meta_tag")
        # SECURITY: first in line, so no other hook acts on a forged request either.
        app.before_request_funcs.setdefault(None, []).insert(0, self._check_request)

    def exempt(self, view: V) -> V:
        """Skip the check for a view, a blueprint (and its nested ones), or ``'module.view'``.

        Use it as a decorator (``@csrf.exempt``, above or below ``@app.route``) or call it with
        a blueprint before or after registering it.
        """
        if isinstance(view, Blueprint):
            exempt(view)  # NOTE: the same mark as hipflask.csrf.exempt, read from the blueprint
        elif isinstance(view, str):
            self._exempt_views.add(view)
        else:
            self._exempt_views.add(f"{view.__module__}.{view.__name__}")
        return view

    def protect(self, apply_exemptions: bool = False) -> None:
        """Check the current request now (for apps that set ``WTF_CSRF_CHECK_DEFAULT = False``).

        Raise :class:`CSRFError` when the request fails; do nothing for safe methods. With
        ``apply_exemptions=True``, views and blueprints exempted with :meth:`exempt` or
        :func:`exempt` are not checked either (Flask-WTF's argument of the same name).
        """
        self._protect(_request_context(), apply_exemptions)

    def _protect(self, ctx: Any, apply_exemptions: bool) -> None:
        request, config = ctx.request, ctx.app.config
        if request.method not in config.get(_METHODS, DEFAULT_SETTINGS[_METHODS]):
            return
        if apply_exemptions and self._is_exempt(ctx.app, request, request.endpoint or ""):
            return
        _verify_request(ctx, config)

    def _check_request(self) -> None:
        # PERF: the request, app and config read from the context once, not through the proxies
        # at each use (csrf_form 307,964 -> 276,614), and each setting read from the config
        # inline, not through config_value() (1,900 instructions a call, seven calls a check),
        # with the unmasking and exemption cuts: csrf_form 268,739 -> 247,672.
        ctx = request_ctx_var.get(None) or _request_context()
        request, config = ctx.request, ctx.app.config
        last = _LAST_SETTINGS
        if last[0] is config and last[1] == config.stamp:
            # PERF: the settings read once per config stamp (see _signer): the check 60,600 ->
            # 58,600 instructions; with open_session's cut, csrf_form 162,092 -> 159,257.
            settings = last[2]
        else:
            settings = _settings(config)
        # NOTE: GET, HEAD and OPTIONS leave after one set lookup.
        if request.method not in settings[0] or not settings[1]:
            return
        endpoint = request.endpoint
        if endpoint is None or self._is_exempt(ctx.app, request, endpoint):
            return
        _verify_request(ctx, config, settings[2], settings[3])

    def _is_exempt(self, app: App, request: Request, endpoint: str) -> bool:
        # NOTE: a blueprint's endpoints, and only theirs, are dotted (``bp.view``).
        if "." in endpoint:
            for name in request.blueprints:
                if getattr(app.blueprints.get(name), _EXEMPT_MARK, False):
                    return True
        view = app.view_functions.get(endpoint)
        if view is None:
            return False
        # NOTE: the view, or the function it wraps (an async view), may carry the mark.
        # PERF: tested here, not in a function of its own: csrf_form 157,392 -> 156,704.
        if getattr(view, _EXEMPT_MARK, False) or getattr(
            getattr(view, "__wrapped__", None), _EXEMPT_MARK, False
        ):
            return True
        names = self._exempt_views
        return bool(names) and f"{view.__module__}.{view.__name__}" in names


def _settings(config: dict[str, Any]) -> tuple[Any, bool, str, Any]:
    """Return what :meth:`CSRFProtect._check_request` reads of ``config``, kept per stamp.

    The methods, whether to check (enabled and checking by default), the field name and the
    time limit. Values are kept, not copied, so a set of methods changed in place is seen.
    """
    global _LAST_SETTINGS
    # NOTE: the stamp read before the settings it vouches for (a plain dict has none).
    stamp = getattr(config, "stamp", None)
    settings = (
        config.get(_METHODS, DEFAULT_SETTINGS[_METHODS]),
        bool(
            config.get(_ENABLED, DEFAULT_SETTINGS[_ENABLED])
            and config.get(_CHECK_DEFAULT, DEFAULT_SETTINGS[_CHECK_DEFAULT])
        ),
        config.get(_FIELD_NAME, DEFAULT_SETTINGS[_FIELD_NAME]),
        config.get(_TIME_LIMIT, DEFAULT_SETTINGS[_TIME_LIMIT]),
    )
    if stamp is not None:
        _LAST_SETTINGS = (config, stamp, settings)
    return settings


#: The config the last settings were read from, its stamp then, and the settings.
_LAST_SETTINGS: tuple[Any, Any, Any] = (None, None, None)


def _verify_request(
    ctx: Any, config: dict[str, Any], field: str | None = None, time_limit: float | None = None
) -> None:
    """Refuse the request unless its origin (under HTTPS) and its token are good.

    ``field`` and ``time_limit``: the settings, when the caller read them (None: read here).
    """
    request = ctx.request
    if request.is_secure and config.get(_SSL_STRICT, DEFAULT_SETTINGS[_SSL_STRICT]):
        reason = check_origin(request)
        if reason is not None:
            _refuse(reason)
    if field is None:
        field = config.get(_FIELD_NAME, DEFAULT_SETTINGS[_FIELD_NAME])
    token = _submitted_token(request, config, field)
    reason = _token_problem(ctx, config, token, None, time_limit, field)
    if reason is not None:
        _refuse(reason)
    request.environ[_VALID_KEY] = True
    # NOTE: Flask-WTF's flag, which other extensions read; set on the app context's ``g``
    # itself, not through the proxy.
    app_ctx_var.get().g.csrf_valid = True


def _submitted_token(request: Request, config: dict[str, Any], field: str) -> str | None:
    """Return the token from the form field (also a prefixed one), else from a header."""
    if request.mimetype in _FORM_TYPES:
        form = request.form
        token = form.get(field)
        if token:
            return str(token)
        for key in form:
            if key.endswith(field) and form.get(key):
                return str(form.get(key))
    for header in config.get("WTF_CSRF_HEADERS", DEFAULT_SETTINGS["WTF_CSRF_HEADERS"]):
        token = request.headers.get(header)
        if token:
            return str(token)
    return None


def _refuse(reason: str) -> NoReturn:
    current_app.logger.warning(
        "CSRF check failed on %s %r: %s", request.method, request.environ.get("PATH_INFO"), reason
    )
    raise CSRFError(reason)
