"""The live path over HTTP: events in (per-event reasons in one 422), a store's risk, the alert stream, a service
token required; and the state after a restart (snapshot + log, or kill -9 mid-load) equal to an uninterrupted run's."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import threading
import time

import httpx
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from marketguard.cases import CaseStore, database_url
from marketguard.cases.users import add_user, issue_token
from marketguard.contract import validate
from marketguard.engine import make_backend
from marketguard.errors import ParameterError
from marketguard.live.log import EventLog
from marketguard.live.replay import in_time_order
from marketguard.live.scorer import LiveScorer
from marketguard.live.service import LiveService
from marketguard.server import create_app
from marketguard.server.app import LiveSettings
from tests.live.conftest import EVENT_TABLES, cut, time_at
from tests.server.conftest import running_server


@pytest.fixture(scope="module")
def events(trained) -> list[dict]:
    """The trained marketplace's first 6,000 events, as a producer sends them (times as ISO text)."""
    market, _ = trained
    with make_backend("duckdb") as backend:
        validate(backend, market)
        rows = {t: backend.con.sql(f"SELECT * FROM {t}").to_arrow_table() for t in EVENT_TABLES}
    out = itertools.islice(in_time_order(rows), 6_000)
    return [{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in e.items()} for e in out]


def _tokens(url: str) -> dict[str, str]:
    with CaseStore(url) as store:
        for role in ("service", "investigator"):
            add_user(store, role, role)
        return {role: issue_token(store, role) for role in ("service", "investigator")}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_events_are_applied_refused_with_reasons_and_scored(trained, events, tmp_path) -> None:
    market, model = trained
    url = database_url(tmp_path / "cases.sqlite")
    tokens = _tokens(url)
    live = LiveSettings(model, tmp_path / "events.sqlite", market)
    with TestClient(create_app(url, live=live)) as client:
        service = _auth(tokens["service"])
        bad = [
            {"event_id": "x1", "event": "login", "account_id": "nobody", "ts": "soon", "ip": "1.2.3.4"},
            {"event_id": "x2", "event": "refund"},
            "not an object",
        ]
        answer = client.post("/v1/events", json=events[:1000] + bad, headers=service)
        assert answer.status_code == 422
        error = answer.json()["error"]
        assert error["code"] == "invalid_events" and error["details"]["accepted"] == 1000
        refused = {r["index"]: r for r in error["details"]["events"]}
        assert set(refused) == {1000, 1001, 1002}
        assert refused[1000]["problems"][0]["reason"] == "unparseable:ts"
        assert refused[1001]["problems"][0]["reason"] == "unknown_kind:event"
        again = client.post("/v1/events", json=events[:1500], headers=service)  # a retry with 500 new ones
        assert (
            again.status_code == 200
            and again.json()["duplicates"] == 1000
            and again.json()["accepted"] == 500
            and again.json()["refused_after_waiting"] == []
        )
        lines = "\n".join(json.dumps(e) for e in events[1500:2000]) + "\n{broken\n"
        ndjson = client.post(
            "/v1/events", content=lines, headers=service | {"Content-Type": "application/x-ndjson"}
        )
        assert ndjson.status_code == 422 and ndjson.json()["error"]["details"]["accepted"] == 500
        assert ndjson.json()["error"]["details"]["events"][0]["index"] == 500
        store = next(e["store_id"] for e in events[:2000] if e["event"] == "store_opened")
        risk = client.get(f"/v1/stores/{store}/risk", headers=_auth(tokens["investigator"]))
        assert risk.status_code == 200 and 0.0 <= risk.json()["score"] <= 1.0
        assert client.get("/v1/stores/nope/risk", headers=service).json()["error"]["code"] == "not_found"
        assert (
            client.post("/v1/events", json=events[:1], headers=_auth(tokens["investigator"])).status_code
            == 403
        )
        assert client.post("/v1/events", json=events[:1]).status_code == 401


