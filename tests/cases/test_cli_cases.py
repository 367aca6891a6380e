"""``marketguard cases`` from a terminal: import successive scans, work a case, export labels, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from marketguard.cli import main


def test_import_list_decide_show_and_export(scans, tmp_path: Path) -> None:
    first, second = scans
    runner = CliRunner(env={"MARKETGUARD_CASES_DB": None})
    result = runner.invoke(main, ["cases", "import", str(first), str(second)])
    assert result.exit_code == 0, result.output
    db = tmp_path / "cases.sqlite"  # beside the first results directory
    assert f"case store: sqlite:///{db}" in result.output
    assert "scan1: scan 1, networks 3 new" in result.output
    assert "scan2: scan 2, networks 1 gone, 1 grown, 1 new, 1 shrunk, 1 split" in result.output
    assert "already registered as scan 1" in runner.invoke(main, ["cases", "import", str(first)]).output

    listed = runner.invoke(main, ["cases", "list", "--db", str(db), "--json"])
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["key"], r["network_id"], r["change"]) for r in rows] == [
        ("C-000001", "N-0", "grown"),
        ("C-000002", "N-2", "shrunk"),
        ("C-000004", "N-4", "new"),
        ("C-000005", "N-5", "split"),
        ("C-000003", None, "gone"),
    ]
    table = runner.invoke(main, ["cases", "list", "--db", str(db), "--min-score", "0.5"]).output
    assert "C-000001" in table and "C-000002" in table and "C-000004" not in table

    steps = [
        ["assign", "C-000001", "bo", "--by", "lead"],
        ["note", "C-000001", "boss phone on every store", "--by", "bo"],
        ["decide", "C-000001", "--status", "confirmed_counterfeit", "--by", "bo", "--version", "2"],
    ]
    for step in steps:
        done = runner.invoke(main, ["cases", *step, "--db", str(db)])
        assert done.exit_code == 0, done.output
    case = json.loads(runner.invoke(main, ["cases", "show", "C-000001", "--db", str(db)]).output)
    assert (case["status"], case["assignee"], case["version"]) == ("confirmed_counterfeit", "bo", 3)
    assert [a["action"] for a in case["audit"]] == ["assign", "note", "decide"]

    out = tmp_path / "labels"
    exported = runner.invoke(main, ["cases", "labels", "--out", str(out), "--db", str(db)])
    assert "3 store labels (3 counterfeit)" in exported.output
    assert pq.read_table(out / "labels.parquet").column("entity_id").to_pylist() == ["s0", "s1", "s2"]


def test_errors_name_what_to_fix(scans, tmp_path: Path) -> None:
    runner = CliRunner(env={"MARKETGUARD_CASES_DB": None})
    db = str(tmp_path / "cases.sqlite")
    runner.invoke(main, ["cases", "import", str(scans[0]), "--db", db])
    stale = runner.invoke(
        main, ["cases", "decide", "C-000001", "--status", "in_review", "--version", "7", "--db", db]
    )
    assert stale.exit_code == 1 and "error: Case C-000001 is at version 1, not 7" in stale.output
    no_reason = runner.invoke(main, ["cases", "decide", "C-000001", "--status", "dismissed", "--db", db])
    assert no_reason.exit_code == 1 and "A dismissal needs a reason" in no_reason.output
    bad_status = runner.invoke(main, ["cases", "decide", "C-000001", "--status", "closed", "--db", db])
    assert bad_status.exit_code == 2 and "'closed' is not one of" in bad_status.output
    no_db = runner.invoke(main, ["cases", "list"])
    assert no_db.exit_code == 1 and "--db PATH-OR-URL, or set $MARKETGUARD_CASES_DB" in no_db.output
