"""The live path's fixtures: a small marketplace at the hardest difficulty, and a marketplace cut at a time (what
a batch scan at that moment would read), with its rows as the events that made it."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from marketguard.live.replay import write_cut
from marketguard.live.scorer import reference_data
from marketguard.pipeline.train import train_model

#: The event tables the live groups and the index read, in an order where references come first.
EVENT_TABLES = ("accounts", "stores", "logins", "listings", "orders", "reviews")


def cut(market: Path, at: datetime, out: Path) -> None:
    """The marketplace as it was at ``at`` (what a batch scan then would read)."""
    names = (*EVENT_TABLES, "brands", "authorized_sellers", "labels")
    write_cut(
        {t: pq.read_table(market / f"{t}.parquet") for t in names if (market / f"{t}.parquet").exists()},
        at,
        out,
    )


def time_at(market: Path, fraction: float) -> datetime:
    """The time ``fraction`` of the way along the marketplace's logins."""
    logins = pq.read_table(market / "logins.parquet", columns=["ts"]).column("ts")
    first, last = pc.min(logins).as_py(), pc.max(logins).as_py()
    return first + (last - first) * fraction


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


def reference(market: Path) -> tuple[dict[str, float], list[tuple[str, str]], list[tuple[str, int, Any]]]:
    """The marketplace's brands, authorised sellers and store labels as the scorer takes them."""
    return reference_data(
        {
            t: pq.read_table(market / f"{t}.parquet")
            for t in ("brands", "authorized_sellers", "labels")
            if (market / f"{t}.parquet").exists()
        }
    )
