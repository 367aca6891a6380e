"""The README runs as written: every ``sh`` and ``python`` block, in order, from the checkout, as a newcomer who ran
``make demo`` would type them (part of ``make test``, so CI runs it; ``make test-readme`` runs it alone).

The blocks run as one bash script, so a ``cd`` or a variable carries over as it does in a reader's terminal; a
``python`` block runs as its own ``python -`` (a reader pastes each into a fresh interpreter). Two kinds of line
are run differently, and only these: ``make test`` is what runs this test, so it is not started again inside
it; and a command that serves (``marketguard serve``) is started, must answer HTTP on its port within two minutes
while still running, and is then stopped.

What the run leaves is checked too: the tour's DuckDB and Spark scans of one simulated market are identical (the
engines' parity on a simulated marketplace), and the demo's top 50 networks have 50 distinct scores.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from marketguard.report.triage import list_networks
from tests.engine.test_parity import assert_same_results

ROOT = Path(__file__).resolve().parents[1]
_FENCE = re.compile(r"^```(sh|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_SERVES = re.compile(r"^marketguard serve\b")
_PORT = 8000  # `marketguard serve`'s default, as the README's lines leave it

_PREAMBLE = f"""set -euo pipefail
serve_briefly() {{
    "$@" & local pid=$!
    python - "$pid" <<'PYTHON'
import os, sys, time, urllib.error, urllib.request
pid, deadline = int(sys.argv[1]), time.monotonic() + 120
while True:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("the server exited before it answered")
    try:
        urllib.request.urlopen("http://127.0.0.1:{_PORT}/v1/openapi.json", timeout=5)
        break
    except urllib.error.HTTPError:
        break  # it answered
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("the server did not answer in 120 s")
        time.sleep(0.5)
os.kill(pid, 0)  # still ours: not another server on the port
PYTHON
    kill "$pid"
    wait "$pid" || true
}}
"""


def readme_blocks(text: str) -> list[tuple[str, str]]:
    """The README's ``sh`` and ``python`` blocks: (language, body), in order."""
    return [(m.group(1), m.group(2)) for m in _FENCE.finditer(text)]


def readme_script(text: str) -> str:
    """The bash script that runs the blocks as a reader would (the module's docstring)."""
    parts = [_PREAMBLE]
    for language, body in readme_blocks(text):
        if language == "python":
            assert "PYTHON_BLOCK" not in body
            parts.append(f"python - <<'PYTHON_BLOCK'\n{body}PYTHON_BLOCK\n")
            continue
        for line in body.splitlines():
            if re.match(r"^make test\b", line):
                line = f": {line}  # what runs this test"
            elif _SERVES.match(line):
                line = f"serve_briefly {line}"
            parts.append(line + "\n")
    return "".join(parts)


def test_script_keeps_every_line_and_changes_only_the_two_kinds() -> None:
    text = "```sh\nmake demo\nmake test  # x\ncd t && marketguard serve r --db c  # y\n```\n```python\nprint(1)\n```\n"
    script = readme_script(text).removeprefix(_PREAMBLE)
    assert script == (
        "make demo\n: make test  # x  # what runs this test\n"
        "cd t && marketguard serve r --db c  # y\n"
        "python - <<'PYTHON_BLOCK'\nprint(1)\nPYTHON_BLOCK\n"
    )
    assert len(readme_blocks((ROOT / "README.md").read_text())) >= 8


@pytest.mark.readme  # about 5 minutes (the 10k demo, the tour on DuckDB and Spark, a replay)
@pytest.mark.spark
@pytest.mark.timeout(1500)
def test_readme_runs_as_written() -> None:
    if not (ROOT / ".venv" / "bin" / "activate").is_file():
        pytest.fail("the README's commands run from a checkout set up by `make demo` (no .venv here)")
    shutil.rmtree(ROOT / "tour", ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    done = subprocess.run(
        ["bash", "-c", readme_script((ROOT / "README.md").read_text())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout[-6000:]}\nstderr:\n{done.stderr[-6000:]}"
    # the engines' parity on a simulated marketplace is checked here, on the tour's two scans of one market
    tour = ROOT / "tour"
    assert (tour / "results-spark").is_dir(), "the README's tour no longer scans its market on Spark too"
    assert pq.read_table(tour / "results" / "networks.parquet").num_rows > 0
    assert_same_results(tour / "results", tour / "results-spark")
    # and the demo's queue ranks: the top 50 networks of `make demo` have 50 distinct scores
    top = list_networks(ROOT / "demo" / "results", limit=50).column("score").to_pylist()
    assert len(top) == 50 and len(set(top)) == 50
