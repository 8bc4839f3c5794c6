"""Content-Security-Policy: a policy from the config or per view, a per-request nonce.

``CONTENT_SECURITY_POLICY`` (a dict of directives, or the header's string) is sent on every
response that sets none itself, as ``Content-Security-Policy``, or as
``Content-Security-Policy-Report-Only`` with ``CONTENT_SECURITY_POLICY_REPORT_ONLY = True``;
``CONTENT_SECURITY_POLICY_REPORT_URI`` adds a ``report-uri`` directive. :func:`csp` gives a
view a policy of its own; :func:`csp_exempt` sends none from it.

:func:`csp_nonce` (a template global too) returns a random nonce, made on the request's first
call; the policy then allows it in the directives of ``CONTENT_SECURITY_POLICY_NONCE_IN``
(``script-src`` and ``style-src``). A response whose request never called it carries no nonce.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..ctx import g
from ..headers import check_header_value

__all__ = [
    "DEFAULT_NONCE_IN",
    "Policy",
    "compile_policy",
    "csp",
    "csp_exempt",
    "csp_nonce",
    "request_nonce",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The directives a nonce is added to, unless the policy or setting names others.
DEFAULT_NONCE_IN = ("script-src", "style-src")
#: The attribute of ``g`` that holds the request's nonce, and that of a view with a policy.
NONCE_ATTRIBUTE = "hipflask_csp_nonce"
VIEW_ATTRIBUTE = "hipflask_csp_policy"

_DIRECTIVE_NAME = re.compile(r"[a-z0-9-]+")


@dataclass(frozen=True, slots=True)
class Policy:
    """A compiled policy: its header name and value, and where a nonce goes."""

    header: str
    value: str
    #: ``(directive, takes_the_nonce)`` pairs, including the fallbacks a nonce needs.
    nonce_template: tuple[tuple[str, bool], ...]

    @property
    def report_only(self) -> bool:
        """Tell whether the policy only reports (``Content-Security-Policy-Report-Only``)."""
        return self.header.endswith("Report-Only")

    def header_value(self, nonce: str | None) -> str:
        """Return the header's value, allowing ``nonce`` where the policy asks for it."""
        if nonce is None or not self.nonce_template:
            return self.value
        source = f"'nonce-{nonce}'"
        return "; ".join(
            (f"{directive} {source}" if takes else directive)
            for directive, takes in self.nonce_template
        )


def compile_policy(
    policy: Mapping[str, str | Iterable[str]] | str,
    *,
    report_only: bool = False,
    report_uri: str | None = None,
    nonce_in: Iterable[str] = DEFAULT_NONCE_IN,
    setting: str = "CONTENT_SECURITY_POLICY",
) -> Policy:
    """Compile a policy once; raise ValueError naming ``setting`` for a malformed one.

    A nonce goes into each directive of ``nonce_in`` the policy has; one it lacks is copied
    from ``default-src`` (its fallback in browsers), and skipped when that is missing too,
    since scripts or styles are then unrestricted. A directive of ``'none'`` alone becomes the
    nonce alone.
    """
    directives = _directives(policy, setting)
    if report_uri and "report-uri" not in directives:
        directives["report-uri"] = _source_list(report_uri, setting)
    wanted = set(nonce_in)
    template: list[tuple[str, bool]] = []
    for name, value in directives.items():
        takes = name in wanted
        if takes and value == "'none'":
            template.append((name, True))
        else:
            template.append((f"{name} {value}".rstrip(), takes))
    default_src = directives.get("default-src")
    if default_src is not None:
        for name in sorted(wanted - directives.keys()):
            template.append((f"{name} {default_src}" if default_src != "'none'" else name, True))
    value = "; ".join(f"{name} {value}".rstrip() for name, value in directives.items())
    header = "Content-Security-Policy-Report-Only" if report_only else "Content-Security-Policy"
    takes_nonce = any(takes for _, takes in template)
    return Policy(header, check_header_value(value), tuple(template) if takes_nonce else ())


def _directives(policy: Mapping[str, str | Iterable[str]] | str, setting: str) -> dict[str, str]:
    if isinstance(policy, str):
        parts = (part.strip().partition(" ") for part in policy.split(";"))
        pairs: Iterable[tuple[str, str | Iterable[str]]] = [
            (name, sources) for name, _, sources in parts if name
        ]
    elif isinstance(policy, Mapping):
        pairs = policy.items()
    else:
        raise ValueError(f"{setting} must be a dict of directives or a string, not {policy!r}.")
    directives: dict[str, str] = {}
    for name, sources in pairs:
        name = str(name).strip().lower()
        if _DIRECTIVE_NAME.fullmatch(name) is None:
            raise ValueError(f"{setting}: {name!r} is not a CSP directive name.")
        directives[name] = _source_list(sources, setting)
    return directives


def _source_list(sources: str | Iterable[str], setting: str) -> str:
    value = sources if isinstance(sources, str) else " ".join(sources)
    # SECURITY: CR or LF would start another header; ';' or ',' another directive or policy.
    if any(char in value for char in ";,\r\n\0"):
        raise ValueError(
            f"{setting}: the sources {value!r} must not contain ';', ',', CR, LF or NUL."
        )
    return " ".join(value.split())


def csp(
    policy: Mapping[str, str | Iterable[str]] | str,
    *,
    report_only: bool = False,
    report_uri: str | None = None,
    nonce_in: Iterable[str] = DEFAULT_NONCE_IN,
) -> Callable[[F], F]:
    """Give a view its own policy, in place of ``CONTENT_SECURITY_POLICY``.

    Apply it below or above ``@app.route``: it marks the function and returns it unwrapped.
    The policy is compiled here, once.
    """
    compiled = compile_policy(
        policy, report_only=report_only, report_uri=report_uri, nonce_in=nonce_in, setting="csp()"
    )

    def decorator(view: F) -> F:
        setattr(view, VIEW_ATTRIBUTE, compiled)
        return view

    return decorator


def csp_exempt(view: F) -> F:
    """Send no policy of ``CONTENT_SECURITY_POLICY`` from this view.

    The ``frame-ancestors`` directive of ``SECURITY_FRAME_OPTIONS`` is still sent (it concerns
    who frames the page, not what it loads); set ``SECURITY_FRAME_OPTIONS = None`` to drop it.
    """
    setattr(view, VIEW_ATTRIBUTE, None)
    return view


def csp_nonce() -> str:
    """Return the request's nonce, made on the first call; use it as ``nonce="..."``.

    Call it before the response is complete (a streamed template that calls it after the
    headers were sent gets a nonce the policy does not carry).
    """
    nonce: str | None = getattr(g, NONCE_ATTRIBUTE, None)
    if nonce is None:
        # SECURITY: 128 random bits, new for every request, so a page's nonce cannot be reused.
        nonce = secrets.token_urlsafe(16)
        setattr(g, NONCE_ATTRIBUTE, nonce)
    return nonce


def request_nonce() -> str | None:
    """Return the nonce of the current request if :func:`csp_nonce` made one."""
    nonce: str | None = getattr(g, NONCE_ATTRIBUTE, None)
    return nonce
