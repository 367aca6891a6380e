"""Live signals after replaying a marketplace's events up to a time equal the batch catalogue's on the data cut
there: every signal of every store."""

from __future__ import annotations

import bisect
import math
from pathlib import Path

import numpy as np
import pytest

from marketguard.contract import validate
from marketguard.detect.operator_index import OperatorIndex
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend
from marketguard.engine.base import significant
from marketguard.features.signals import signal_steps
from marketguard.live.events import UPDATE_KINDS, read_event
from marketguard.live.replay import in_time_order
from marketguard.live.scorer import reference_data
from marketguard.live.signals import LIVE_GROUPS, LiveSignals, _round_significant, _Store
from tests.live.conftest import EVENT_TABLES, cut, time_at


@pytest.mark.parametrize(
    ("market", "fraction"), [("small_market", 0.5), ("small_market", 1.0), ("adversarial_market", 0.7)]
)
def test_live_signals_equal_the_batch_catalogue_on_the_data_cut_at_the_same_time(
    request: pytest.FixtureRequest, market: str, tmp_path: Path, fraction: float
) -> None:
    data: Path = request.getfixturevalue(market)
    cut(data, time_at(data, fraction), tmp_path / "cut")
    with make_backend("duckdb") as backend:
        tables, report = validate(backend, tmp_path / "cut")
        OperatorLinker(kinds=()).fit(tables)  # the networks the live index links (the identity group's)
        steps, available, missing = signal_steps(tables, LIVE_GROUPS)
        backend.run(steps)
        batch = {
            r["store_id"]: r
            for r in backend.con.sql("SELECT * FROM store_features").to_arrow_table().to_pylist()
        }
        accepted = {t: backend.con.sql(f"SELECT * FROM {t}").to_arrow_table() for t in EVENT_TABLES}
        known = reference_data(
            {
                t: backend.con.sql(f"SELECT * FROM {t}").to_arrow_table()
                for t in ("brands", "authorized_sellers", "labels")
            }
        )
    quarantined = sum(report.tables[t].rows_quarantined for t in EVENT_TABLES)
    assert not missing and quarantined < 10  # a review of an order placed later, say: held live
    live, index = LiveSignals(*known), OperatorIndex(OperatorLinker(kinds=()))
    n_events = 0
    for event in in_time_order(
        accepted
    ):  # each row goes through the events' reading, as a producer would send it
        read = read_event(event)
        live.apply(read)
        if read.table in ("accounts", "stores", "logins") and read.kind not in UPDATE_KINDS:
            index.add(read.table, read.row)
        n_events += 1
    assert n_events > 10_000 and len(batch) > 100
    compared = 0
    for store_id, expected in batch.items():
        owner = live.stores[store_id].account_id
        network, mates = index.network_mates(owner)
        got = live.values(store_id, (owner, *mates) if network else None)
        for signal in available:
            want, have = expected[signal.name], got[signal.name]
            if want is None or have is None:
                assert want is None and have is None, (store_id, signal.name, want, have)
                continue
            assert math.isclose(have, want, rel_tol=1e-9, abs_tol=1e-12), (store_id, signal.name, want, have)
            compared += 1
    assert compared > 20 * len(batch)
    in_networks = [
        r for r in batch.values() if r["network_accounts"] > 1
    ]  # the identity group was exercised:
    assert len(in_networks) > 50 and any(r["network_counterfeit_stores"] > 0 for r in in_networks)


def test_orders_arriving_late_are_summed_in_their_place() -> None:
    """A store's running order sums stay right when an order arrives after later ones (the revenue of any last
    days is a difference of two of them)."""
    store = _Store("a", 0, "basic", None, False)
    orders = [(5, 1.5), (1, 2.25), (9, 3.0), (5, 0.5), (3, 4.0), (0, 8.0)]
    for ts, amount in orders:
        store.add_order(ts, amount)
    assert list(store.order_times) == [0, 1, 3, 5, 5, 9] and store.order_sums[-1] == 19.25
    for since in range(11):
        start = bisect.bisect_left(store.order_times, since)
        recent = store.order_sums[-1] - store.order_sums[start]
        assert recent == sum(amount for ts, amount in orders if ts >= since), since


def test_the_compiled_rounding_gives_the_bits_significant_gives() -> None:
    """The signals are rounded as the batch's SQL rounds them; the live vectors round a network's at once in
    compiled code, which must agree with :func:`significant` to the bit, near powers of ten included."""
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [
            rng.normal(size=20_000) * 10.0 ** rng.integers(-15, 16, 20_000),  # every magnitude
            10.0 ** np.arange(-12, 13) * np.array([[1.0], [1 - 1e-15], [1 + 1e-15]]).reshape(-1, 1),
            [0.0, -0.0, 1.0, 3.0, -7.0, 1e12, 1e12 + 0.5, 2.5e15, np.nan, np.inf, -np.inf, 1 / 3, 2 / 3],
        ],
        axis=None,
    )
    rounded = values.copy().reshape(-1, 7 if values.size % 7 == 0 else 1)
    _round_significant(rounded)
    want = [significant(float(v)) for v in values]
    assert np.array_equal(rounded.reshape(-1), np.array(want), equal_nan=True)
    assert (rounded.reshape(-1) != values)[np.isfinite(values)].any()  # it did round
