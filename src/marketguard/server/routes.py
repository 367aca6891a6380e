"""The ``/v1`` endpoints: the queue, a network's evidence, cases and the decisions on them, stores, declarations,
search. Thin: each reads the case store or a scan's results (:mod:`marketguard.server.results`) and shapes JSON;
the role checks are :mod:`marketguard.server.access`'s. Reading endpoints answer with the JSON they build
(:class:`~marketguard.server.answers.JSONAnswer`): a returned dict would go back to the thread pool for FastAPI to validate and encode.

The reading endpoints run on the event loop: their case-store reads are indexed look-ups (under 2 ms on SQLite,
whose readers never wait for a lock in WAL mode) and a network's evidence is built once and kept encoded, so a
hop to a worker thread and back would cost more than the work (it halved the answers per second under load).
What can wait (writes queue for the database's write lock) or takes long (exports, a case's whole history)
runs on worker threads."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from marketguard.cases import CHANGES, DISMISS_REASONS, STATUSES, CaseStore, QueueQuery
from marketguard.cases.users import SESSION_HOURS, Principal, end_session, start_session
from marketguard.report import RENDERERS, build_case
from marketguard.server.access import CSRF_COOKIE, SESSION_COOKIE, allow
from marketguard.server.answers import JSONAnswer, encode
from marketguard.server.results import EncodedEvidence, IndexedResults, ResultsCache
from marketguard.server.throttle import SignInThrottle

router = APIRouter()

Status = Literal[STATUSES]  # type: ignore[valid-type]
Reason = Literal[DISMISS_REASONS]  # type: ignore[valid-type]
#: Longest free text accepted in a note (a page of text; longer is pasted data, not a note).
NOTE_LENGTH = 20_000
#: Most rows a search answers with.
SEARCH_LIMIT = 50
#: The roles that see only some networks (and so only some cases).
_SCOPED = ("brand", "customs")


class DecisionIn(BaseModel):
    status: Status
    reason: Reason | None = None
    note: str | None = Field(None, max_length=NOTE_LENGTH)
    version: int | None = Field(None, description="The case version you read: refused (409) if it changed.")


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=NOTE_LENGTH)


class AssignIn(BaseModel):
    assignee: str | None = Field(None, max_length=256)
    version: int | None = None


def _store(request: Request) -> CaseStore:
    store: CaseStore = request.app.state.store
    return store


def _scan(request: Request, scan_id: int | None) -> dict[str, Any]:
    scan = _store(request).scan(scan_id)
    if scan is None:
        raise HTTPException(404, "No scan registered yet." if scan_id is None else f"No scan {scan_id}.")
    return scan


def _results(request: Request, scan_id: int | None = None) -> tuple[dict[str, Any], IndexedResults]:
    """The scan (the latest by default) and its results, for the endpoints on worker threads."""
    scan = _scan(request, scan_id)
    return scan, request.app.state.results.get(scan["path"])


async def _loaded(request: Request, scan_id: int | None = None) -> tuple[dict[str, Any], IndexedResults]:
    """:func:`_results` for the endpoints on the event loop: a scan's results not yet in memory (a new scan;
    1.4 s at 100k stores) are read on a worker thread while the loop goes on answering."""
    scan = _scan(request, scan_id)
    cache: ResultsCache = request.app.state.results
    found = cache.loaded(scan["path"])
    if found is None:
        found = await run_in_threadpool(cache.get, scan["path"])
    return scan, found


def _may_see_network(caller: Principal, results: IndexedResults, network_id: str) -> bool:
    """Whether the caller's role lets them see the network at all (see :mod:`marketguard.server.access`)."""
    if caller.role == "brand":
        sold = results.table("network_brands", network_id)
        return sold is not None and bool(set(sold.column("brand").to_pylist()) & set(caller.brands))
    if caller.role == "customs":
        return results.has_network("declaration_scores", network_id)
    return True


