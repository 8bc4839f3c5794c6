"""Building URLs from rules: which rule fits the given values, the query string of the rest,
and :class:`BuildError`, whose message says what went wrong.

:meth:`Map.build <hipflask.routing.map.Map.build>` uses these; :func:`~hipflask.url_for` adds
the app's host, script root and defaults on top.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..lazyload import lazy_import

TYPE_CHECKING = False
if TYPE_CHECKING:
    import urllib.parse as _urlparse
    from typing import Any

    from .map import Map, Rule
else:
    _urlparse = lazy_import("urllib.parse")

_QUERY_SAFE = "!$'()*,/:;?@"


class BuildError(LookupError):
    """Signal that no rule of an endpoint can build a URL from the given values.

    The message says whether the endpoint is unknown (suggesting close names), which values
    are missing, or which methods the endpoint allows.
    """

    def __init__(
        self,
        endpoint: str,
        values: Mapping[str, Any] | None,
        method: str | None,
        url_map: Map | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.values = dict(values or {})
        self.method = method
        super().__init__(_describe_build_error(endpoint, self.values, method, url_map))


def _fits(rule: Rule, given: Mapping[str, Any], method: str | None) -> bool:
    if method is not None and rule.methods is not None and method not in rule.methods:
        return False
    for key, default in rule._defaults.items():
        if key in given and given[key] != default:
            return False
    return rule._required <= given.keys()


def _build_score(rule: Rule, given: Mapping[str, Any]) -> tuple[int, int]:
    return len(rule._consumes & given.keys()), len(rule._defaults)


def _query_string(values: Mapping[str, Any], skip: frozenset[str]) -> str:
    items: list[tuple[str, Any]] = []
    for key, value in values.items():
        if key in skip:
            continue
        if isinstance(value, list | tuple):
            items.extend((key, item) for item in value if item is not None)
        else:
            items.append((key, value))
    return _urlparse.urlencode(items, safe=_QUERY_SAFE)


def _describe_build_error(
    endpoint: str, values: Mapping[str, Any], method: str | None, url_map: Map | None
) -> str:
    prefix = f"Could not build url for endpoint {endpoint!r}"
    rules = list(url_map.iter_rules(endpoint)) if url_map is not None else []
    if not rules:
        known = list(url_map._by_endpoint) if url_map is not None else []
        import difflib  # NOTE: imported on use, to keep `import hipflask` lean

        close = difflib.get_close_matches(endpoint, known)
        hint = f" Did you mean {' or '.join(repr(name) for name in close)}?" if close else ""
        return f"{prefix}: no such endpoint.{hint}"
    if method is not None:
        allowing = [rule for rule in rules if rule.methods is None or method in rule.methods]
        if not allowing:
            methods = sorted(set().union(*(rule.methods or () for rule in rules)))
            return f"{prefix} ({method!r}). Did you mean to use methods {methods}?"
        rules = allowing
    given = {key: value for key, value in values.items() if value is not None}
    nearest = min(rules, key=lambda rule: len(rule._required - given.keys()))
    missing = sorted(nearest._required - given.keys())
    if missing:
        return f"{prefix} with values {sorted(given)}. Did you forget to specify values {missing}?"
    for key, default in nearest._defaults.items():
        if key in given and given[key] != default:
            return (
                f"{prefix} with values {sorted(given)}: {key}={given[key]!r} differs from the "
                f"default {default!r} of rule {nearest.rule!r}."
            )
    return f"{prefix} with values {sorted(given)}: a converter refused one of the values."
