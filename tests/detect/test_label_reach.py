"""Labels propagated over the linker's evidence, on a hand-made store graph worked out by hand.

U1 owns S1 (labelled counterfeit) and S2; U1 and U3 are a strong pair of strength 0.5 (the clustering may have
put them in two networks: the walk does not care); U3 owns S3. U4 owns S4, labelled legitimate, and is tied to
nobody; U5 owns S5, tied to U4 at 0.8.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from marketguard.detect.label_reach import SIGNALS, label_reach
from marketguard.engine import Tables, make_backend

OWNERS = pa.array(["U1", "U1", "U3", "U4", "U5"])
COUNTERFEIT, LEGITIMATE = (s.name for s in SIGNALS)


@pytest.fixture
def tables():
    with make_backend("duckdb") as backend:
        backend.register_arrow(
            "account_pairs",
            pa.table(
                {
                    "account_a": ["U1", "U4", "U9"],
                    "account_b": ["U3", "U5", "U1"],
                    "strength": [0.5, 0.8, 0.9],
                }
            ),
        )  # U9 owns no store: its pair leads nowhere
        yield Tables(backend, frozenset({"stores", "accounts", "logins", "labels"}))


def test_values_worked_out_by_hand(tables) -> None:
    reach = label_reach(tables, OWNERS, np.array([1.0, np.nan, np.nan, 0.0, np.nan]))
    # S2 steps to S1 (same owner, 1) w.p. 1 / 2.5 and to S3 (0.5) w.p. 0.2; S3 to S1 and to S2 w.p. 0.25 each:
    # S2 = 0.4 + 0.2 * S3, S3 = 0.25 + 0.25 * S2
    assert reach[COUNTERFEIT][1] == pytest.approx(0.45 / 0.95, abs=1e-5)
    assert reach[COUNTERFEIT][2] == pytest.approx(0.25 + 0.25 * 0.45 / 0.95, abs=1e-5)
    assert reach[COUNTERFEIT][4] == 0.0 and reach[LEGITIMATE][4] == pytest.approx(0.8 / 1.8)
    assert reach[LEGITIMATE][1] == 0.0 and reach[LEGITIMATE][3] == 0.0  # S4's own label is not read


def test_a_store_never_reads_its_own_label(tables) -> None:
    """S1 and S3 labelled counterfeit: S1 reads S3 (S1 = 0.2 + 0.4 * S2, S2 = 0.2 + 0.4 * S1), never itself."""
    y = np.array([1.0, np.nan, 1.0, 0.0, np.nan])
    flipped = y.copy()
    flipped[0] = 0.0
    before, after = label_reach(tables, OWNERS, y), label_reach(tables, OWNERS, flipped)
    assert before[COUNTERFEIT][0] == pytest.approx(1 / 3, abs=1e-5) and before[LEGITIMATE][0] == 0.0
    assert before[COUNTERFEIT][0] == after[COUNTERFEIT][0] and after[LEGITIMATE][0] == 0.0
    assert after[LEGITIMATE][1] > 0.3 and after[COUNTERFEIT][1] < before[COUNTERFEIT][1]  # S2 reads it


def test_without_labels_nothing_is_reached(tables) -> None:
    reach = label_reach(tables, OWNERS, np.full(5, np.nan))
    assert all((values == 0).all() for values in reach.values())