def _check_network(caller: Principal, results: IndexedResults, network_id: str) -> None:
    """A network missing from the results, or outside the caller's role's scope: the same 404."""
    if not _may_see_network(caller, results, network_id) or not results.has_network("networks", network_id):
        raise HTTPException(404, f"No network {network_id!r} in this scan.")


def _evidence(
    request: Request, caller: Principal, scan: dict[str, Any], results: IndexedResults, network_id: str
) -> dict[str, Any]:
    """The network's case as the report builds it and the caller may see it: a brand user's copy carries their
    redactions, and the server's paths (the results directory, the dataset it scanned) are left out."""
    case = build_case(results, network_id)
    case["scan"] = case["scan"] | {"results": f"scan {scan['id']}", "dataset": None}
    if caller.role == "brand":
        case = request.app.state.redactor.network(case)
    return case


class SignIn(BaseModel):
    name: str = Field(min_length=1, max_length=256)
    password: str = Field(min_length=1, max_length=1024)


@router.post("/session")
def sign_in(request: Request, body: SignIn) -> JSONAnswer:
    """Sign in to the console: a session cookie (HttpOnly) and a CSRF cookie whose value every request that
    changes something must send back in the ``X-CSRF-Token`` header. Too many wrong passwords for one name lock
    it for a while (:class:`~marketguard.server.throttle.SignInThrottle`)."""
    throttle: SignInThrottle = request.app.state.throttle
    wait = throttle.wait(body.name)
    if wait > 0:
        raise HTTPException(429, f"Too many failed sign-ins for this name: try again in {int(wait) + 1} s.")
    started = start_session(_store(request), body.name, body.password)
    if started is None:
        throttle.failed(body.name)
        raise HTTPException(401, "Wrong name or password.")
    throttle.succeeded(body.name)
    principal, token, csrf = started
    answer = JSONAnswer({"name": principal.name, "role": principal.role, "brands": list(principal.brands)})
    secure = request.url.scheme == "https"
    age = SESSION_HOURS * 3600
    answer.set_cookie(SESSION_COOKIE, token, max_age=age, httponly=True, samesite="strict", secure=secure)
    answer.set_cookie(CSRF_COOKIE, csrf, max_age=age, httponly=False, samesite="strict", secure=secure)
    return answer


