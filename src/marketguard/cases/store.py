"""The case store: registers scans, follows their networks as cases, and records what people decide.

Embedded default: a SQLite file in WAL mode (readers never wait for the writer; a write is on disk when its
transaction commits). Teams point it at PostgreSQL (``postgresql+psycopg://...``). Either way the schema is
Alembic's head revision, applied when the store opens.

Every change to a case is one transaction that also appends its audit entry, so the log and the case never
disagree. Writers say which version of the case they saw: a stale write (someone else changed the case since) is
refused with :class:`StaleCase`, not silently applied over the other person's decision.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, bindparam, create_engine, event, func, insert, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketguard.cases.matching import match_networks
from marketguard.cases.read_cache import ReadCache
from marketguard.cases.schema import (
    AuditEntry,
    Case,
    CaseBrand,
    CaseScan,
    Decision,
    Note,
    Scan,
    ScanStore,
    ServerKey,
)
from marketguard.cases.statuses import DISMISS_REASONS, LABEL_OF_STATUS, STATUSES
from marketguard.errors import MarketguardError

__all__ = [
    "CaseError",
    "CaseStore",
    "QueuePage",
    "QueueQuery",
    "StaleCase",
    "UnknownCase",
    "database_url",
]

_NETWORK_COLUMNS = ("network_id", "score", "n_stores", "n_accounts", "revenue", "currency", "reasons")
_INSERT_BATCH = 10_000
_SORTS = {"score": CaseScan.score, "revenue": CaseScan.revenue, "n_stores": CaseScan.n_stores}
#: Below every figure (scores, revenues and counts are never negative): where cases without one sort.
_MISSING = -1.0
_READ_ONLY = "marketguard_read_only"
_MIGRATING = threading.Lock()
#: The PostgreSQL advisory lock key held while migrating (any fixed number: "mgcases" in ASCII).
_MIGRATION_LOCK = 0x6D6763617365


class CaseError(MarketguardError):
    """A request the case store cannot carry out (an unknown case, status or reason, a results directory
    without networks)."""


class UnknownCase(CaseError, LookupError):
    """No case has that key."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0])


class StaleCase(CaseError):
    """The case changed since the writer read it: reload it and decide again."""


def database_url(db: str | Path) -> str:
    """A SQLAlchemy URL from ``db``: a URL as it is, a file path as a SQLite URL."""
    text = str(db)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


@dataclass(frozen=True)
class QueueQuery:
    """What the queue shows: filters (None: any), the figure it is sorted by (highest first), a page size and
    the cursor of the page before."""

    status: str | None = None
    change: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    min_stores: int | None = None
    min_revenue: float | None = None
    assignee: str | None = None
    new_since: int | None = None  # cases opened by a scan after this one
    with_declarations: bool = False  # only networks with customs declarations tied to them
    brands: tuple[str, ...] | None = None  # only networks selling one of these brands
    sort: str = "score"
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    cursor: str | None  # None on the last page
    scan_id: int | None


@dataclass(frozen=True)
class Registered:
    """What registering a scan did: its id, whether it was registered before, and the changes counted."""

    scan_id: int
    already: bool
    changes: dict[str, int]


