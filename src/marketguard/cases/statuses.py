"""The words of case work: where a case can be, why one is dismissed, the label a decision gives, and who works
it."""

from __future__ import annotations

__all__ = ["DISMISS_REASONS", "LABEL_OF_STATUS", "ROLES", "STATUSES"]

#: Where a case can be. ``new`` until someone looks; the three outcomes that say the network sells fakes
#: (confirmed, or referred to the police or customs) and ``dismissed`` are decisions.
STATUSES = (
    "new",
    "in_review",
    "confirmed_counterfeit",
    "dismissed",
    "referred_police",
    "referred_customs",
)
#: Why a network was dismissed: an e-commerce agency's clients, one family's shops, a grey-market seller (genuine
#: goods, not counterfeit), or simply wrong.
DISMISS_REASONS = ("agency", "family", "grey_market", "false_positive", "other")
#: The label a decision gives the network's stores in the contract's ``labels`` table (others give none).
LABEL_OF_STATUS = {"confirmed_counterfeit": 1, "referred_police": 1, "referred_customs": 1, "dismissed": 0}
#: admin: everything, users included; investigator: every case; brand: the networks selling its brands, personal
#: identifiers masked, no customs data; customs: declarations and the networks tied to them; service: machines.
ROLES = ("admin", "investigator", "brand", "customs", "service")
