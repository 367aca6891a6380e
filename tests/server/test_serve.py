"""``marketguard serve`` for real: uvicorn in its own process, a user and token made with ``marketguard users``,
the API answered over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "marketguard.cli", *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_over_http(scanned: Path, tmp_path: Path, workers: int) -> None:
    db = str(tmp_path / "cases.sqlite")
    _cli("users", "add", "ana", "--role", "investigator", "--db", db)
    token = _cli("users", "token", "ana", "--db", db).strip()
    assert token.startswith("mg_")
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "marketguard.cli",
        "serve",
        str(scanned),
        "--db",
        db,
        "--port",
        str(port),
    ]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/v1/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start in 30 s"
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{base}/v1/me", headers=headers).json()["name"] == "ana"
        queue = httpx.get(f"{base}/v1/queue", headers=headers, params={"limit": 3}).json()
        assert len(queue["cases"]) == 3 and queue["scan_id"] == 1
        assert httpx.get(f"{base}/v1/queue").status_code == 401
        top = queue["cases"][0]["network_id"]  # every worker answers the same, whichever takes the request
        answers = {httpx.get(f"{base}/v1/networks/{top}", headers=headers).content for _ in range(6)}
        assert len(answers) == 1
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_demo_user_signs_in_with_the_printed_password(scanned: Path, tmp_path: Path) -> None:
    port = _free_port()
    db = str(tmp_path / "cases.sqlite")
    command = [
        sys.executable,
        "-m",
        "marketguard.cli",
        "serve",
        str(scanned),
        "--db",
        db,
        "--port",
        str(port),
    ]
    server = subprocess.Popen(
        [*command, "--demo-user", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1", "COLUMNS": "300"},
    )
    try:
        assert server.stdout is not None
        line = next(line for line in server.stdout if line.startswith("console:"))
        password = line.rsplit("password ", 1)[1].strip()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                signed = httpx.post(
                    f"{base}/v1/session", json={"name": "demo", "password": password}, timeout=5
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start in 30 s"
                time.sleep(0.2)
        assert signed.status_code == 200 and signed.json()["role"] == "investigator"
    finally:
        server.terminate()
        server.wait(timeout=10)
