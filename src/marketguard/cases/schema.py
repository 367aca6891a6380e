"""The case store's tables (SQLAlchemy 2): scans registered, the networks each held, the cases people work, and
what they did to them.

The results of a scan stay where they are (Parquet); the store keeps what people add and what is needed to follow
a network from scan to scan: its stores and its headline figures at each scan. ``audit_log`` is append-only (the
migration forbids updates and deletes in the database itself), and a decision keeps a snapshot of the evidence it
was made on, so a later scan can never change what a decision was based on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "Case",
    "CaseScan",
    "Decision",
    "Note",
    "Scan",
    "ScanStore",
    "ServerKey",
    "SignInFailure",
    "User",
    "UserSession",
]

#: Ids, keys and names: the data contract's identifier length.
ID = 256


class Base(DeclarativeBase):
    pass


class Scan(Base):
    """A scan's results directory, registered once (``digest``: of its networks and store scores)."""

    __tablename__ = "scans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    n_networks: Mapped[int] = mapped_column(Integer)
    n_stores: Mapped[int] = mapped_column(Integer)


class ScanStore(Base):
    """Which network each store was in at a scan: what the next scan's networks are matched against."""

    __tablename__ = "scan_stores"
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    network_id: Mapped[str] = mapped_column(String(ID))
    __table_args__ = (Index("ix_scan_stores_network", "scan_id", "network_id"),)


class Case(Base):
    """One operator network followed across scans, and where people are with it."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(32))  # why dismissed
    assignee: Mapped[str | None] = mapped_column(String(ID))
    opened_scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"))
    last_scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"))  # the last scan that held its network
    network_id: Mapped[str | None] = mapped_column(String(ID))  # its network in the last scan that held it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(
        Integer, default=1
    )  # bumped by every change: stale writes are refused


class CaseScan(Base):
    """A case at one scan: its network then (None when gone or merged), the change since the scan before, and the
    network's headline figures and reasons as that scan gave them."""

    __tablename__ = "case_scans"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), primary_key=True)
    network_id: Mapped[str | None] = mapped_column(String(ID))
    change: Mapped[str] = mapped_column(String(16))
    related_case: Mapped[str | None] = mapped_column(String(32))  # split from / merged into
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float)
    n_stores: Mapped[int | None] = mapped_column(Integer)
    n_accounts: Mapped[int | None] = mapped_column(Integer)
    n_declarations: Mapped[int] = mapped_column(Integer, default=0)  # customs declarations tied to it
    revenue: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(8))
    reasons: Mapped[list[str] | None] = mapped_column(JSON)
    __table_args__ = (Index("ix_case_scans_scan", "scan_id", "score"),)


class CaseBrand(Base):
    """A brand the case's network sells at a scan (from the scan's ``network_brands``)."""

    __tablename__ = "case_brands"
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), primary_key=True)
    brand: Mapped[str] = mapped_column(String(ID), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    n_listings: Mapped[int] = mapped_column(Integer)


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author: Mapped[str] = mapped_column(String(ID))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Decision(Base):
    """A status set on a case, with the evidence it was made on (the network's figures, reasons and stores at the
    case's last scan)."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"))
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(ID))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    evidence: Mapped[dict[str, object]] = mapped_column(JSON)


class AuditEntry(Base):
    """Who did what, when, with the values before and after (append-only)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    actor: Mapped[str] = mapped_column(String(ID))
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    """Someone (or a machine) who uses the server: a role, and for a brand's analysts the brands they see."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(ID), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    brands: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token, kept as its SHA-256 only: the token itself is shown once, when it is issued."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(ID))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A console sign-in: the session cookie's and its CSRF token's hashes, and when it ends."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ServerKey(Base):
    """A secret the server keeps between starts and shares between its worker processes (the key of the brand
    users' pseudonyms): drawn at random the first time it is asked for."""

    __tablename__ = "server_keys"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))  # hex
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInFailure(Base):
    """A wrong password for a name: what the sign-in throttle counts, whichever worker process answered."""

    __tablename__ = "sign_in_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(ID), index=True)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
