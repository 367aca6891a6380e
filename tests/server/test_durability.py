"""Durability: the server is killed (SIGKILL) while 50 clients post decisions; after a restart every decision it
acknowledged with a 2xx is in the case store exactly once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from marketguard.cases import CaseStore, QueueQuery
from marketguard.cases.users import add_user, issue_token
from tests.server.test_serve import _free_port

CLIENTS = 50


def _start(results: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "marketguard.cli", "serve", str(results), "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/openapi.json", timeout=1)
            return server
        except httpx.TransportError:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "the server did not start in 30 s"
            time.sleep(0.1)


def test_acknowledged_decisions_survive_a_kill(scanned: Path, case_url: str) -> None:
    with CaseStore(case_url) as store:
        store.register_scan(scanned)
        add_user(store, "ana", "investigator")
        token = issue_token(store, "ana")
        keys = [row["key"] for row in store.queue(QueueQuery(limit=10)).rows]
    port = _free_port()
    server = _start(scanned, case_url, port)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(i: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            n = 0
            while not stop.is_set():
                text = f"client {i} decision {n}"
                status = ("in_review", "confirmed_counterfeit")[n % 2]
                try:
                    answer = http.post(
                        f"/v1/cases/{keys[(i + n) % len(keys)]}/decisions",
                        json={"status": status, "note": text},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.TransportError:
                    return  # the server is gone: nothing was acknowledged
                if answer.is_success:
                    with lock:
                        acknowledged.append(text)
                n += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    os.kill(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acknowledged) >= CLIENTS, "too few decisions got through to test anything"
    print(f"{len(acknowledged)} decisions acknowledged before the kill")

    restarted = _start(scanned, case_url, port)  # the store opens after the kill (SQLite recovers its WAL)
    try:
        with CaseStore(case_url) as store:
            notes = Counter(n["text"] for key in keys for n in store.case(key)["notes"])
            decisions = sum(len(store.case(key)["decisions"]) for key in keys)
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
    missing = [t for t in acknowledged if notes[t] != 1]
    assert not missing, f"{len(missing)} acknowledged decisions lost or doubled, e.g. {missing[:3]}"
    assert decisions == sum(notes.values())  # each note came with its decision, in one transaction
