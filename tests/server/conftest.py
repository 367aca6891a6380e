"""A served scan: a small simulated marketplace scanned once per session, a fresh case store per test with one
user (and token) per role; and ``marketguard serve`` run for real in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from marketguard.cases import CaseStore, database_url
from marketguard.cases.users import ROLES, add_user, issue_token
from marketguard.pipeline.scan import scan
from marketguard.server import create_app


@pytest.fixture(scope="session")
def scanned(small_market: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scan(small_market, tmp_path_factory.mktemp("served") / "results").out


@pytest.fixture(scope="session")
def user_brand(scanned: Path) -> str:
    """The brand the brand user works for: the one the most networks sell (ties by name)."""
    sold = pq.read_table(scanned / "network_brands.parquet", columns=["network_id", "brand"]).to_pylist()
    networks: dict[str, set[str]] = {}
    for row in sold:
        networks.setdefault(row["brand"], set()).add(row["network_id"])
    return min(networks, key=lambda b: (-len(networks[b]), b))


@pytest.fixture
def served(scanned: Path, user_brand: str, tmp_path: Path):
    """(client, tokens by role, case store URL) over the scan; the brand user sees ``user_brand``."""
    url = database_url(tmp_path / "cases.sqlite")
    tokens = {}
    with CaseStore(url) as store:
        for role in ROLES:
            add_user(store, role, role, brands=(user_brand,) if role == "brand" else ())
            tokens[role] = issue_token(store, role)
        add_user(store, "gone", "investigator")
        tokens["expired"] = issue_token(store, "gone", "old", expires_in=timedelta(seconds=-1))
    with TestClient(create_app(url, [scanned])) as client:
        yield client, tokens, url


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(*args: str, port: int | None = None) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``marketguard serve ARGS`` in its own process, yielded once it answers as (base URL, process) and stopped
    after (its output is readable from the process: unbuffered, wide enough for one line per message)."""
    port = port or free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "marketguard.cli", "serve", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1", "COLUMNS": "300"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/v1/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start in 30 s"
                time.sleep(0.1)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=10)