def test_a_restart_from_snapshot_and_log_reaches_the_same_state(trained, events, tmp_path) -> None:
    market, model = trained
    first = LiveService(model, tmp_path / "events.sqlite", market, snapshot_every=1_300)
    assert first.background_snapshots  # written by a forked copy while the service goes on
    for start in range(0, len(events), 100):
        first.submit(events[start : start + 100])
    first.wait_for_snapshot()
    with EventLog(tmp_path / "events.sqlite") as log:
        latest = log.snapshot()
        assert latest is not None and latest[0] < log.last_seq()  # a snapshot, and events after it
    # the latest snapshot's file alone: older ones removed once it was recorded, no partial file left
    assert [f.name for f in (tmp_path / "events.sqlite.snapshots").iterdir()] == [f"{latest[0]}.state"]
    restarted = LiveService(model, tmp_path / "events.sqlite", market)
    (tmp_path / "copy").mkdir()
    with EventLog(tmp_path / "copy" / "events.sqlite") as copy, EventLog(tmp_path / "events.sqlite") as log:
        copy.append([e for _, e in log.events()])  # the same log without its snapshots: replayed from scratch
    fresh = LiveService(model, tmp_path / "copy" / "events.sqlite", market)
    stores = sorted(first.scorer.signals.stores)
    assert stores and [restarted.scorer.score(s) for s in stores] == [first.scorer.score(s) for s in stores]
    assert [fresh.scorer.score(s) for s in stores] == [first.scorer.score(s) for s in stores]
    assert restarted.scorer.flagged == first.scorer.flagged == fresh.scorer.flagged
    # the log applies an id once: the scorer keeps no set of every id (it would grow as long as the service runs)
    assert first.scorer.applied is None and restarted.scorer.applied is None
    repeated = first.submit(events[:100])
    assert repeated.duplicates == 100 and repeated.accepted == 0
    assert [first.scorer.score(s) for s in stores] == [fresh.scorer.score(s) for s in stores]
    for service in (first, restarted, fresh):
        service.close()
    with EventLog(tmp_path / "events.sqlite") as log:  # a snapshot another version wrote (another layout)
        log.save_snapshot(log.last_seq(), b"\x80\x05 an older layout")
    upgraded = LiveService(model, tmp_path / "events.sqlite", market)  # rebuilt from the whole log
    assert [upgraded.scorer.score(s) for s in stores] == [first.scorer.score(s) for s in stores]
    assert upgraded.scorer.flagged == first.scorer.flagged
    upgraded.close()


def test_a_snapshot_written_by_a_copy_of_the_service_holds_none_of_its_sockets(
    trained, events, tmp_path, monkeypatch
) -> None:
    """The forked copy writing a snapshot closes what it inherited: holding the server's listening socket, it kept
    the port bound after the server was killed, and the restart on that port failed until the copy finished."""
    market, model = trained
    service = LiveService(model, tmp_path / "events.sqlite", market, snapshot_every=500)
    pickle = LiveScorer.snapshot

    def slow(scorer: LiveScorer) -> bytes:  # runs in the copy: long enough to look at it while it writes
        time.sleep(3)
        return pickle(scorer)

    monkeypatch.setattr(LiveScorer, "snapshot", slow)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        inode = os.fstat(listening.fileno()).st_ino
        service.submit(events[:600])
        assert service._writer is not None
        time.sleep(1)
        held = [
            os.readlink(f"/proc/{service._writer[0]}/fd/{fd}")
            for fd in os.listdir(f"/proc/{service._writer[0]}/fd")
        ]
        assert f"socket:[{inode}]" not in held and len(held) <= 4  # stdin, stdout, stderr, the snapshot file
    service.close()  # waits for the copy, which wrote and recorded the snapshot
    with EventLog(tmp_path / "events.sqlite") as log:
        assert log.snapshot() is not None and log.snapshot()[0] >= 500


