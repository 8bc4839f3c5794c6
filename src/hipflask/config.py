"""Config: the app's settings, a dict with Flask's loaders.

Only upper-case keys are read from objects and files. :data:`DEFAULT_CONFIG` documents every
setting hipflask itself reads, with its default.
"""

from __future__ import annotations

import errno
import importlib
import itertools
import os
import types
from collections.abc import Callable, Mapping
from datetime import timedelta

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

#: Every setting the core reads, with its default. The batteries document their own keys.
DEFAULT_CONFIG: dict[str, Any] = {
    "DEBUG": None,  # from app.debug / HIPFLASK_DEBUG
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,  # None: propagate when TESTING
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "PREFERRED_URL_SCHEME": "http",
    "TRUSTED_HOSTS": None,
    # Security headers (hipflask.secure_headers, docs/headers.md), on responses that lack them:
    "SECURITY_HEADERS": True,  # False: none of the four SECURITY_* headers below
    "SECURITY_CONTENT_TYPE_NOSNIFF": True,  # X-Content-Type-Options: nosniff
    "SECURITY_FRAME_OPTIONS": "DENY",  # or "SAMEORIGIN", with the CSP frame-ancestors; None: off
    "SECURITY_REFERRER_POLICY": "strict-origin-when-cross-origin",  # None: no header
    "SECURITY_CROSS_ORIGIN_OPENER_POLICY": "same-origin",  # None: no header
    "HSTS_MAX_AGE": None,  # seconds: Strict-Transport-Security on HTTPS responses; None: off
    "HSTS_INCLUDE_SUBDOMAINS": False,
    "HSTS_PRELOAD": False,
    "CONTENT_SECURITY_POLICY": None,  # a dict of directives or a string; None: no policy
    "CONTENT_SECURITY_POLICY_REPORT_ONLY": False,  # True: Content-Security-Policy-Report-Only
    "CONTENT_SECURITY_POLICY_REPORT_URI": None,  # adds a report-uri directive
    "CONTENT_SECURITY_POLICY_NONCE_IN": ("script-src", "style-src"),  # where csp_nonce() goes
    "SEND_FILE_ACTIVE_AS_ATTACHMENT": False,  # True: HTML, SVG, XML files sent as downloads
    "SESSION_TYPE": "cookie",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "SESSION_SQLITE_PATH": None,  # None: instance/sessions.sqlite3
    "SESSION_REDIS_URL": None,  # None: redis://127.0.0.1:6379/0
    "SESSION_KEY_PREFIX": None,  # None: "hipflask:session:"
    "SESSION_REDIS_TIMEOUT": None,  # None: 0.5 seconds, then 503
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "MAX_JSON_DEPTH": 128,
    "MAX_COOKIE_SIZE": 4093,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TEMPLATES_AUTO_RELOAD": None,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "JSON_SORT_KEYS": True,
    "JSON_AS_ASCII": True,
    "JSONIFY_PRETTYPRINT_REGULAR": None,
    # Logging (hipflask.logs, docs/logging.md), read once by app.finalize():
    "LOGGING": None,  # a logging.config.dictConfig dict, applied at start-up
    "LOG_FORMAT": "text",  # "json": one JSON object per line, with the request's fields
    "ACCESS_LOG": None,  # None: on with LOG_FORMAT "json" unless TESTING; True/False to force
    "LOG_USER_ID": None,  # a callable returning the logged-in user's id for log records
}


