"""Sessions: the session objects and the backend interface.

The request context opens the session on first use through ``app.session_interface``; the app
saves it after the after-request hooks, and only when it was opened. ``SESSION_TYPE`` chooses the
backend: ``'cookie'`` (the data, signed, in the cookie; the default) or ``'sqlite'`` / ``'redis'``
(only a signed random id in the cookie; see :mod:`hipflask.sessions.server`). The cookie
backend is :mod:`hipflask.sessions.cookie`.

Every response whose request opened the session carries ``Vary: Cookie``, so a shared cache
never serves one user's page to another.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NoReturn

from ..cookies import _first_cookie, dump_cookie
from ..ctx import _NO_CTX, _ctx
from ..json.tag import TaggedJSONSerializer
from .signer import SessionSigner

if TYPE_CHECKING:
    from ..app import App
    from ..request import Request
    from ..response import Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SessionInterface",
    "SessionMixin",
]

_NO_SECRET_KEY = (
    "The session is unavailable because no secret key was set. Set SECRET_KEY in the app's "
    "config to a long random value, for example the output of "
    "'python -c \"import secrets; print(secrets.token_hex(32))\"'."
)
_SHORT_KEY = 32
_IMMUTABLE_KEYS = (str, bytes)
# What signed values and session ids are made of: cookie-safe, never quoted.
_COOKIE_SAFE = re.compile(r"[A-Za-z0-9._-]*")
_CookieOptions = tuple[str, str | None, str, bool, bool, str | None, bool]
_cookie_settings = itemgetter(
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "APPLICATION_ROOT",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_PARTITIONED",
)
_COOKIE_GETTERS = (
    "get_expiration_time",
    "get_cookie_name",
    "get_cookie_domain",
    "get_cookie_path",
    "get_cookie_secure",
    "get_cookie_httponly",
    "get_cookie_samesite",
    "get_cookie_partitioned",
)

#: The serializer of session values (tagged JSON, compatible with Flask's).
session_json_serializer = TaggedJSONSerializer()


class SessionMixin(MutableMapping[str, Any]):
    """The attributes every session has on top of the dict interface."""

    #: True when the session did not come from the client (no cookie, or an invalid one).
    new = False
    #: True when the session must be saved (set it after mutating a nested value).
    modified = True
    #: True once the session was read or written during the request.
    accessed = True

    @property
    def permanent(self) -> bool:
        """True when the cookie outlives the browser session (``PERMANENT_SESSION_LIFETIME``)."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        if value:
            self["_permanent"] = True
        else:
            self.pop("_permanent", None)

    def regenerate(self) -> None:
        """Issue a fresh session id with the same data (call it at login, against fixation)."""
        self.modified = True


