"""Alembic's environment for the case store: migrations run on the connection the store opened (never from an
ini file's URL), so ``CaseStore`` upgrades any database it opens to the head revision."""

from __future__ import annotations

from alembic import context

from marketguard.cases.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
