"""The signed-cookie session backend (the default, ``SESSION_TYPE = 'cookie'``), and the choice
of a backend by ``SESSION_TYPE`` (:func:`session_interface_for`).

The data travels in the cookie as tagged JSON, maybe compressed, signed with HMAC in
itsdangerous's format, so cookies from Flask apps with the same key are read.
"""

from __future__ import annotations

import zlib
from binascii import b2a_base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..cookies import _first_cookie
from ..json.tag import _SCALARS, TaggedJSONSerializer, _dump_flat
from . import base as _base
from .base import (
    _NO_SECRET_KEY,
    SecureCookieSession,
    SessionInterface,
    SessionMixin,
    _lifetime_seconds,
    _vary_on_cookie,
    dump_session_values,
    session_json_serializer,
)

# NOTE: decoded payloads are remembered within the signer's bounds on verified cookies.
from .signer import _REMEMBERED, _REMEMBERED_LENGTH, _TO_URLSAFE, b64decode

if TYPE_CHECKING:
    from ..app import App
    from ..request import Request
    from ..response import Response

__all__ = ["SecureCookieSessionInterface", "session_interface_for"]

# NOTE: payloads shorter than this rarely shrink under zlib; skipping it saves a few microseconds.
_COMPRESS_FROM = 128


class SecureCookieSessionInterface(SessionInterface):
    """Keep the session in a cookie: tagged JSON, signed with HMAC, readable by the client.

    The client can read (not forge) the data, so never store secrets in it. The format is
    itsdangerous's ``URLSafeTimedSerializer``; :meth:`get_signing_serializer` returns one.
    """

    #: itsdangerous's name for the key derivation this class implements.
    key_derivation = "hmac"
    serializer = session_json_serializer
    session_class: type[SecureCookieSession] = SecureCookieSession
    #: The serializer's tags and the payloads decoded with them (see _load_verified).
    _loaded: tuple[Any, dict[str, dict[str, Any]]] | None = None
    _plain_load = True
    _plain_should_set = True

    def get_signing_serializer(self, app: App) -> Any:
        """Return an itsdangerous ``URLSafeTimedSerializer`` that reads and writes our cookies."""
        from itsdangerous import URLSafeTimedSerializer

        if not app.config["SECRET_KEY"]:
            return None
        return URLSafeTimedSerializer(
            [*(app.config["SECRET_KEY_FALLBACKS"] or ())[::-1], app.config["SECRET_KEY"]],
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest},
        )

    def digest(self, data: bytes = b"") -> Any:
        """Return a new hash object of ``digest_method`` (for itsdangerous's ``digest_method``)."""
        import hashlib

        return hashlib.new(self.digest_method, data)

    def open_session(self, app: App, request: Request) -> SecureCookieSession | None:
        """Verify the cookie and return its data; a bad or expired cookie gives an empty one."""
        signer = self.get_signer(app)
        if signer is None:
            return None
        name = app.config["SESSION_COOKIE_NAME"] if self._default_getters else None
        if type(name) is not str:
            name = self.get_cookie_name(app)
        # PERF: get_cookie_name's read without its call when no getter is overridden, and
        # _session_cookie's: session 119,508 -> 119,139 instructions per request.
        cookie = _first_cookie(request.environ.get("HTTP_COOKIE"), name)
        if not cookie:
            return self.session_class(new=True)
        # PERF: _lifetime_seconds' remembered answer read without its call: session 116,293 ->
        # 115,842, csrf_form 157,659 -> 157,392 instructions per request.
        lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
        known = _base._LIFETIME
        seconds = known[1] if known[0] is lifetime else _lifetime_seconds(app)
        result = signer.unsign_timed(cookie, seconds)
        data = None if result is None else self._load_verified(result[0])
        if result is None or data is None:
            return self.session_class(new=True)
        session_class = self.session_class
        if session_class is SecureCookieSession:
            # PERF: what SecureCookieSession(data) does, without the type call and __init__:
            # session 132,042 -> 131,234 instructions per request.
            session = dict.__new__(session_class)
            dict.update(session, data)  # NOTE: a copy: data may be the remembered dict
        else:
            session = session_class(data.copy())
        if result[2]:
            # NOTE: signed with a fallback key: re-sign it with the current one in the response.
            session._modified = True
        return session

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        """Set the signed cookie when needed; delete it when the session was emptied."""
        _vary_on_cookie(response)
        if not dict.__len__(session):  # type: ignore[arg-type]
            if session.modified:
                self.delete_session_cookie(app, response)
            return
        if type(session) is SecureCookieSession and self._plain_should_set:
            # PERF: should_set_cookie's test without its call and the two properties (a read
            # is marked as session.permanent marks it): csrf_form 163,233 -> 162,092 instructions.
            session.accessed = True
            if not session._modified and not (
                dict.get(session, "_permanent", False)
                and app.config["SESSION_REFRESH_EACH_REQUEST"]
            ):
                return
        elif not self.should_set_cookie(app, session):
            return
        signer = self.get_signer(app)
        if signer is None:
            raise RuntimeError(_NO_SECRET_KEY)
        if type(self).dump_payload is SecureCookieSessionInterface.dump_payload:
            # PERF: the payload kept as bytes from the JSON to the signature, not decoded and
            # encoded again: session 121,070 -> 119,508 instructions per request.
            value = signer.sign_timed_bytes(self._payload(session))
            self._add_cookie(app, session, response, value)  # base64 and dots: cookie-safe
        else:
            value = signer.sign_timed(self.dump_payload(session))
            self.set_session_cookie(app, session, response, value)

    def dump_payload(self, session: Mapping[str, Any]) -> str:
        """Serialize, maybe compress, and base64 the session (as itsdangerous does)."""
        return self._payload(session).decode("ascii")

    def _payload(self, session: Mapping[str, Any]) -> bytes:
        """Return :meth:`dump_payload` as bytes, what the signer signs."""
        serializer = self.serializer
        text = None
        if (
            type(serializer) is TaggedJSONSerializer
            and not serializer._first
            and isinstance(session, dict)
        ):
            # PERF: what serializer.dumps does first, without its call and dump_session_values'
            # (a session of other values takes their path): save_session 51,568 -> 50,650
            # instructions (micro); with the next cut, session 119,139 -> 116,632.
            text = _dump_flat(session, serializer._untaggers)
        if text is None:
            text = dump_session_values(serializer, session)
        data = text.encode("utf-8")
        if len(data) >= _COMPRESS_FROM:
            compressed = zlib.compress(data)
            if len(compressed) < len(data) - 1:
                return b"." + b2a_base64(compressed, newline=False).translate(_TO_URLSAFE, b"=")
        return b2a_base64(data, newline=False).translate(_TO_URLSAFE, b"=")

    def _load_verified(self, payload: str) -> dict[str, Any] | None:
        """Return ``load_payload(payload)`` for a verified payload, remembering flat ones.

        A payload whose values are all immutable (str, int, float, bool, None) is remembered
        (up to 1,024 of up to 2 KiB, forgotten at once when full); the dict returned may be
        the remembered one, so the caller copies it (open_session's session is that copy).
        One with nested values is decoded afresh each time, so no request changes what the
        next one reads. Only the built-in ``load_payload`` and serializer are remembered, and
        registering a tag on the serializer forgets them all.
        """
        serializer = self.serializer
        if not self._plain_load or type(serializer) is not TaggedJSONSerializer:
            return self.load_payload(payload)
        # PERF: a signed cookie re-sent (or re-signed with the same data, a refreshed permanent
        # session) skips base64 and JSON: session 159,333 -> 151,067 instructions per request;
        # payloads seen for the first time cost ~4,000 more.
        loaded = self._loaded
        if loaded is None or loaded[0] is not serializer._untaggers:
            loaded = self._loaded = (serializer._untaggers, {})
        data = loaded[1].get(payload)
        if data is not None:
            return data
        data = self.load_payload(payload)
        if data is None or len(payload) > _REMEMBERED_LENGTH:
            return data
        for item in data.values():
            if type(item) not in _SCALARS:
                return data
        memo = loaded[1]
        if len(memo) >= _REMEMBERED:
            memo.clear()  # NOTE: atomic under threads, as the signer's memory is
        memo[payload] = data.copy()
        return data

    def load_payload(self, payload: str) -> dict[str, Any] | None:
        """Return the data of a verified payload, or None when it does not decode to a dict."""
        try:
            if payload[:1] == ".":
                raw = zlib.decompress(b64decode(payload[1:]))
            else:
                raw = b64decode(payload)
            data = self.serializer.loads(raw)
        except (ValueError, zlib.error):
            return None
        return data if type(data) is dict else None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plain_load = cls.load_payload is SecureCookieSessionInterface.load_payload
        cls._plain_should_set = cls.should_set_cookie is SessionInterface.should_set_cookie


def session_interface_for(app: App) -> SessionInterface:
    """Return the backend that ``SESSION_TYPE`` names: ``cookie``, ``sqlite`` or ``redis``."""
    kind = app.config.get("SESSION_TYPE") or "cookie"
    if kind == "cookie":
        return SecureCookieSessionInterface()
    if kind in ("sqlite", "redis"):
        from .server import ServerSideSessionInterface

        return ServerSideSessionInterface.from_config(app)
    raise ValueError(
        f"Unknown SESSION_TYPE {kind!r}: use 'cookie' (signed cookie, the default), 'sqlite' "
        "(one machine) or 'redis' (several machines)."
    )
