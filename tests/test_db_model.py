"""hipflask.db models: table names, bind keys, repr, typed and dataclass bases, Model.query."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as sa_orm
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column

from hipflask import App
from hipflask.db import Query, SQLAlchemy
from hipflask.db.model import camel_to_snake_case
from hipflask.exceptions import NotFound


def make_app(url: str, **config: Any) -> App:
    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.update(config)
    return app


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("User", "user"),
        ("UserAccount", "user_account"),
        ("HTTPResponse", "http_response"),
        ("OAuth2Token", "o_auth2_token"),
        ("Address2", "address2"),
        ("ABC", "abc"),
    ],
)
def test_camel_to_snake_case(name: str, expected: str) -> None:
    assert camel_to_snake_case(name) == expected


def test_tablename_rules() -> None:
    db = SQLAlchemy()

    class PersonAddress(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        kind = db.Column(db.String(20))
        __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "base"}

    class HomeAddress(PersonAddress):  # single-table inheritance: no primary key of its own
        __mapper_args__ = {"polymorphic_identity": "home"}

    class WorkAddress(PersonAddress):  # joined-table inheritance: its own primary key
        id = db.Column(db.ForeignKey(PersonAddress.id), primary_key=True)
        __mapper_args__ = {"polymorphic_identity": "work"}

    class Named(db.Model):
        __tablename__ = "my_things"
        id = db.Column(db.Integer, primary_key=True)

    class Mixed(db.Model):
        __abstract__ = True
        created = db.Column(db.Integer)

    class Concrete(Mixed):
        id = db.Column(db.Integer, primary_key=True)

    assert PersonAddress.__table__.name == "person_address"
    assert HomeAddress.__table__ is PersonAddress.__table__
    assert "__tablename__" not in HomeAddress.__dict__
    assert WorkAddress.__table__.name == "work_address"
    assert Named.__table__.name == "my_things"
    assert Concrete.__table__.name == "concrete"
    assert sorted(db.metadata.tables) == ["concrete", "my_things", "person_address", "work_address"]


def test_disable_autonaming_needs_explicit_names() -> None:
    db = SQLAlchemy(disable_autonaming=True)
    with pytest.raises(sa.exc.InvalidRequestError, match="__tablename__"):

        class Nameless(db.Model):
            id = db.Column(db.Integer, primary_key=True)

    class Named(db.Model):
        __tablename__ = "named"
        id = db.Column(db.Integer, primary_key=True)

    assert Named.__table__.name == "named"


def test_declarative_base_model_class_with_typed_columns(database_url: str) -> None:
    class Base(DeclarativeBase):
        def describe(self) -> str:
            return f"{type(self).__name__}!"

    app = make_app(database_url)
    db = SQLAlchemy(app, model_class=Base)

    class BlogPost(db.Model):
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(sa.String(80))
        views: Mapped[int] = mapped_column(default=0)

    assert BlogPost.__tablename__ == "blog_post"
    assert issubclass(db.Model, DeclarativeBase)
    with app.app_context():
        db.create_all()
        db.session.add(BlogPost(title="hello"))
        db.session.commit()
        post = db.session.execute(db.select(BlogPost)).scalar_one()
        assert (post.title, post.views, post.describe()) == ("hello", 0, "BlogPost!")
        assert BlogPost.query.filter_by(title="hello").one() is post


def test_mapped_as_dataclass_model_class(database_url: str) -> None:
    class Base(MappedAsDataclass, DeclarativeBase):
        pass

    app = make_app(database_url)
    db = SQLAlchemy(app, model_class=Base)

    class Book(db.Model):
        id: Mapped[int] = mapped_column(primary_key=True, init=False)
        title: Mapped[str] = mapped_column(sa.String(80))
        pages: Mapped[int] = mapped_column(default=100)

    book = Book("Dune")  # a dataclass __init__: positional arguments, defaults
    assert (book.title, book.pages) == ("Dune", 100)
    assert repr(book).endswith("Book(id=None, title='Dune', pages=100)")  # dataclass repr
    with app.app_context():
        db.create_all()
        db.session.add(book)
        db.session.commit()
        assert db.session.get(Book, book.id) is book


def test_repr_shows_state_and_primary_key(database_url: str) -> None:
    app = make_app(database_url)
    db = SQLAlchemy(app)

    class Item(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        db.create_all()
        item = Item()
        assert repr(item) == f"<Item (transient {id(item)})>"
        db.session.add(item)
        assert repr(item) == f"<Item (pending {id(item)})>"
        db.session.commit()
        assert repr(item) == f"<Item {item.id}>"


def test_legacy_query_on_every_backend(database_url: str) -> None:
    app = make_app(database_url)
    db = SQLAlchemy(app)

    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(20), unique=True, nullable=False)

    with app.app_context():
        db.create_all()
        for name in ("john", "susan", "ann"):
            db.session.add(User(username=name))
        db.session.commit()
        user = User.query.filter_by(username="john").first()
        assert isinstance(User.query, Query)
        assert user is not None and user.username == "john"
        with pytest.warns(sa.exc.LegacyAPIWarning):
            assert User.query.get(user.id) is user
        assert [u.username for u in User.query.order_by(User.username).all()] == [
            "ann",
            "john",
            "susan",
        ]
        assert User.query.get_or_404(user.id) is user
        assert User.query.filter_by(username="ann").first_or_404().username == "ann"
        assert User.query.filter_by(username="ann").one_or_404().username == "ann"
        with pytest.raises(NotFound):
            User.query.get_or_404(9999)
        with pytest.raises(NotFound) as info:
            User.query.filter_by(username="nobody").first_or_404(description="No such user")
        assert info.value.description == "No such user"
        with pytest.raises(NotFound):
            User.query.one_or_404()  # three rows, not one


def test_custom_query_class_reaches_models_and_dynamic_relationships() -> None:
    class CountingQuery(Query):
        def names(self) -> list[str]:
            return [row.name for row in self]

    app = make_app("sqlite://")
    db = SQLAlchemy(app, query_class=CountingQuery)

    class Team(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        players = db.relationship("Player", lazy="dynamic", backref="team")

    class Player(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(20))
        team_id = db.Column(db.ForeignKey(Team.id))

    with app.app_context():
        db.create_all()
        team = Team()
        db.session.add_all([team, Player(name="a", team=team), Player(name="b", team=team)])
        db.session.commit()
        assert isinstance(Player.query, CountingQuery)
        assert isinstance(team.players, CountingQuery)
        assert sorted(team.players.names()) == ["a", "b"]


def test_sqlalchemy_names_are_attributes() -> None:
    db = SQLAlchemy()
    assert db.Column is sa.Column
    assert db.Integer is sa.Integer
    assert db.select is sa.select
    assert db.ForeignKey is sa.ForeignKey
    assert db.joinedload is sa_orm.joinedload
    assert db.event is sa.event
    assert db.relation == db.relationship
    with pytest.raises(AttributeError):
        _ = db.no_such_name
    with pytest.raises(AttributeError):
        _ = db._private


def test_bind_key_models_use_their_own_metadata_and_engine(tmp_path: Any) -> None:
    app = make_app(
        f"sqlite:///{tmp_path / 'main.db'}",
        SQLALCHEMY_BINDS={"audit": f"sqlite:///{tmp_path / 'audit.db'}"},
    )
    db = SQLAlchemy(app)

    class Account(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class AuditLog(db.Model):
        __bind_key__ = "audit"
        id = db.Column(db.Integer, primary_key=True)
        message = db.Column(db.String(50))

    audit_table = db.Table("audit_extra", db.Column("id", db.Integer), bind_key="audit")
    assert AuditLog.metadata is db.metadatas["audit"] is audit_table.metadata
    assert Account.metadata is db.metadata
    with app.app_context():
        db.create_all()
        db.session.add_all([Account(), AuditLog(message="created")])
        db.session.commit()
        assert set(sa.inspect(db.engines["audit"]).get_table_names()) == {
            "audit_log",
            "audit_extra",
        }
        assert sa.inspect(db.engine).get_table_names() == ["account"]
        assert db.session.execute(db.select(AuditLog.message)).scalar() == "created"
