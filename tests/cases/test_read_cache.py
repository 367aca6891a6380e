"""The case store's kept reads: used while nothing changed, never once another process has written."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, select, text

from marketguard.cases import CaseStore, QueueQuery
from marketguard.cases.read_cache import ReadCache
from marketguard.cases.schema import Scan
from marketguard.cases.users import add_user, authenticate, issue_token, revoke_tokens


def test_a_change_made_elsewhere_shows_in_the_next_read(case_url: str, scans) -> None:
    with CaseStore(case_url) as server, CaseStore(case_url) as other:  # other: its own connections, as a
        server.register_scan(scans[0])  # second server worker or `marketguard cases` would have
        add_user(server, "ana", "investigator")
        token = issue_token(server, "ana")
        assert authenticate(server, token) is not None
        before = {r["key"]: r["status"] for r in server.queue(QueueQuery()).rows}
        assert server.queue(QueueQuery()).rows == server.queue(QueueQuery()).rows

        other.decide("C-000001", "confirmed_counterfeit", "bo")
        after = {r["key"]: r["status"] for r in server.queue(QueueQuery()).rows}
        assert before["C-000001"] == "new" and after["C-000001"] == "confirmed_counterfeit"

        revoke_tokens(other, "ana")
        assert authenticate(server, token) is None
        other.register_scan(scans[1])
        assert server.scan()["id"] == 2 and server.queue(QueueQuery()).scan_id == 2


def _executions(store: CaseStore) -> list[str]:
    """The queries ``store`` sends to its database from now on."""
    sent: list[str] = []

    def record(_connection, _cursor, statement: str, *_: object) -> None:
        if statement.startswith("SELECT"):
            sent.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    return sent


def test_sqlite_reads_are_kept_until_a_commit(tmp_path: Path, scans) -> None:
    with CaseStore(f"sqlite:///{tmp_path / 'cases.sqlite'}") as store:
        store.register_scan(scans[0])
        store.queue(QueueQuery(sort="revenue")), store.scan()
        sent = _executions(store)
        first = store.queue(QueueQuery(sort="revenue"))
        assert store.queue(QueueQuery(sort="revenue")) == first and store.scan() == store.scan()
        assert sent == []  # nothing read again
        store.queue(QueueQuery(sort="n_stores"))
        assert len(sent) == 1  # another query is another read

        store.add_note("C-000001", "ana", "seen")
        sent.clear()
        store.queue(QueueQuery(sort="revenue"))
        assert len(sent) == 2  # the write emptied the cache: the latest scan and the page are read again


def test_only_sqlite_keeps_reads(case_url: str, scans) -> None:
    """PostgreSQL cannot say cheaply that nothing changed: each read goes to it."""
    with CaseStore(case_url) as store:
        store.register_scan(scans[0])
        sent = _executions(store)
        store.scan(), store.scan()
        assert len(sent) == (1 if case_url.startswith("sqlite") else 2)


def test_rows_read_across_a_commit_are_not_kept_for_later(tmp_path: Path, scans) -> None:
    with CaseStore(f"sqlite:///{tmp_path / 'cases.sqlite'}") as store:
        store.register_scan(scans[0])
        cache = ReadCache(store.engine)
        statement = select(Scan.id)
        loads = []

        def load_then_commit() -> list:
            loads.append(1)
            rows = [(1,)]
            with store.engine.begin() as connection:  # a commit lands while these rows are on their way
                connection.execute(text("UPDATE scans SET n_stores = n_stores + 1"))
            return rows

        assert cache.rows(statement, {}, load_then_commit) == [(1,)]
        assert cache.rows(statement, {}, lambda: [(2,)]) == [(2,)]  # the commit is seen: read again
        assert cache.rows(statement, {}, lambda: [(3,)]) == [(2,)]  # and nothing changed since: kept
        assert cache.rows(select(Scan.id), {}, lambda: [(4,)]) == [(4,)]  # another statement object
        cache.close()