class ConfigAttribute:
    """Expose a config key as an attribute of the app (``app.testing``, ``app.secret_key``)."""

    def __init__(self, name: str, get_converter: Callable[[Any], Any] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.config[self.__name__] = value


#: Where config stamps come from: every change of every Config takes the next number.
_STAMPS = itertools.count(1)


class Config(dict[str, "Any"]):
    """A dict of settings with loaders for objects, files, mappings and the environment.

    :attr:`stamp` tells extensions that keep what they derive from settings (a signer built
    from the keys, a header built from the cookie settings) when to derive it again.
    """

    #: A number that changes whenever a key is set or removed through the dict interface, and
    #: that no other Config holds: what was derived from settings of immutable values (str,
    #: bool, tuple...) stays valid while it does not change. Mutating a value in place (a
    #: list held by a setting) does not change it. Read it; never set it.
    stamp = 0

    def __init__(
        self, root_path: str | os.PathLike[str], defaults: Mapping[str, Any] | None = None
    ):
        super().__init__(defaults or {})
        self.root_path = os.fspath(root_path)
        self.stamp = next(_STAMPS)

    # NOTE: each write below changes the stamp after the dict, so a reader that read the stamp
    # before the values never pairs a new stamp with old values (dict's C methods call none of
    # these overrides, so each is written out).
    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, value)
        self.stamp = next(_STAMPS)

    def __delitem__(self, key: str) -> None:
        dict.__delitem__(self, key)
        self.stamp = next(_STAMPS)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Set several settings, as ``dict.update`` does."""
        dict.update(self, *args, **kwargs)
        self.stamp = next(_STAMPS)

    def __ior__(self, other: Any) -> Config:  # type: ignore[override,misc]
        dict.update(self, other)
        self.stamp = next(_STAMPS)
        return self

    def setdefault(self, key: str, default: Any = None) -> Any:
        """Return ``config[key]``, setting it to ``default`` first when it is missing."""
        size = dict.__len__(self)
        value = dict.setdefault(self, key, default)
        if dict.__len__(self) != size:  # NOTE: dict.setdefault itself is atomic under threads
            self.stamp = next(_STAMPS)
        return value

    def pop(self, key: str, *default: Any) -> Any:
        """Remove ``key`` and return its value (or ``default``)."""
        value = dict.pop(self, key, *default)
        self.stamp = next(_STAMPS)
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last setting set."""
        item = dict.popitem(self)
        self.stamp = next(_STAMPS)
        return item

    def clear(self) -> None:
        """Remove every setting."""
        dict.clear(self)
        self.stamp = next(_STAMPS)

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python file named by the environment variable ``variable_name``."""
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set; set it to the path of a "
                "configuration file."
            )
        return self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "HIPFLASK", *, loads: Callable[[str], Any] | None = None
    ) -> bool:
        """Load every ``PREFIX_KEY`` environment variable, JSON-decoding values when possible.

        ``PREFIX_A__B`` sets ``config['A']['B']``, as in Flask. ``loads`` defaults to
        :func:`json.loads`.
        """
        if loads is None:
            import json

            loads = json.loads
        prefix = f"{prefix}_"
        for key in sorted(os.environ):
            if not key.startswith(prefix):
                continue
            raw = os.environ[key]
            try:
                value: Any = loads(raw)
            except ValueError:
                value = raw
            key = key[len(prefix) :]
            if "__" not in key:
                self[key] = value
                continue
            current: dict[str, Any] = self
            *parts, tail = key.split("__")
            for part in parts:
                current = current.setdefault(part, {})
            current[tail] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file and load its upper-case names."""
        filename = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = filename
        try:
            with open(filename, mode="rb") as config_file:
                exec(compile(config_file.read(), filename, "exec"), module.__dict__)
        except OSError as exc:
            if silent and exc.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            exc.strerror = f"Unable to load configuration file ({exc.strerror})"
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the upper-case attributes of an object, or of the object at a dotted import path."""
        if isinstance(obj, str):
            obj = _import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with ``load`` (``json.load``, ``tomllib.load`` with ``text=False``)."""
        filename = os.path.join(self.root_path, filename)
        try:
            with open(filename, "r" if text else "rb") as file:
                obj = load(file)
        except OSError as exc:
            if silent and exc.errno in (errno.ENOENT, errno.EISDIR):
                return False
            exc.strerror = f"Unable to load configuration file ({exc.strerror})"
            raise
        return self.from_mapping(obj)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Load the upper-case keys of a mapping and of the keyword arguments."""
        values: dict[str, Any] = {}
        if mapping is not None:
            values.update(mapping)
        values.update(kwargs)
        for key, value in values.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """Return the settings that start with ``namespace`` (``'MAIL_'``), trimmed and lowered."""
        result: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            result[name.lower() if lowercase else name] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


def _import_string(path: str) -> Any:
    module_name, _, attr = path.replace(":", ".").rpartition(".")
    if not module_name:
        return importlib.import_module(attr)
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError):
        return importlib.import_module(path)