@router.delete("/session")
def sign_out(request: Request) -> JSONAnswer:
    """Sign out: the session ends on the server, and its cookies are cleared."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(_store(request), token)
    answer = JSONAnswer({"signed_out": True})
    answer.delete_cookie(SESSION_COOKIE)
    answer.delete_cookie(CSRF_COOKIE)
    return answer


@router.get("/me")
async def me(caller: Annotated[Principal, allow("me")]) -> dict[str, Any]:
    """Who the token belongs to."""
    return {"name": caller.name, "role": caller.role, "brands": list(caller.brands)}


@router.get("/scans")
async def scans(request: Request, caller: Annotated[Principal, allow("scans")]) -> list[dict[str, Any]]:
    """The registered scans, oldest first."""
    return [{k: v for k, v in s.items() if k != "path"} for s in _store(request).scans()]


@router.get("/queue")
async def queue(
    request: Request,
    caller: Annotated[Principal, allow("queue")],
    status: Status | None = None,
    change: Literal[CHANGES] | None = None,  # type: ignore[valid-type]
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    min_stores: Annotated[int | None, Query(ge=0)] = None,
    min_revenue: Annotated[float | None, Query(ge=0)] = None,
    assignee: str | None = None,
    new_since: Annotated[
        int | None, Query(description="Only cases opened by scans after this scan id.")
    ] = None,
    brand: Annotated[
        str | None, Query(max_length=256, description="Only networks selling this brand.")
    ] = None,
    sort: Literal["score", "revenue", "n_stores"] = "score",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> JSONAnswer:
    """The latest scan's cases, highest first; ``next`` is the cursor of the next page (null on the last)."""
    brands: tuple[str, ...] | None = None if brand is None else (brand,)
    if caller.role == "brand":  # their brands only, whatever they ask for
        brands = tuple(b for b in caller.brands if brand is None or b == brand)
    query = QueueQuery(
        status=status,
        change=change,
        min_score=min_score,
        max_score=max_score,
        min_stores=min_stores,
        min_revenue=min_revenue,
        assignee=assignee,
        new_since=new_since,
        with_declarations=caller.role == "customs",
        brands=brands,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = _store(request).queue(query)
    return JSONAnswer({"scan_id": page.scan_id, "cases": page.rows, "next": page.cursor})


@router.get("/networks/{network_id}")
async def network(
    request: Request,
    network_id: str,
    caller: Annotated[Principal, allow("network")],
    scan: Annotated[int | None, Query(description="A registered scan id; the latest by default.")] = None,
) -> Response:
    """One network's evidence as the scan found it (the case report's content) and the case following it."""
    found, results = await _loaded(request, scan)
    _check_network(caller, results, network_id)
    kept: EncodedEvidence = request.app.state.evidence
    key = (found["id"], network_id, "brand" if caller.role == "brand" else "full")
    evidence = kept.get(key, lambda: _evidence(request, caller, found, results, network_id))
    case = _store(request).case_of_network(found["id"], network_id)
    if caller.role == "brand":
        case = case and {k: case[k] for k in ("key", "status", "reason", "change")}  # not who works it
    head = encode({"scan_id": found["id"], "case": case})
    # one object: the case's fields, then the evidence's (kept encoded: the same bytes for every caller)
    return Response(head[:-1] + b"," + evidence[1:], media_type="application/json")


#: Export formats: media type and file extension.
EXPORTS = {
    "html": ("text/html; charset=utf-8", "html"),
    "json": ("application/json", "json"),
    "graphml": ("application/xml", "graphml"),
    "ftm": ("application/x-ndjson", "ftm.json"),
}


@router.get("/networks/{network_id}/export")
def export(
    request: Request,
    network_id: str,
    caller: Annotated[Principal, allow("export")],
    fmt: Annotated[Literal["html", "json", "graphml", "ftm"], Query(alias="format")] = "html",
    scan: Annotated[int | None, Query(description="A registered scan id; the latest by default.")] = None,
) -> Response:
    """The network's case as a file: the self-contained HTML report, its JSON, GraphML (Gephi and link-analysis
    tools) or FollowTheMoney entities (Aleph), one per line. A brand user's copy has their redactions."""
    found, results = _results(request, scan)
    _check_network(caller, results, network_id)
    case = _evidence(request, caller, found, results, network_id)
    media, extension = EXPORTS[fmt]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", network_id)  # a file name, whatever the id holds
    return Response(
        RENDERERS[fmt](case),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )


@router.get("/cases/{key}")
def case(request: Request, key: str, caller: Annotated[Principal, allow("case")]) -> dict[str, Any]:
    """A case: its state, its network at every scan, notes, decisions (with their evidence) and audit log."""
    found = _store(request).case(key)
    _check_case_access(request, caller, found)
    if caller.role == "brand":  # the outcome, not the investigators' notes, evidence snapshots or log
        return {
            k: found[k]
            for k in ("key", "status", "reason", "network_id", "last_scan_id", "brands", "history")
        }
    return found


@router.post("/cases/{key}/decisions")
def decide(
    request: Request, key: str, body: DecisionIn, caller: Annotated[Principal, allow("decide")]
) -> dict[str, Any]:
    """Set the case's status (a dismissal needs a reason); the evidence it was decided on is kept with it."""
    return _store(request).decide(
        key, body.status, caller.name, reason=body.reason, note=body.note, version=body.version
    )


@router.post("/cases/{key}/assignee")
def assign(
    request: Request, key: str, body: AssignIn, caller: Annotated[Principal, allow("assign")]
) -> dict[str, Any]:
    """Give the case to someone (null: to nobody)."""
    return _store(request).assign(key, body.assignee, caller.name, version=body.version)


@router.post("/cases/{key}/notes", status_code=201)
def note(
    request: Request, key: str, body: NoteIn, caller: Annotated[Principal, allow("note")]
) -> dict[str, Any]:
    """Append a note to the case."""
    store = _store(request)
    if caller.role in _SCOPED:  # only they need the case read first
        _check_case_access(request, caller, store.case(key))
    return store.add_note(key, caller.name, body.text)


@router.get("/stores/{store_id}")
async def store(request: Request, store_id: str, caller: Annotated[Principal, allow("store")]) -> JSONAnswer:
    """A store's score, rank, reasons and network in the latest scan."""
    found, results = await _loaded(request)
    rows = results.query("SELECT * FROM store_scores WHERE store_id = ?", [store_id])
    if not rows:
        raise HTTPException(404, f"No store {store_id!r} in this scan.")
    return JSONAnswer({"scan_id": found["id"], **rows[0]})


@router.get("/accounts/{account_id}")
async def account(
    request: Request, account_id: str, caller: Annotated[Principal, allow("account")]
) -> JSONAnswer:
    """An account in the latest scan: its network, the stores it owns, and every evidence row linking it to its
    network mates (what it shares with whom)."""
    found, results = await _loaded(request)
    stores = results.query(
        "SELECT store_id, score, rank, network_id, reasons FROM store_scores WHERE account_id = ? ORDER BY rank",
        [account_id],
    )
    links = (
        results.query(
            "SELECT * FROM links WHERE account_a = ? OR account_b = ? ORDER BY network_id, weight DESC, kind, "
            "artifact",
            [account_id, account_id],
        )
        if results.has("links")
        else []
    )
    if not stores and not links:
        raise HTTPException(404, f"No account {account_id!r} in this scan's stores or links.")
    networks = sorted({r["network_id"] for r in stores + links if r["network_id"]})
    return JSONAnswer(
        {
            "scan_id": found["id"],
            "account_id": account_id,
            "networks": networks,
            "stores": stores,
            "links": links,
        }
    )


@router.get("/declarations/{declaration_id}")
async def declaration(
    request: Request, declaration_id: str, caller: Annotated[Principal, allow("declaration")]
) -> JSONAnswer:
    """A customs declaration's score, reasons and the network it is tied to, in the latest scan."""
    found, results = await _loaded(request)
    if not results.has("declaration_scores"):
        raise HTTPException(404, "This scan screened no declarations.")
    rows = results.query("SELECT * FROM declaration_scores WHERE declaration_id = ?", [declaration_id])
    if not rows:
        raise HTTPException(404, f"No declaration {declaration_id!r} in this scan.")
    return JSONAnswer({"scan_id": found["id"], **rows[0]})


@router.get("/search")
async def search(
    request: Request,
    caller: Annotated[Principal, allow("search")],
    q: Annotated[str, Query(min_length=1, max_length=256, description="An id or an artifact, exactly.")],
) -> JSONAnswer:
    """Everything in the latest scan named exactly ``q``: a store, an account, a network, a declaration, or an
    artifact the linker found shared (a phone, device, Wi-Fi, IP, address, bank account...), with its network."""
    found, results = await _loaded(request)
    kinds = ("declaration",) if caller.role == "customs" else None  # customs data only
    return JSONAnswer({"scan_id": found["id"], "query": q, "hits": results.search(q, kinds, SEARCH_LIMIT)})


def _check_case_access(request: Request, caller: Principal, found: dict[str, Any]) -> None:
    """A brand or customs caller sees a case only when they may see its network (else the same 404)."""
    if caller.role not in _SCOPED:
        return
    _, results = _results(request, found["last_scan_id"])
    network_id = found["network_id"]
    if network_id is None or not _may_see_network(caller, results, network_id):
        raise HTTPException(404, f"No case {found['key']!r}.")
