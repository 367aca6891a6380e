"""Order signals: how much and how fast the store sells (the case's "RMB 1M in three months")."""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import US_PER_DAY, Signal, SignalGroup


def _sql(tables: Tables) -> str:
    return (
        "SELECT l.store_id, count(*) AS n_orders, sum(o.amount) AS revenue, "
        f"sum(CASE WHEN epoch_us(t.as_of) - epoch_us(o.ts) <= 90 * {US_PER_DAY} THEN o.amount ELSE 0 END) "
        "AS revenue_90_days, "
        f"count(*) / ((epoch_us(max(o.ts)) - epoch_us(min(o.ts))) / {US_PER_DAY} + 1.0) AS orders_per_day, "
        "avg(o.amount) AS mean_order_value "
        "FROM orders o JOIN listings l ON o.listing_id = l.listing_id CROSS JOIN signals_as_of t "
        "GROUP BY l.store_id"
    )


GROUP = SignalGroup(
    name="orders",
    meaning="sales",
    tables=("stores", "listings", "orders", "logins"),
    sql=_sql,
    signals=(
        Signal("n_orders", "orders", 0, 0.0),
        Signal("revenue", "total order amount", 0, 0.0),
        Signal("revenue_90_days", "order amount in the 90 days before the data's last login", 0, 0.0),
        Signal(
            "orders_per_day",
            "orders per day between the store's first and last order",
            1,
            0.0,
            says="sells {value:.1f} orders a day",
        ),
        Signal("mean_order_value", "average order amount", 0, None),
    ),
)
