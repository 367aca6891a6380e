"""``create_app``: the investigator workbench's HTTP API (FastAPI) over a case store and the scans it registered.

The server reads results and the case store; it never recomputes a score. Every endpoint needs a bearer token
(``marketguard users token``) and checks the caller's role (:mod:`marketguard.server.access`) before it reads
anything; what a role may not see is absent from the answer, not hidden by the client. Every error has one JSON
shape: ``{"error": {"status": 404, "code": "not_found", "message": "..."}}``.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marketguard import __version__
from marketguard.cases import CaseError, CaseStore, StaleCase, UnknownCase
from marketguard.report import ResultsDirError, UnknownNetworkError
from marketguard.report.basemap import WORLD_ATLAS
from marketguard.report.ftm import FtmUnavailable
from marketguard.server.answers import JSONAnswer
from marketguard.server.live_routes import router as live_router
from marketguard.server.redaction import Redactor
from marketguard.server.results import EncodedEvidence, ResultsCache
from marketguard.server.routes import router
from marketguard.server.throttle import SignInThrottle

__all__ = ["DB_VARIABLE", "PSEUDONYM_KEY", "LiveSettings", "app_from_environment", "create_app"]


@dataclass(frozen=True)
class LiveSettings:
    """The live path's files: the model (``train --signals live``), the event log, and a dataset directory with
    the ``brands`` and ``authorized_sellers`` the scorer reads (optional)."""

    model: Path
    events: Path
    reference: Path | None = None
    threshold: float = 0.5
    history: Path | None = None  # a dataset the scorer starts from (its reference tables with it)


#: How ``marketguard serve --workers N`` hands the case store to the worker processes.
DB_VARIABLE = "MARKETGUARD_SERVE_DB"
#: The case store's key (:meth:`~marketguard.cases.CaseStore.server_key`) of the brand users' pseudonyms: kept in
#: the store, so one identifier has one pseudonym whichever worker answers, and after a restart.
PSEUDONYM_KEY = "pseudonyms"


def create_app(db_url: str, results: list[Path] | None = None, live: LiveSettings | None = None) -> FastAPI:
    """The API over the case store at ``db_url``; ``results`` are registered first (oldest first), as
    ``marketguard cases import`` would. With ``live``, the live path's endpoints score events as they come
    (:mod:`marketguard.server.live_routes`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = CaseStore(db_url)
        for path in results or []:
            store.register_scan(path)
        app.state.store = store
        app.state.results = ResultsCache()
        app.state.evidence = EncodedEvidence()
        app.state.redactor = Redactor(store.server_key(PSEUDONYM_KEY))
        app.state.throttle = SignInThrottle(store)
        latest = store.scan()
        if latest is not None:  # loaded before the first request, not by it (1.4 s at 100k stores)
            app.state.results.get(latest["path"])
        gc.collect()
        gc.freeze()  # what start-up made lives as long as the server: the collector need not walk it again
        app.state.live = None
        if live is not None:  # its imports (the scorer, LightGBM, numba) only when it is asked for
            from marketguard.live.service import LiveService

            app.state.live = LiveService(
                live.model, live.events, live.reference, threshold=live.threshold, history=live.history
            )
        try:
            yield
        finally:
            store.close()
            if app.state.live is not None:
                app.state.live.close()

    app = FastAPI(
        title="marketguard",
        version=__version__,
        summary="Counterfeit-seller networks: the queue, the evidence, and the decisions investigators make.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN: ours is vendored (console/docs.html)
        openapi_url="/v1/openapi.json",
        redoc_url=None,
        default_response_class=JSONAnswer,
    )
    app.include_router(router, prefix="/v1")
    app.include_router(live_router, prefix="/v1")
    for name in (WORLD_ATLAS.name, "world-atlas-LICENSE"):  # the basemap lives with the case report's map
        app.add_api_route(
            f"/console/vendor/{name}", _file(WORLD_ATLAS.parent / name), include_in_schema=False
        )
    app.mount("/console", StaticFiles(directory=CONSOLE, html=True), name="console")
    app.add_api_route("/", lambda: RedirectResponse("/console/"), include_in_schema=False)
    app.add_api_route("/v1/docs", lambda: RedirectResponse("/console/docs.html"), include_in_schema=False)
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(CaseError, _case_error)
    app.add_exception_handler(UnknownNetworkError, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(ResultsDirError, _results_gone)  # type: ignore[arg-type]
    app.add_exception_handler(FtmUnavailable, _not_installed)  # type: ignore[arg-type]
    return app


def app_from_environment() -> FastAPI:
    """The application of a worker process started by ``marketguard serve --workers N`` (uvicorn's factory)."""
    return create_app(os.environ[DB_VARIABLE])


def error(status: int, code: str, message: str, **details: Any) -> JSONAnswer:
    """The one error shape."""
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if details:
        body["details"] = details
    return JSONAnswer({"error": body}, status_code=status, headers=_HEADERS.get(status))


_HEADERS = {401: {"WWW-Authenticate": "Bearer"}}


def _file(path: Path) -> Callable[[], FileResponse]:
    """An endpoint answering with one file."""

    def send() -> FileResponse:
        return FileResponse(path)

    return send


#: The console's files: its HTML, script and style, and the vendored libraries with their licences.
CONSOLE = Path(__file__).parent / "console"
#: Sent with every answer: the page may load only its own files and talk only to this server; nothing frames it.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every answer that does not set its own. Plain ASGI: the answer's body
    passes through untouched (Starlette's ``BaseHTTPMiddleware`` would stream it through a second task)."""

    _ENCODED = tuple((name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items())

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in self._ENCODED if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "too_many_requests",
}


async def _http_error(_: Request, exc: HTTPException) -> JSONAnswer:
    return error(exc.status_code, _CODES.get(exc.status_code, "error"), str(exc.detail))


async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONAnswer:
    problems = [
        {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
        for e in exc.errors()
    ]
    return error(422, "invalid_request", "The request does not match the API's schema.", problems=problems)


async def _case_error(_: Request, exc: CaseError) -> JSONAnswer:
    if isinstance(exc, StaleCase):
        return error(409, "stale_case", str(exc))
    if isinstance(exc, UnknownCase):
        return error(404, "not_found", str(exc))
    return error(400, "bad_request", str(exc))


async def _not_found(_: Request, exc: UnknownNetworkError) -> JSONAnswer:
    return error(404, "not_found", str(exc))


async def _not_installed(_: Request, exc: FtmUnavailable) -> JSONAnswer:
    return error(501, "not_installed", str(exc))


async def _results_gone(_: Request, exc: ResultsDirError) -> JSONAnswer:
    return error(503, "results_unavailable", str(exc))