def test_a_service_started_from_a_history_takes_the_events_after_it(trained, tmp_path) -> None:
    """``--live-history``: the state starts as the history's; the events after it apply on top; a restart before
    any snapshot builds the history again and replays the log to the same state."""
    market, model = trained
    at = time_at(market, 0.5)
    cut(market, at, tmp_path / "history")
    rows = {t: pq.read_table(market / f"{t}.parquet") for t in EVENT_TABLES}
    later = list(itertools.islice(in_time_order(rows, after=at), 3_000))
    first = LiveService(model, tmp_path / "events.sqlite", history=tmp_path / "history")
    opened = set(pq.read_table(tmp_path / "history" / "stores.parquet").column("store_id").to_pylist())
    assert set(first.scorer.signals.stores) == opened and first.scorer.flagged
    submitted = [first.submit(later[i : i + 100]) for i in range(0, len(later), 100)]
    assert sum(s.accepted for s in submitted) == len(later) and not any(s.refused for s in submitted)
    first.close()
    again = LiveService(model, tmp_path / "events.sqlite", history=tmp_path / "history")
    stores = sorted(again.scorer.signals.stores)
    assert len(stores) > len(opened)  # stores opened after the history came as events
    assert [again.scorer.score(s) for s in stores] == [first.scorer.score(s) for s in stores]
    assert again.scorer.flagged == first.scorer.flagged
    again.close()
    with pytest.raises(ParameterError, match="no reference"):
        LiveService(model, tmp_path / "other.sqlite", market, history=tmp_path / "history")


def test_alerts_stream_and_acknowledged_events_survive_kill_9(trained, events, tmp_path) -> None:
    market, model = trained
    url = database_url(tmp_path / "cases.sqlite")
    tokens = _tokens(url)
    log = tmp_path / "events.sqlite"
    args = [
        "--db",
        url,
        "--live-model",
        str(model),
        "--live-events",
        str(log),
        "--live-reference",
        str(market),
    ]
    args += ["--live-threshold", "0.0"]  # every store alerts when it opens: the stream has something to say
    streamed: list[dict] = []
    acknowledged: list[str] = []
    with running_server(*args) as (base, server):

        def listen() -> None:
            with httpx.stream(
                "GET", f"{base}/v1/alerts", headers=_auth(tokens["investigator"]), timeout=60
            ) as s:
                for line in s.iter_lines():
                    if line.startswith("data: "):
                        streamed.append(json.loads(line[6:]))
                        if len(streamed) >= 3:
                            return

        listener = threading.Thread(target=listen)
        listener.start()
        time.sleep(0.5)
        with httpx.Client(base_url=base, headers=_auth(tokens["service"]), timeout=30) as http:
            for start in range(0, 3_100, 100):
                batch = events[start : start + 100]
                if http.post("/v1/events", json=batch).status_code == 200:
                    acknowledged += [e["event_id"] for e in batch]
        listener.join(timeout=30)
        os.kill(server.pid, signal.SIGKILL)  # mid-load as far as the log knows: no shutdown, no last snapshot
        server.wait()
    assert len(streamed) >= 3 and all(a["score"] >= 0.0 and a["store_id"] for a in streamed)
    with EventLog(log) as kept:
        ids = [e.event_id for _, e in kept.events()]
    assert len(ids) == len(set(ids)) and set(acknowledged) <= set(ids) and len(acknowledged) >= 3_000
    restarted = LiveService(model, log, market, threshold=0.0)
    fresh_log = tmp_path / "fresh.sqlite"
    with EventLog(fresh_log) as fresh, EventLog(log) as kept:
        fresh.append([e for _, e in kept.events()])
    uninterrupted = LiveService(model, fresh_log, market, threshold=0.0)
    stores = sorted(uninterrupted.scorer.signals.stores)
    assert stores and [restarted.scorer.score(s) for s in stores] == [
        uninterrupted.scorer.score(s) for s in stores
    ]
    restarted.close()
    uninterrupted.close()


def test_serve_refuses_a_reference_beside_a_history_and_more_workers(trained, tmp_path) -> None:
    from click.testing import CliRunner

    from marketguard.cli import main

    market, model = trained
    live = ["serve", "--db", database_url(tmp_path / "cases.sqlite"), "--live-model", str(model)]
    both = CliRunner().invoke(main, [*live, "--live-history", str(market), "--live-reference", str(market)])
    assert both.exit_code != 0 and "leave out --live-reference" in both.output
    workers = CliRunner().invoke(main, [*live, "--workers", "2"])
    assert workers.exit_code != 0 and "leave out --workers" in workers.output
