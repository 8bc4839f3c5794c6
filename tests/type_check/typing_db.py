"""Code a user writes with hipflask.db and hipflask.migrate; ``make lint`` checks it with mypy.

Never run: a mypy error here means the public types reject ordinary Flask-SQLAlchemy code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hipflask import App
from hipflask.db import Pagination, SQLAlchemy
from hipflask.migrate import Migrate, upgrade


class Base(DeclarativeBase):
    pass


app = App(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///site.db"
db = SQLAlchemy(app, model_class=Base)
migrate = Migrate(app, db)

# NOTE: db.Model is built at run time, so type checkers are shown the base it is made from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


class User(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(db.String(20), unique=True)


@app.route("/users/<int:user_id>")
def show(user_id: int) -> str:
    user: User = db.get_or_404(User, user_id)
    return user.username


@app.route("/users")
def index() -> list[str]:
    page: Pagination = db.paginate(db.select(User).order_by(User.username))
    names: list[str] = [user.username for user in page.items]
    db.session.add(User(username="ann"))
    db.session.commit()
    found = db.session.execute(db.select(User).filter_by(username="ann")).scalar_one()
    return [*names, found.username, *(str(n) for n in page.iter_pages() if n)]


def deploy() -> None:
    with app.app_context():
        upgrade()
