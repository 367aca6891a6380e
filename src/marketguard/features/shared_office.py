"""One office, one purse: accounts that alone share both a place of work and a money account.

An agency, or a grey-market seller's back office, works a dozen stores from one office: their accounts share its
Wi-Fi router and IP network, and all pay its fee or payroll account. Each of those artifacts, shared by a dozen
accounts, counts for little on its own (a café's router, an e-commerce park's IP range and a wholesaler's account
are shared by as many unrelated people), so a store whose computer nobody else used falls out of its office's
network. What such a store shares with the others is not one artifact but a coincidence: the same accounts work
behind the router *and* pay the account. A park's tenants do not all pay one account, nor do a wholesaler's
customers all sit behind one router; the more exactly the two sets of users coincide, the less they can be
unrelated.

Model
-----
For a place artifact ``P`` (a device, Wi-Fi router, IP address or IP network; not a hub) and a money artifact ``M``
(a payee or money destination), each shared by three accounts or more, with user sets ``U_P`` and ``U_M``, the
coincidence is a Jaccard index over the accounts that could show it, ``J = |U_P & U_M| / |A_P | U_M|``, where
``A_P`` holds the users of ``P`` with any row of ``M``'s kind at all (for a payee: any payee, shared or not): a
store that has paid nobody yet, a new one or an idle one, says nothing of which purse its office uses, and counted
as a non-payer it would hide the stores that do (an agency's 35 stores behind its addresses: 31 paid anyone, 28
of them its fee account). Each pair of accounts in ``U_P & U_M`` gets one evidence row of kind
``office`` with weight ``weight x J^2`` (the kind's :class:`~marketguard.features.evidence.KindWeight`): ``J^2``
is about the share of the pairs of the two sets' users that both sets hold, so a loose coincidence counts for
little (half the paying users of a park's router paying one wholesaler, who has as many customers elsewhere:
J = 1/3, a ninth of the weight) and an exact one fully (an office's router used by exactly the accounts that pay
its fee account). One row per pair, from the combination with the highest ``J``: the router, the addresses and
the computers of one office are one place, and its payee and deeper destinations one purse, so only the
strongest combination counts. Below three users each artifact already counts its full weight for the pair, and
the coincidence of two sets of two says nothing more.

The row comes on top of the place's and the money's own rows, which stay discounted for their many users: it is
what the coincidence adds. Places never are hubs (their rows are those of ``shared_artifacts``), so a proxy
exit's or a mobile carrier's network's users never make an office. A purse may be a hub for its own kind (an agency's fee
account paid by more stores than a shared payee's cap allows, where a payee alone says nothing): ``J >= 1/3``
with a place of at most its kind's cap bounds the purse's users by three times that cap, and purses above it
(a payment processor, a popular wholesaler) are never read.

Notes
-----
One join of the place rows and the money rows on the account (an account has a few of each), one count of each
place's paying users, one aggregation per (place, money) combination, and a self-join inside the combinations
that coincide well enough to be worth :data:`MIN_WEIGHT` (at most the place kind's degree cap squared rows each).
"""

from __future__ import annotations

from fractions import Fraction

from marketguard.engine.base import Step
from marketguard.features.evidence import KIND_WEIGHTS, KindWeight

__all__ = ["MONEY_KINDS", "PLACE_KINDS", "office_evidence_sql"]

#: Where an office works: its computers, its router, its addresses and their network (an office's few static
#: addresses are not hubs where their /24 is: the caps differ, 66 against 18).
PLACE_KINDS: tuple[str, ...] = ("device", "wifi", "ip", "ip_net")
#: Where an office's money goes: the account its stores pay, and deeper destinations through mules.
MONEY_KINDS: tuple[str, ...] = ("payee", "destination")
#: The fewest users of each artifact at which the coincidence says more than the artifacts' own rows: two users
#: of an artifact already count its full weight.
MIN_USERS = 3
#: The least weight an office row is worth (the rule of every kind's degree cap,
#: :data:`~marketguard.features.evidence.KIND_WEIGHTS`): looser coincidences are not paired at all.
MIN_WEIGHT = 0.05
#: The most users a purse may have and still make ``J >= 1/3`` with a place below its kind's cap (the largest
#: cap of the place kinds, three times over); a larger one is never read.
MAX_PURSE_USERS = 3 * max(KIND_WEIGHTS[k].max_degree for k in PLACE_KINDS)
_COLUMNS = "account_a, account_b, code_a, code_b, kind, artifact, n_accounts, net, first_seen, last_seen, n_events, weight"


