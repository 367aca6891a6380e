"""The /v1 API on a real scan: the queue, a network's evidence, decisions, search, and one error shape."""

from __future__ import annotations

import json
import sys
from collections import Counter

from tests.server.conftest import auth


def test_the_queue_pages_through_every_case_highest_first(served) -> None:
    client, tokens, _ = served
    seen, cursor = [], None
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/queue", params=params, headers=auth(tokens["investigator"])).json()
        seen += page["cases"]
        cursor = page["next"]
        if cursor is None:
            break
    scores = [c["score"] for c in seen]
    assert len(seen) > 20 and scores == sorted(scores, reverse=True)
    assert len({c["key"] for c in seen}) == len(seen)
    big = client.get("/v1/queue", params={"min_stores": 4, "sort": "n_stores"}, headers=auth(tokens["admin"]))
    assert all(c["n_stores"] >= 4 for c in big.json()["cases"]) and big.json()["cases"]


def test_a_networks_evidence_and_its_case(served) -> None:
    client, tokens, _ = served
    top = client.get("/v1/queue", params={"limit": 1}, headers=auth(tokens["investigator"])).json()["cases"][
        0
    ]
    body = client.get(f"/v1/networks/{top['network_id']}", headers=auth(tokens["investigator"])).json()
    assert body["network_id"] == top["network_id"] and body["score"] == top["score"]
    assert body["case"]["key"] == top["key"]
    assert len(body["stores"]) == top["n_stores"] and body["links"] and body["accounts"]
    assert body["scan"]["results"].startswith("scan ") and body["scan"]["dataset"] is None  # no server paths
    store = body["stores"][0]["store_id"]
    assert (
        client.get(f"/v1/stores/{store}", headers=auth(tokens["investigator"])).json()["network_id"]
        == (top["network_id"])
    )


