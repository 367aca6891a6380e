"""The case store: where investigators follow operator networks from scan to scan and record what they decide.

A scan's results stay Parquet files; :class:`CaseStore` registers each scan, matches its networks to the previous
scan's by their stores (:func:`match_networks`), and keeps the cases, notes, decisions (with the evidence they were
made on) and an append-only audit log in SQLite or PostgreSQL. Decisions go back to the models as the contract's
``labels`` table (:meth:`CaseStore.labels`).

The database layer (SQLAlchemy, Alembic) is imported when the store is first used, not with this package: the
command line lists the statuses without paying for it.
"""

from __future__ import annotations

from typing import Any

from marketguard.cases.matching import CHANGES, Match, match_networks
from marketguard.cases.statuses import DISMISS_REASONS, LABEL_OF_STATUS, STATUSES

__all__ = [
    "CHANGES",
    "DISMISS_REASONS",
    "LABEL_OF_STATUS",
    "STATUSES",
    "CaseError",
    "CaseStore",
    "Match",
    "QueuePage",
    "QueueQuery",
    "StaleCase",
    "UnknownCase",
    "database_url",
    "match_networks",
]
_STORE_NAMES = (
    "CaseError",
    "CaseStore",
    "QueuePage",
    "QueueQuery",
    "StaleCase",
    "UnknownCase",
    "database_url",
)


def __getattr__(name: str) -> Any:
    if name in _STORE_NAMES:
        from marketguard.cases import store

        return getattr(store, name)
    raise AttributeError(f"module 'marketguard.cases' has no attribute {name!r}")
