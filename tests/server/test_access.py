"""Every endpoint against every role (the expected table is written out here, not read from the code), tokens
that are missing, unknown, expired or revoked, and data a role may not see answered as absent."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from marketguard.cases import CaseStore
from marketguard.cases.users import revoke_tokens
from marketguard.server import create_app
from marketguard.server.access import ALLOWED
from marketguard.server.redaction import PERSONAL_KINDS
from tests.server.conftest import auth

A, INV, B, C, S = "admin", "investigator", "brand", "customs", "service"
#: endpoint -> (method, path, body, the roles allowed)
EXPECTED = {
    "me": ("GET", "/v1/me", None, {A, INV, B, C, S}),
    "scans": ("GET", "/v1/scans", None, {A, INV, C, S}),
    "queue": ("GET", "/v1/queue", None, {A, INV, B, C, S}),
    "network": ("GET", "/v1/networks/{network}", None, {A, INV, B, C, S}),
    "export": ("GET", "/v1/networks/{network}/export?format=ftm", None, {A, INV, B, C, S}),
    "case": ("GET", "/v1/cases/{case}", None, {A, INV, B, C}),
    "decide": ("POST", "/v1/cases/{case}/decisions", {"status": "in_review"}, {A, INV}),
    "assign": ("POST", "/v1/cases/{case}/assignee", {"assignee": "ana"}, {A, INV}),
    "note": ("POST", "/v1/cases/{case}/notes", {"text": "seen"}, {A, INV, C}),
    "store": ("GET", "/v1/stores/{store}", None, {A, INV, S}),
    "account": ("GET", "/v1/accounts/{account}", None, {A, INV, S}),
    "declaration": ("GET", "/v1/declarations/{declaration}", None, {A, INV, C, S}),
    "search": ("GET", "/v1/search?q={store}", None, {A, INV, C}),
    "events": (
        "POST",
        "/v1/events",
        [],
        {A, S},
    ),  # the live endpoints: 503 here (no live model), still guarded
    "risk": ("GET", "/v1/stores/{store}/risk", None, {A, INV, S}),
    "alerts": ("GET", "/v1/alerts", None, {A, INV, S}),
}


def test_the_table_covers_every_endpoint(served) -> None:
    client, _, _ = served
    assert set(EXPECTED) == set(ALLOWED)
    assert {name: roles for name, (*_, roles) in EXPECTED.items()} == {n: set(r) for n, r in ALLOWED.items()}
    public = {
        "/v1/docs",
        "/v1/session",
    }  # sign-in is the one endpoint without a caller (tests/server/test_sessions.py)
    paths = {p for p in client.get("/v1/openapi.json").json()["paths"] if p not in public}
    assert len(paths) == len({e[1].split("?")[0] for e in EXPECTED.values()})


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
@pytest.mark.parametrize("role", [A, INV, B, C, S])
def test_each_role_is_let_through_or_refused(served, endpoint: str, role: str) -> None:
    client, tokens, _ = served
    names = _names(client, tokens)
    method, path, body, roles = EXPECTED[endpoint]
    response = client.request(method, path.format(**names), json=body, headers=auth(tokens[role]))
    if role in roles:
        assert response.status_code not in (401, 403), response.json()
    else:
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_a_brand_user_sees_only_networks_selling_the_brand_without_identifiers(
    served, scanned, user_brand
) -> None:
    client, tokens, url = served
    brand, inv = auth(tokens[B]), auth(tokens[INV])
    sold = pq.read_table(scanned / "network_brands.parquet").to_pylist()
    selling = {r["network_id"] for r in sold if r["brand"] == user_brand}
    theirs = client.get("/v1/queue", params={"limit": 500}, headers=brand).json()["cases"]
    assert {c["network_id"] for c in theirs} == selling and len(selling) >= 2
    asked_other = client.get("/v1/queue", params={"brand": "not-theirs"}, headers=brand).json()["cases"]
    assert asked_other == []  # a brand filter never widens a brand user's scope
    everyone = client.get("/v1/queue", params={"brand": user_brand, "limit": 500}, headers=inv).json()[
        "cases"
    ]
    assert {c["network_id"] for c in everyone} == selling

    network = max(selling, key=lambda n: len(client.get(f"/v1/networks/{n}", headers=inv).json()["links"]))
    full = client.get(f"/v1/networks/{network}", headers=inv).json()
    seen = client.get(f"/v1/networks/{network}", headers=brand).json()
    assert [s["store_id"] for s in seen["stores"]] == [s["store_id"] for s in full["stores"]]
    personal = {r["artifact"] for r in full["links"] if r["kind"] in PERSONAL_KINDS}
    personal |= {r["party"] for r in full["money"] or []}
    assert personal and not personal & set(_strings(seen))  # no identifier anywhere in the answer
    assert seen["declarations"] is None
    masked = {r["artifact"] for r in seen["links"] if r["kind"] in PERSONAL_KINDS}
    linked = {(r["kind"], r["artifact"]) for r in full["links"] if r["kind"] in PERSONAL_KINDS}
    assert len(masked) == len(linked)  # one pseudonym per identifier: the graph still reads
    assert all("#" in a for a in masked)
    with TestClient(create_app(url)) as restarted:  # a restart (or another worker) gives the same pseudonyms
        again = restarted.get(f"/v1/networks/{network}", headers=brand).json()
    assert {r["artifact"] for r in again["links"] if r["kind"] in PERSONAL_KINDS} == masked
    for fmt in ("html", "json", "graphml", "ftm"):  # the files they can download hold no more
        exported = client.get(f"/v1/networks/{network}/export", params={"format": fmt}, headers=brand).text
        assert not any(p in exported for p in personal), fmt

    other = next(
        c
        for c in client.get("/v1/queue", params={"limit": 500}, headers=inv).json()["cases"]
        if c["network_id"] and c["network_id"] not in selling
    )
    for path in (f"/v1/networks/{other['network_id']}", f"/v1/cases/{other['key']}"):
        hidden = client.get(path, headers=brand)
        assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    mine = client.get(f"/v1/cases/{theirs[0]['key']}", headers=brand).json()
    assert user_brand in mine["brands"] and "notes" not in mine and "audit" not in mine


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_customs_sees_only_networks_with_declarations(served) -> None:
    client, tokens, _ = served
    customs, inv = auth(tokens[C]), auth(tokens[INV])
    everything = client.get("/v1/queue", params={"limit": 500}, headers=inv).json()["cases"]
    theirs = client.get("/v1/queue", params={"limit": 500}, headers=customs).json()["cases"]
    assert theirs and all(c["n_declarations"] > 0 for c in theirs)
    untied = next(c for c in everything if c["n_declarations"] == 0 and c["network_id"])
    assert client.get(f"/v1/networks/{untied['network_id']}", headers=customs).status_code == 404
    assert client.get(f"/v1/networks/{theirs[0]['network_id']}", headers=customs).status_code == 200
    assert (
        client.post(f"/v1/cases/{untied['key']}/notes", json={"text": "x"}, headers=customs).status_code
        == 404
    )


@pytest.mark.parametrize(
    "header",
    [
        {},
        {"Authorization": "Bearer mg_not-a-token"},
        {"Authorization": "Bearer " + "mg_" + "a" * 5000},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "mg_no-scheme"},
    ],
)
def test_requests_without_a_valid_token_are_refused(served, header) -> None:
    client, _, _ = served
    answer = client.get("/v1/queue", headers=header)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_expired_and_revoked_tokens_stop_working(served) -> None:
    client, tokens, url = served
    assert client.get("/v1/me", headers=auth(tokens["expired"])).status_code == 401
    assert client.get("/v1/me", headers=auth(tokens[INV])).json()["name"] == "investigator"
    with CaseStore(url) as store:
        assert revoke_tokens(store, "investigator") == 1
    assert client.get("/v1/me", headers=auth(tokens[INV])).status_code == 401


def _names(client, tokens) -> dict[str, str]:
    admin = auth(tokens[A])
    top = client.get("/v1/queue", params={"limit": 500}, headers=admin).json()["cases"]
    tied = next(c for c in top if c["n_declarations"])
    network = client.get(f"/v1/networks/{tied['network_id']}", headers=admin).json()
    return {
        "network": tied["network_id"],
        "case": tied["key"],
        "store": network["stores"][0]["store_id"],
        "account": network["stores"][0]["account_id"],
        "declaration": network["declarations"][0]["declaration_id"],
    }