class CaseStore:
    """Cases over a database at ``url`` (see :func:`database_url`), migrated to the head revision on opening."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        self._reader = self.engine.execution_options(**{_READ_ONLY: True})
        _migrate(self.engine)
        self._kept = ReadCache(self.engine)

    def close(self) -> None:
        self._kept.close()
        self.engine.dispose()

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def session(self, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back when it raises. On SQLite a writing one
        takes the database's write lock when it begins (``BEGIN IMMEDIATE``), so two writers queue instead of
        one failing when it upgrades a read lock; a reading one takes none."""
        bind = self.engine if write else self._reader
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session

    def server_key(self, name: str) -> bytes:
        """The server's secret ``name``: 32 random bytes drawn the first time it is asked for, then kept, so
        every worker process and every restart uses the same (two processes drawing at once: the first kept
        wins, the other reads it)."""
        for _ in range(2):
            try:
                with self.session() as s:
                    found = s.get(ServerKey, name)
                    if found is None:
                        found = ServerKey(
                            name=name, value=secrets.token_hex(32), created_at=datetime.now(UTC)
                        )
                        s.add(found)
                return bytes.fromhex(found.value)
            except IntegrityError:
                continue
        raise CaseError(f"The server key {name!r} could not be read or made.")

    # -- scans ----------------------------------------------------------------------------------------------
    def register_scan(self, results: Path, actor: str = "system") -> Registered:
        """Register the scan in ``results`` (its ``networks`` and ``store_scores``) and follow its networks: each
        previous case's network is matched to today's by their stores (:func:`~marketguard.cases.matching.
        match_networks`); a case keeps its status, notes and decisions, and today's networks without a
        predecessor open new cases. Registering the same results again changes nothing."""
        networks, stores, declarations, brands = _read_results(Path(results))
        digest = _digest(networks, stores)
        now = datetime.now(UTC)
        with self.session() as s:
            known = s.scalar(select(Scan.id).where(Scan.digest == digest))
            if known is not None:
                return Registered(known, True, {})
            previous_scan = s.scalar(select(func.max(Scan.id)))
            scan = Scan(
                path=str(Path(results).resolve()),
                digest=digest,
                registered_at=now,
                n_networks=networks.num_rows,
                n_stores=stores.num_rows,
            )
            s.add(scan)
            s.flush()
            members = _members(stores)
            _insert(
                s,
                ScanStore,
                [
                    {"scan_id": scan.id, "store_id": store, "network_id": network}
                    for network, ids in members.items()
                    for store in ids
                ],
            )
            previous = self._previous_members(s, previous_scan)
            figures = {row["network_id"]: row for row in networks.to_pylist()}
            current = {n: members.get(n, []) for n in figures}
            changes: dict[str, int] = {}
            cases = {
                c.key: c
                for c in s.scalars(
                    select(Case)
                    .join(CaseScan, CaseScan.case_id == Case.id)
                    .where(CaseScan.scan_id == previous_scan)
                )
            }
            next_number = (s.scalar(select(func.max(Case.id))) or 0) + 1
            case_scans = []
            for match in match_networks(previous, current):
                changes[match.change] = changes.get(match.change, 0) + 1
                if match.case is None:
                    case = Case(
                        key=f"C-{next_number:06d}",
                        status="new",
                        opened_scan_id=scan.id,
                        last_scan_id=scan.id,
                        network_id=match.network,
                        created_at=now,
                        updated_at=now,
                        version=1,
                    )
                    next_number += 1
                    s.add(case)
                    s.flush()
                else:
                    case = cases[match.case]
                    if match.network is not None:
                        case.last_scan_id, case.network_id = scan.id, match.network
                figure = figures.get(match.network or "", {})
                case_scans.append(
                    {
                        "case_id": case.id,
                        "scan_id": scan.id,
                        "network_id": match.network,
                        "change": match.change,
                        "related_case": match.related,
                        "added": match.added,
                        "removed": match.removed,
                        **{k: figure.get(k) for k in _NETWORK_COLUMNS if k != "network_id"},
                        "n_declarations": declarations.get(match.network or "", 0),
                    }
                )
            _insert(s, CaseScan, case_scans)
            _insert(
                s,
                CaseBrand,
                [
                    {"scan_id": scan.id, "case_id": row["case_id"], "brand": brand, "n_listings": n}
                    for row in case_scans
                    for brand, n in brands.get(row["network_id"] or "", ())
                ],
            )
            s.add(
                AuditEntry(
                    case_id=None,
                    actor=actor,
                    action="register_scan",
                    before=None,
                    after={"scan_id": scan.id, "path": scan.path, "changes": changes},
                    at=now,
                )
            )
            return Registered(scan.id, False, changes)

    def _previous_members(self, s: Session, scan_id: int | None) -> dict[str, list[str]]:
        """Case key -> its network's stores at ``scan_id``, for the cases whose network that scan held."""
        if scan_id is None:
            return {}
        rows = s.execute(
            select(Case.key, ScanStore.store_id)
            .join(CaseScan, CaseScan.case_id == Case.id)
            .join(
                ScanStore,
                (ScanStore.scan_id == CaseScan.scan_id) & (ScanStore.network_id == CaseScan.network_id),
            )
            .where(CaseScan.scan_id == scan_id)
        )
        out: dict[str, list[str]] = {}
        for key, store in rows:
            out.setdefault(key, []).append(store)
        return out

    # -- reading --------------------------------------------------------------------------------------------
    def read(self, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
        """The rows of a reading Core statement, on a pooled connection without an ORM session: the paths every
        API request takes (its token, the latest scan, a queue page), where the session and ORM objects cost
        more than the query. Build the statement once (a module constant with bind parameters): SQLAlchemy
        keeps a statement object's cache key, and working it out again was 6% of a request. The rows are kept
        until the database changes (:class:`~marketguard.cases.read_cache.ReadCache`)."""

        def load() -> list[Any]:
            with self._reader.connect() as connection:
                return list(connection.execute(statement, params or {}).all())

        return self._kept.rows(statement, params or {}, load)

    def scans(self) -> list[dict[str, Any]]:
        """The registered scans, oldest first."""
        return [dict(row._mapping) for row in self.read(_SCANS)]

    def scan(self, scan_id: int | None = None) -> dict[str, Any] | None:
        """One scan (the latest when ``scan_id`` is None); None when there is no such scan."""
        rows = self.read(_LATEST_SCAN) if scan_id is None else self.read(_SCAN, {"scan_id": scan_id})
        return dict(rows[0]._mapping) if rows else None

    def case_of_network(self, scan_id: int, network_id: str) -> dict[str, Any] | None:
        """The case following ``network_id`` at scan ``scan_id``, with the network's figures then."""
        rows = self.read(_CASE_OF_NETWORK, {"scan_id": scan_id, "network_id": network_id})
        return _queue_row(rows[0]) if rows else None

    def queue(self, query: QueueQuery | None = None) -> QueuePage:
        """A page of the latest scan's cases (gone and merged ones included, with their change), filtered and
        sorted as ``query`` says, highest first, ties by case (oldest first; cases without the figure last). Keyset paging:
        the page's ``cursor`` starts the next page after its last row, so a case decided meanwhile neither
        repeats nor goes missing."""
        q = query or QueueQuery()
        if q.status is not None:
            _check_status(q.status)
        if q.sort not in _SORTS:
            raise CaseError(f"Unknown sort {q.sort!r}; one of {', '.join(_SORTS)}.")
        scan = self.read(_LAST_SCAN_ID)[0][0]
        if scan is None:
            return QueuePage([], None, None)
        given = {name: getattr(q, name) for name in _QUEUE_FILTERS if getattr(q, name) is not None}
        params: dict[str, Any] = {"scan": scan, "limit": q.limit + 1, **given}
        if q.brands is not None:
            params["brands"] = list(q.brands)
        if q.cursor is not None:
            params["after_value"], params["after_id"] = _read_cursor(q.cursor)
        stmt = _queue_statement(
            q.sort, frozenset(given), q.with_declarations, q.brands is not None, q.cursor is not None
        )
        rows = self.read(stmt, params)
        page = [_queue_row(row) for row in rows[: q.limit]]
        more = len(rows) > q.limit
        cursor = _write_cursor(rows[q.limit - 1].v, rows[q.limit - 1].case_id) if more else None
        return QueuePage(page, cursor, scan)

    def case(self, key: str) -> dict[str, Any]:
        """One case: its state, its network at every scan, notes, decisions and audit log, oldest first."""
        with self.session(write=False) as s:
            case = _get(s, key)
            history = s.scalars(
                select(CaseScan).where(CaseScan.case_id == case.id).order_by(CaseScan.scan_id)
            )
            notes = s.scalars(select(Note).where(Note.case_id == case.id).order_by(Note.id))
            decisions = s.scalars(select(Decision).where(Decision.case_id == case.id).order_by(Decision.id))
            audit = s.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.id))
            brands = s.scalars(
                select(CaseBrand.brand)
                .where(CaseBrand.case_id == case.id, CaseBrand.scan_id == case.last_scan_id)
                .order_by(CaseBrand.n_listings.desc(), CaseBrand.brand)
            ).all()
            return {
                **_state(case),
                "brands": list(brands),
                "history": [_columns(h) for h in history],
                "notes": [_columns(n) for n in notes],
                "decisions": [_columns(d) for d in decisions],
                "audit": [_columns(a) for a in audit],
            }

    # -- case work ------------------------------------------------------------------------------------------
    def decide(
        self,
        key: str,
        status: str,
        actor: str,
        reason: str | None = None,
        note: str | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Set a case's status (a dismissal needs one of :data:`DISMISS_REASONS`), with a snapshot of the
        evidence: the network's figures and reasons and its stores at the case's last scan. ``version``: the
        version the decider saw (:class:`StaleCase` when the case moved on since)."""
        _check_status(status)
        if status == "dismissed" and reason not in DISMISS_REASONS:
            raise CaseError(
                f"A dismissal needs a reason, one of {', '.join(DISMISS_REASONS)}; got {reason!r}."
            )
        if status != "dismissed" and reason is not None:
            raise CaseError(f"Only a dismissal takes a reason; {status!r} got {reason!r}.")
        with self.session() as s:
            case = _get(s, key, version)
            before = _state(case)
            at = s.get(CaseScan, (case.id, case.last_scan_id))
            stores = s.scalars(
                select(ScanStore.store_id)
                .where(ScanStore.scan_id == case.last_scan_id, ScanStore.network_id == case.network_id)
                .order_by(ScanStore.store_id)
            ).all()
            evidence = {"scan_id": case.last_scan_id, **(_columns(at) if at else {}), "stores": list(stores)}
            now = datetime.now(UTC)
            case.status, case.reason = status, reason
            _touch(case, now)
            s.add(
                Decision(
                    case_id=case.id,
                    scan_id=case.last_scan_id,
                    status=status,
                    reason=reason,
                    actor=actor,
                    decided_at=now,
                    evidence=evidence,
                )
            )
            s.add(
                AuditEntry(
                    case_id=case.id, actor=actor, action="decide", before=before, after=_state(case), at=now
                )
            )
            if note:
                self._note(s, case, actor, note, now)
            return _state(case)

    def assign(
        self, key: str, assignee: str | None, actor: str, version: int | None = None
    ) -> dict[str, Any]:
        """Give the case to ``assignee`` (None: to nobody); a new case goes into review."""
        with self.session() as s:
            case = _get(s, key, version)
            before = _state(case)
            now = datetime.now(UTC)
            case.assignee = assignee
            if case.status == "new" and assignee is not None:
                case.status = "in_review"
            _touch(case, now)
            s.add(
                AuditEntry(
                    case_id=case.id, actor=actor, action="assign", before=before, after=_state(case), at=now
                )
            )
            return _state(case)

    def add_note(self, key: str, author: str, text: str) -> dict[str, Any]:
        """Append a note (notes are never edited: a correction is another note)."""
        if not text.strip():
            raise CaseError("A note needs text.")
        with self.session() as s:
            case = _get(s, key)
            note = self._note(s, case, author, text, datetime.now(UTC))
            return _columns(note)

    def _note(self, s: Session, case: Case, author: str, text: str, now: datetime) -> Note:
        note = Note(case_id=case.id, author=author, text=text, created_at=now)
        s.add(note)
        s.flush()
        s.add(
            AuditEntry(
                case_id=case.id, actor=author, action="note", before=None, after={"note_id": note.id}, at=now
            )
        )
        return note

    # -- feedback -------------------------------------------------------------------------------------------
    def labels(self) -> pa.Table:
        """The decisions as the contract's ``labels`` table: every store of a decided case's network at the
        scan it was decided on, labelled by :data:`LABEL_OF_STATUS` (the case's current status: a reversed
        decision relabels), ``source`` the case and status, ``labeled_at`` the decision's time. A store in two
        decided cases keeps the counterfeit label (the contract's rule for a store labelled both ways)."""
        rows: dict[str, dict[str, Any]] = {}
        with self.session(write=False) as s:
            latest = (
                select(Decision.case_id, func.max(Decision.id).label("id"))
                .group_by(Decision.case_id)
                .subquery()
            )
            decided = s.execute(
                select(Case.key, Case.status, Decision)
                .join(latest, latest.c.id == Decision.id)
                .join(Case, Case.id == Decision.case_id)
                .order_by(Case.key)
            )
            for key, status, decision in decided:
                label = LABEL_OF_STATUS.get(status)
                if label is None:
                    continue
                stores: list[str] = decision.evidence.get("stores", [])  # type: ignore[assignment]
                for store in stores:
                    old = rows.get(store)
                    if old is None or label > old["label"]:
                        rows[store] = {
                            "entity_type": "store",
                            "entity_id": store,
                            "label": label,
                            "source": f"case {key}: {status}",
                            "labeled_at": decision.decided_at,
                        }
        ordered = [rows[k] for k in sorted(rows)]
        return pa.Table.from_pylist(ordered, schema=LABELS_SCHEMA)


LABELS_SCHEMA = pa.schema(
    [
        ("entity_type", pa.string()),
        ("entity_id", pa.string()),
        ("label", pa.int64()),
        ("source", pa.string()),
        ("labeled_at", pa.timestamp("us", tz="UTC")),
    ]
)


#: SQLite connections kept open: one per thread of the server's pool (AnyIO runs sync endpoints on 40 threads).
_POOL_SIZE = 40


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    # a writer waits up to 30 s for another's transaction (ours last milliseconds) before giving up; a
    # connection for each of the server's worker threads (AnyIO's pool: 40) is kept open, not reopened per request
    engine = create_engine(url, connect_args={"timeout": 30}, pool_size=_POOL_SIZE, max_overflow=_POOL_SIZE)

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _: object) -> None:
        connection.isolation_level = None  # the driver opens no transaction of its own: _begin does
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
        cursor.execute("PRAGMA synchronous=FULL")  # a committed decision survives a power cut
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        read = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

    return engine


def _migrate(engine: Engine) -> None:
    """Bring the database to Alembic's head revision (the scripts ship inside the package).

    Alembic keeps its running migration in module globals: one migration at a time in this process. Across
    processes the transaction serialises them (SQLite's write lock at BEGIN; a PostgreSQL advisory lock), so two
    servers starting on a new database do not both create its tables.
    """
    from alembic import command  # a fifth of a second to import: only when a store opens
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("marketguard.cases") / "migrations"))
    with _MIGRATING, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _read_results(
    results: Path,
) -> tuple[pa.Table, pa.Table, dict[str, int], dict[str, list[tuple[str, int]]]]:
    """The scan's networks, its stores' networks (stores outside any network left out), the number of
    declarations tied to each network (none when the scan screened no declarations) and the brands each sells
    with their listings (none when the scan predates ``network_brands`` or had no listings)."""
    missing = [n for n in ("networks", "store_scores") if not (results / f"{n}.parquet").is_file()]
    if missing:
        raise CaseError(
            f"{results} is not a scan's results directory: {', '.join(f'{m}.parquet' for m in missing)} missing. "
            "Run `marketguard scan DATASET --out RESULTS` first."
        )
    networks = pq.read_table(results / "networks.parquet")
    absent = [c for c in _NETWORK_COLUMNS if c not in networks.column_names]
    if absent:
        raise CaseError(f"{results}/networks.parquet lacks the columns {', '.join(absent)}.")
    stores = pq.read_table(results / "store_scores.parquet", columns=["store_id", "network_id"])
    stores = stores.filter(pc.is_valid(stores.column("network_id")))
    declarations: dict[str, int] = {}
    if (results / "declaration_scores.parquet").is_file():
        tied = pq.read_table(results / "declaration_scores.parquet", columns=["network_id"]).column(0)
        counts = pc.value_counts(pc.drop_null(tied)).to_pylist()
        declarations = {c["values"]: c["counts"] for c in counts}
    brands: dict[str, list[tuple[str, int]]] = {}
    if (results / "network_brands.parquet").is_file():
        sold = pq.read_table(
            results / "network_brands.parquet", columns=["network_id", "brand", "n_listings"]
        )
        for network, brand, n in zip(*(sold.column(i).to_pylist() for i in range(3)), strict=True):
            brands.setdefault(network, []).append((brand, n))
    return (
        networks.select(_NETWORK_COLUMNS).sort_by("network_id"),
        stores.sort_by("store_id"),
        declarations,
        brands,
    )


