"""Console sessions: sign-in by password, an HttpOnly session cookie, CSRF tokens on every change, sign-out and
expiry that end the session on the server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from marketguard.cases import CaseStore
from marketguard.cases.schema import SignInFailure
from marketguard.cases.users import add_user
from marketguard.server import create_app
from marketguard.server.throttle import LOCK_S, MAX_FAILURES, SignInThrottle


def _client(scanned, url: str) -> tuple[TestClient, str]:
    with CaseStore(url) as store:
        add_user(store, "ana", "investigator", password="correct horse battery staple")
    return TestClient(create_app(url, [scanned])), url


def test_a_signed_in_investigator_decides_with_the_csrf_token_only(scanned, case_url) -> None:
    client, _ = _client(scanned, case_url)
    with client:
        wrong = client.post("/v1/session", json={"name": "ana", "password": "guess"})
        assert wrong.status_code == 401 and "mg_session" not in client.cookies
        nobody = client.post("/v1/session", json={"name": "nobody", "password": "guess"})
        assert nobody.status_code == 401 and nobody.json() == wrong.json()  # no hint which one was wrong
        signed = client.post("/v1/session", json={"name": "ana", "password": "correct horse battery staple"})
        assert signed.status_code == 200 and signed.json()["role"] == "investigator"
        cookies = signed.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("mg_session="))
        assert "HttpOnly" in session and "SameSite=strict" in session
        assert "HttpOnly" not in next(c for c in cookies if c.startswith("mg_csrf="))
        assert client.get("/v1/me").json()["name"] == "ana"

        key = client.get("/v1/queue", params={"limit": 1}).json()["cases"][0]["key"]
        decision = {"status": "in_review"}
        missing = client.post(f"/v1/cases/{key}/decisions", json=decision)
        forged = client.post(f"/v1/cases/{key}/decisions", json=decision, headers={"X-CSRF-Token": "forged"})
        for answer in (missing, forged):
            assert answer.status_code == 403 and "X-CSRF-Token" in answer.json()["error"]["message"]
        csrf = client.cookies["mg_csrf"]
        done = client.post(f"/v1/cases/{key}/decisions", json=decision, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200 and done.json()["status"] == "in_review"
        assert client.get(f"/v1/cases/{key}").json()["decisions"][0]["actor"] == "ana"

        old = client.cookies["mg_session"]
        assert client.delete("/v1/session").status_code == 200
        client.cookies.set("mg_session", old)  # a copied cookie is worth nothing after sign-out
        assert client.get("/v1/me").status_code == 401


def test_an_expired_session_is_refused(scanned, case_url) -> None:
    client, url = _client(scanned, case_url)
    with client:
        client.post("/v1/session", json={"name": "ana", "password": "correct horse battery staple"})
        assert client.get("/v1/me").status_code == 200
        with CaseStore(url) as store, store.engine.begin() as connection:
            connection.execute(
                text("UPDATE sessions SET expires_at = :t"), {"t": datetime(2000, 1, 1, tzinfo=UTC)}
            )
        assert client.get("/v1/me").status_code == 401


def test_repeated_wrong_passwords_lock_the_name_for_a_while(scanned, tmp_path) -> None:
    client, _ = _client(scanned, f"sqlite:///{tmp_path / 'cases.sqlite'}")
    with client:
        for _ in range(MAX_FAILURES):
            assert client.post("/v1/session", json={"name": "ana", "password": "guess"}).status_code == 401
        locked = client.post("/v1/session", json={"name": "ana", "password": "correct horse battery staple"})
        assert locked.status_code == 429 and locked.json()["error"]["code"] == "too_many_requests"
        other = client.post("/v1/session", json={"name": "bo", "password": "guess"})
        assert other.status_code == 401  # another name is not locked


def test_the_lock_lifts_after_its_time_and_a_success_clears_the_count(case_url) -> None:
    now = [datetime(2026, 12, 1, 9, tzinfo=UTC)]
    with CaseStore(case_url) as store:
        throttle = SignInThrottle(store, clock=lambda: now[0])
        for _ in range(MAX_FAILURES - 1):
            throttle.failed("ana")
        assert throttle.wait("ana") == 0.0
        throttle.succeeded("ana")
        for _ in range(MAX_FAILURES):
            throttle.failed("ana")
        assert throttle.wait("ana") == LOCK_S
        other = SignInThrottle(store, clock=lambda: now[0])  # another worker process counts the same failures
        assert other.wait("ana") == LOCK_S and other.wait("bo") == 0.0
        now[0] += timedelta(seconds=LOCK_S / 2)
        assert throttle.wait("ana") == LOCK_S / 2
        now[0] += timedelta(seconds=LOCK_S / 2)
        assert throttle.wait("ana") == 0.0
        throttle.failed("bo")  # failures older than the window are forgotten, not kept forever
        with store.session(write=False) as s:
            assert s.scalar(select(func.count()).select_from(SignInFailure)) == 1
