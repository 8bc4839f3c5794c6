"""Build the demo app (examples/demo/hipflask_demo) for tests: a fresh instance of everything.

The database is made by the demo's own migrations, so the tests also prove they create what the
models need; tasks run eagerly unless a test starts a real worker.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

DEMO_ROOT = Path(__file__).resolve().parent.parent / "examples" / "demo"
if str(DEMO_ROOT) not in sys.path:
    sys.path.insert(0, str(DEMO_ROOT))

import hipflask_demo  # noqa: E402

from hipflask import App  # noqa: E402
from hipflask.migrate import upgrade  # noqa: E402

KEY = "d" * 64


def demo_config(folder: Path, **extra: Any) -> dict[str, Any]:
    """Return settings that keep every file of the demo in ``folder``."""
    return {
        "SECRET_KEY": KEY,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
        "SESSION_SQLITE_PATH": str(folder / "sessions.sqlite3"),
        "AUTH_SQLITE_PATH": str(folder / "auth.sqlite3"),
        "CELERY": {"task_always_eager": True},
        **extra,
    }


def make_demo(folder: Path, **extra: Any) -> App:
    """Create the demo app on files in ``folder`` and apply its migrations."""
    app = hipflask_demo.create_app(demo_config(folder, **extra), str(folder / "instance"))
    with app.app_context():
        upgrade()
    return app
