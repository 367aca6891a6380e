"""The live path's fixtures: a small marketplace at the hardest difficulty, and a marketplace cut at a time (what
a batch scan at that moment would read), with its rows as the events that made it."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from marketguard.live.events import EVENT_KINDS
from marketguard.pipeline.train import train_model

#: The event tables the live groups and the index read, in an order where references come first.
EVENT_TABLES = ("accounts", "stores", "logins", "listings", "orders", "reviews")
KIND_OF = {table: kind for kind, (table, _) in EVENT_KINDS.items()}


def cut(market: Path, at: datetime, out: Path) -> None:
    """The marketplace as it was at ``at``: rows that happened by then; a store closed later is still open."""
    out.mkdir()
    for table in EVENT_TABLES:
        data = pq.read_table(market / f"{table}.parquet")
        data = data.filter(pc.less_equal(data.column(EVENT_KINDS[KIND_OF[table]][1]), pa.scalar(at)))
        if table == "stores":
            closed = data.column("closed_at")
            later = pc.fill_null(pc.greater(closed, pa.scalar(at)), False)
            data = data.set_column(
                data.schema.get_field_index("closed_at"), "closed_at", pc.if_else(later, None, closed)
            )
        pq.write_table(data, out / f"{table}.parquet")
    for table in ("brands", "authorized_sellers", "labels"):
        if (market / f"{table}.parquet").exists():
            pq.write_table(pq.read_table(market / f"{table}.parquet"), out / f"{table}.parquet")


def time_at(market: Path, fraction: float) -> datetime:
    """The time ``fraction`` of the way along the marketplace's logins."""
    logins = pq.read_table(market / "logins.parquet", columns=["ts"]).column("ts")
    first, last = pc.min(logins).as_py(), pc.max(logins).as_py()
    return first + (last - first) * fraction


def as_events(rows: dict[str, list[dict]]) -> list[dict]:
    """Rows of the event tables as the events a producer would send, in time order (references first at
    equal times)."""
    events = []
    for order, table in enumerate(EVENT_TABLES):
        kind = KIND_OF[table]
        time_column = EVENT_KINDS[kind][1]
        for i, row in enumerate(rows[table]):
            events.append((row[time_column], order, {"event_id": f"{table}-{i}", "event": kind} | row))
    events.sort(key=lambda e: (e[0], e[1]))
    return [e for _, _, e in events]


def labelled_by_truth(market: Path, out: Path) -> Path:
    """The marketplace with every store labelled as its truth says (a model to check parity with, not a
    measure of quality: the simulator's own labels are too few for a small marketplace), dated at the first
    login so that every cut knows them."""
    shutil.copytree(market, out)  # the truth too: what replay measures against
    truth = pq.read_table(market / "truth" / "stores.parquet")
    first = pc.min(pq.read_table(market / "logins.parquet", columns=["ts"]).column("ts"))
    n = truth.num_rows
    labels = pa.table(
        {
            "entity_type": ["store"] * n,
            "entity_id": truth.column("store_id"),
            "label": pc.cast(truth.column("is_counterfeit"), pa.int64()),
            "source": ["truth"] * n,
            "labeled_at": pa.array([first.as_py()] * n, pa.timestamp("us", tz="UTC")),
        }
    )
    pq.write_table(labels, out / "labels.parquet")
    return out


@pytest.fixture(scope="session")
def adversarial_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 stores, adversarial difficulty (bought stores, proxies, premium replicas, grey-market sellers): 48
    counterfeit, enough to train a model on."""
    from marketguard.simulate import simulate, write_marketplace

    out = tmp_path_factory.mktemp("adversarial")
    write_marketplace(simulate(n_stores=600, seed=11, difficulty="adversarial"), out)
    return out


@pytest.fixture(scope="session")
def trained(adversarial_market: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the marketplace labelled by its truth, a live model trained on it)."""
    root = tmp_path_factory.mktemp("live-model")
    market = labelled_by_truth(adversarial_market, root / "market")
    train_model(market, root / "model.json", signals="live")
    return market, root / "model.json"


def reference(market: Path) -> tuple[dict[str, float], list[tuple[str, str]]]:
    brands = pq.read_table(market / "brands.parquet").to_pylist()
    authorised = pq.read_table(market / "authorized_sellers.parquet").to_pylist()
    return {b["brand"]: b["reference_price"] for b in brands}, [
        (a["brand"], a["store_id"]) for a in authorised
    ]
