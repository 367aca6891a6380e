"""Identity signals: who stands behind the store, as the operator network sees it.

One operator opening many stores with borrowed identities shows as a network with many identity documents;
a store whose network holds stores already found counterfeit is suspect by association (labels dated after the
data's "now" were not known then and are not counted).
"""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import US_PER_DAY, Signal, SignalGroup, known_labels_sql


def _sql(tables: Tables) -> str:
    return (
        f"WITH labelled AS ({known_labels_sql(tables, 'store', 'store_id')}), "
        "network_stats AS (SELECT an.network_id, count(DISTINCT an.account_id) AS n_accounts, "
        "count(DISTINCT a.id_document) AS n_id_documents FROM account_networks an "
        "JOIN accounts a ON an.account_id = a.account_id GROUP BY an.network_id), "
        "network_stores AS (SELECT an.network_id, count(*) AS n_stores, "
        "sum(CASE WHEN lb.label = 1 THEN 1 ELSE 0 END) AS n_counterfeit FROM stores st "
        "JOIN account_networks an ON st.account_id = an.account_id "
        "LEFT JOIN labelled lb ON st.store_id = lb.store_id GROUP BY an.network_id) "
        "SELECT s.store_id, "
        f"(epoch_us(s.opened_at) - epoch_us(a.created_at)) // {US_PER_DAY} AS account_age_at_open_days, "
        "coalesce(n.n_accounts, 1) AS network_accounts, coalesce(ns.n_stores, 1) AS network_stores, "
        "coalesce(n.n_id_documents, CASE WHEN a.id_document IS NULL OR a.id_document = '' THEN 0 ELSE 1 END) "
        "AS network_id_documents, "
        "coalesce(ns.n_counterfeit, 0) - CASE WHEN own.label = 1 AND an.network_id IS NOT NULL THEN 1 ELSE 0 END "
        "AS network_counterfeit_stores "
        "FROM stores s JOIN accounts a ON s.account_id = a.account_id "
        "LEFT JOIN account_networks an ON s.account_id = an.account_id "
        "LEFT JOIN network_stats n ON an.network_id = n.network_id "
        "LEFT JOIN network_stores ns ON an.network_id = ns.network_id "
        "LEFT JOIN labelled own ON s.store_id = own.store_id"
    )


GROUP = SignalGroup(
    name="identity",
    meaning="who stands behind the store: its owner account and operator network",
    tables=("stores", "accounts"),
    needs=("account_networks",),
    sql=_sql,
    signals=(
        Signal(
            "account_age_at_open_days",
            "days between the owner account's creation and the store's opening (new accounts open throwaway stores)",
            -1,
            None,
            says="opened {value:.0f} days after its owner account was created",
        ),
        Signal(
            "network_accounts",
            "accounts in the owner's operator network (1 when it has none)",
            1,
            1.0,
            says="its operator network has {value:.0f} accounts",
        ),
        Signal(
            "network_stores",
            "stores in the owner's operator network, this one included",
            1,
            1.0,
            says="its operator runs {value:.0f} stores",
        ),
        Signal(
            "network_id_documents",
            "distinct identity documents in the network: one operator behind many identities",
            1,
            1.0,
            says="its operator network holds {value:.0f} different identity documents",
        ),
        Signal(
            "network_counterfeit_stores",
            "other stores in the network labelled counterfeit in the labels table",
            1,
            0.0,
            from_labels=True,
            says="{value:.0f} other stores of its network are labelled counterfeit",
        ),
    ),
)
