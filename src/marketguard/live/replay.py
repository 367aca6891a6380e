"""``replay``: how early the live path flags counterfeit stores, measured on a dataset's own time line.

The dataset is cut at ``train_until`` (the middle of its logins by default). A model is trained on what was known
then (rows up to the cut; labels dated up to it, undated ones kept as the batch keeps them) with the signals
events keep current. Then every row becomes an event, in time order, through a :class:`~marketguard.live.scorer.
LiveScorer`: the history before the cut builds the state, and each alert records when the store first crossed the
threshold. The stores opened after the cut are the ones nothing was learned from: the summary measures them, with
the simulator's truth when the dataset has it (``truth/stores.parquet``), else with the dataset's labels.

Writes ``alerts.parquet`` (store_id, opened_at, flagged_at, score, reasons, peak_score,
peak_score_before_first_sale, first_order_at, first_review_at), ``summary.json``, the trained ``model.json``
and the ``training`` cut. Every store's peak score (its highest, and its highest before its first order) gives
the summary's operating curve: what a replay at each threshold would have measured, from this one run.
"""

from __future__ import annotations

import heapq
import json
import statistics
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard.contract import validate
from marketguard.contract.settings import ValidationSettings
from marketguard.detect.store_risk import FLAGGED, load_saved
from marketguard.engine import make_backend
from marketguard.errors import ParameterError
from marketguard.live.events import (
    EVENT_KINDS,
    EVENT_TABLES,
    ROW_KINDS,
    UPDATE_KINDS,
    BadEvent,
    read_event,
)
from marketguard.live.scorer import LiveScorer, reference_data
from marketguard.pipeline.output import ResultsDir
from marketguard.pipeline.train import train_model

__all__ = ["in_time_order", "replay", "timed_events", "write_cut"]

_REFERENCE = ("brands", "authorized_sellers")
SUMMARY = "summary.json"
#: The thresholds the summary's operating curve reads: from alerting on half the evidence to near certainty.
CURVE = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
#: Honest stores' alert rates a team may budget for: the issue's 1%, and looser ones to see the trade.
BUDGETS = (0.005, 0.01, 0.02, 0.05)


def replay(
    dataset: Path | str,
    out: Path | str,
    *,
    train_until: datetime | None = None,
    threshold: float = FLAGGED,
    min_labels: int = 30,
    settings: ValidationSettings | None = None,
) -> dict[str, Any]:
    """Train on ``dataset`` up to ``train_until``, replay all of it, write the alerts and return the summary."""
    dataset = Path(dataset)
    with ResultsDir(Path(out), marker=SUMMARY) as staged:
        summary = _replay(dataset, staged.path, train_until, threshold, min_labels, settings)
        staged.commit()
    return summary


