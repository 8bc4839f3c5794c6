"""URL routing: rules, the map and its compiled matcher, converters, URL building.

``hipflask.routing`` is where ``werkzeug.routing`` ports to.
"""

from __future__ import annotations

from .building import BuildError
from .converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)
from .map import Map, Rule

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "NumberConverter",
    "PathConverter",
    "Rule",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
]
