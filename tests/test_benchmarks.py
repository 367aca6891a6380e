"""Every benchmark runs end to end at a tiny size and prints its JSON lines (the figures are for `make bench`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

CASES = {
    "api.py": (
        ["--stores", "300", "--clients", "3", "--seconds", "2"],
        {"register", "queue", "network", "search"},
    ),
    "live.py": (
        ["--stores", "200", "--min-labels", "2", "--http-seconds", "3", "--rate", "500"],
        {"live_replay", "live_http"},
    ),
    "live_scale.py": (["--stores", "200", "--min-labels", "2", "--tail-hours", "240"], {"live_scale"}),
    "simulate.py": (["--sizes", "200"], {"simulate"}),
    "validate.py": (["--stores", "200", "--per-rule", "3"], None),
    "linking.py": (
        ["--stores", "200"],
        {
            "linking",
            "linking_all_kinds",
            "bare_scipy_components",
            "bare_scipy_components_all_edges",
            "networkx_linking",
        },
    ),
    "operator_index.py": (["--stores", "200", "--events", "300", "--new-stores", "2"], {"load", "events"}),
    "scan.py": (["--stores", "200"], None),
    "scale.py": (["--duckdb-sizes", "150,250", "--spark-sizes", ""], {"total", "validate", "link"}),
    "dense_blocks.py": (["--stores", "200"], None),
    "review_text.py": (["--quick"], None),
    "review_fraud.py": (["--stores", "300", "--skip-yelpchi"], None),
    "tracing.py": (["--stores", "300"], {"trace_sites", "follow_money"}),
    "customs.py": (["--stores", "300"], None),
    "hostile_input.py": (
        [
            "--stores",
            "200",
            "--chars",
            "2000",
            "--id-chars",
            "300",
            "--repeats",
            "1",
            "--flavours",
            "padded",
            "--cases",
            "origin_address",
            "--score-one",
            "description",
        ],
        {"baseline", "origin_address", "score_one"},
    ),
    "store_risk.py": (
        ["--stores", "2000"],
        {"speed", "quality", "signal", "lightgbm_importance", "ablation"},
    ),
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_runs_and_prints_json_lines(script: str, tmp_path: Path) -> None:
    args, names = CASES[script]
    env = {**os.environ, "MARKETGUARD_BENCH_DATA": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, script, *args], cwd=BENCHMARKS, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines
    if names is not None:
        assert names <= {line.get("name", line.get("benchmark")) for line in lines}


def test_every_benchmark_is_tried_here_and_run_by_make_bench() -> None:
    scripts = {p.name for p in BENCHMARKS.glob("*.py")} - {"common.py"}
    assert scripts == set(CASES)
    makefile = (BENCHMARKS.parent / "Makefile").read_text()
    bench = makefile[makefile.index("\nbench:") : makefile.index("\nclean:")]
    assert {s for s in scripts if f"benchmarks/{s}" not in bench} == set()
