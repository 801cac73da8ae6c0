"""The baseline of bench_reads: the least a Flask + SQLAlchemy primary-key read on the same
database engine can cost — no tokens, no audit, no metrics. ``BARE_DATABASE_URL`` names it."""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa
from flask import Flask, abort, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import (
    TYPE_ANNOTATION_MAP,
    make_engine,
    make_session_factory,
    new_metadata,
    normalize_url,
)


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = TYPE_ANNOTATION_MAP


class Item(Base):
    __tablename__ = "items"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))


def seed(url: str, count: int = 100) -> list[uuid.UUID]:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    ids = [uuid.uuid4() for _ in range(count)]
    with make_session_factory(engine)() as session:
        session.add_all(Item(id=i, name=f"item {n}") for n, i in enumerate(ids))
        session.commit()
    engine.dispose()
    return ids


def create_app() -> Flask:
    app = Flask(__name__)
    # Plain create_engine: the baseline has none of Tsunagu's engine settings.
    sessions = make_session_factory(
        sa.create_engine(normalize_url(os.environ["BARE_DATABASE_URL"]))
    )

    @app.get("/items/<uuid:item_id>")
    def read(item_id: uuid.UUID) -> ResponseReturnValue:
        with sessions() as session:
            item = session.get(Item, item_id)
            if item is None:
                abort(404)
            return jsonify(id=str(item.id), name=item.name)

    return app
