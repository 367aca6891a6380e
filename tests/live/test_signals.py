"""Live signals after replaying a marketplace's events up to a time equal the batch catalogue's on the data cut
there: every signal of every store."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from marketguard.contract import validate
from marketguard.engine import make_backend
from marketguard.features.signals import signal_steps
from marketguard.live.events import EVENT_KINDS, read_event
from marketguard.live.signals import LIVE_GROUPS, LiveSignals

#: The tables the live groups read, in an order where references come first.
TABLES = ("accounts", "stores", "logins", "listings", "orders", "reviews")
KIND_OF = {table: kind for kind, (table, _) in EVENT_KINDS.items()}


def _cut(market: Path, at: datetime, out: Path) -> None:
    """The marketplace as it was at ``at``: rows that happened by then; a store closed later is still open."""
    out.mkdir()
    for table in TABLES:
        data = pq.read_table(market / f"{table}.parquet")
        data = data.filter(pc.less_equal(data.column(EVENT_KINDS[_kind(table)][1]), pa.scalar(at)))
        if table == "stores":
            closed = data.column("closed_at")
            later = pc.fill_null(pc.greater(closed, pa.scalar(at)), False)
            data = data.set_column(
                data.schema.get_field_index("closed_at"), "closed_at", pc.if_else(later, None, closed)
            )
        pq.write_table(data, out / f"{table}.parquet")
    for table in ("brands", "authorized_sellers"):
        pq.write_table(pq.read_table(market / f"{table}.parquet"), out / f"{table}.parquet")


def _kind(table: str) -> str:
    return KIND_OF[table]


@pytest.mark.parametrize(
    ("market", "fraction"), [("small_market", 0.5), ("small_market", 1.0), ("adversarial_market", 0.7)]
)
def test_live_signals_equal_the_batch_catalogue_on_the_data_cut_at_the_same_time(
    request: pytest.FixtureRequest, market: str, tmp_path: Path, fraction: float
) -> None:
    data: Path = request.getfixturevalue(market)
    logins = pq.read_table(data / "logins.parquet", columns=["ts"]).column("ts")
    first, last = pc.min(logins).as_py(), pc.max(logins).as_py()
    at = first + (last - first) * fraction
    _cut(data, at, tmp_path / "cut")
    with make_backend("duckdb") as backend:
        tables, report = validate(backend, tmp_path / "cut")
        steps, available, missing = signal_steps(tables, LIVE_GROUPS)
        backend.run(steps)
        batch = {
            r["store_id"]: r
            for r in backend.con.sql("SELECT * FROM store_features").to_arrow_table().to_pylist()
        }
        accepted = {t: backend.con.sql(f"SELECT * FROM {t}").to_arrow_table().to_pylist() for t in TABLES}
        brands = backend.con.execute("SELECT brand, reference_price FROM brands").fetchall()
        authorised = backend.con.execute("SELECT brand, store_id FROM authorized_sellers").fetchall()
    assert not missing and report.n_quarantined < 10  # a review of an order placed later, say: held live
    live = LiveSignals(dict(brands), authorised)
    n_events = 0
    for table in TABLES:  # each row goes through the events' reading, as a producer would send it
        time_column = EVENT_KINDS[_kind(table)][1]
        for i, row in enumerate(sorted(accepted[table], key=lambda r: r[time_column])):
            live.apply(read_event({"event_id": f"{table}-{i}", "event": _kind(table)} | row))
            n_events += 1
    assert n_events > 10_000 and len(batch) > 100
    compared = 0
    for store_id, expected in batch.items():
        got = live.values(store_id)
        for signal in available:
            want, have = expected[signal.name], got[signal.name]
            if want is None or have is None:
                assert want is None and have is None, (store_id, signal.name, want, have)
                continue
            assert math.isclose(have, want, rel_tol=1e-9, abs_tol=1e-12), (store_id, signal.name, want, have)
            compared += 1
    assert compared > 20 * len(batch)
