"""One thread budget for DuckDB, LightGBM and numba (marketguard.threads), and OpenMP's spinning shortened."""

from __future__ import annotations

import os
import subprocess
import sys

import lightgbm
import numpy as np
import pytest

from marketguard.detect.scoring import lgb_params
from marketguard.engine import make_backend
from marketguard.errors import ParameterError
from marketguard.threads import OPENMP_SPINS, VARIABLE, thread_budget


def test_the_budget_is_every_core_unless_the_variable_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    assert thread_budget() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(VARIABLE, "3")
    assert thread_budget() == 3


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_wrong_budget_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(VARIABLE, value)
    with pytest.raises(ParameterError, match=f"MARKETGUARD_THREADS must be .* Got '{value}'"):
        thread_budget()


def test_duckdb_and_lightgbm_size_their_pools_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, "1")
    with make_backend("duckdb") as backend:
        assert backend.scalar("SELECT current_setting('threads') AS t", "threads") == 1
    with make_backend("duckdb", threads=2) as backend:  # an explicit setting wins
        assert backend.scalar("SELECT current_setting('threads') AS t", "threads") == 2
    assert lgb_params(0)["num_threads"] == 1


def test_a_model_is_the_same_whatever_the_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 8))
    X[rng.random(X.shape) < 0.2] = np.nan
    y = (np.nan_to_num(X[:, 0]) + rng.normal(size=600) > 0.8).astype(int)
    raw = []
    for threads in ("1", "2"):
        monkeypatch.setenv(VARIABLE, threads)
        params = lgb_params(7) | {"num_iterations": 40}
        raw.append(lightgbm.train(params, lightgbm.Dataset(X, y)).predict(X, raw_score=True))
    assert np.array_equal(raw[0], raw[1])


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, OPENMP_SPINS),
        ({"GOMP_SPINCOUNT": "500"}, "500"),  # the user's own setting stands
        ({"OMP_WAIT_POLICY": "PASSIVE"}, None),  # so does a wait policy: no spin count added to it
    ],
)
def test_importing_marketguard_shortens_openmp_spinning_unless_told(
    given: dict, expected: str | None
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")} | given
    code = "import os, marketguard; print(os.environ.get('GOMP_SPINCOUNT'))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(expected)
