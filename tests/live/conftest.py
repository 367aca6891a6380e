"""A small marketplace at the hardest difficulty, written once, for the live path's tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def adversarial_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 stores, adversarial difficulty (bought stores, proxies, premium replicas, grey-market sellers)."""
    from marketguard.simulate import simulate, write_marketplace

    out = tmp_path_factory.mktemp("adversarial")
    write_marketplace(simulate(n_stores=300, seed=11, difficulty="adversarial"), out)
    return out