def _digest(networks: pa.Table, stores: pa.Table) -> str:
    """A fingerprint of the scan's networks (ids, scores) and their stores: the same results register once."""
    h = hashlib.sha256()
    for table in (networks.select(["network_id", "score"]), stores):
        for column in table.columns:
            h.update(json.dumps(column.to_pylist(), default=str).encode())
    return h.hexdigest()


def _insert(s: Session, table: type[Any], rows: list[dict[str, Any]]) -> None:
    """Rows added in batches of :data:`_INSERT_BATCH` (one statement each, not one per row)."""
    for start in range(0, len(rows), _INSERT_BATCH):
        s.execute(insert(table), rows[start : start + _INSERT_BATCH])


def _members(stores: pa.Table) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for store, network in zip(
        stores.column("store_id").to_pylist(), stores.column("network_id").to_pylist(), strict=True
    ):
        out.setdefault(network, []).append(store)
    return out


def _sort_value(column: Any) -> Any:
    """A queue's sort figure, a case without one (a gone network) last: the expression the queue indexes hold
    (migration 0003), written as a literal so that the databases match it to them."""
    return func.coalesce(column, literal_column(repr(_MISSING)))


def _write_cursor(value: float, case_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, case_id]).encode()).decode()


def _read_cursor(cursor: str) -> tuple[float, int]:
    try:
        value, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if type(value) not in (int, float) or type(case_id) is not int:  # bools are not figures or ids
            raise ValueError(cursor)
    except (
        ValueError,
        TypeError,
    ) as exc:  # binascii's and json's errors are ValueErrors; a non-list, TypeError
        raise CaseError(f"Not a queue cursor: {cursor[:40]!r}. Pass the cursor of the page before.") from exc
    return float(value), case_id


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise CaseError(f"Unknown case status {status!r}; one of {', '.join(STATUSES)}.")


