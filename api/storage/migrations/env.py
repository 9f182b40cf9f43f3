"""Alembic environment: runs migrations on the connection that ``api.storage.migrate`` hands it."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from api.storage import tables  # noqa: F401  (registers the tables on the metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Migrate on the connection given in the Alembic config's attributes."""
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
