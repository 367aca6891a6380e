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

#: The groups an event can keep current one store at a time (:mod:`marketguard.live.signals`): what a model for
#: the live path is trained on (``marketguard train --signals live``). Identity reads the operator network the
#: live index links (internet environment and identities) and the labels known then. The others read what only
#: hindsight or the whole marketplace gives (money chains, ties through shared sites, review rings).
LIVE: tuple[SignalGroup, ...] = (
    environment.GROUP,
    storefront.GROUP,
    listings.GROUP,
    orders.GROUP,
    reviews.GROUP,
    identity.GROUP,
)
#: The signal sets a model can be trained on.
SIGNAL_SETS: dict[str, tuple[SignalGroup, ...]] = {"all": GROUPS, "live": LIVE}

__all__ = ["GROUPS", "LIVE", "SIGNAL_SETS", "Signal", "SignalGroup", "catalogue_markdown", "signal_steps"]
