"""``marketguard replay``: trained on what was known at the cut, every event replayed, alerts and a summary that
say how early counterfeit stores were flagged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from marketguard.cli import main
from marketguard.live.replay import in_time_order
from tests.live.conftest import labelled_by_truth


def test_replay_trains_on_the_past_and_reports_how_early_it_flags(small_market: Path, tmp_path: Path) -> None:
    market = labelled_by_truth(small_market, tmp_path / "market")
    out = tmp_path / "replay"
    args = ["replay", str(market), "--out", str(out), "--min-labels", "10", "--train-until", "2025-07-01"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "flagged before their first sale" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["measured_on"] == "truth" and summary["events_held_at_end"] == 0
    assert summary["new_stores"] > 0 and summary["events_rejected"] == 0
    assert 0.0 <= summary["share_flagged_before_first_sale"] <= 1.0
    alerts = pq.read_table(out / "alerts.parquet").to_pylist()
    assert {
        "store_id",
        "opened_at",
        "flagged_at",
        "score",
        "reasons",
        "first_order_at",
        "first_review_at",
    } <= set(alerts[0])
    flagged = [a for a in alerts if a["flagged_at"] is not None]
    assert flagged and all(
        a["flagged_at"] >= a["opened_at"] and a["score"] >= 0.5 and a["reasons"] for a in flagged
    )
    # every store's peak: flagged iff it reached the threshold, so the curve at 0.5 is this run's own figures
    assert all((a["flagged_at"] is not None) == (a["peak_score"] >= 0.5) for a in alerts)
    assert all(
        a["peak_score_before_first_sale"] is None or a["peak_score_before_first_sale"] <= a["peak_score"]
        for a in alerts
    )
    at_half = next(p for p in summary["operating_curve"] if p["threshold"] == 0.5)
    assert at_half["share_flagged_before_first_sale"] == summary["share_flagged_before_first_sale"]
    assert at_half["honest_alert_rate"] == summary["honest_alert_rate"]
    rates = [p["honest_alert_rate"] for p in summary["operating_curve"]]
    assert rates == sorted(rates, reverse=True)  # a higher threshold never alerts more
    for point in summary["at_honest_alert_budget"]:
        assert point["honest_alert_rate"] <= point["honest_alert_budget"]
    assert "of honest stores alerted (threshold" in result.output
    trained_on = pq.read_table(out / "training" / "labels.parquet").column("labeled_at").to_pylist()
    assert all(t is None or t.isoformat() <= "2025-07-01T00:00:00+00:00" for t in trained_on)  # nothing later
    again = CliRunner().invoke(main, args)  # an earlier replay's directory is replaced, with the same results
    assert again.exit_code == 0 and pq.read_table(out / "alerts.parquet").to_pylist() == alerts

    def untimed(found: dict) -> dict:
        return {k: v for k, v in found.items() if not k.startswith("ms_per_event")}

    assert untimed(json.loads((out / "summary.json").read_text())) == untimed(summary)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    refused = CliRunner().invoke(main, ["replay", str(market), "--out", str(tmp_path / "mine")])
    assert refused.exit_code != 0 and "other files" in refused.output
    # a replay that fails (too few labels to train on) leaves nothing behind: the same --out works next time
    failed = CliRunner().invoke(main, ["replay", str(market), "--out", str(out), "--min-labels", "100000"])
    assert failed.exit_code != 0 and "--min-labels" in failed.output
    assert pq.read_table(out / "alerts.parquet").to_pylist() == alerts  # the earlier replay, untouched
    failed = CliRunner().invoke(
        main, ["replay", str(market), "--out", str(tmp_path / "new"), "--min-labels", "100000"]
    )
    assert failed.exit_code != 0 and not (tmp_path / "new").exists()


def test_events_stream_in_time_order_with_ties_by_table_then_row() -> None:
    """The merge of per-table sorted streams equals one sort of every row by (time, table's place, row number),
    across batch boundaries; the event id names the table and the row's place in it."""
    at = [datetime(2026, 1, d, tzinfo=UTC) for d in (3, 1, 2, 1, 3, 2, 1)]
    tables = {
        "logins": pa.table({"account_id": [f"a{i}" for i in range(7)], "ts": at}),
        "accounts": pa.table({"account_id": ["x", "y", "z"], "created_at": [at[0], at[1], at[1]]}),
    }
    for batch in (2, 3, 10_000):
        got = [(e["event_id"], e["event"]) for e in in_time_order(tables, batch=batch)]
        expected = sorted(
            [
                (t, 0, i, f"accounts:{i}", "account_created")
                for i, t in enumerate(tables["accounts"]["created_at"].to_pylist())
            ]
            + [(t, 1, i, f"logins:{i}", "login") for i, t in enumerate(at)]
        )
        assert got == [(e[3], e[4]) for e in expected]
    later = [e["event_id"] for e in in_time_order(tables, batch=2, after=at[2])]  # after January 2nd
    assert later == [e[3] for e in expected if e[0] > at[2]] == ["accounts:0", "logins:0", "logins:4"]
    stores = pa.table({"store_id": ["s0", "s1"], "opened_at": at[1:3], "closed_at": [at[0], None]})
    events = list(in_time_order(tables | {"stores": stores}))
    opened = [e for e in events if e["event"] == "store_opened"]
    assert [(e["store_id"], e["closed_at"]) for e in opened] == [
        ("s0", None),
        ("s1", None),
    ]  # no later closing
    closings = [e for e in events if e["event"] == "store_closed"]
    assert closings == [
        {"event_id": "stores:0:store_closed", "event": "store_closed"}
        | {"store_id": "s0", "closed_at": at[0]}
    ]
    assert events[-1] == closings[0]  # January 3rd, after the rows of that time
    first = next(in_time_order(tables))
    assert first == {
        "event_id": "accounts:1",
        "event": "account_created",
        "account_id": "y",
        "created_at": at[1],
    }
