"""URL converters: what a rule's variable matches, and the value it becomes and builds from.

A rule such as ``/user/<int:user_id>`` names a converter; the :class:`~hipflask.routing.Map`
looks it up in its ``converters`` (by default :data:`DEFAULT_CONVERTERS`). The router matches
the converter's ``regex``, passes the text through ``to_python`` to get the view argument, and
calls ``to_url`` when building a URL. Raising :class:`ValidationError` from either says "this
rule does not fit", so matching and building try the next rule.
"""

from __future__ import annotations

from ..lazyload import lazy_compile

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    import uuid
    from collections.abc import Callable
    from typing import Any

    from .map import Map


# NOTE: RFC 3986 lets sub-delimiters, ":" and "@" stand unencoded in a path segment, and "/"
# between segments; "?" and "#" would end the path, so they are always encoded.
_SEGMENT_SAFE = "!$&'()*+,;=:@"
_PATH_SAFE = _SEGMENT_SAFE + "/"
_NEEDS_QUOTING_IN_SEGMENT = lazy_compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@]")
_NEEDS_QUOTING_IN_PATH = lazy_compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/]")


class ValidationError(ValueError):
    """Raise from a converter's ``to_python`` (or ``to_url``) to say "this rule does not fit"."""


def _quote(text: str, safe: str, needs_quoting: re.Pattern[str]) -> str:
    # PERF: most values need no escaping; the regex check costs ~60 ns where quote() costs
    # ~350 ns, paid by url_for once per variable.
    if needs_quoting.search(text) is None:
        return text
    import urllib.parse

    return urllib.parse.quote(text, safe=safe)


class BaseConverter:
    """Turn one URL variable into a Python value and back.

    ``regex`` is the text the variable matches (it must not use named groups); ``weight``
    orders rules whose variables compete for the same text, lower first; ``part_isolating``
    says the regex never matches ``/``.
    """

    regex = "[^/]+"
    weight = 100
    part_isolating = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        self.map = map

    def to_python(self, value: str) -> Any:
        """Return the view argument for the matched text, or raise :class:`ValidationError`."""
        return value

    def to_url(self, value: Any) -> str:
        """Return ``value`` as a percent-encoded (UTF-8) path segment."""
        return _quote(str(value), _SEGMENT_SAFE, _NEEDS_QUOTING_IN_SEGMENT)


class UnicodeConverter(BaseConverter):
    """Match one path segment (the default): ``<name>``, ``<string(length=2):code>``."""

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            bounds = f"{{{int(length)}}}"
        else:
            upper = "" if maxlength is None else str(int(maxlength))
            bounds = f"{{{int(minlength)},{upper}}}"
        self.regex = f"[^/]{bounds}"


class PathConverter(BaseConverter):
    """Match the rest of the path, slashes included: ``<path:filename>``."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False

    def to_url(self, value: Any) -> str:
        """Return ``value`` percent-encoded, keeping its slashes."""
        return _quote(str(value), _PATH_SAFE, _NEEDS_QUOTING_IN_PATH)


class NumberConverter(BaseConverter):
    """Share the bounds checking of :class:`IntegerConverter` and :class:`FloatConverter`."""

    weight = 50
    signed_regex = ""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        if signed:
            self.regex = self.signed_regex
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed

    def to_python(self, value: str) -> Any:
        """Return the number, refusing a wrong digit count or a value out of bounds."""
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValidationError(value)
        try:
            number = self._number(value)
        except ValueError:
            # SECURITY: int() refuses strings past 4,300 digits; that must be a 404, not a 500.
            raise ValidationError(value) from None
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError(value)
        return number

    def to_url(self, value: Any) -> str:
        """Return the number as text, zero-padded to ``fixed_digits``."""
        try:
            text = str(self._number(value))
        except (TypeError, ValueError):
            raise ValidationError(f"{value!r} is not a number") from None
        return text.zfill(self.fixed_digits) if self.fixed_digits else text

    def _number(self, value: Any) -> int | float:
        raise NotImplementedError


class IntegerConverter(NumberConverter):
    """Match ASCII digits as an ``int``: ``<int:id>``, ``<int(signed=True, min=-5):n>``."""

    # SECURITY: [0-9], not \d: int() reads other scripts' digits, so "/user/\u0661" would
    # alias "/user/1".
    regex = "[0-9]+"
    signed_regex = "-?[0-9]+"

    def _number(self, value: Any) -> int:
        return int(value)


def _digits_to_int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        # SECURITY: int() refuses strings past 4,300 digits; that must be a 404, not a 500.
        raise ValidationError(value) from None


def python_of(converter: BaseConverter) -> Callable[[str], Any] | None:
    """Return what turns a matched value into a view argument; None when it is the text.

    # PERF: skipping the identity to_python of string and path saves ~25 ns per variable, and
    # a plain ``<int:...>`` (no bounds, no fixed digits) is one call, not to_python and
    # _number: the params scenario's Map.match 13,867 -> 13,020 instructions.
    """
    if type(converter).to_python is BaseConverter.to_python:
        return None
    if (
        type(converter) is IntegerConverter
        and not converter.fixed_digits
        and converter.min is None
        and converter.max is None
    ):
        return _digits_to_int
    return converter.to_python


class FloatConverter(NumberConverter):
    """Match ``digits.digits`` as a ``float``: ``<float:price>``, ``<float(signed=True):x>``."""

    regex = r"[0-9]+\.[0-9]+"
    signed_regex = r"-?[0-9]+\.[0-9]+"

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)

    def _number(self, value: Any) -> float:
        return float(value)


class UUIDConverter(BaseConverter):
    """Match a hyphenated UUID as a :class:`uuid.UUID`: ``<uuid:id>``."""

    regex = "[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"
    weight = 50

    def to_python(self, value: str) -> uuid.UUID:
        """Return the :class:`uuid.UUID`."""
        import uuid  # NOTE: imported on use, to keep `import hipflask` lean

        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        """Return the canonical (lower-case, hyphenated) form of ``value``."""
        import uuid  # NOTE: imported on use, to keep `import hipflask` lean

        if isinstance(value, uuid.UUID):
            return str(value)
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise ValidationError(f"{value!r} is not a UUID") from None


class AnyConverter(BaseConverter):
    """Match one of a fixed set of segments: ``<any(about, help, "c d"):page>``."""

    weight = 50

    def __init__(self, map: Map, *items: Any) -> None:
        import re

        super().__init__(map)
        if not items:
            raise ValueError("any() needs at least one item.")
        self.items = tuple(str(item) for item in items)
        self.regex = "(?:" + "|".join(re.escape(item) for item in self.items) + ")"

    def to_url(self, value: Any) -> str:
        """Return ``value`` encoded, refusing anything outside the items."""
        if str(value) not in self.items:
            raise ValidationError(f"{value!r} is not one of {list(self.items)}")
        return super().to_url(value)


DEFAULT_CONVERTERS: dict[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}
