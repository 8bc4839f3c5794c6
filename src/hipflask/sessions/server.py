"""Server-side sessions: a signed random id in the cookie, the data in a :mod:`session store
<hipflask.sessions.stores>`.

Choose it with ``SESSION_TYPE = 'sqlite'`` (``SESSION_SQLITE_PATH``, default
``<instance>/sessions.sqlite3``) or ``'redis'`` (``SESSION_REDIS_URL``, ``SESSION_KEY_PREFIX``,
``SESSION_REDIS_TIMEOUT``). Compared with the cookie backend the data stays private, a session
can be destroyed on the server (logout, password change), and its size is not limited to 4 kB.

Semantics of a save:

- Only the keys the request set or deleted are written, merged onto the stored record, so two
  overlapping requests of one user that change different keys both keep their change; for the
  same key the later save wins. ``session.modified = True`` (after mutating a nested value)
  rewrites every key the request holds.
- A request that stores nothing creates no record and sets no cookie.
- ``session.clear()`` destroys the record; ``session.regenerate()`` moves the data to a new id
  and destroys the old one. A save never resurrects a record another request destroyed.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import ServiceUnavailable
from .base import (
    SecureCookieSession,
    SessionInterface,
    SessionMixin,
    _lifetime_seconds,
    _session_cookie,
    dump_session_value,
    session_json_serializer,
)
from .stores import RedisStore, SessionStore, SQLiteStore

if TYPE_CHECKING:
    from ..app import App
    from ..request import Request
    from ..response import Response

__all__ = ["ServerSideSession", "ServerSideSessionInterface"]

#: 32 random bytes: 256 bits, out of reach of guessing.
SESSION_ID_BYTES = 32


class ServerSideSession(SecureCookieSession):
    """A session whose data lives in a store under ``sid`` (None until something is stored).

    It records which keys the request set and deleted, so a save writes only those.
    """

    def __init__(
        self, initial: Mapping[str, Any] | None = None, *, sid: str | None = None, new: bool = False
    ) -> None:
        super().__init__(initial, new=new)
        self.sid = sid
        self._changed: set[str] = set()
        self._deleted: set[str] = set()
        self._dirty_all = False
        self._cleared = False
        self._stale_sid: str | None = None
        self._resign = False
        self._failed = False

    @property
    def modified(self) -> bool:
        """True when the session must be saved; set it to True after changing a nested value."""
        return self._modified

    @modified.setter
    def modified(self, value: bool) -> None:
        self._modified = value
        # NOTE: an explicit ``modified = True`` means "something changed that I cannot name"
        # (a list mutated in place), so the save rewrites every key.
        self._dirty_all = value

    def _mark_set(self, key: str) -> None:
        self._modified = self.accessed = True
        self._changed.add(key)
        self._deleted.discard(key)

    def _mark_deleted(self, key: str) -> None:
        self._modified = self.accessed = True
        self._deleted.add(key)
        self._changed.discard(key)

    def clear(self) -> None:
        """Empty the session and destroy its stored record when saved."""
        super().clear()
        self._cleared = True
        self._changed.clear()
        self._deleted.clear()

    def regenerate(self) -> None:
        """Move the data to a new id when saved and destroy the old record (against fixation)."""
        if self.sid is not None:
            self._stale_sid = self.sid
            self.sid = None
        self._modified = self.accessed = True


class ServerSideSessionInterface(SessionInterface):
    """Keep sessions in ``store``; the cookie carries only the signed session id."""

    salt = "session-id"
    session_class = ServerSideSession
    serializer = session_json_serializer

    def __init__(self, store: SessionStore) -> None:
        self.store = store

    @classmethod
    def from_config(cls, app: App) -> ServerSideSessionInterface:
        """Build the store that ``SESSION_TYPE`` names from the app's config."""
        config = app.config
        store: SessionStore
        if config["SESSION_TYPE"] == "redis":
            store = RedisStore(
                config.get("SESSION_REDIS_URL") or "redis://127.0.0.1:6379/0",
                prefix=config.get("SESSION_KEY_PREFIX") or "hipflask:session:",
                timeout=float(config.get("SESSION_REDIS_TIMEOUT") or 0.5),
            )
        else:
            path = config.get("SESSION_SQLITE_PATH") or os.path.join(
                app.instance_path, "sessions.sqlite3"
            )
            store = SQLiteStore(path)
        return cls(store)

    def open_session(self, app: App, request: Request) -> ServerSideSession | None:
        """Load the record the cookie's id names; an unknown or forged id gives an empty one."""
        signer = self.get_signer(app)
        if signer is None:
            return None
        cookie = _session_cookie(request, self.get_cookie_name(app))
        result = signer.unsign(cookie) if cookie else None
        if result is not None:
            fields = self.store.load(result[0])
            if fields is not None:
                session = self.session_class(self._load_fields(fields), sid=result[0])
                session._resign = result[1]
                return session
        return self.session_class(new=True)

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        """Write what changed to the store, then set or delete the cookie as needed."""
        response.vary_on("Cookie")
        if not isinstance(session, ServerSideSession):
            raise TypeError(f"{type(self).__name__} can only save a ServerSideSession.")
        if session._failed:
            return
        try:
            self._save(app, session, response)
        except ServiceUnavailable:
            # NOTE: the app finalizes the 503 response through this method again; one bounded
            # wait for the store per request is enough.
            session._failed = True
            raise

    def _save(self, app: App, session: ServerSideSession, response: Response) -> None:
        if session._cleared and session.sid is not None:
            session._stale_sid, session.sid = session.sid, None
        ttl = max(1, int(_lifetime_seconds(app)))
        if session.sid is None:
            self._create(app, session, response, ttl)
        else:
            self._update(app, session, response, ttl)
        session._stale_sid = None
        session._changed.clear()
        session._deleted.clear()
        session._cleared = session._dirty_all = session._resign = False

    def _create(self, app: App, session: ServerSideSession, response: Response, ttl: int) -> None:
        """Destroy the record a clear() or regenerate() left behind; store the data anew."""
        fields = self._dump_fields(session, dict.keys(session))  # before destroying anything
        stale = session._stale_sid
        if stale is not None:
            self.store.delete(stale)
        if not fields:
            if stale is not None:
                self.delete_session_cookie(app, response)
            return
        sid = secrets.token_urlsafe(SESSION_ID_BYTES)
        self.store.save(sid, fields, (), ttl, create=True)
        session.sid = sid
        self._set_cookie(app, session, response)

    def _update(self, app: App, session: ServerSideSession, response: Response, ttl: int) -> None:
        assert session.sid is not None
        keys = dict.keys(session) if session._dirty_all else session._changed
        deleted = session._deleted
        refresh = session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        if keys or deleted:
            alive = self.store.save(
                session.sid, self._dump_fields(session, keys), deleted, ttl, create=False
            )
        elif refresh:
            alive = self.store.touch(session.sid, ttl)
        else:
            alive = True
        if not alive:
            session.sid = None
            # NOTE: a session this request emptied loses its cookie. A record that is gone
            # while data remains expired or was destroyed by another request (logout, or
            # login's regenerate()): the cookie is left alone, since deleting it could reach
            # the browser after that login's response and log the user out.
            if not dict.__len__(session):
                self.delete_session_cookie(app, response)
        elif refresh or session._resign or "_permanent" in keys or "_permanent" in deleted:
            self._set_cookie(app, session, response)

    def _set_cookie(self, app: App, session: ServerSideSession, response: Response) -> None:
        signer = self.get_signer(app)
        assert signer is not None and session.sid is not None
        self._add_cookie(app, session, response, signer.sign(session.sid))  # cookie-safe

    def _dump_fields(self, session: ServerSideSession, keys: Any) -> dict[str, str]:
        serializer = self.serializer
        return {
            key: dump_session_value(serializer, key, dict.__getitem__(session, key)) for key in keys
        }

    def _load_fields(self, fields: Mapping[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, text in fields.items():
            try:
                data[key] = self.serializer.loads(text)
            except ValueError:
                continue  # NOTE: a corrupt field is dropped, never a 500 for the user.
        return data
