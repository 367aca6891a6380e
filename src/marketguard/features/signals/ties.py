"""Tie signals: what binds the store's owner to its network mates, as the operator linker found it.

A network is a group of accounts run together; what ties them says what the group is. An agency's client stores
are tied by the agency's office (its devices, Wi-Fi and IP addresses) and by the fee every client pays it, but each
client's money ends with the client and each ships its own goods. A counterfeit operator's stores, even when they
hide their office behind anti-detect browsers, pool their money at the same collectors through mules, ship from
the same factories and list the same copied catalogue. So a store tied to its mates by money destinations,
ship-from sites or copied listings is risky whatever its template and prices, and one tied only by its office
is context. The strength of a tie is the linker's own evidence weight (specificity, engagement, time) combined
over the kinds as independent signals, the way the linker combines a pair's evidence.
"""

from __future__ import annotations

from marketguard.engine.base import round12
from marketguard.engine.tables import Tables
from marketguard.features.evidence import LOG_UNITS, log_evidence_sql
from marketguard.features.signals.catalogue import Signal, SignalGroup

#: Link kinds that say the stores are one business's goods and money: money pooled at the same destinations
#: through mules, parcels from the same ship-from sites, the same listings, near-duplicate titles or price lists,
#: the same customers beyond chance. Payees are left out: every client of an agency pays it a fee.
COMMERCE_KINDS = ("destination", "site", "listing", "listing_text", "price_list", "customer")
#: Link kinds of the internet environment (shared by an office of any kind: an agency's, a family's, an
#: operator's).
ENVIRONMENT_KINDS = ("device", "wifi", "ip", "ip_net")


def _strength(kinds: tuple[str, ...]) -> str:
    """SQL: the combined weight ``1 - prod(1 - w)`` of an owner's links of ``kinds`` (0 without any), from the
    linker's own log-evidence (integer units: the same sum in any order, on any engine)."""
    listed = ", ".join(f"'{k}'" for k in kinds)
    logs = f"sum(CASE WHEN e.kind IN ({listed}) THEN {log_evidence_sql('e.weight')} ELSE 0 END)"
    return round12(
        f"1 - exp(CAST(coalesce({logs}, 0) AS DOUBLE) / {LOG_UNITS})"
    )  # engines differ in exp's last bit


def _sql(tables: Tables) -> str:
    return (
        "WITH ends AS (SELECT account_a AS account_id, kind, weight FROM links "
        "UNION ALL SELECT account_b, kind, weight FROM links) "
        f"SELECT s.store_id, {_strength(COMMERCE_KINDS)} AS commerce_tie_strength, "
        f"{_strength(ENVIRONMENT_KINDS)} AS environment_tie_strength "
        "FROM stores s JOIN ends e ON s.account_id = e.account_id GROUP BY s.store_id"
    )


GROUP = SignalGroup(
    name="ties",
    meaning="what binds the owner to its operator network: goods and money, or only an office",
    tables=("stores",),
    needs=("links",),
    sql=_sql,
    signals=(
        Signal(
            "commerce_tie_strength",
            "combined evidence weight of the owner's links to its network by money destinations, ship-from "
            "sites, copied listings or shared customers (0 without any)",
            1,
            0.0,
            says="tied to its network by money, parcels or copied listings (evidence strength {value:.2f})",
        ),
        Signal(
            "environment_tie_strength",
            "combined evidence weight of the owner's links to its network by devices, Wi-Fi and IP addresses: an "
            "office of any kind (0 without any)",
            0,
            0.0,
            says="tied to its network by devices and networks (evidence strength {value:.2f})",
        ),
    ),
)
