"""Money signals: what happens to the store's settlements.

Counterfeit operators' stores are settled into borrowed bank accounts that forward the money on within a day
or two to the operator's collectors; an honest seller's account keeps it, pays suppliers, or withdraws it.
"""

from __future__ import annotations

from marketguard.contract.vocabulary import SETTLEMENT, WITHDRAWAL
from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import US_PER_DAY, Signal, SignalGroup

#: Money leaving the account within this many days of a settlement arriving counts as forwarded.
FORWARD_DAYS = 2
#: A transfer out that is not a withdrawal (a missing kind is not a withdrawal: NULL <> 'withdrawal' is unknown).
_NOT_WITHDRAWN = f"coalesce(o.kind, '') <> '{WITHDRAWAL}'"
#: Every signal here starts from the settlements: without one, each would read 0 for every store.
_SETTLED = (("transfers.kind", SETTLEMENT),)


def _sql(tables: Tables) -> str:
    day = f"epoch_us(ts) // {US_PER_DAY}"
    offsets = " UNION ALL ".join(
        f"SELECT bank, day + {k} AS day FROM settled_days" for k in range(FORWARD_DAYS + 1)
    )
    return (
        "WITH banks AS (SELECT s.store_id, a.bank_account AS bank FROM stores s "
        "JOIN accounts a ON s.account_id = a.account_id WHERE a.bank_account IS NOT NULL AND a.bank_account <> ''), "
        "incoming AS (SELECT t.to_party AS bank, sum(t.amount) AS settled, count(*) AS n_settlements FROM transfers t "
        f"WHERE t.kind = '{SETTLEMENT}' AND t.to_party IN (SELECT bank FROM banks) GROUP BY t.to_party), "
        f"settled_days AS (SELECT DISTINCT to_party AS bank, {day} AS day FROM transfers "
        f"WHERE kind = '{SETTLEMENT}' AND to_party IN (SELECT bank FROM banks)), "
        f"windows AS (SELECT DISTINCT bank, day FROM ({offsets}) w), "
        f"outgoing AS (SELECT from_party AS bank, to_party, amount, kind, {day} AS day FROM transfers "
        "WHERE from_party IN (SELECT bank FROM banks)), "
        "sent AS (SELECT o.bank, sum(o.amount) AS sent, "
        f"sum(CASE WHEN w.day IS NOT NULL AND {_NOT_WITHDRAWN} THEN o.amount ELSE 0 END) AS forwarded, "
        f"count(DISTINCT CASE WHEN {_NOT_WITHDRAWN} THEN o.to_party END) AS n_payees FROM outgoing o "
        "LEFT JOIN windows w ON o.bank = w.bank AND o.day = w.day GROUP BY o.bank) "
        "SELECT b.store_id, i.settled AS settled_amount, "
        "least(1.0, coalesce(x.forwarded, 0) / i.settled) AS share_forwarded_quickly, "
        "coalesce(x.n_payees, 0) AS n_payees, least(1.0, coalesce(x.sent, 0) / i.settled) AS share_sent_on "
        "FROM banks b JOIN incoming i ON b.bank = i.bank LEFT JOIN sent x ON b.bank = x.bank "
        "WHERE i.settled > 0"
    )


GROUP = SignalGroup(
    name="money",
    meaning="the settlement bank account of the owner and what leaves it",
    tables=("stores", "accounts", "transfers"),
    sql=_sql,
    signals=(
        Signal("settled_amount", "settlements paid into the owner's bank account", 0, 0.0, needs=_SETTLED),
        Signal(
            "share_forwarded_quickly",
            f"share of the settled amount transferred on (not withdrawn) within {FORWARD_DAYS} days of a settlement",
            1,
            None,
            says="{value:.0%} of its settlements are transferred on within two days",
            needs=_SETTLED,
        ),
        Signal(
            "n_payees",
            "distinct parties the account transfers to (withdrawals aside)",
            0,
            0.0,
            needs=_SETTLED,
        ),
        Signal(
            "share_sent_on",
            "amount leaving the account / amount settled into it",
            0,
            None,
            says="{value:.0%} of what was settled into its account left it again",
            needs=_SETTLED,
        ),
    ),
)