def _replay(
    dataset: Path,
    out: Path,
    train_until: datetime | None,
    threshold: float,
    min_labels: int,
    settings: ValidationSettings | None,
) -> dict[str, Any]:
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, dataset, settings=settings)
        present = [t for t in EVENT_TABLES if tables.has(t)]
        rows = {t: tables.fetch(f"SELECT * FROM {t}", f"read {t}") for t in present}
        extra = {
            t: tables.fetch(f"SELECT * FROM {t}", f"read {t}")
            for t in (*_REFERENCE, "labels")
            if tables.has(t)
        }
    if "logins" not in rows or rows["logins"].num_rows == 0:
        raise ParameterError("replay needs logins: the data's time line is read from them")
    ts = rows["logins"].column("ts")
    first, last = pc.min(ts).as_py(), pc.max(ts).as_py()
    cut_at = train_until or first + (last - first) / 2
    if not first < cut_at < last:
        raise ParameterError(
            f"--train-until must fall inside the data's logins ({first} to {last}); got {cut_at}"
        )
    write_cut(rows | extra, cut_at, out / "training")
    trained = train_model(
        out / "training", out / "model.json", signals="live", min_labels=min_labels, settings=settings
    )
    known = {
        t: pq.read_table(out / "training" / f"{t}.parquet") for t in (*_REFERENCE, "labels") if t in extra
    }
    scorer = LiveScorer(
        load_saved(out / "model.json"), *reference_data(known), threshold=threshold, peaks=True
    )
    latencies, rejected = timed_events(scorer, rows)
    alerts = _alerts(scorer, rows)
    pq.write_table(alerts, out / "alerts.parquet")
    summary = {
        "train_until": cut_at.isoformat(),
        "threshold": threshold,
        "model": {"labels": trained["labels"], "metrics": trained["metrics"]},
        "events": len(latencies),
        "events_rejected": rejected,
        "events_held_at_end": scorer.n_held,
        "ms_per_event_p50": round(float(np.percentile(latencies, 50)) * 1000, 3),
        "ms_per_event_p99": round(float(np.percentile(latencies, 99)) * 1000, 3),
        **_measure(alerts, dataset, extra.get("labels"), cut_at),
    }
    (out / SUMMARY).write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def write_cut(tables: Mapping[str, pa.Table], at: datetime, out: Path) -> None:
    """The dataset as it was at ``at``, written to ``out`` as Parquet: the event tables' rows that happened by
    then (a store closed later is still open), the labels dated by then (undated ones kept), and the other tables
    (brands, authorised sellers) whole."""
    out.mkdir()
    when = pa.scalar(at)
    for table, data in tables.items():
        if table in ROW_KINDS:
            data = data.filter(pc.less_equal(data.column(EVENT_KINDS[ROW_KINDS[table]][1]), when))
        if table == "stores":
            closed = data.column("closed_at")
            later = pc.fill_null(pc.greater(closed, when), False)
            data = data.set_column(
                data.schema.get_field_index("closed_at"), "closed_at", pc.if_else(later, None, closed)
            )
        if table == "labels":
            data = data.filter(pc.fill_null(pc.less_equal(data.column("labeled_at"), when), True))
        pq.write_table(data, out / f"{table}.parquet")


