"""Account-artifact edges from logins: which accounts used which device and Wi-Fi router, how often, when.

These are the shared-internet-environment evidence behind operator linking. An artifact used by too many
accounts (public Wi-Fi, a factory-default device id) is a *hub*: recorded, never expanded into pairs.
"""

from __future__ import annotations

from marketguard.engine.base import Step

#: Artifact kinds read from logins, with the login column each comes from.
LOGIN_ARTIFACTS: dict[str, str] = {"device": "device_id", "wifi": "wifi_bssid"}


def account_artifacts_sql(kinds: tuple[str, ...] = ("device", "wifi")) -> Step:
    """One row per (account, artifact kind, artifact): login count, first and last time seen."""
    parts = [
        f"SELECT account_id, '{kind}' AS kind, {LOGIN_ARTIFACTS[kind]} AS artifact, count(*) AS n_logins, "
        f"min(ts) AS first_seen, max(ts) AS last_seen FROM logins "
        f"WHERE {LOGIN_ARTIFACTS[kind]} IS NOT NULL AND {LOGIN_ARTIFACTS[kind]} <> '' "
        f"GROUP BY account_id, {LOGIN_ARTIFACTS[kind]}"
        for kind in kinds
    ]
    return Step("account_artifacts", " UNION ALL ".join(parts))


def artifact_degrees_sql() -> Step:
    """How many distinct accounts used each artifact: the specificity of the evidence."""
    return Step(
        "artifact_degrees",
        "SELECT kind, artifact, count(*) AS n_accounts, sum(n_logins) AS n_logins "
        "FROM account_artifacts GROUP BY kind, artifact",
    )


def shared_artifact_edges_sql(max_shared_accounts: int) -> Step:
    """Account-artifact edges of artifacts shared by 2..``max_shared_accounts`` accounts (hubs excluded)."""
    return Step(
        "shared_artifact_edges",
        "SELECT a.account_id, a.kind, a.artifact, a.n_logins, a.first_seen, a.last_seen, d.n_accounts "
        "FROM account_artifacts a JOIN artifact_degrees d ON a.kind = d.kind AND a.artifact = d.artifact "
        f"WHERE d.n_accounts BETWEEN 2 AND {int(max_shared_accounts)}",
    )


def hub_artifacts_sql(max_shared_accounts: int) -> Step:
    """Artifacts above the degree cap: kept as evidence that a hub exists, not linked through."""
    return Step(
        "hub_artifacts",
        "SELECT kind, artifact, n_accounts, n_logins FROM artifact_degrees "
        f"WHERE n_accounts > {int(max_shared_accounts)}",
    )


def account_pairs_sql() -> Step:
    """Pairs of accounts sharing a non-hub artifact, one row per (pair, artifact), ``account_a < account_b``."""
    return Step(
        "shared_artifact_pairs",
        "SELECT a.account_id AS account_a, b.account_id AS account_b, a.kind, a.artifact, a.n_accounts, "
        "least(a.first_seen, b.first_seen) AS first_seen, greatest(a.last_seen, b.last_seen) AS last_seen "
        "FROM shared_artifact_edges a JOIN shared_artifact_edges b "
        "ON a.kind = b.kind AND a.artifact = b.artifact AND a.account_id < b.account_id",
    )