def office_evidence_sql(kw: KindWeight) -> Step:
    """The ``office`` evidence rows, one per pair of accounts, in the columns of
    :func:`~marketguard.features.evidence.pair_rows_sql` (places from ``shared_artifacts``, purses from
    ``other_uses`` and ``artifact_degrees``)."""
    # J^2 x weight >= MIN_WEIGHT, as integers: 0.05 / 0.45 = 1 / 9, J >= 1 / 3, 3 |U_P & U_M| >= |A_P | U_M|
    ratio = Fraction(MIN_WEIGHT).limit_denominator(1000) / Fraction(kw.weight).limit_denominator(1000)
    places = ", ".join(repr(k) for k in PLACE_KINDS)
    monies = ", ".join(repr(k) for k in MONEY_KINDS)
    # purses from the evidence graph itself (``other_uses``, where payees and destinations are): one may be a hub
    purses = (
        "SELECT u.account_id, c.code, u.kind, u.kind || ':' || u.artifact AS name, u.artifact_key, d.n_accounts "
        "FROM other_uses u JOIN artifact_degrees d ON u.artifact_key = d.artifact_key "
        "JOIN account_codes c ON u.account_id = c.account_id "
        f"WHERE u.kind IN ({monies}) AND d.n_accounts BETWEEN {MIN_USERS} AND {MAX_PURSE_USERS}"
    )
    # who has money of a kind at all (any payee, shared or not): a place's users that can show a coincidence
    active = f"SELECT DISTINCT account_id, kind FROM other_uses WHERE kind IN ({monies})"
    place_rows = f"SELECT * FROM shared_artifacts WHERE kind IN ({places}) AND n_accounts >= {MIN_USERS}"
    place_active = (
        "SELECT p.artifact_key AS p_key, a.kind AS m_kind, count(*) AS n_active "
        "FROM office_places p JOIN office_active a ON p.account_id = a.account_id GROUP BY p.artifact_key, a.kind"
    )
    uses = (
        "SELECT p.account_id, p.code, p.artifact_key AS p_key, m.artifact_key AS m_key, m.kind AS m_kind, "
        "p.kind || ':' || p.artifact || ' & ' || m.name AS artifact, "
        "m.n_accounts AS n_money, p.n_events, p.first_seen, p.last_seen "
        "FROM office_places p JOIN office_purses m ON p.account_id = m.account_id"
    )
    union = "(min(a.n_active) + min(u.n_money) - count(*))"
    sets = (
        f"SELECT u.p_key, u.m_key, count(*) AS n_both, CAST(count(*) AS DOUBLE) / {union} AS jaccard "
        "FROM office_uses u JOIN office_place_active a ON a.p_key = u.p_key AND a.m_kind = u.m_kind "
        f"GROUP BY u.p_key, u.m_key HAVING count(*) >= {MIN_USERS} AND {ratio.denominator} "
        f"* count(*) * count(*) >= {ratio.numerator} * {union} * {union}"
    )
    pairs = (
        "SELECT a.account_id AS account_a, b.account_id AS account_b, a.code AS code_a, b.code AS code_b, "
        "'office' AS kind, a.artifact, s.n_both AS n_accounts, CAST(NULL AS VARCHAR) AS net, "
        "least(a.first_seen, b.first_seen) AS first_seen, greatest(a.last_seen, b.last_seen) AS last_seen, "
        f"a.n_events + b.n_events AS n_events, CAST({kw.weight} AS DOUBLE) * s.jaccard * s.jaccard AS weight "
        "FROM office_sets s JOIN office_uses a ON a.p_key = s.p_key AND a.m_key = s.m_key "
        "JOIN office_uses b ON b.p_key = s.p_key AND b.m_key = s.m_key AND a.code < b.code"
    )
    # the strongest combination per pair, ties broken by name: one row, the same on every engine
    ranked = (
        "SELECT *, row_number() OVER (PARTITION BY code_a, code_b ORDER BY weight DESC, artifact) AS r "
        f"FROM ({pairs}) x"
    )
    return Step(
        "office_evidence",
        f"WITH office_places AS ({place_rows}), office_purses AS ({purses}), office_active AS ({active}), "
        f"office_place_active AS ({place_active}), office_uses AS ({uses}), office_sets AS ({sets}) "
        f"SELECT {_COLUMNS} FROM ({ranked}) y WHERE r = 1",
    )
