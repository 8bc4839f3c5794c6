"""JSON: the app's provider (``app.json``) and :func:`jsonify`.

Output is compact unless the app is in debug mode (or ``JSONIFY_PRETTYPRINT_REGULAR`` is set),
keys are sorted when ``JSON_SORT_KEYS`` is true (the default, as in Flask), and dates, UUIDs,
decimals, dataclasses and ``__html__`` objects serialise the way Flask serialises them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..ctx import _NO_CTX, _ctx
from ..dates import http_date
from ..lazyload import lazy_import
from ..response import text_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    import json as _json
    from typing import Any

    from ..app import App
    from ..response import Response
else:
    _json = lazy_import("json")


def to_json_compatible(obj: Any) -> Any:
    """Return a JSON-ready stand-in for a value JSON lacks, as Flask serialises it.

    Dates become HTTP dates, decimals and UUIDs strings, dataclasses dicts, ``__html__``
    objects their markup. Anything else raises TypeError.
    """
    # NOTE: imported here, not at start-up: only unusual values reach this function.
    import dataclasses
    import decimal
    import uuid

    if isinstance(obj, date):
        return http_date(obj)
    if isinstance(obj, decimal.Decimal | uuid.UUID):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if hasattr(obj, "__html__"):
        return str(obj.__html__())
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def compile_encoder(
    *,
    default: Callable[[Any], Any] | None = None,
    sort_keys: bool = False,
    ensure_ascii: bool = True,
    compact: bool = True,
) -> Callable[[Any], str]:
    """Return a function encoding values to JSON with these settings, set up once.

    # PERF: the standard library builds its C encoder on every ``encode`` call; building it
    # once makes small payloads (responses, sessions) about twice as fast. Circular
    # structures raise RecursionError instead of ValueError.
    """
    separators = (",", ":") if compact else (",", ": ")
    encoder = _json.JSONEncoder(
        default=default,
        sort_keys=sort_keys,
        ensure_ascii=ensure_ascii,
        separators=separators,
        indent=None if compact else 2,
    )
    make_c_encoder = getattr(_json.encoder, "c_make_encoder", None)
    if make_c_encoder is None or not compact:
        return encoder.encode
    encode_string = (
        _json.encoder.encode_basestring_ascii if ensure_ascii else _json.encoder.encode_basestring
    )
    c_encoder = make_c_encoder(
        None, encoder.default, encode_string, None, ":", ",", sort_keys, False, True
    )
    return lambda value: "".join(c_encoder(value, 0))


class JSONProvider:
    """Serialise and parse JSON for one app; replace ``app.json`` to change the behaviour."""

    mimetype = "application/json"
    #: ``(config stamp, encode)`` of the last :meth:`_encoder` answer; None after a setter.
    _last_encoder: tuple[int, Callable[[Any], str]] | None = None

    def __init__(self, app: App) -> None:
        self._app = app
        self._encoders: dict[tuple[Any, ...], Callable[[Any], str]] = {}
        self._sort_keys: bool | None = None
        self._ensure_ascii: bool | None = None
        self._compact: bool | None = None

    @property
    def sort_keys(self) -> bool:
        """Sort object keys: set it (Flask 2.3+), else ``JSON_SORT_KEYS`` (default True)."""
        if self._sort_keys is not None:
            return self._sort_keys
        return bool(self._app.config.get("JSON_SORT_KEYS", True))

    @sort_keys.setter
    def sort_keys(self, value: bool) -> None:
        self._sort_keys = value
        self._last_encoder = None

    @property
    def ensure_ascii(self) -> bool:
        """Escape non-ASCII characters: set it, else ``JSON_AS_ASCII`` (default True)."""
        if self._ensure_ascii is not None:
            return self._ensure_ascii
        return bool(self._app.config.get("JSON_AS_ASCII", True))

    @ensure_ascii.setter
    def ensure_ascii(self, value: bool) -> None:
        self._ensure_ascii = value
        self._last_encoder = None

    @property
    def compact(self) -> bool:
        """Compact output: set it, else ``JSONIFY_PRETTYPRINT_REGULAR``, else not in debug mode.

        Assigning None goes back to following debug mode, as in Flask.
        """
        if self._compact is not None:
            return self._compact
        pretty = self._app.config.get("JSONIFY_PRETTYPRINT_REGULAR")
        if pretty is None:
            return not self._app.debug
        return not pretty

    @compact.setter
    def compact(self, value: bool | None) -> None:
        self._compact = value
        self._last_encoder = None

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialise ``obj`` to a JSON string."""
        kwargs.setdefault("default", to_json_compatible)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return _json.dumps(obj, **kwargs)

    def _encoder(self) -> Callable[[Any], str]:
        """Return the encode function for the current settings, built once per combination.

        # NOTE: ``json.dumps`` with keyword arguments builds a new encoder on every call, which
        # costs more than encoding a small payload.
        """
        config = self._app.config
        # PERF: while the config is unchanged (its stamp) and no setter ran, the last answer
        # stands, without the four config reads: json 58,847 -> 56,224 instructions.
        stamp: int | None = getattr(config, "stamp", None)
        last = self._last_encoder
        if last is not None and last[0] == stamp:
            return last[1]
        # PERF: the raw inputs of the three settings, not the properties (0.5 vs 0.8 us).
        key = (
            self._sort_keys,
            self._ensure_ascii,
            self._compact,
            config.get("JSON_SORT_KEYS", True),
            config.get("JSON_AS_ASCII", True),
            config.get("JSONIFY_PRETTYPRINT_REGULAR"),
            config["DEBUG"],
        )
        encode = self._encoders.get(key)
        if encode is None:
            encode = compile_encoder(
                default=to_json_compatible,
                sort_keys=self.sort_keys,
                ensure_ascii=self.ensure_ascii,
                compact=self.compact,
            )
            self._encoders[key] = encode
        if stamp is not None:
            self._last_encoder = (stamp, encode)
        return encode

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a JSON document."""
        return _json.loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Return a JSON response for ``jsonify``'s arguments."""
        if args and kwargs:
            raise TypeError("jsonify() takes positional or keyword arguments, not both.")
        obj: Any = args[0] if len(args) == 1 else (list(args) if args else kwargs)
        body = self._encoder()(obj)
        # PERF: text_response builds what response_class(text, mimetype=...) would, without
        # the call and its keyword binding (a class with its own __init__ is still called).
        return text_response(self._app.response_class, body + "\n", self.mimetype)


#: Flask's name for the default provider (``flask.json.provider.DefaultJSONProvider``).
DefaultJSONProvider = JSONProvider


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """Return a JSON response: ``jsonify(a=1)``, ``jsonify({'a': 1})`` or ``jsonify([1, 2])``."""
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is None:
        raise RuntimeError("jsonify() needs an application context.")
    return app_ctx.app.json.response(*args, **kwargs)


def dumps(obj: Any, **kwargs: Any) -> str:
    """Serialise with the current app's provider, or with the defaults outside an app."""
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is not None:
        return app_ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", to_json_compatible)
    return _json.dumps(obj, **kwargs)


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Parse JSON with the current app's provider, or the standard library outside an app."""
    app_ctx = _ctx.get(_NO_CTX)[0]
    if app_ctx is not None:
        return app_ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)
