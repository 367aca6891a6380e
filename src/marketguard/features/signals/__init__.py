"""Store signals: the documented catalogue the store risk model reads (see ``docs/signals.md``)."""

from marketguard.features.signals import (
    environment,
    identity,
    imports,
    listings,
    logistics,
    money,
    orders,
    review_fraud,
    reviews,
    storefront,
    ties,
)
from marketguard.features.signals.catalogue import Signal, SignalGroup, catalogue_markdown, signal_steps

#: Every signal group, in the order of ``store_features``'s columns.
GROUPS: tuple[SignalGroup, ...] = (
    identity.GROUP,
    ties.GROUP,
    environment.GROUP,
    storefront.GROUP,
    listings.GROUP,
    orders.GROUP,
    reviews.GROUP,
    review_fraud.GROUP,
    logistics.GROUP,
    money.GROUP,
    imports.LISTINGS,
)

__all__ = ["GROUPS", "Signal", "SignalGroup", "catalogue_markdown", "signal_steps"]
