"""Benchmark: the live path, replaying a simulated marketplace event by event (``marketguard replay``).

Trains a live model on the first half of the time line (``--min-labels``: the simulator's labels are scarce at
the hardest difficulty), replays every event through the live scorer and prints one JSON line: events, events per
second, p50/p99 milliseconds per event (checking the event, holding or applying it, scoring the stores it touched)
against the live issue's bar of 1 ms, peak memory, and how early counterfeit stores opened after the cut were
flagged (share before their first sale, median lead, honest-store alert rate; bars 90% and 1%).

    python benchmarks/live.py                              # 2,000 stores, normal
    python benchmarks/live.py --difficulty adversarial --min-labels 5
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from common import ensure_market, market_parser, peak_mb
from marketguard.live.replay import replay

EVENT_BAR_MS = 1.0
BEFORE_SALE_BAR, HONEST_ALERT_BAR = 0.90, 0.01


def main() -> None:
    parser = market_parser(__doc__, stores=2_000)
    parser.add_argument("--min-labels", type=int, default=10)
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args()
    data = ensure_market(args.stores, args.seed, args.difficulty)
    with tempfile.TemporaryDirectory(prefix="marketguard-live-") as tmp:
        start = time.perf_counter()
        summary = replay(data, Path(tmp) / "replay", threshold=args.threshold, min_labels=args.min_labels)
        seconds = time.perf_counter() - start
    share, rate = summary["share_flagged_before_first_sale"], summary["honest_alert_rate"]
    print(
        json.dumps(
            {
                "name": "live_replay",
                "stores": args.stores,
                "difficulty": args.difficulty,
                "seconds": round(seconds, 1),
                "events": summary["events"],
                "events_per_s": round(summary["events"] / seconds, 1),
                "ms_per_event_p50": summary["ms_per_event_p50"],
                "ms_per_event_p99": summary["ms_per_event_p99"],
                "ratio_p99_to_bar": round(summary["ms_per_event_p99"] / EVENT_BAR_MS, 2),
                "peak_mb": peak_mb(),
                "labels_before_cut": summary["model"]["labels"],
                "new_counterfeit_stores": summary["new_counterfeit_stores"],
                "share_flagged_before_first_sale": share,
                "ratio_to_bar": None if share is None else round(share / BEFORE_SALE_BAR, 3),
                "median_lead_days": summary["median_lead_days"],
                "honest_alert_rate": rate,
                "honest_ratio_to_bar": None if rate is None else round(rate / HONEST_ALERT_BAR, 2),
                "agency": summary["agency"],
                "grey_market": summary["grey_market"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
