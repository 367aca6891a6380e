"""Revenue of each network over time: per month, and in a window ending at the data's last order.

A case needs both: the months show when the network started and how it grew; the window gives the figure an
investigator quotes ("CNY 1.02M in the last 90 days"). The window ends at the last order in the input, not at the
wall clock, so a scan of last year's extract still reads naturally.
"""

from __future__ import annotations

from marketguard.engine.base import Step
from marketguard.features.networks import currency_sql
from marketguard.features.signals.catalogue import US_PER_DAY


def revenue_steps(window_days: int) -> list[Step]:
    """``network_revenue`` (network_id, month 'YYYY-MM', revenue, currency, n_orders, units) and
    ``network_revenue_window`` (network_id, revenue_window, n_orders_window, window_days, window_end);
    reads ``account_networks``, ``stores``, ``listings`` and ``orders``."""
    month = "CAST(year(ts) AS VARCHAR) || '-' || lpad(CAST(month(ts) AS VARCHAR), 2, '0')"
    return [
        Step(
            "network_orders",
            "SELECT an.network_id, o.ts, CAST(o.amount AS DOUBLE) AS amount, o.quantity, l.currency FROM orders o "
            "JOIN listings l ON o.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id "
            "JOIN account_networks an ON s.account_id = an.account_id",
            materialize=False,
        ),
        Step(
            "network_revenue",
            f"SELECT network_id, {month} AS month, round(sum(amount), 2) AS revenue, "
            f"{currency_sql('currency')} AS currency, count(*) AS n_orders, "
            f"CAST(sum(quantity) AS BIGINT) AS units FROM network_orders GROUP BY network_id, {month}",
        ),
        Step(
            "network_revenue_window",
            "SELECT o.network_id, round(sum(o.amount), 2) AS revenue_window, count(*) AS n_orders_window, "
            f"CAST({window_days} AS BIGINT) AS window_days, min(e.window_end) AS window_end "
            "FROM network_orders o CROSS JOIN (SELECT max(ts) AS window_end FROM orders) e "
            f"WHERE epoch_us(o.ts) > epoch_us(e.window_end) - {window_days * US_PER_DAY} GROUP BY o.network_id",
        ),
    ]
