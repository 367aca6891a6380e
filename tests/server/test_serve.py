"""``marketguard serve`` for real: uvicorn in its own process, a user and token made with ``marketguard users``,
the API answered over HTTP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import running_server


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
    with running_server(str(scanned), "--db", db, "--workers", str(workers)) as (base, _):
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{base}/v1/me", headers=headers).json()["name"] == "ana"
        queue = httpx.get(f"{base}/v1/queue", headers=headers, params={"limit": 3}).json()
        assert len(queue["cases"]) == 3 and queue["scan_id"] == 1
        assert httpx.get(f"{base}/v1/queue").status_code == 401
        top = queue["cases"][0]["network_id"]  # every worker answers the same, whichever takes the request
        answers = {httpx.get(f"{base}/v1/networks/{top}", headers=headers).content for _ in range(6)}
        assert len(answers) == 1


def test_a_demo_user_signs_in_with_the_printed_password(scanned: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "cases.sqlite")
    with running_server(str(scanned), "--db", db, "--demo-user", "demo") as (base, server):
        assert server.stdout is not None
        line = next(line for line in server.stdout if line.startswith("console:"))
        password = line.rsplit("password ", 1)[1].strip()
        signed = httpx.post(f"{base}/v1/session", json={"name": "demo", "password": password}, timeout=5)
        assert signed.status_code == 200 and signed.json()["role"] == "investigator"