def in_time_order(
    tables: Mapping[str, pa.Table], batch: int = 10_000, after: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """The rows of event tables as the events a producer sends, in time order; at equal times a table's
    references first (:data:`~marketguard.live.events.EVENT_TABLES`), then the tables' own row order, then the
    updates (a store's closing: its opening says nothing of it, :data:`~marketguard.live.events.UPDATE_KINDS`).
    Event ids are ``<table>:<row number>`` (``<table>:<row number>:<kind>`` for an update). Streamed: each table
    is sorted by time on its own and read ``batch`` rows at a time, and the tables are merged, so only the
    tables' columns and one batch per table are in memory (a 100k-store marketplace has 23M rows). ``after``:
    only the events later than that (what came after a history a scorer started from)."""
    present = [t for t in EVENT_TABLES if t in tables]
    updates = [(k, c) for k, c in UPDATE_KINDS.items() if EVENT_KINDS[k][0] in tables]
    streams = [
        _sorted_rows(tables[table], order, ROW_KINDS[table], batch, after)
        for order, table in enumerate(present)
    ]
    streams += [
        _sorted_rows(tables[EVENT_KINDS[kind][0]], len(present) + n, kind, batch, after, columns)
        for n, (kind, columns) in enumerate(updates)
    ]
    for _, _, i, kind, row in heapq.merge(*streams, key=lambda e: e[:3]):
        table = EVENT_KINDS[kind][0]
        event_id = f"{table}:{i}" if kind in ROW_KINDS.values() else f"{table}:{i}:{kind}"
        yield {"event_id": event_id, "event": kind} | row


def _sorted_rows(
    data: pa.Table,
    order: int,
    kind: str,
    batch: int,
    after: datetime | None = None,
    columns: tuple[str, ...] | None = None,
) -> Iterator[tuple[Any, int, int, str, dict[str, Any]]]:
    """A table's rows by the kind's time, then row number (a stable sort): (time, order, row number, kind, row).
    ``columns``: an update's (its rows without a time have none); else the row, the updates' times blanked."""
    time_column = EVENT_KINDS[kind][1]
    table = EVENT_KINDS[kind][0]
    blank = {} if columns else {EVENT_KINDS[u][1]: None for u in UPDATE_KINDS if EVENT_KINDS[u][0] == table}
    data = data.select(list(columns)) if columns else data
    positions = pc.sort_indices(data, [(time_column, "ascending")])
    if after is not None:  # the rows after it: the sorted times' tail
        later = pc.greater(data.column(time_column).take(positions), pa.scalar(after))
        positions = positions.filter(pc.fill_null(later, False))
    for start in range(0, len(positions), batch):
        chunk = positions[start : start + batch]
        rows = data.take(chunk).to_pylist()
        for i, row in zip(chunk.to_pylist(), rows, strict=True):
            if columns and row[time_column] is None:
                return  # nulls sort last: no more updates (with ``after``, none reach here)
            yield row[time_column], order, i, kind, row | blank


def timed_events(
    scorer: LiveScorer, tables: Mapping[str, pa.Table], after: datetime | None = None
) -> tuple[list[float], int]:
    """Every row of ``tables`` (after ``after``) through ``scorer`` as an event, in time order: the seconds each
    took (reading, holding or applying it, scoring the stores it touched) and how many were refused."""
    latencies, rejected = [], 0
    for raw in in_time_order(tables, after=after):
        start = time.perf_counter()
        try:
            scorer.process(read_event(raw))
        except BadEvent:
            rejected += 1
        latencies.append(time.perf_counter() - start)
    return latencies, rejected


def _alerts(scorer: LiveScorer, rows: dict[str, pa.Table]) -> pa.Table:
    """One row per store: when it opened, when it was flagged (null: never), its peak scores, and its first order
    and review."""
    stores = rows["stores"]
    first_order = _first_per_store(rows, "orders")
    first_review = _first_per_store(rows, "reviews")
    ids = stores.column("store_id").to_pylist()
    alerts = [scorer.flagged.get(s) for s in ids]
    peaks = scorer.peaks
    assert peaks is not None, "a replay's scorer keeps every store's peak"
    return pa.table(
        {
            "store_id": pa.array(ids, pa.string()),
            "opened_at": stores.column("opened_at"),
            "flagged_at": pa.array([a and a.flagged_at for a in alerts], pa.timestamp("us", tz="UTC")),
            "score": pa.array([a and a.score for a in alerts], pa.float64()),
            "reasons": pa.array([a and a.reasons for a in alerts], pa.list_(pa.string())),
            "peak_score": pa.array([peaks.ever.get(s) for s in ids], pa.float64()),
            "peak_score_before_first_sale": pa.array([peaks.before_sale.get(s) for s in ids], pa.float64()),
            "first_order_at": pa.array([first_order.get(s) for s in ids], pa.timestamp("us", tz="UTC")),
            "first_review_at": pa.array([first_review.get(s) for s in ids], pa.timestamp("us", tz="UTC")),
        }
    )


def _first_per_store(rows: dict[str, pa.Table], table: str) -> dict[str, datetime]:
    if table not in rows or "listings" not in rows:
        return {}
    store_of = dict(
        zip(
            rows["listings"].column("listing_id").to_pylist(),
            rows["listings"].column("store_id").to_pylist(),
            strict=True,
        )
    )
    first: dict[str, datetime] = {}
    for listing, ts in zip(
        rows[table].column("listing_id").to_pylist(), rows[table].column("ts").to_pylist(), strict=True
    ):
        store = store_of.get(listing)
        if store is not None and (store not in first or ts < first[store]):
            first[store] = ts
    return first


def _measure(alerts: pa.Table, dataset: Path, labels: pa.Table | None, cut_at: datetime) -> dict[str, Any]:
    """How early the stores opened after the cut were flagged, against the truth (or the labels)."""
    truth = _truth_kinds(dataset)
    kinds = truth or _label_kinds(labels)
    new = [r for r in alerts.to_pylist() if r["opened_at"] > cut_at and r["store_id"] in kinds]
    counterfeit = [r for r in new if kinds[r["store_id"]] == "counterfeit"]
    honest = [r for r in new if kinds[r["store_id"]] != "counterfeit"]
    before_sale = [
        r
        for r in counterfeit
        if r["flagged_at"] is not None
        and (r["first_order_at"] is None or r["flagged_at"] < r["first_order_at"])
    ]
    leads = [
        (r["first_order_at"] - r["flagged_at"]).total_seconds() / 86400
        for r in before_sale
        if r["first_order_at"] is not None
    ]
    flagged_honest = [r for r in honest if r["flagged_at"] is not None]

    def alerted(kind: str) -> dict[str, int]:
        group = [r for r in new if kinds[r["store_id"]] == kind]
        return {"stores": len(group), "alerted": sum(r["flagged_at"] is not None for r in group)}

    return {
        "measured_on": "truth" if truth else "labels",
        "new_stores": len(new),
        "new_counterfeit_stores": len(counterfeit),
        "counterfeit_flagged": sum(r["flagged_at"] is not None for r in counterfeit),
        "counterfeit_flagged_before_first_sale": len(before_sale),
        "share_flagged_before_first_sale": round(len(before_sale) / len(counterfeit), 4)
        if counterfeit
        else None,
        "median_lead_days": round(statistics.median(leads), 2) if leads else None,
        "honest_new_stores": len(honest),
        "honest_alert_rate": round(len(flagged_honest) / len(honest), 4) if honest else None,
        "agency": alerted("agency"),
        "grey_market": alerted("grey_market"),
        "operating_curve": [_at(t, counterfeit, honest) for t in CURVE],
        "at_honest_alert_budget": [_budget(b, counterfeit, honest) for b in BUDGETS],
    }


def _at(threshold: float, counterfeit: list[dict], honest: list[dict]) -> dict[str, Any]:
    """What a replay at ``threshold`` would have measured, read from the stores' peak scores."""
    early = sum((r["peak_score_before_first_sale"] or 0.0) >= threshold for r in counterfeit)
    alerted = sum((r["peak_score"] or 0.0) >= threshold for r in honest)
    return {
        "threshold": threshold,
        "share_flagged_before_first_sale": round(early / len(counterfeit), 4) if counterfeit else None,
        "honest_alert_rate": round(alerted / len(honest), 4) if honest else None,
    }


def _budget(budget: float, counterfeit: list[dict], honest: list[dict]) -> dict[str, Any]:
    """The lowest threshold alerting at most ``budget`` of the honest stores, and what it flags early: picked
    in hindsight on the stores measured, so the reach of the model's ranking, not a threshold's promise."""
    peaks = sorted(((r["peak_score"] or 0.0) for r in honest), reverse=True)
    allowed = int(budget * len(peaks))
    threshold = float(np.nextafter(peaks[allowed], 2.0)) if allowed < len(peaks) else 0.0
    return {"honest_alert_budget": budget, **_at(threshold, counterfeit, honest)}


def _truth_kinds(dataset: Path) -> dict[str, str]:
    """Store -> "counterfeit" or its honest operator kind, from the simulator's truth."""
    path = dataset / "truth" / "stores.parquet"
    if not path.exists():
        return {}
    truth = pq.read_table(path, columns=["store_id", "is_counterfeit", "operator_kind"]).to_pylist()
    return {r["store_id"]: "counterfeit" if r["is_counterfeit"] else r["operator_kind"] for r in truth}


def _label_kinds(labels: pa.Table | None) -> dict[str, str]:
    if labels is None:
        return {}
    out: dict[str, str] = {}
    for r in labels.to_pylist():
        if r["entity_type"] == "store":
            out[r["entity_id"]] = (
                "counterfeit" if r["label"] == 1 or out.get(r["entity_id"]) == "counterfeit" else "honest"
            )
    return out
