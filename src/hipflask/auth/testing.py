"""``FlaskLoginClient``: a test client whose requests are logged in as a given user."""

from __future__ import annotations

from typing import Any

from ..testing import TestClient
from .manager import LoginManager, auth_hash, seconds, session_identifier

__all__ = ["FlaskLoginClient"]


class FlaskLoginClient(TestClient):
    """``app.test_client_class = FlaskLoginClient; app.test_client(user=user)``.

    The client starts with a real login of ``user`` (a record in the login store, as
    ``login_user`` makes), fresh unless ``fresh_login=False``.
    """

    def __init__(
        self, *args: Any, user: Any = None, fresh_login: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if user is None:
            return
        app = self.app
        manager: LoginManager = app.extensions["login_manager"]
        user_id = manager._id_of(user)
        with app.app_context():
            ttl = seconds(app.config["PERMANENT_SESSION_LIFETIME"])
            login_id = manager.get_store(app).create_login(user_id, auth_hash(user), ttl)
        with self.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = fresh_login
            session["_login_id"] = login_id
            session["_id"] = session_identifier(
                self.environ_base.get("REMOTE_ADDR"), self.environ_base.get("HTTP_USER_AGENT")
            )
