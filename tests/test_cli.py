from __future__ import annotations

from click.testing import CliRunner

from marketguard.cli import main


def test_validate_reports_row_problems_and_exits_zero(tiny, tmp_path) -> None:
    def edit(data: dict) -> None:
        data["orders"]["amount"][2] = -1

    result = CliRunner().invoke(main, ["validate", str(tiny(edit)), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "orders.amount: negative value in 1 row (e.g. row 3: '-1')" in result.output
    assert "valid: no structural problems; 1 rows would be quarantined" in result.output
    assert (tmp_path / "r" / "quarantine" / "orders.parquet").exists()


def test_structural_problems_exit_3_with_every_problem(tiny) -> None:
    def edit(data: dict) -> None:
        del data["logins"]
        data["accounts"]["created_at"] = ["x", "y", "z", "2025-01-01"]

    result = CliRunner().invoke(main, ["validate", str(tiny(edit))])
    assert result.exit_code == 3
    assert "The dataset has 2 structural problems" in result.output
    assert "logins: required table is missing" in result.output
    assert (
        "accounts.created_at: cannot be read as a timestamp in 3 of 4 rows (e.g. row 1: 'x')" in result.output
    )
    assert "Traceback" not in result.output


def test_scan_prints_stages_and_top_networks(tiny, tmp_path) -> None:
    result = CliRunner().invoke(main, ["scan", str(tiny()), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    for stage in (
        "validate",
        "link",
        "score_reviews",
        "score_stores",
        "networks",
        "trace_sites",
        "trace_money",
    ):
        assert f"✓ {stage}:" in result.output
    assert "Top networks" in result.output and "N-A1" in result.output


def test_report_and_export_write_one_networks_case(tiny, tmp_path) -> None:
    import json
    import xml.etree.ElementTree as ET

    results = tmp_path / "r"
    assert CliRunner().invoke(main, ["scan", str(tiny()), "--out", str(results)]).exit_code == 0
    html, case, graph = tmp_path / "case.html", tmp_path / "case.json", tmp_path / "case.graphml"
    for args in (
        ["report", str(results), "--network", "N-A1", "--out", str(html)],
        ["report", str(results), "--network", "N-A1", "--out", str(case), "--format", "json"],
        ["export", str(results), "--network", "N-A1", "--out", str(graph)],
    ):
        done = CliRunner().invoke(main, args)
        assert done.exit_code == 0, done.output
    assert "N-A1" in html.read_text() and "深圳市宝安区凤凰路12号" in html.read_text()
    assert json.loads(case.read_text())["network_id"] == "N-A1"
    assert ET.parse(graph).getroot().tag.endswith("graphml")
    missing = CliRunner().invoke(main, ["report", str(results), "--network", "N-ZZ", "--out", str(html)])
    assert missing.exit_code != 0 and "N-ZZ" in missing.output and "Traceback" not in missing.output


def test_customs_screens_declarations_alone(tiny, tmp_path) -> None:
    import pyarrow.parquet as pq

    scanned, out = tmp_path / "scan", tmp_path / "customs"
    assert CliRunner().invoke(main, ["scan", str(tiny()), "--out", str(scanned)]).exit_code == 0
    done = CliRunner().invoke(
        main, ["customs", str(tiny()), "--out", str(out), "--networks", str(scanned / "networks.parquet")]
    )
    assert done.exit_code == 0, done.output
    assert "Riskiest declarations" in done.output and "D1" in done.output
    assert {p.name for p in out.glob("*.parquet")} == {"declaration_scores.parquet"}
    alone = pq.read_table(out / "declaration_scores.parquet").to_pylist()
    within = pq.read_table(scanned / "declaration_scores.parquet").to_pylist()
    assert alone == within  # the same ties and network scores give the same screening


def test_scan_summary_counts_quarantined_rows_per_table_and_reason(tiny, tmp_path) -> None:
    def edit(data: dict) -> None:
        data["logins"]["ip"][1] = "not-an-ip"

    result = CliRunner().invoke(main, ["scan", str(tiny(edit)), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "1 input rows quarantined" in result.output
    assert (
        "logins.ip: not an IPv4 or IPv6 address in 1 row (e.g. row 2: 'not-an-ip') [invalid_ip:ip]"
        in result.output
    )


def test_train_saves_a_model_that_scan_uses_and_a_tiny_dataset_cannot_train(
    small_market, tiny, tmp_path
) -> None:
    import json

    from marketguard.simulate import simulate, write_marketplace

    market = tmp_path / "market"
    write_marketplace(simulate(n_stores=2000, seed=3, difficulty="normal"), market)
    model = tmp_path / "model.json"
    trained = CliRunner().invoke(main, ["train", str(market), "--out", str(model)])
    assert trained.exit_code == 0, trained.output
    assert "counterfeit and" in trained.output and "cross-fitted ROC-AUC" in trained.output
    assert "labelled stores:" in trained.output and "unlabelled:" in trained.output  # the selection check
    scanned = CliRunner().invoke(
        main, ["scan", str(small_market), "--out", str(tmp_path / "r"), "--model", str(model)]
    )
    assert scanned.exit_code == 0, scanned.output
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["config"]["model"] == str(model)
    notes = {s["name"]: s["notes"] for s in manifest["stages"]}["score_stores"]
    assert notes[0].startswith("saved scoring")
    refused = CliRunner().invoke(main, ["train", str(tiny()), "--out", str(tmp_path / "m2.json")])
    assert refused.exit_code == 1 and "needs at least 30 labelled stores of each kind" in refused.output


def test_scan_reads_the_link_kinds_asked_for_and_refuses_unknown_ones(tiny, tmp_path) -> None:
    from marketguard.detect.operator_linking import COMMERCE_TABLES, DEFAULT_KINDS

    refused = CliRunner().invoke(
        main, ["scan", str(tiny()), "--out", str(tmp_path / "r"), "--link-kinds", "gps"]
    )
    assert refused.exit_code == 2 and "unknown kind gps" in refused.output
    # the help names every kind and the defaults as the linker has them
    text = " ".join(CliRunner().invoke(main, ["scan", "--help"]).output.split())
    assert all(kind in text for kind in COMMERCE_TABLES)
    assert f"Default: {', '.join(DEFAULT_KINDS)}." in text
    asked = CliRunner().invoke(
        main, ["scan", str(tiny()), "--out", str(tmp_path / "r"), "--link-kinds", "listing_text,customer"]
    )
    assert asked.exit_code == 0, asked.output


def test_verbose_logs_step_summaries_and_debug_adds_the_sql(tiny) -> None:
    import subprocess
    import sys

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "marketguard.cli", *args], capture_output=True, text=True, check=True
        )
        return done.stderr

    data = str(tiny())
    verbose = run("-v", "validate", data)
    assert "INFO marketguard.engine.base: step accounts on duckdb" in verbose and "DEBUG" not in verbose
    debug = run("validate", data, "--debug")
    assert "DEBUG marketguard.engine.base: step accounts on duckdb:\nSELECT" in debug
    assert run("validate", data) == ""


def test_spark_session_settings_from_options_and_environment(tiny, monkeypatch) -> None:
    from marketguard.engine import SPARK_SETTINGS

    monkeypatch.setitem(SPARK_SETTINGS, "driver_memory", "4g")
    monkeypatch.setitem(SPARK_SETTINGS, "master", "local[*]")
    data = str(tiny())
    assert CliRunner().invoke(main, ["validate", data, "--spark-driver-memory", "12g"]).exit_code == 0
    assert SPARK_SETTINGS["driver_memory"] == "12g"
    env = {"MARKETGUARD_SPARK_MASTER": "spark://head:7077"}
    assert CliRunner(env=env).invoke(main, ["validate", data]).exit_code == 0
    assert SPARK_SETTINGS["master"] == "spark://head:7077"
    refused = CliRunner().invoke(main, ["scan", data, "--out", "x", "--spark-driver-memory", "lots"])
    assert refused.exit_code == 2 and "is not a JVM memory size" in refused.output
