"""The case store on SQLite and PostgreSQL: scans registered and followed, decisions with their evidence, an append-only log,
stale writes refused, and decisions exported as the contract's labels."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from marketguard.cases import CaseError, CaseStore, QueueQuery, StaleCase
from marketguard.contract.spec import TABLES
from tests.cases.conftest import write_scan


@pytest.fixture
def store(case_url: str):
    with CaseStore(case_url) as opened:
        yield opened


def _by_network(queue: list[dict]) -> dict[str | None, dict]:
    return {row["network_id"]: row for row in queue}


def test_a_scan_opens_a_case_per_network_ranked_by_score(store: CaseStore, scans) -> None:
    first, _ = scans
    registered = store.register_scan(first)
    assert registered.changes == {"new": 3} and not registered.already
    queue = store.queue().rows
    assert [(r["key"], r["network_id"], r["score"], r["status"]) for r in queue] == [
        ("C-000001", "N-1", 0.9, "new"),
        ("C-000002", "N-2", 0.5, "new"),
        ("C-000003", "N-3", 0.2, "new"),
    ]
    assert store.register_scan(first).already  # the same results register once
    assert len(store.queue().rows) == 3


def test_cases_and_their_decisions_follow_the_networks_into_the_next_scan(store: CaseStore, scans) -> None:
    first, second = scans
    store.register_scan(first)
    store.decide("C-000001", "confirmed_counterfeit", "ana", note="same boss phone in all three")
    store.decide("C-000003", "dismissed", "ana", reason="family")
    registered = store.register_scan(second)
    assert registered.changes == {"grown": 1, "shrunk": 1, "gone": 1, "split": 1, "new": 1}
    queue = _by_network(store.queue().rows)
    renamed = queue["N-0"]
    assert (renamed["key"], renamed["status"], renamed["change"], renamed["added"]) == (
        "C-000001",
        "confirmed_counterfeit",
        "grown",
        1,
    )
    assert (queue["N-2"]["key"], queue["N-2"]["change"], queue["N-2"]["removed"]) == ("C-000002", "shrunk", 1)
    assert (queue["N-5"]["change"], queue["N-5"]["related_case"], queue["N-5"]["status"]) == (
        "split",
        "C-000002",
        "new",
    )
    assert queue["N-4"]["change"] == "new"
    gone = queue[None]
    assert (gone["key"], gone["change"], gone["status"], gone["score"]) == (
        "C-000003",
        "gone",
        "dismissed",
        None,
    )
    case = store.case("C-000001")
    assert [(h["scan_id"], h["network_id"], h["change"]) for h in case["history"]] == [
        (1, "N-1", "new"),
        (2, "N-0", "grown"),
    ]
    assert [n["text"] for n in case["notes"]] == ["same boss phone in all three"]


def test_a_decision_keeps_the_evidence_it_was_made_on(store: CaseStore, scans) -> None:
    first, second = scans
    store.register_scan(first)
    store.decide("C-000002", "in_review", "ana")
    store.register_scan(second)
    store.decide("C-000002", "confirmed_counterfeit", "bo")
    decisions = store.case("C-000002")["decisions"]
    assert [(d["actor"], d["scan_id"], d["evidence"]["stores"]) for d in decisions] == [
        ("ana", 1, ["s3", "s4", "s5"]),
        ("bo", 2, ["s3", "s4"]),
    ]
    assert decisions[0]["evidence"]["score"] == 0.5 and decisions[1]["evidence"]["score"] == 0.6
    assert decisions[0]["evidence"]["reasons"] == ["3 stores share a device"]


def test_every_change_is_in_the_audit_log_which_cannot_be_rewritten(
    store: CaseStore, scans, tmp_path
) -> None:
    store.register_scan(scans[0])
    store.assign("C-000001", "ana", "lead")
    store.decide("C-000001", "dismissed", "ana", reason="agency", note="clients of one agency")
    audit = store.case("C-000001")["audit"]
    assert [(a["actor"], a["action"]) for a in audit] == [
        ("lead", "assign"),
        ("ana", "decide"),
        ("ana", "note"),
    ]
    assert (audit[0]["before"]["status"], audit[0]["after"]["status"], audit[0]["after"]["assignee"]) == (
        "new",
        "in_review",
        "ana",
    )
    assert (audit[1]["before"]["status"], audit[1]["after"]["status"], audit[1]["after"]["reason"]) == (
        "in_review",
        "dismissed",
        "agency",
    )
    raw = create_engine(store.url)  # the application's credentials, past the store's code
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), raw.begin() as connection:
            connection.execute(text(statement))
    raw.dispose()
    assert [a["actor"] for a in store.case("C-000001")["audit"]] == ["lead", "ana", "ana"]


def test_a_stale_write_is_refused(store: CaseStore, scans) -> None:
    store.register_scan(scans[0])
    seen = store.case("C-000001")["version"]
    store.decide("C-000001", "in_review", "ana", version=seen)
    with pytest.raises(StaleCase, match="changed since it was read"):
        store.decide("C-000001", "dismissed", "bo", reason="false_positive", version=seen)
    assert store.case("C-000001")["status"] == "in_review"


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        ("closed", None, "Unknown case status 'closed'"),
        ("dismissed", None, "A dismissal needs a reason"),
        ("dismissed", "bored", "A dismissal needs a reason"),
        ("confirmed_counterfeit", "agency", "Only a dismissal takes a reason"),
    ],
)
def test_bad_decisions_are_refused_and_change_nothing(store, scans, status, reason, message) -> None:
    store.register_scan(scans[0])
    with pytest.raises(CaseError, match=message):
        store.decide("C-000001", status, "ana", reason=reason)
    case = store.case("C-000001")
    assert (case["status"], case["version"], case["decisions"], case["audit"]) == ("new", 1, [], [])
    with pytest.raises(CaseError, match="No case 'C-999999'"):
        store.decide("C-999999", "in_review", "ana")


def test_a_directory_without_results_is_refused(store: CaseStore, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(CaseError, match=r"networks\.parquet, store_scores\.parquet missing"):
        store.register_scan(tmp_path / "empty")


def test_decisions_come_back_as_the_contracts_labels(store: CaseStore, scans) -> None:
    first, second = scans
    store.register_scan(first)
    store.decide("C-000001", "confirmed_counterfeit", "ana")
    store.decide("C-000002", "referred_police", "ana")
    store.decide("C-000003", "dismissed", "ana", reason="family")
    store.register_scan(second)
    store.decide("C-000004", "in_review", "ana")  # N-5, split from C-000002: not a decision that labels
    store.decide("C-000002", "dismissed", "bo", reason="false_positive")  # reversed: relabelled from scan 2
    labels = store.labels()
    assert [(r["entity_id"], r["label"], r["source"]) for r in labels.to_pylist()] == [
        ("s1", 1, "case C-000001: confirmed_counterfeit"),
        ("s2", 1, "case C-000001: confirmed_counterfeit"),
        ("s3", 0, "case C-000002: dismissed"),
        ("s4", 0, "case C-000002: dismissed"),
        ("s6", 0, "case C-000003: dismissed"),
        ("s7", 0, "case C-000003: dismissed"),
    ]
    assert labels.schema.names == [c.name for c in TABLES["labels"].columns]


def test_the_store_opens_at_the_head_revision(store: CaseStore) -> None:
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0005"
        if store.engine.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    CaseStore(store.url).close()  # opening again migrates nothing and fails on nothing


def test_a_server_key_is_drawn_once_and_kept(store: CaseStore) -> None:
    key = store.server_key("pseudonyms")
    assert len(key) == 32 and store.server_key("pseudonyms") == key
    assert store.server_key("another") != key
    with CaseStore(store.url) as reopened:  # a restart, or another worker process
        assert reopened.server_key("pseudonyms") == key
    with ThreadPoolExecutor(4) as pool:  # drawn at once by several: one key wins, every caller reads it
        drawn = set(pool.map(lambda _: store.server_key("raced"), range(8)))
    assert len(drawn) == 1


def test_concurrent_writers_queue_and_none_is_lost(case_url: str, scans) -> None:
    with CaseStore(case_url) as store:
        store.register_scan(scans[0])

    def work(worker: int) -> None:
        with CaseStore(case_url) as mine:  # its own connections, like another server process
            for i in range(10):
                mine.add_note("C-000001", f"w{worker}", f"note {i}")
                mine.decide("C-000002", "in_review" if i % 2 else "new", f"w{worker}")

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(6)))
    with CaseStore(case_url) as store:
        notes = store.case("C-000001")["notes"]
        second = store.case("C-000002")
    assert sorted((n["author"], n["text"]) for n in notes) == sorted(
        (f"w{w}", f"note {i}") for w in range(6) for i in range(10)
    )
    assert second["version"] == 61 and len(second["decisions"]) == 60 and len(second["audit"]) == 60


def test_the_queue_filters_sorts_and_pages_without_repeats(store: CaseStore, tmp_path: Path) -> None:
    networks = {
        f"N-{i:02d}": (round(0.05 * (i % 7), 2), [f"s{i}-{j}" for j in range(1 + i % 4)]) for i in range(20)
    }
    store.register_scan(write_scan(tmp_path / "scan", networks))
    seen, cursor = [], None
    while True:
        page = store.queue(QueueQuery(limit=6, cursor=cursor))
        seen += [(r["score"], r["key"]) for r in page.rows]
        store.decide(page.rows[0]["key"], "in_review", "ana")  # work between pages moves nothing
        if page.cursor is None:
            break
        cursor = page.cursor
    assert len(seen) == 20 and seen == sorted(seen, key=lambda p: (-p[0], p[1]))
    big = store.queue(QueueQuery(sort="n_stores", min_stores=3, min_score=0.1, limit=100)).rows
    assert [r["n_stores"] for r in big] == [4] * 3 + [3] * 4
    assert all(r["score"] >= 0.1 and r["n_stores"] >= 3 for r in big)
    assert {r["key"] for r in store.queue(QueueQuery(status="in_review", limit=100)).rows} == {
        k for _, k in seen[::6]
    }
    with pytest.raises(CaseError, match="Not a queue cursor"):
        store.queue(QueueQuery(cursor="bm9wZQ=="))
    with pytest.raises(CaseError, match="Unknown sort 'age'"):
        store.queue(QueueQuery(sort="age"))


def test_the_brands_a_network_sells_scope_the_queue(store: CaseStore, tmp_path: Path) -> None:
    networks = {"N-1": (0.9, ["s1"]), "N-2": (0.8, ["s2"]), "N-3": (0.7, ["s3"])}
    sold = {"N-1": ["Acme", "Bolt"], "N-2": ["Bolt"]}
    store.register_scan(write_scan(tmp_path / "scan", networks, brands=sold))
    keys = {r["network_id"]: r["key"] for r in store.queue().rows}
    assert [r["network_id"] for r in store.queue(QueueQuery(brands=("Bolt",))).rows] == ["N-1", "N-2"]
    assert [r["network_id"] for r in store.queue(QueueQuery(brands=("Acme", "Zed"))).rows] == ["N-1"]
    assert store.queue(QueueQuery(brands=())).rows == []
    assert store.case(keys["N-1"])["brands"] == ["Acme", "Bolt"] and store.case(keys["N-3"])["brands"] == []