class SecureCookieSession(dict[str, Any], SessionMixin):
    """A dict that records being read (``accessed``) and written (``modified``)."""

    # NOTE: class-level defaults keep opening a session to one dict copy.
    new = False
    accessed = False
    _modified = False

    def __init__(self, initial: Mapping[str, Any] | None = None, *, new: bool = False) -> None:
        if initial:
            dict.update(self, initial)
        if new:
            self.new = True

    @property
    def modified(self) -> bool:
        """True when the session must be saved; set it to True after changing a nested value."""
        return self._modified

    @modified.setter
    def modified(self, value: bool) -> None:
        self._modified = value

    # -- writes ------------------------------------------------------------------------------

    def _mark_set(self, key: str) -> None:
        self._modified = self.accessed = True

    def _mark_deleted(self, key: str) -> None:
        self._modified = self.accessed = True

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, value)
        self._mark_set(key)

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self, key)
        self._mark_deleted(key)

    def pop(self, key: str, *default: Any) -> Any:
        """Remove ``key`` and return its value (or ``default``)."""
        self.accessed = True
        if dict.__contains__(self, key):
            value = dict.pop(self, key)
            self._mark_deleted(key)
            return value
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last inserted item."""
        self.accessed = True
        item = dict.popitem(self)
        self._mark_deleted(item[0])
        return item

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return ``session[key]``, storing ``default`` first when it is missing."""
        self.accessed = True
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        self[key] = default
        return default

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Set several keys, as ``dict.update`` does."""
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> SecureCookieSession:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        """Empty the session (a server-side session also destroys its stored record)."""
        dict.clear(self)
        self._modified = self.accessed = True

    # -- reads -------------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        """Return ``session[key]``, or ``default``."""
        self.accessed = True
        return dict.get(self, key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return dict.__contains__(self, key)

    def __len__(self) -> int:
        self.accessed = True
        return dict.__len__(self)

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return dict.__iter__(self)

    def keys(self) -> Any:
        """Return the keys (a read)."""
        self.accessed = True
        return dict.keys(self)

    def values(self) -> Any:
        """Return the values (a read)."""
        self.accessed = True
        return dict.values(self)

    def items(self) -> Any:
        """Return the items (a read)."""
        self.accessed = True
        return dict.items(self)

    def copy(self) -> dict[str, Any]:
        """Return a plain dict copy (a read)."""
        self.accessed = True
        return dict.copy(self)

    def __eq__(self, other: object) -> bool:
        self.accessed = True
        return dict.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class NullSession(SecureCookieSession):
    """The session of an app without a SECRET_KEY: always empty; writing it raises RuntimeError.

    As in Flask, an app that never writes the session serves without a key; the error of a
    write (``session[...] =``, :func:`~hipflask.flash`, a CSRF token) names the setting.
    """

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError(_NO_SECRET_KEY)

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail
    __ior__ = regenerate = _fail


class SessionInterface:
    """The backend interface: open a session from a request, save it onto a response.

    Subclass it and assign an instance to ``app.session_interface`` for a custom backend.
    ``open_session`` returns None when sessions are unavailable (the app then uses a
    :class:`NullSession`); ``save_session`` runs only for sessions the request opened.
    """

    null_session_class: type[SecureCookieSession] = NullSession
    #: Mixed into the key derivation, so other signers of the same SECRET_KEY never collide.
    salt = "cookie-session"
    #: The HMAC hash (a :mod:`hashlib` name).
    digest_method = "sha256"
    _signer_cache: tuple[Any, tuple[Any, ...], SessionSigner, Any, Any] | None = None
    _cookie_cache: tuple[tuple[Any, ...], str] | None = None
    _options_cache: tuple[tuple[Any, ...], _CookieOptions] | None = None
    _delete_cache: tuple[_CookieOptions, str] | None = None
    _header_cache: tuple[Any, Any, bool, tuple[Any, ...], str, str] | None = None
    _default_getters = True
    #: Always False; kept for Flask compatibility (hipflask never pickles sessions).
    pickle_based = False

    def make_null_session(self, app: App) -> SecureCookieSession:
        """Return the session used when ``open_session`` returned None."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Tell whether ``obj`` is a null session (never saved)."""
        kind = type(obj)
        if kind is SecureCookieSession and self.null_session_class is NullSession:
            # PERF: the usual pair answered without walking the session's ten-class MRO (each
            # class compared in turn): 2,219 -> 992 instructions, on every request that opened
            # the session.
            return False
        # NOTE: isinstance() against an ABC subclass goes through ABCMeta; the MRO test does not.
        return self.null_session_class in kind.__mro__

    def get_cookie_name(self, app: App) -> str:
        """Return ``SESSION_COOKIE_NAME``."""
        return str(app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: App) -> str | None:
        """Return ``SESSION_COOKIE_DOMAIN`` (None: the cookie is for the exact host only)."""
        return app.config["SESSION_COOKIE_DOMAIN"] or None

    def get_cookie_path(self, app: App) -> str:
        """Return ``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``, else ``/``."""
        config = app.config
        return str(config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"] or "/")

    def get_cookie_httponly(self, app: App) -> bool:
        """Return ``SESSION_COOKIE_HTTPONLY`` (True by default: scripts cannot read it)."""
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: App) -> bool:
        """Return ``SESSION_COOKIE_SECURE`` (the cookie is Secure on HTTPS requests anyway)."""
        return bool(app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: App) -> str | None:
        """Return ``SESSION_COOKIE_SAMESITE`` (``'Lax'`` by default)."""
        value = app.config["SESSION_COOKIE_SAMESITE"]
        return str(value) if value else None

    def get_cookie_partitioned(self, app: App) -> bool:
        """Return ``SESSION_COOKIE_PARTITIONED`` (CHIPS)."""
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: App, session: SessionMixin) -> datetime | None:
        """Return when a permanent session's cookie expires; None for a browser-session cookie."""
        if session.permanent:
            return datetime.now(UTC) + timedelta(seconds=_lifetime_seconds(app))
        return None

    def should_set_cookie(self, app: App, session: SessionMixin) -> bool:
        """Tell whether to send the cookie: when modified, or to refresh a permanent session."""
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def open_session(self, app: App, request: Request) -> SessionMixin | None:
        """Return the request's session, or None when sessions are unavailable."""
        raise NotImplementedError()

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        """Persist the session and set (or delete) its cookie on ``response``."""
        raise NotImplementedError()

    # -- helpers for backends ----------------------------------------------------------------

    def get_signer(self, app: App) -> SessionSigner | None:
        """Return the app's cached signer (None without a SECRET_KEY); rebuilt when keys change."""
        config = app.config
        cached = self._signer_cache
        if cached is not None and cached[3] is config and cached[4] == config.stamp:
            # PERF: the config unchanged since the signer was built (and its fallbacks not a
            # list that may change in place): get_signer 2,000 -> 1,300 instructions, on every
            # request that opens a session (csrf_form 167,594 -> 166,258).
            return cached[2]
        stamp = getattr(config, "stamp", None)  # NOTE: read before the settings
        secret_key = config["SECRET_KEY"]
        if not secret_key:
            return None
        listed = config["SECRET_KEY_FALLBACKS"]
        fallbacks = tuple(listed) if listed else ()
        # NOTE: the stamp vouches only for values that cannot change in place.
        immutable = type(secret_key) in _IMMUTABLE_KEYS and (
            listed is None or type(listed) is tuple
        )
        vouched = config if stamp is not None and immutable else None
        if cached is not None and cached[0] == secret_key and cached[1] == fallbacks:
            self._signer_cache = (*cached[:3], vouched, stamp)
            return cached[2]
        key_bytes = secret_key.encode() if isinstance(secret_key, str) else secret_key
        if len(key_bytes) < _SHORT_KEY:
            app.logger.warning(
                "SECRET_KEY is %d bytes long; use at least %d random bytes, or session cookies "
                "can be forged by brute force.",
                len(key_bytes),
                _SHORT_KEY,
            )
        signer = SessionSigner(secret_key, fallbacks, self.salt, self.digest_method, remember=True)
        self._signer_cache = (secret_key, fallbacks, signer, vouched, stamp)
        return signer

    def set_session_cookie(
        self, app: App, session: SessionMixin, response: Response, value: str
    ) -> None:
        """Set the session cookie with the configured attributes and the session's expiry."""
        if _COOKIE_SAFE.fullmatch(value) is None:
            name, domain, path, secure, httponly, samesite, partitioned = self._cookie_options(app)
            expires = self.get_expiration_time(app, session)
            max_age = None if expires is None else int(_lifetime_seconds(app))
            response.set_cookie(
                name, value, max_age, expires, path, domain, secure, httponly, samesite, partitioned
            )
            return
        self._add_cookie(app, session, response, value)

    def _add_cookie(self, app: App, session: SessionMixin, response: Response, value: str) -> None:
        """Set the session cookie to ``value``, which is made of cookie-safe characters."""
        ctx = _ctx.get(_NO_CTX)[1]
        if type(session) is SecureCookieSession:
            # PERF: session.permanent without its two Python calls, marking the read as it does:
            # session 132,867 -> 131,999 instructions per request.
            session.accessed = True
            permanent = bool(dict.get(session, "_permanent", False))
        else:
            permanent = session.permanent
        if (
            self._default_getters
            and ctx is not None
            and ctx.app is app
            and (_PLAIN_RESPONSES.get(type(response)) or _plain_response(type(response)))
            and not permanent
        ):
            # PERF: a browser-session cookie's attributes follow from these values alone (and
            # response.max_cookie_size from the last one); the header's tail, kept for them,
            # saves the options, expiry and size look-ups: session 137,247 -> 135,392
            # instructions per request.
            config = app.config
            secure = ctx.request.is_secure
            cached = self._header_cache
            # PERF: an unchanged config stamp vouches for the nine settings, which are then not
            # read: _add_cookie 11,800 -> 8,400 instructions; with get_signer's, session
            # 126,665 -> 121,712 per request.
            if (
                cached is None
                or cached[0] is not config
                or cached[2] is not secure
                or cached[1] != config.stamp
            ):
                # NOTE: the stamp read before the settings it vouches for; a config without
                # one (not a Config) is never vouched for.
                stamp = getattr(config, "stamp", None)
                snapshot = (secure, _cookie_settings(config), config["MAX_COOKIE_SIZE"])
                if cached is None or cached[3] != snapshot:
                    cached = (None, 0, secure, snapshot, *self._cookie_attributes(app, session))
                cached = (None if stamp is None else config, stamp, *cached[2:])
                self._header_cache = cached
            name, attributes, limit = cached[4], cached[5], cached[3][2]
        else:
            name, attributes = self._cookie_attributes(app, session)
            limit = response.max_cookie_size
        header = f"{name}={value}{attributes}"
        if limit and len(header) > limit:
            import warnings

            message = (
                f"The {name!r} cookie is {len(header)} bytes, over the {limit}-byte limit; "
                "browsers may drop it. Store less in the session, or use a server-side session "
                "(SESSION_TYPE)."
            )
            app.logger.warning(message)
            warnings.warn(message, UserWarning, stacklevel=2)
        # NOTE: the name and attributes passed dump_cookie and the value is cookie-safe, so the
        # header is appended as set_cookie appends its own, without Headers.add's checks.
        response.headers._list.append(("Set-Cookie", header))

    def _cookie_attributes(self, app: App, session: SessionMixin) -> tuple[str, str]:
        """Return the cookie's name and what follows its value: ``; Path=/; HttpOnly...``."""
        options = self._cookie_options(app)
        expires = self.get_expiration_time(app, session)
        max_age = None if expires is None else int(_lifetime_seconds(app))
        # NOTE: the attributes are the same on every response; dump_cookie (which validates
        # them) runs once per configuration and, for a permanent session, once per second.
        key = (options, max_age, None if expires is None else int(expires.timestamp()))
        cached = self._cookie_cache
        if cached is None or cached[0] != key:
            name, domain, path, secure, httponly, samesite, partitioned = options
            blank = dump_cookie(
                name, "", max_age, expires, path, domain, secure, httponly, samesite, partitioned
            )
            cached = (key, blank[len(name) + 1 :])
            self._cookie_cache = cached
        return options[0], cached[1]

    def delete_session_cookie(self, app: App, response: Response) -> None:
        """Tell the browser to drop the session cookie."""
        options = self._cookie_options(app)
        name, domain, path, secure, httponly, samesite, partitioned = options
        if _plain_response(type(response)):
            # PERF: the deleting header depends on the options alone; built once, it cut the
            # flash scenario (which empties a new session) from 129,500 to 107,000 instructions.
            cached = self._delete_cache
            if cached is None or cached[0] != options:
                header = dump_cookie(
                    name, "", 0, 0, path, domain, secure, httponly, samesite, partitioned
                )
                cached = self._delete_cache = (options, header)
            response.headers._list.append(("Set-Cookie", cached[1]))
            return
        response.delete_cookie(
            name,
            path,
            domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    def _cookie_options(self, app: App) -> _CookieOptions:
        """Return name, domain, path, secure, httponly, samesite and partitioned."""
        ctx = _ctx.get(_NO_CTX)[1]
        https = ctx is not None and ctx.request.is_secure
        snapshot = None
        if self._default_getters:
            # PERF: with the default getters the options follow from these values alone; the
            # cache saves seven getter calls per response (~0.5 us of a 21 us session request).
            snapshot = (https, _cookie_settings(app.config))
            cached = self._options_cache
            if cached is not None and cached[0] == snapshot:
                return cached[1]
        name = self.get_cookie_name(app)
        # SECURITY: over HTTPS the cookie is always Secure, so it never leaks to plain HTTP.
        secure = https or self.get_cookie_secure(app)
        path = self.get_cookie_path(app)
        prefix = name[:9].lower()
        if prefix.startswith(("__secure-", "__host-")):
            secure = True
            if prefix.startswith("__host-") and not app.config["SESSION_COOKIE_PATH"]:
                path = "/"
        options = (
            name,
            self.get_cookie_domain(app),
            path,
            secure,
            self.get_cookie_httponly(app),
            self.get_cookie_samesite(app),
            self.get_cookie_partitioned(app),
        )
        if snapshot is not None:
            self._options_cache = (snapshot, options)
        return options

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._default_getters = all(
            getattr(cls, name) is getattr(SessionInterface, name) for name in _COOKIE_GETTERS
        )


def _plain_response(response_class: type[Response]) -> bool:
    """Tell whether ``response_class`` handles cookies and ``Vary`` as the base Response does."""
    plain = _PLAIN_RESPONSES.get(response_class)
    if plain is None:
        from ..response import Response

        plain = _PLAIN_RESPONSES[response_class] = all(
            getattr(response_class, name) is getattr(Response, name)
            for name in ("delete_cookie", "set_cookie", "vary_on", "max_cookie_size")
        )
    return plain


def _vary_on_cookie(response: Response) -> None:
    """Add ``Cookie`` to the response's ``Vary`` header, as ``response.vary_on`` does."""
    # PERF: the known answer read without _plain_response's call (and in _add_cookie):
    # save_session 51,568 -> 49,809 instructions (micro), csrf_form 159,257 -> 158,357.
    if _PLAIN_RESPONSES.get(type(response)) or _plain_response(type(response)):
        # PERF: with no Vary header yet (the common case), appended without Headers' get and
        # add, which check names and values: session 135,392 -> 132,867 instructions.
        headers = response.headers._list
        for name, _ in headers:
            if name.lower() == "vary":
                break
        else:
            headers.append(("Vary", "Cookie"))
            return
    response.vary_on("Cookie")


_PLAIN_RESPONSES: dict[type[Any], bool] = {}


def _lifetime_seconds(app: App) -> float:
    """Return ``app.permanent_session_lifetime`` in seconds."""
    # NOTE: the config value directly, without the timedelta conversion of the app attribute.
    global _LIFETIME
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    known = _LIFETIME
    if known[0] is lifetime:
        # PERF: the same setting as last time (the memo holds it, so it is alive and the same
        # object): session 130,087 -> 128,619 instructions per request.
        return known[1]
    seconds = lifetime.total_seconds() if isinstance(lifetime, timedelta) else float(lifetime)
    _LIFETIME = (lifetime, seconds)
    return seconds


#: The last PERMANENT_SESSION_LIFETIME read, and its seconds.
_LIFETIME: tuple[Any, float] = (None, 0.0)


def _session_cookie(request: Request, name: str) -> str | None:
    """Return the request's ``name`` cookie, as ``request.cookies.get(name)`` would."""
    # PERF: parse_cookie alone is a quarter of building request.cookies (a MultiDict), and
    # reading the one cookie a third of parse_cookie.
    return _first_cookie(request.environ.get("HTTP_COOKIE"), name)


def dump_session_values(serializer: TaggedJSONSerializer, data: Mapping[str, Any]) -> str:
    """Serialize the session's data; a value it cannot hold raises TypeError naming its key."""
    try:
        return serializer.dumps(data if isinstance(data, dict) else dict(data))
    except (TypeError, ValueError) as exc:
        for key, value in data.items():
            dump_session_value(serializer, key, value)
        raise TypeError(f"The session could not be saved: {exc}.") from exc


def dump_session_value(serializer: TaggedJSONSerializer, key: str, value: Any) -> str:
    """Serialize ``session[key]``; raise a TypeError naming the key when it cannot."""
    try:
        return serializer.dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"The session could not be saved: session[{key!r}] holds a {type(value).__name__}, "
            f"which cannot be serialized ({exc}). Store JSON values (str, int, float, bool, "
            "None, list, dict) or datetime, bytes, tuple, UUID, Markup."
        ) from exc
