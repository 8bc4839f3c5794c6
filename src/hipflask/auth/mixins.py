"""``UserMixin`` and ``AnonymousUserMixin``: what Flask-Login expects of user objects."""

from __future__ import annotations

from typing import Any

__all__ = ["AnonymousUserMixin", "UserMixin"]


class UserMixin:
    """Default implementations of the user properties the login manager reads.

    ``get_id()`` returns ``str(self.id)``. :meth:`get_auth_secret` tells the login manager
    when credentials changed: sessions and remember-me cookies of a user whose secret changed
    since they logged in are refused.
    """

    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        """True: the account may log in (override to lock accounts)."""
        return True

    @property
    def is_authenticated(self) -> bool:
        """True: a user object is a logged-in user."""
        return self.is_active

    @property
    def is_anonymous(self) -> bool:
        """False: a user object is not the anonymous user."""
        return False

    def get_id(self) -> str:
        """Return the id the session stores (``str(self.id)``)."""
        try:
            return str(self.id)  # type: ignore[attr-defined]
        except AttributeError:
            raise NotImplementedError("No `id` attribute - override `get_id`") from None

    def get_auth_secret(self) -> str | None:
        """Return what changes when the credentials change: the stored password hash.

        Reads ``password_hash``, else ``password`` (as most apps name the column). Override it
        when the hash lives elsewhere; return None to opt out of the check.
        """
        for name in ("password_hash", "password"):
            value: Any = getattr(self, name, None)
            if isinstance(value, str | bytes) and value:
                return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        return None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, UserMixin):
            return self.get_id() == other.get_id()
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal


class AnonymousUserMixin:
    """The user of a request nobody is logged in to (``current_user`` then)."""

    @property
    def is_authenticated(self) -> bool:
        """False."""
        return False

    @property
    def is_active(self) -> bool:
        """False."""
        return False

    @property
    def is_anonymous(self) -> bool:
        """True."""
        return True

    def get_id(self) -> None:
        """Return None: the anonymous user has no id."""
        return None
