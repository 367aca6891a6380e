"""How reasons are chosen from a row's feature contributions."""

from __future__ import annotations

import numpy as np

from marketguard.detect.scoring import strongest_own_first


def test_reasons_keep_the_stores_own_strongest_when_its_mates_lead() -> None:
    of_mates = np.array([False, False, True, True, True])
    assert strongest_own_first(np.array([0.1, 0.3, 0.9, 0.8, 0.7]), 3, of_mates) == [2, 3, 1]
    assert strongest_own_first(np.array([0.5, 0.3, 0.9, 0.8, 0.1]), 3, of_mates) == [2, 3, 0]  # has its own
    assert strongest_own_first(np.array([0.0, -0.2, 0.9, 0.8, 0.7]), 3, of_mates) == [
        2,
        3,
        4,
    ]  # none raises it
    assert strongest_own_first(np.array([0.0, 0.2, 0.9, 0.0, 0.0]), 3, of_mates) == [2, 1]
