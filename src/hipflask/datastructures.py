"""The containers a request and a response are made of, under Werkzeug's module name.

Each lives in a module of its own and is importable from here too: the MultiDict family
(``multidict.py``), ``Headers`` and ``EnvironHeaders`` (``headers.py``), ``FileStorage``
(``filestorage.py``), ``Accept`` and ``MIMEAccept`` (``accept.py``) and ``ETags``
(``etags.py``).
"""

from __future__ import annotations

from .accept import Accept, MIMEAccept
from .etags import ETags
from .filestorage import FileStorage
from .headers import EnvironHeaders, Headers, check_header_name, check_header_value
from .multidict import CombinedMultiDict, ImmutableMultiDict, MultiDict

__all__ = [
    "Accept",
    "CombinedMultiDict",
    "ETags",
    "EnvironHeaders",
    "FileStorage",
    "Headers",
    "ImmutableMultiDict",
    "MIMEAccept",
    "MultiDict",
    "check_header_name",
    "check_header_value",
]
