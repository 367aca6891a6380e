"""Storefront signals: fake-goods stores keep the platform's basic shop template and live short."""

from __future__ import annotations

from marketguard.contract.vocabulary import BASIC_TEMPLATE
from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import US_PER_DAY, Signal, SignalGroup


def _sql(tables: Tables) -> str:
    return (
        f"SELECT s.store_id, CASE WHEN s.template = '{BASIC_TEMPLATE}' THEN 1 ELSE 0 END AS basic_template, "
        f"(epoch_us(t.as_of) - epoch_us(s.opened_at)) // {US_PER_DAY} AS store_age_days, "
        "CASE WHEN s.closed_at IS NOT NULL THEN 1 ELSE 0 END AS closed "
        "FROM stores s CROSS JOIN signals_as_of t"
    )


GROUP = SignalGroup(
    name="storefront",
    meaning="the shop itself",
    tables=("stores", "logins"),
    sql=_sql,
    signals=(
        Signal(
            "basic_template",
            "1 when the store keeps the platform's default 'basic' template",
            1,
            0.0,
            says="keeps the platform's basic shop template",
            needs=(("stores.template", BASIC_TEMPLATE),),  # no store on it: the platform calls it otherwise
        ),
        Signal("store_age_days", "days from opening to the data's last login", -1, None),
        Signal("closed", "1 when the store has closed", 1, 0.0, says="has closed"),
    ),
)
