"""Internet-environment signals: how the owner account logs in.

Counterfeit operators rotate IPs and devices across many stores and log in from addresses shared by many
accounts (e-commerce parks, proxies); an honest seller mostly uses its own few.
"""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import Signal, SignalGroup

#: An IP used by at least this many accounts is "heavily shared" (proxy, park, carrier NAT).
SHARED_IP_ACCOUNTS = 10


def _sql(tables: Tables) -> str:
    """From the operator linker's evidence when it ran (``login_artifacts``, ``artifact_degrees``: the logins
    already grouped per account and artifact, a tenth of the rows), else from the logins; the same values
    either way (a test pins them)."""
    linked = all(tables.backend.table_exists(t) for t in ("login_artifacts", "artifact_degrees"))
    per_owner = _per_owner_from_evidence() if linked else _per_owner_from_logins()
    return (
        f"WITH owners AS (SELECT DISTINCT account_id FROM stores), {per_owner} "
        "SELECT s.store_id, p.n_logins AS owner_logins, p.n_ips AS owner_ips, p.n_devices AS owner_devices, "
        "p.n_wifis AS owner_wifis, CAST(p.n_ips AS DOUBLE) / p.n_logins AS ip_rotation, "
        "CAST(p.n_shared_ip_logins AS DOUBLE) / p.n_logins AS share_logins_shared_ip "
        "FROM stores s JOIN per_owner p ON s.account_id = p.account_id"
    )


def _per_owner_from_logins() -> str:
    """The ``per_owner`` table expression (with the ones it reads) from the logins."""
    return (
        "owner_logins AS (SELECT l.* FROM logins l JOIN owners o ON l.account_id = o.account_id), "
        "ip_accounts AS (SELECT ip, count(DISTINCT account_id) AS n_accounts FROM logins "
        "WHERE ip IN (SELECT ip FROM owner_logins) GROUP BY ip), "
        "per_owner AS (SELECT l.account_id, count(*) AS n_logins, count(DISTINCT l.ip) AS n_ips, "
        "count(DISTINCT nullif(l.device_id, '')) AS n_devices, count(DISTINCT nullif(l.wifi_bssid, '')) AS n_wifis, "
        f"sum(CASE WHEN i.n_accounts >= {SHARED_IP_ACCOUNTS} THEN 1 ELSE 0 END) AS n_shared_ip_logins "
        "FROM owner_logins l LEFT JOIN ip_accounts i ON l.ip = i.ip GROUP BY l.account_id)"
    )


def _per_owner_from_evidence() -> str:
    """The ``per_owner`` table expression from the linker's evidence. Every login has an IP (the contract
    requires one), so an owner's IP rows count all its logins."""
    return (
        "per_owner AS (SELECT la.account_id, sum(CASE WHEN la.kind = 'ip' THEN la.n_events ELSE 0 END) AS n_logins, "
        "sum(CASE WHEN la.kind = 'ip' THEN 1 ELSE 0 END) AS n_ips, "
        "sum(CASE WHEN la.kind = 'device' THEN 1 ELSE 0 END) AS n_devices, "
        "sum(CASE WHEN la.kind = 'wifi' THEN 1 ELSE 0 END) AS n_wifis, "
        f"sum(CASE WHEN la.kind = 'ip' AND d.n_accounts >= {SHARED_IP_ACCOUNTS} THEN la.n_events ELSE 0 END) "
        "AS n_shared_ip_logins FROM login_artifacts la JOIN owners o ON la.account_id = o.account_id "
        "LEFT JOIN artifact_degrees d ON la.artifact_key = d.artifact_key GROUP BY la.account_id)"
    )


GROUP = SignalGroup(
    name="environment",
    meaning="the owner account's logins: addresses, devices, routers",
    tables=("stores", "logins"),
    sql=_sql,
    signals=(
        Signal("owner_logins", "logins of the owner account", 0, 0.0),
        Signal(
            "owner_ips",
            "distinct IP addresses the owner logged in from",
            1,
            0.0,
            says="its owner logged in from {value:.0f} IP addresses",
        ),
        Signal(
            "owner_devices",
            "distinct devices the owner logged in with",
            1,
            0.0,
            says="its owner logged in from {value:.0f} devices",
        ),
        Signal("owner_wifis", "distinct Wi-Fi routers the owner logged in through", 0, 0.0),
        Signal(
            "ip_rotation",
            "distinct IPs per login: near 1 means a new address almost every time",
            1,
            None,
            says="a new IP address on {value:.0%} of its owner's logins",
        ),
        Signal(
            "share_logins_shared_ip",
            f"share of the owner's logins from IPs used by {SHARED_IP_ACCOUNTS} accounts or more",
            1,
            None,
            says="{value:.0%} of its owner's logins come from heavily shared IP addresses",
        ),
    ),
)