def _get(s: Session, key: str, version: int | None = None) -> Case:
    case = s.scalar(select(Case).where(Case.key == key).with_for_update())
    if case is None:
        raise UnknownCase(f"No case {key!r}.")
    if version is not None and case.version != version:
        raise StaleCase(
            f"Case {key} is at version {case.version}, not {version}: it changed since it was read."
        )
    return case


def _touch(case: Case, now: datetime) -> None:
    case.updated_at, case.version = now, case.version + 1


def _state(case: Case) -> dict[str, Any]:
    return {
        "key": case.key,
        "status": case.status,
        "reason": case.reason,
        "assignee": case.assignee,
        "network_id": case.network_id,
        "last_scan_id": case.last_scan_id,
        "version": case.version,
    }


_SCAN_COLUMNS = tuple(Scan.__table__.columns)
_SCANS = select(*_SCAN_COLUMNS).order_by(Scan.id)
_LATEST_SCAN = select(*_SCAN_COLUMNS).order_by(Scan.id.desc()).limit(1)
_SCAN = select(*_SCAN_COLUMNS).where(Scan.id == bindparam("scan_id"))
_LAST_SCAN_ID = select(func.max(Scan.id))

#: A queue row's fields: the case's state, then its network at the scan (read as plain columns, not ORM objects:
#: building two objects per row was a fifth of a queue page's time).
_QUEUE_COLUMNS = (
    Case.key,
    Case.status,
    Case.reason,
    Case.assignee,
    CaseScan.network_id,  # None when gone or merged; the case's last one stays in last_network_id
    Case.last_scan_id,
    Case.version,
    Case.network_id.label("last_network_id"),
    CaseScan.change,
    CaseScan.related_case,
    CaseScan.score,
    CaseScan.n_stores,
    CaseScan.n_accounts,
    CaseScan.revenue,
    CaseScan.currency,
    CaseScan.added,
    CaseScan.removed,
    CaseScan.n_declarations,
)
_QUEUE_FIELDS = tuple(c.key for c in _QUEUE_COLUMNS)
_CASE_OF_NETWORK = (
    select(*_QUEUE_COLUMNS)
    .join(CaseScan, CaseScan.case_id == Case.id)
    .where(CaseScan.scan_id == bindparam("scan_id"), CaseScan.network_id == bindparam("network_id"))
)


