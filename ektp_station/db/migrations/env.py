"""Alembic environment: runs on the connection the station hands over (see ``engine.upgrade``)."""

from __future__ import annotations

from alembic import context

from ektp_station.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the station always passes a connection
    raise RuntimeError("Run migrations through `ektp-station db upgrade`.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