def test_deciding_through_the_api_is_kept_with_its_evidence(served) -> None:
    client, tokens, _ = served
    inv = auth(tokens["investigator"])
    top = client.get("/v1/queue", params={"limit": 1}, headers=inv).json()["cases"][0]
    key = top["key"]
    done = client.post(
        f"/v1/cases/{key}/decisions",
        json={
            "status": "confirmed_counterfeit",
            "note": "<script>alert(1)</script>",
            "version": top["version"],
        },
        headers=inv,
    )
    assert done.status_code == 200 and done.json()["status"] == "confirmed_counterfeit"
    stale = client.post(
        f"/v1/cases/{key}/decisions", json={"status": "new", "version": top["version"]}, headers=inv
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_case"
    case = client.get(f"/v1/cases/{key}", headers=inv).json()
    assert case["decisions"][0]["actor"] == "investigator"
    assert case["decisions"][0]["evidence"]["n_stores"] == top["n_stores"]
    assert case["notes"][0]["text"] == "<script>alert(1)</script>"  # kept as written; JSON carries it inert
    confirmed = client.get("/v1/queue", params={"status": "confirmed_counterfeit"}, headers=inv).json()[
        "cases"
    ]
    assert [c["key"] for c in confirmed] == [key]


def test_search_finds_stores_accounts_networks_and_shared_artifacts(served) -> None:
    client, tokens, _ = served
    inv = auth(tokens["investigator"])
    top = client.get("/v1/queue", params={"limit": 1}, headers=inv).json()["cases"][0]
    body = client.get(f"/v1/networks/{top['network_id']}", headers=inv).json()
    link = body["links"][0]
    for q, kind in [
        (body["stores"][0]["store_id"], "store"),
        (link["account_a"], "account"),
        (top["network_id"], "network"),
        (link["artifact"], link["kind"]),
    ]:
        hits = client.get("/v1/search", params={"q": q}, headers=inv).json()["hits"]
        assert {"kind": kind, "id": q, "network_id": top["network_id"]} in hits, (q, hits)
    for hostile in ["' OR 1=1 --", "%", "*", "x'); DROP TABLE links; --"]:
        answer = client.get("/v1/search", params={"q": hostile}, headers=inv)
        assert answer.status_code == 200 and answer.json()["hits"] == []
    assert client.get("/v1/search", params={"q": link["artifact"]}, headers=inv).json()["hits"]  # still there


def test_every_error_has_one_shape(served) -> None:
    client, tokens, _ = served
    inv = auth(tokens["investigator"])
    cases = [
        (client.get("/v1/queue"), 401, "unauthorized"),
        (client.get("/v1/networks/N-nope", headers=inv), 404, "not_found"),
        (client.get("/v1/cases/C-999999", headers=inv), 404, "not_found"),
        (client.get("/v1/queue", params={"min_score": 2}, headers=inv), 422, "invalid_request"),
        (client.get("/v1/queue", params={"cursor": "garbage"}, headers=inv), 400, "bad_request"),
        (
            client.post("/v1/cases/C-000001/decisions", json={"status": "dismissed"}, headers=inv),
            400,
            "bad_request",
        ),
        (
            client.post("/v1/cases/C-000001/decisions", json={"status": "closed"}, headers=inv),
            422,
            "invalid_request",
        ),
        (client.get("/v1/nowhere", headers=inv), 404, "not_found"),
    ]
    for response, status, code in cases:
        body = response.json()
        assert response.status_code == status and body["error"]["code"] == code, (status, body)
        assert body["error"]["status"] == status and body["error"]["message"]
    unknown = client.get("/v1/networks/N-nope", headers=inv).json()["error"]["message"]
    assert "N-" not in unknown.replace("'N-nope'", "")  # no other network id is suggested
    assert client.get("/v1/openapi.json").status_code == 200


def test_a_network_exports_as_html_json_graphml_and_followthemoney(served, scanned) -> None:
    client, tokens, _ = served
    inv = auth(tokens["investigator"])
    top = client.get("/v1/queue", params={"limit": 1}, headers=inv).json()["cases"][0]["network_id"]
    body = client.get(f"/v1/networks/{top}", headers=inv).json()
    for fmt, media, start in [
        ("html", "text/html", "<!DOCTYPE html>"),
        ("json", "application/json", "{"),
        ("graphml", "application/xml", "<?xml"),
        ("ftm", "application/x-ndjson", "{"),
    ]:
        answer = client.get(f"/v1/networks/{top}/export", params={"format": fmt}, headers=inv)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
        assert answer.text.lstrip().startswith(start)
        assert answer.headers["content-disposition"].startswith(f'attachment; filename="{top}.')
    entities = [
        json.loads(line)
        for line in client.get(
            f"/v1/networks/{top}/export", params={"format": "ftm"}, headers=inv
        ).text.splitlines()
    ]
    schemata = Counter(e["schema"] for e in entities)
    assert schemata["UserAccount"] == len(body["accounts"]) and schemata["Organization"] == len(
        body["stores"]
    )
    assert schemata["Payment"] == len(body["money"] or []) and schemata["LegalEntity"] == 1
    ids = {e["id"] for e in entities}
    links = [e for e in entities if e["schema"] == "UnknownLink"]
    assert all(e["properties"]["subject"][0] in ids and e["properties"]["object"][0] in ids for e in links)
    for fmt in ("html", "json"):  # the server's paths are not the caller's business
        text = client.get(f"/v1/networks/{top}/export", params={"format": fmt}, headers=inv).text
        assert str(scanned) not in text and str(scanned.parent) not in text


def test_exports_never_reach_outside_the_results(served) -> None:
    client, tokens, _ = served
    inv = auth(tokens["investigator"])
    for hostile in [
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "N-x/../../cases.sqlite",
        "%00",
        "..\\\\windows",
    ]:
        answer = client.get(f"/v1/networks/{hostile}/export", params={"format": "json"}, headers=inv)
        assert answer.status_code == 404, (hostile, answer.status_code)
        assert "root:" not in answer.text
    bad = client.get("/v1/networks/N-x/export", params={"format": "../../x"}, headers=inv)
    assert bad.status_code == 422


def test_followthemoney_export_says_how_to_install_it_when_missing(served, monkeypatch) -> None:
    client, tokens, _ = served
    inv = auth(tokens["investigator"])
    top = client.get("/v1/queue", params={"limit": 1}, headers=inv).json()["cases"][0]["network_id"]
    monkeypatch.setitem(sys.modules, "followthemoney", None)  # as on an install without the ftm extra
    answer = client.get(f"/v1/networks/{top}/export", params={"format": "ftm"}, headers=inv)
    assert answer.status_code == 501 and answer.json()["error"]["code"] == "not_installed"
    assert "marketguard[ftm]" in answer.json()["error"]["message"]


def test_the_console_is_served_with_a_strict_content_security_policy(served) -> None:
    client, _, _ = served
    root = client.get("/", follow_redirects=False)
    assert root.status_code in (302, 307) and root.headers["location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200 and "<title>marketguard</title>" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy and "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy and page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/console/vendor/cytoscape-LICENSE").text.startswith("Copyright")
    assert client.get("/console/../cases.sqlite").status_code == 404


def test_hostile_filters_are_values_never_sql(served) -> None:
    client, tokens, _ = served
    inv = auth(tokens["investigator"])
    everything = client.get("/v1/queue", params={"limit": 500}, headers=inv).json()["cases"]
    for name in ("brand", "assignee"):
        for hostile in ["' OR 1=1 --", "x' OR '1'='1", "%", "Robert'); DROP TABLE cases;--"]:
            answer = client.get("/v1/queue", params={name: hostile}, headers=inv)
            assert answer.status_code == 200 and answer.json()["cases"] == [], (name, hostile)
    for name, hostile in [
        ("status", "new' OR 1=1 --"),
        ("sort", "score; DROP TABLE cases"),
        ("min_score", "1 OR 1"),
    ]:
        assert client.get("/v1/queue", params={name: hostile}, headers=inv).status_code == 422
    assert client.get("/v1/queue", params={"limit": 500}, headers=inv).json()["cases"] == everything


def test_an_account_and_a_site_address(served) -> None:
    client, tokens, _ = served
    inv = auth(tokens["investigator"])
    top = client.get("/v1/queue", params={"limit": 1}, headers=inv).json()["cases"][0]["network_id"]
    body = client.get(f"/v1/networks/{top}", headers=inv).json()
    owner = body["stores"][0]["account_id"]
    account = client.get(f"/v1/accounts/{owner}", headers=inv).json()
    assert account["networks"] == [top] and body["stores"][0]["store_id"] in [
        s["store_id"] for s in account["stores"]
    ]
    mine = [r for r in body["links"] if owner in (r["account_a"], r["account_b"])]
    assert len(account["links"]) == len(mine) and mine
    assert client.get("/v1/accounts/U-nobody", headers=inv).status_code == 404
    site = body["sites"][0]
    hits = client.get("/v1/search", params={"q": site["address"]}, headers=inv).json()["hits"]
    assert {"kind": "site", "id": site["site_id"], "network_id": top} in hits


def test_the_console_basemap_is_served_with_its_licence(served) -> None:
    client, _, _ = served
    topology = client.get("/console/vendor/world-atlas-2.0.2-countries-50m.json")
    assert topology.status_code == 200 and topology.json()["type"] == "Topology"
    assert client.get("/console/vendor/world-atlas-LICENSE").text.startswith("Copyright")