#: The queue's filters: a page keeps the cases whose column compares so with the query's value.
_QUEUE_FILTERS = {
    "status": Case.status.__eq__,
    "change": CaseScan.change.__eq__,
    "min_score": CaseScan.score.__ge__,
    "max_score": CaseScan.score.__le__,
    "min_stores": CaseScan.n_stores.__ge__,
    "min_revenue": CaseScan.revenue.__ge__,
    "assignee": Case.assignee.__eq__,
    "new_since": Case.opened_scan_id.__gt__,
}


@functools.lru_cache(maxsize=1024)
def _queue_statement(
    sort: str, filters: frozenset[str], with_declarations: bool, brands: bool, after: bool
) -> Any:
    """A queue page's statement for a sort and the filters given, their values bind parameters (``scan``,
    ``limit``, each filter's name, ``brands``, ``after_value`` and ``after_id``): made once per shape, since
    building it and working out its cache key took a tenth of a queue request."""
    value = _sort_value(_SORTS[sort])
    stmt = (
        select(*_QUEUE_COLUMNS, CaseScan.case_id, value.label("v"))
        .join(CaseScan, CaseScan.case_id == Case.id)
        .where(CaseScan.scan_id == bindparam("scan"))
        .order_by(value.desc(), CaseScan.case_id)
        .limit(bindparam("limit"))
    )
    for name, condition in _QUEUE_FILTERS.items():
        if name in filters:
            stmt = stmt.where(condition(bindparam(name)))
    if with_declarations:
        stmt = stmt.where(CaseScan.n_declarations > 0)
    if brands:
        selling = select(CaseBrand.case_id).where(
            CaseBrand.scan_id == bindparam("scan"), CaseBrand.brand.in_(bindparam("brands", expanding=True))
        )
        stmt = stmt.where(CaseScan.case_id.in_(selling))
    if after:
        after_value: Any = bindparam("after_value")
        after_id: Any = bindparam("after_id")
        stmt = stmt.where((value < after_value) | ((value == after_value) & (CaseScan.case_id > after_id)))
    return stmt


def _queue_row(row: Any) -> dict[str, Any]:
    """A queue row from a row of :data:`_QUEUE_COLUMNS` (a queue page's rows carry the sort value after them)."""
    return dict(zip(_QUEUE_FIELDS, row, strict=False))


def _columns(row: object) -> dict[str, Any]:
    table = row.__table__  # type: ignore[attr-defined]
    return {c.name: getattr(row, c.name) for c in table.columns}
