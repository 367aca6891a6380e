"""The live path's endpoints: events in, a store's risk now, and the alerts as a stream (server-sent events).

They answer only when the server was started with a live model (``marketguard serve --live-model``); otherwise
``503``. Events are applied by one :class:`~marketguard.live.service.LiveService` per server (one process: the
state lives in it), each batch logged durably before the answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from marketguard.cases.users import Principal
from marketguard.server.access import allow
from marketguard.server.answers import JSONAnswer, encode

if TYPE_CHECKING:  # the scorer's imports (LightGBM, numba) load only when live scoring is on
    from marketguard.live.scorer import Alert
    from marketguard.live.service import LiveService

router = APIRouter()

#: Most events in one request: a producer sends batches (100 is typical), not its backlog in one body.
MAX_EVENTS = 10_000
#: Alerts a slow stream reader may fall behind by before the oldest are replaced by a count of the lost.
STREAM_BACKLOG = 1_000
#: Seconds between keep-alive comments on a quiet stream (proxies close idle connections after a minute or so).
KEEP_ALIVE_S = 15.0


def _service(request: Request) -> LiveService:
    service: LiveService | None = request.app.state.live
    if service is None:
        raise HTTPException(503, "Live scoring is off: start the server with --live-model.")
    return service


@router.post("/events")
async def events(request: Request, caller: Annotated[Principal, allow("events")]) -> JSONAnswer:
    """Apply events: a JSON array of them, or NDJSON (one per line, ``Content-Type: application/x-ndjson``). The
    readable ones are logged durably and applied before the answer; when some are refused the answer is one
    ``422`` listing each (its position, id, fields and reasons) with the counts of the others, which were
    applied. An event id seen before is counted as a duplicate and not applied again."""
    service = _service(request)
    objects, unreadable = _parse(await request.body(), request.headers.get("content-type", ""))
    if len(objects) + len(unreadable) > MAX_EVENTS:
        raise HTTPException(413, f"At most {MAX_EVENTS:,} events per request; send batches.")
    done = await run_in_threadpool(service.submit, [raw for _, raw in objects])
    for refusal in done.refused:  # its position in the request, not among the readable ones
        refusal["index"] = objects[refusal["index"]][0]
    refused = sorted(unreadable + done.refused, key=lambda r: r["index"])
    counts = {
        "accepted": done.accepted,
        "duplicates": done.duplicates,
        "refused": len(refused),
        "refused_after_waiting": done.refused_after_waiting,  # earlier events this batch's references released
    }
    alerts = [_alert(a) for a in done.alerts]
    if refused:
        message = (
            f"{len(refused)} of {len(objects) + len(unreadable)} events refused; the others were applied."
        )
        body = {
            "status": 422,
            "code": "invalid_events",
            "message": message,
            "details": {**counts, "alerts": alerts, "events": refused},
        }
        return JSONAnswer({"error": body}, status_code=422)
    return JSONAnswer({**counts, "alerts": alerts})


@router.get("/stores/{store_id}/risk")
async def risk(request: Request, store_id: str, caller: Annotated[Principal, allow("risk")]) -> JSONAnswer:
    """A store's live score now, its reasons, and when it was first flagged (null: never)."""
    service = _service(request)
    try:
        found = await run_in_threadpool(service.risk, store_id)
    except KeyError:
        raise HTTPException(404, f"No store {store_id!r} has opened in the live events.") from None
    alert = service.flagged_at(store_id)
    return JSONAnswer(
        {
            "store_id": store_id,
            "score": found.score,
            "reasons": found.reasons,
            "flagged_at": alert.flagged_at.isoformat() if alert else None,
        }
    )


@router.get("/alerts")
async def alerts(request: Request, caller: Annotated[Principal, allow("alerts")]) -> StreamingResponse:
    """Alerts as they are raised, as server-sent events (``event: alert``, ``data:`` the alert as JSON)."""
    service = _service(request)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=STREAM_BACKLOG)
    lost = [0]

    def offer(alert: Alert) -> None:
        if queue.full():
            queue.get_nowait()
            lost[0] += 1
        queue.put_nowait(_alert(alert))

    stop = service.subscribe(lambda alert: loop.call_soon_threadsafe(offer, alert))

    async def stream() -> AsyncIterator[str]:
        try:
            yield ": live alerts\n\n"
            while True:
                try:
                    alert = await asyncio.wait_for(queue.get(), KEEP_ALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if lost[0]:
                    yield f"event: lost\ndata: {encode({'alerts': lost[0]}).decode()}\n\n"
                    lost[0] = 0
                yield f"event: alert\ndata: {encode(alert).decode()}\n\n"
        finally:
            stop()

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


def _alert(alert: Alert) -> dict[str, Any]:
    return {
        "store_id": alert.store_id,
        "flagged_at": alert.flagged_at.isoformat(),
        "score": alert.score,
        "reasons": alert.reasons,
    }


def _parse(body: bytes, content_type: str) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """((position, event) of each JSON object, refusals of what could not be read as one)."""
    unreadable: list[dict[str, Any]] = []

    def refuse(index: int, why: str) -> None:
        unreadable.append(
            {
                "index": index,
                "event_id": None,
                "problems": [{"field": "", "reason": "not_json", "message": why}],
            }
        )

    if "ndjson" in content_type:
        items: list[Any] = []
        for i, line in enumerate(body.decode("utf-8", errors="replace").splitlines()):
            try:
                items.append(json.loads(line))
            except ValueError as exc:
                items.append(None)
                refuse(i, f"line {i + 1} is not JSON: {exc}")
    else:
        try:
            parsed = json.loads(body or b"[]")
        except ValueError as exc:
            raise HTTPException(400, f"The body is not JSON: {exc}") from None
        items = parsed if isinstance(parsed, list) else [parsed]
    objects = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            objects.append((i, item))
        elif item is not None:
            refuse(i, "an event is a JSON object")
    return objects, unreadable
