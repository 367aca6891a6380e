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
For a place artifact ``P`` (a device, Wi-Fi router or IP network) and a money artifact ``M`` (a payee or money
destination), both non-hub and each shared by three accounts or more, with user sets ``U_P`` and ``U_M``, the
coincidence is their Jaccard index ``J = |U_P & U_M| / |U_P | U_M|``. Each pair of accounts in ``U_P & U_M`` gets
one evidence row of kind ``office`` with weight ``weight x J^2`` (the kind's
:class:`~marketguard.features.evidence.KindWeight`): ``J^2`` is about the share of the pairs of the two sets'
users that both sets hold, so a loose coincidence counts for little (half the users of a park's router paying
one wholesaler, who has as many customers elsewhere: J = 1/3, a ninth of the weight) and an exact one fully (an
office's router used by exactly the accounts that pay its fee account). One row per pair, from the combination
with the highest ``J``: the router, the IP network and the computers of one office are one place, and its payee
and deeper destinations one purse, so only the strongest combination counts. Below three users each artifact
already counts its full weight for the pair, and the coincidence of two sets of two says nothing more.

The row comes on top of the place's and the money's own rows, which stay discounted for their many users: it is
what the coincidence adds. Hubs never enter (their rows are not in ``shared_artifacts``), so a 3PL warehouse,
a payment processor or a proxy exit can never make an office.

Notes
-----
One join of the place rows and the money rows on the account (an account has a few of each), one aggregation
per (place, money) combination, and a self-join inside the combinations that coincide well enough to be worth
:data:`MIN_WEIGHT` (at most the money kind's degree cap squared rows each).
"""

from __future__ import annotations

from fractions import Fraction

from marketguard.engine.base import Step
from marketguard.features.evidence import KindWeight

__all__ = ["MONEY_KINDS", "PLACE_KINDS", "office_evidence_sql"]

#: Where an office works: its computers, its router, its IP network (an exact address is inside its network).
PLACE_KINDS: tuple[str, ...] = ("device", "wifi", "ip_net")
#: Where an office's money goes: the account its stores pay, and deeper destinations through mules.
MONEY_KINDS: tuple[str, ...] = ("payee", "destination")
#: The fewest users of each artifact at which the coincidence says more than the artifacts' own rows: two users
#: of an artifact already count its full weight.
MIN_USERS = 3
#: The least weight an office row is worth (the rule of every kind's degree cap,
#: :data:`~marketguard.features.evidence.KIND_WEIGHTS`): looser coincidences are not paired at all.
MIN_WEIGHT = 0.05
_COLUMNS = "account_a, account_b, code_a, code_b, kind, artifact, n_accounts, net, first_seen, last_seen, n_events, weight"


def office_evidence_sql(kw: KindWeight) -> Step:
    """The ``office`` evidence rows, one per pair of accounts, in the columns of
    :func:`~marketguard.features.evidence.pair_rows_sql` (over ``shared_artifacts``)."""
    # J^2 x weight >= MIN_WEIGHT, as integers: 0.05 / 0.45 = 1 / 9, J >= 1 / 3, 3 |U_P & U_M| >= |U_P | U_M|
    ratio = Fraction(MIN_WEIGHT).limit_denominator(1000) / Fraction(kw.weight).limit_denominator(1000)
    places = ", ".join(repr(k) for k in PLACE_KINDS)
    monies = ", ".join(repr(k) for k in MONEY_KINDS)
    uses = (
        "SELECT p.account_id, p.code, p.artifact_key AS p_key, m.artifact_key AS m_key, "
        "p.kind || ':' || p.artifact || ' & ' || m.kind || ':' || m.artifact AS artifact, "
        "p.n_accounts AS n_place, m.n_accounts AS n_money, p.n_events, p.first_seen, p.last_seen "
        f"FROM shared_artifacts p JOIN shared_artifacts m ON p.account_id = m.account_id "
        f"WHERE p.kind IN ({places}) AND p.n_accounts >= {MIN_USERS} "
        f"AND m.kind IN ({monies}) AND m.n_accounts >= {MIN_USERS}"
    )
    sets = (
        "SELECT p_key, m_key, count(*) AS n_both, CAST(count(*) AS DOUBLE) "
        "/ (min(n_place) + min(n_money) - count(*)) AS jaccard "
        f"FROM office_uses GROUP BY p_key, m_key HAVING count(*) >= {MIN_USERS} AND {ratio.denominator} "
        f"* count(*) * count(*) >= {ratio.numerator} * (min(n_place) + min(n_money) - count(*)) "
        "* (min(n_place) + min(n_money) - count(*))"
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
        f"WITH office_uses AS ({uses}), office_sets AS ({sets}) "
        f"SELECT {_COLUMNS} FROM ({ranked}) y WHERE r = 1",
    )
