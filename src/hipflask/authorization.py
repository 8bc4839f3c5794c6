"""The ``Authorization`` request header: Basic credentials, a bearer token, or auth-params.

``request.authorization`` returns an :class:`Authorization` (Werkzeug's shape, so
``auth.type``, ``auth.username``, ``auth.password``, ``auth.token`` and ``auth["realm"]`` port
unchanged) or None when the header is missing or malformed.
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["Authorization"]

# One auth-param: a token name, "=", then a quoted string (with backslash escapes) or a token.
_PARAM = re.compile(r'\s*([^\s=,]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*?)\s*(?:,|$)')
#: Longest header read, in characters; longer ones are refused (None).
MAX_HEADER = 8192


class Authorization:
    """Credentials sent by the client.

    ``type`` is the scheme in lower case (``"basic"``, ``"bearer"``, ``"digest"``, ...);
    ``parameters`` holds Basic's ``username`` and ``password`` or a scheme's auth-params;
    ``token`` holds a token68 (a bearer token, say). Missing parameters read as None.
    """

    __slots__ = ("parameters", "token", "type")

    def __init__(
        self, auth_type: str, data: dict[str, str | None] | None = None, token: str | None = None
    ) -> None:
        self.type = auth_type
        self.parameters: dict[str, str | None] = data if data is not None else {}
        self.token = token

    def __getattr__(self, name: str) -> str | None:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.parameters.get(name)

    def __getitem__(self, key: str) -> str | None:
        return self.parameters.get(key)

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return a parameter, or ``default``."""
        value = self.parameters.get(key)
        return default if value is None else value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Authorization):
            return NotImplemented
        return (other.type, other.parameters, other.token) == (
            self.type,
            self.parameters,
            self.token,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Authorization {self.type!r}>"

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        """Parse a header value; None when it is missing, too long or malformed. Never raises."""
        if not value or len(value) > MAX_HEADER:
            return None
        scheme, _, rest = value.strip().partition(" ")
        scheme, rest = scheme.lower(), rest.strip()
        if not scheme:
            return None
        if scheme == "basic":
            return cls._basic(rest)
        if "=" in rest.rstrip("="):
            parameters = _parse_params(rest)
            return None if parameters is None else cls(scheme, parameters)
        return cls(scheme, None, rest or None)

    @classmethod
    def _basic(cls, encoded: str) -> Authorization | None:
        # NOTE: decoded as Werkzeug does (non-strict base64, UTF-8), so ported apps see the same
        # credentials; a missing colon means an empty password.
        try:
            decoded = base64.b64decode(encoded).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            return None
        username, _, password = decoded.partition(":")
        return cls("basic", {"username": username, "password": password})


def _parse_params(text: str) -> dict[str, str | None] | None:
    """Parse ``a=1, b="two"``; None when anything but auth-params is left over."""
    parameters: dict[str, str | None] = {}
    position = 0
    while position < len(text):
        match = _PARAM.match(text, position)
        if match is None or match.end() == position:
            return None
        name, raw = match.groups()
        parameters[name.lower()] = _unquote(raw)
        position = match.end()
    return parameters


def _unquote(raw: str) -> str:
    if len(raw) > 1 and raw[0] == raw[-1] == '"':
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    return raw
