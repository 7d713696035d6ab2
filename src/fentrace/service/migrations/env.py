"""Alembic environment: migrate the connection handed over by :func:`fentrace.service.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from fentrace.service.models import Base

config = context.config
connection: Connection | None = config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: build an engine from the configured URL
    from fentrace.service.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as opened:
        context.configure(connection=opened, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
