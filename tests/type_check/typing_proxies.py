"""Code a user writes against the proxies; ``make lint`` type-checks it with mypy --strict.

Never run: a mypy error here means the public types reject ordinary Flask code.
"""

from __future__ import annotations

from hipflask import App, current_app, g, request, session

app = App(__name__)


@app.before_request
def load_user() -> None:
    g.user = session.get("user")
    g.setdefault("visits", 0)


@app.route("/")
def index() -> str:
    name: str | None = g.user
    debug: bool = current_app.debug
    page = request.args.get("page", 1, type=int)
    return f"{name} {debug} {page} {g.get('visits')} {'user' in g}"
