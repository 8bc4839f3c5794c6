"""What the app hands out through the wiring: here, the shell's namespace."""

from __future__ import annotations

from hipflask import App


def test_make_shell_context() -> None:
    app = App("ctx_app")
    app.shell_context_processor(lambda: {"db": "database"})
    namespace = app.make_shell_context()
    assert namespace["app"] is app
    assert namespace["db"] == "database"
    assert "g" in namespace
