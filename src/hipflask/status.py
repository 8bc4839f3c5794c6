"""Status lines: ``200 OK`` from a code, and assigned status strings checked and split.

The reason phrases come from :class:`http.HTTPStatus`, loaded on the first response rather than
at ``import hipflask``.
"""

from __future__ import annotations

from .lazyload import lazy_compile

TYPE_CHECKING = False
if TYPE_CHECKING:
    pass

_STATUS_LINES: dict[int, str] = {}
#: RFC 9110's reason-phrase: tab, space, visible ASCII and obs-text.
_REASON_PHRASE = lazy_compile(r"[\t\x20-\x7e\x80-\xff]*")


def _status_line(code: int) -> str:
    if not _STATUS_LINES:
        _load_status_lines()
    line = _STATUS_LINES.get(code)
    return line if line is not None else f"{code} UNKNOWN"


def _load_status_lines() -> None:
    """Fill the status-line table from :class:`http.HTTPStatus`, on the first response.

    # PERF: importing the stdlib ``http`` package builds the HTTPStatus enum, 4.1 million
    # instructions (~1 ms) of ``import hipflask`` that only a response needs.
    """
    from http import HTTPStatus

    _STATUS_LINES.update({s.value: f"{s.value} {s.phrase}" for s in HTTPStatus})
    _STATUS_LINES[308] = "308 Permanent Redirect"


def _parse_status(value: str) -> tuple[int, tuple[int, str] | None]:
    """Split an assigned status string into its code and, when it has a reason phrase, the
    status line to send as given (Werkzeug keeps ``'299 Weird'`` and ``'418 I'M A TEAPOT'``).
    """
    line = value.strip()
    code, _, phrase = line.partition(" ")
    try:
        status_code = int(code)
    except ValueError:
        raise ValueError(f"Invalid status {value!r}: it must start with a code.") from None
    if not phrase:
        return status_code, None
    # SECURITY: the line goes to start_response as it is; CR or LF would split the response.
    if not _REASON_PHRASE.fullmatch(phrase):
        raise ValueError(f"Invalid status {value!r}: the reason phrase has control characters.")
    return status_code, (status_code, line)
