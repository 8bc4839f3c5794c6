"""Password hashing where Werkzeug keeps it (``werkzeug.security``) and Flask-Bcrypt's class.

A re-export module: ``from werkzeug.security import generate_password_hash`` and ``from
flask_bcrypt import Bcrypt`` port to ``from hipflask.security import ...``. The code lives in
:mod:`hipflask.passwords` and :mod:`hipflask.bcrypt`.
"""

from __future__ import annotations

from .bcrypt import Bcrypt
from .passwords import (
    DEFAULT_METHOD,
    MAX_PASSWORD_BYTES,
    check_password_hash,
    gen_salt,
    generate_password_hash,
    needs_rehash,
)

__all__ = [
    "DEFAULT_METHOD",
    "MAX_PASSWORD_BYTES",
    "Bcrypt",
    "check_password_hash",
    "gen_salt",
    "generate_password_hash",
    "needs_rehash",
]
