"""A served scan: a small simulated marketplace scanned once per session, a fresh case store per test with one
user (and token) per role."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

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
