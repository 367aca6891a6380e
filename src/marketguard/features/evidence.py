"""The evidence graph: accounts linked to the artifacts they used, and account pairs weighted by what they share.

Artifacts come from logins (device, Wi-Fi router, exact IP, IP network: IPv4 /24 or IPv6 /64), from accounts
(identity document, phone, e-mail, bank account) and from shipments (the sender phone of a store's parcels,
matched with account phones). Every account-artifact row keeps its evidence: how many events, first and last
time seen, and the share of the account's logins that used it.

Artifacts are grouped and joined on ``artifact_key``, a 64-bit hash of (kind, artifact): integer keys make the
degree count and the shared-row join several times faster than string keys. With 10M artifacts the chance
that two share a key is about 3 in a million per run; such a pair would only be counted as one artifact with
more users (weaker evidence) or, of two kinds, give a use the other's degree, and never link accounts, because
pairs also require the same kind and artifact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from marketguard.engine.base import Step

_V4_NET = re.compile(r"([0-9]+[.][0-9]+[.][0-9]+)[.][0-9]+$")
_V6_NET = re.compile(r"^([0-9a-f]*:[0-9a-f]*:[0-9a-f]*:[0-9a-f]*)")

LOGIN_KINDS: dict[str, str] = {"device": "device_id", "wifi": "wifi_bssid", "ip": "ip"}
#: Artifacts seen in logins (their weight depends on how much of the account's activity used them).
LOGIN_ARTIFACT_KINDS: tuple[str, ...] = ("device", "wifi", "ip", "ip_net")
#: Kinds whose evidence fades with the time between two accounts' use of it: a router, an address or a mule
#: changes hands (identity attributes, catalogues and sites do not).
TIMED_KINDS: tuple[str, ...] = (*LOGIN_ARTIFACT_KINDS, "destination")
#: Kinds weighed per account pair as a whole, not by the per-artifact formula: shared customers against the
#: overlap chance gives the pair (one shared customer says nothing; only an overlap too large for two stores of
#: their popularity does: :mod:`marketguard.features.customer_overlap`), and one office's place and purse by how
#: exactly their users coincide (:mod:`marketguard.features.shared_office`).
OVERLAP_KINDS: tuple[str, ...] = ("customer", "office")
ACCOUNT_KINDS: dict[str, str] = {
    "id_document": "id_document",
    "phone": "phone",
    "email": "email",
    "bank_account": "bank_account",
}


@dataclass(frozen=True)
class KindWeight:
    """How much one shared artifact of a kind says. ``weight``: evidence when two accounts (and only two) share
    it; ``half_degree``: how many extra sharers halve it; ``max_degree``: above this it is a hub, never paired."""

    weight: float
    half_degree: float
    max_degree: int


#: Documented defaults. A shared device or identity is strong; an exact IP weaker; an IP network weakest. Each
#: kind's degree cap is where one shared artifact's weight, weight / (1 + (cap - 2) / half_degree), falls to
#: about 0.05: past it the evidence is worthless and pairing its users would only cost quadratic time.
KIND_WEIGHTS: dict[str, KindWeight] = {
    "device": KindWeight(0.9, 8.0, 138),
    "wifi": KindWeight(0.7, 8.0, 106),
    "ip": KindWeight(0.45, 8.0, 66),
    "ip_net": KindWeight(0.25, 4.0, 18),
    "id_document": KindWeight(0.95, 3.0, 56),
    "phone": KindWeight(0.8, 3.0, 47),
    "bank_account": KindWeight(0.9, 3.0, 53),
    "email": KindWeight(0.7, 3.0, 41),
    # what the stores sell, to whom, from where, where the money goes first (features.commerce_evidence).
    # Each is below the default link strength (0.5) even shared by two accounts only: honest stores share a
    # building, a supplier, a product's catalogue title or a few regular buyers by chance, so one such kind
    # never links alone; two kinds agreeing, or several artifacts of one, do. Caps by the same 0.05 rule.
    "listing": KindWeight(0.35, 2.0, 14),
    # weighed per pair against chance (features.customer_overlap). ``weight`` is what an overlap no chance
    # explains says: a copied listing's, since it too is either one operator (its brushing accounts) or a
    # service several hire (a review farm, as a catalogue is copied from one supplier). ``half_degree`` as for
    # the other kinds of what stores do (a customer of five owners counts half), its cap the same 0.05 rule.
    "customer": KindWeight(0.35, 3.0, 59),
    "site": KindWeight(0.4, 3.0, 23),
    "payee": KindWeight(0.45, 3.0, 26),
    # where the money pools through mules (trace.owner_money): as telling as a payee, one hop deeper.
    "destination": KindWeight(0.45, 3.0, 26),
    # edited copies of a listing at its price (detect.catalogue_copies): less than an exact copy, since two
    # honest titles of one product can be near-duplicates, and little enough that a verbatim copy, which both
    # listing kinds see, stays below the link strength: 1 - (1 - 0.35) x (1 - 0.2) = 0.48. Four such copies
    # shared by two stores alone link them (0.59).
    "listing_text": KindWeight(0.2, 2.0, 8),
    # a near-identical list of 8 prices or more (detect.catalogue_copies): one fact about a whole catalogue,
    # weaker than a payee since a brand's resellers at its advertised prices share lists too (then as a hub).
    "price_list": KindWeight(0.3, 2.0, 12),
    # the coincidence of a place's and a money account's users (features.shared_office): when the two sets are
    # one, as telling as a payee two accounts share, and below the link strength alone; an agency's store that
    # shares only its office's router, network and fee account with a dozen mates (0.47 combined) is tied by
    # it. Weighed by the coincidence, not by degree: ``half_degree`` and the cap are the payee's, whose users
    # bound the sets.
    "office": KindWeight(0.45, 3.0, 26),
}


def ip_network_sql(ip: str) -> str:
    """The /24 of an IPv4 address (a cut at the last dot: no regex on the common path), or the first four
    groups (/64) of an IPv6 address after expanding ``::`` (the /24 of an IPv4-mapped one).

    A valid IPv4 address is ASCII, so its byte length (``strlen``, free) is its length: ``left`` and ``length``
    count characters and took twice as long (5.7M addresses: 0.36 s against 0.74 s)."""
    return (
        f"CASE WHEN NOT contains({ip}, ':') THEN substr({ip}, 1, strlen({ip}) - strpos(reverse({ip}), '.')) "
        f"WHEN contains({ip}, '.') THEN regexp_extract({ip}, '([0-9]+[.][0-9]+[.][0-9]+)[.][0-9]+$', 1) "
        f"ELSE regexp_extract(lower(CASE WHEN contains({ip}, '::') THEN "
        f"replace({ip}, '::', ':' || repeat('0:', 8 - (length({ip}) - length(replace({ip}, ':', ''))))) "
        f"ELSE {ip} END), '^([0-9a-f]*:[0-9a-f]*:[0-9a-f]*:[0-9a-f]*)', 1) END"
    )


def ip_network(ip: str) -> str | None:
    """:func:`ip_network_sql` in Python (the incremental index's twin of it; a test pins the two together)."""
    if "." in ip:
        match = _V4_NET.search(ip)
        return match.group(1) if match else None
    text = ip
    if "::" in ip:
        text = ip.replace("::", ":" + "0:" * (8 - ip.count(":")))
    match = _V6_NET.search(text.lower())
    return match.group(1) if match else None


def login_artifacts_sql(weights: dict[str, KindWeight] = KIND_WEIGHTS) -> Step:
    """Per (account, device / Wi-Fi / exact IP): logins, first and last seen; one pass over logins per kind.

    Every evidence row carries its artifact's key and its kind's degree cap, so that degrees and hubs are
    found by integer aggregation alone.
    """
    parts = [
        f"SELECT account_id, '{kind}' AS kind, {col} AS artifact, count(*) AS n_events, min(ts) AS first_seen, "
        f"max(ts) AS last_seen, hash('{kind}', {col}) AS artifact_key, {weights[kind].max_degree} AS max_degree "
        f"FROM logins WHERE {col} IS NOT NULL AND {col} <> '' GROUP BY account_id, {col}"
        for kind, col in LOGIN_KINDS.items()
    ]
    return Step("login_artifacts", " UNION ALL ".join(parts))


def login_totals_sql() -> Step:
    """Logins per account (those with an IP): the denominator of a login artifact's share."""
    return Step(
        "login_totals",
        "SELECT account_id, sum(n_events) AS n_logins FROM login_artifacts WHERE kind = 'ip' GROUP BY account_id",
    )


def other_uses_sql(
    with_shipments: bool,
    weights: dict[str, KindWeight] = KIND_WEIGHTS,
    more: dict[str, str] | None = None,
) -> Step:
    """The evidence rows not read from logins directly: IP networks, identity attributes and sender phones, and
    ``more`` parts by kind (rows ``account_id, kind, artifact, n_events, first_seen, last_seen``, such as
    :mod:`marketguard.features.commerce_evidence` makes).

    Materialised once: the evidence graph is read twice (degrees, then the shared rows).
    """
    parts = {
        # an address without a network (a malformed IPv6) is left out after grouping: a WHERE on the network
        # is pushed below the projection and cuts every address twice (0.7 s of 1.9 s at 100k stores)
        "ip_net": "SELECT account_id, 'ip_net', net, sum(n_events), min(first_seen), max(last_seen) FROM "
        f"(SELECT account_id, nullif({ip_network_sql('artifact')}, '') AS net, n_events, first_seen, last_seen "
        "FROM login_artifacts WHERE kind = 'ip') n GROUP BY account_id, net HAVING count(net) > 0",
    }
    parts |= {
        kind: f"SELECT account_id, '{kind}', {col}, 1, created_at, created_at FROM accounts "
        f"WHERE {col} IS NOT NULL AND {col} <> ''"
        for kind, col in ACCOUNT_KINDS.items()
    }
    if with_shipments:  # an account's own phone and its parcels' sender phone are one artifact: merge them
        parts["phone"] = (
            "SELECT account_id, 'phone', artifact, sum(n), min(f), max(l) FROM ("
            "SELECT account_id, phone AS artifact, 1 AS n, created_at AS f, created_at AS l FROM accounts "
            "WHERE phone IS NOT NULL AND phone <> '' UNION ALL "
            "SELECT account_id, sender_phone, sum(n_parcels), min(first_seen), max(last_seen) "
            "FROM owner_parcels WHERE sender_phone IS NOT NULL AND sender_phone <> '' "
            "GROUP BY account_id, sender_phone"
            ") p GROUP BY account_id, artifact"
        )
    parts |= more or {}
    keyed = [
        f"SELECT *, hash('{kind}', artifact) AS artifact_key, {weights[kind].max_degree} AS max_degree FROM ({sql}) "
        "e (account_id, kind, artifact, n_events, first_seen, last_seen)"
        for kind, sql in parts.items()
    ]
    return Step("other_uses", " UNION ALL ".join(keyed))


def owner_parcels_sql() -> Step:
    """Parcels per (store owner, origin address, sender phone): the one pass over shipments that the sender
    phones and the ship-from sites both read (the join to the owner is what costs, over millions of parcels)."""
    return Step(
        "owner_parcels",
        "SELECT s.account_id, sh.origin_address, sh.sender_phone, count(*) AS n_parcels, "
        "min(sh.picked_up_at) AS first_seen, max(sh.picked_up_at) AS last_seen "
        "FROM shipments sh JOIN orders o ON sh.order_id = o.order_id "
        "JOIN listings l ON o.listing_id = l.listing_id JOIN stores s ON l.store_id = s.store_id "
        "GROUP BY s.account_id, sh.origin_address, sh.sender_phone",
    )


def artifact_uses_sql() -> Step:
    """One row per (account, kind, artifact) with n_events, first_seen and last_seen: the evidence graph.

    A view: most artifacts have one user, so the whole graph is never stored, only the rows that can link.
    """
    return Step(
        "artifact_uses",
        "SELECT account_id, kind, artifact, n_events, first_seen, last_seen, artifact_key, max_degree "
        "FROM login_artifacts UNION ALL SELECT account_id, kind, artifact, n_events, first_seen, last_seen, "
        "artifact_key, max_degree FROM other_uses",
        materialize=False,
    )


#: Share of an account's logins on a login artifact (identity attributes count fully).
_SHARE_SQL = (
    f"CASE WHEN e.kind IN ({', '.join(repr(k) for k in LOGIN_ARTIFACT_KINDS)}) "
    "THEN CAST(e.n_events AS DOUBLE) / t.n_logins "
    "ELSE 1.0 END"
)


def account_artifacts_sql() -> Step:
    """The evidence graph with each row's share of the account's logins (a view, for inspection and exports)."""
    return Step(
        "account_artifacts",
        f"SELECT e.* EXCLUDE (artifact_key, max_degree), {_SHARE_SQL} AS share FROM artifact_uses e "
        "LEFT JOIN login_totals t ON e.account_id = t.account_id",
        materialize=False,
    )


def _kind_table_sql(weights: dict[str, KindWeight]) -> str:
    # explicit DOUBLE: Spark reads 0.9 as a DECIMAL and would round the arithmetic differently
    rows = ", ".join(
        f"('{k}', CAST({w.weight} AS DOUBLE), CAST({w.half_degree} AS DOUBLE), {w.max_degree})"
        for k, w in weights.items()
    )
    return f"(VALUES {rows}) kw (kind, weight, half_degree, max_degree)"


def artifact_degrees_sql(more: Iterable[str] = ()) -> Step:
    """Accounts per shared artifact key (two users or more) and whether it is a hub (above its kind's cap), for
    the kinds :func:`login_artifacts_sql` and :func:`other_uses_sql` make (``more``: the kinds of its ``more``
    parts). Every key hashes its kind, so each kind is counted apart, in a hash table of its own size: one table
    over all 10M keys of the 100k-store adversarial market took 1.0-1.1 s, one per kind 0.8 s. The events are
    summed for the hubs alone (:func:`hubs_sql`): a sum over every use is 128-bit and cost 40% of this step at
    100k stores."""
    return Step(
        "artifact_degrees",
        " UNION ALL ".join(
            "SELECT artifact_key, count(*) AS n_accounts, count(*) > max(max_degree) AS is_hub "
            f"FROM artifact_uses WHERE kind = '{kind}' GROUP BY artifact_key HAVING count(*) >= 2"
            for kind in (*LOGIN_ARTIFACT_KINDS, *ACCOUNT_KINDS, *more)
        ),
    )


def hubs_sql() -> Step:
    """The hubs by name: artifacts above their kind's degree cap, recorded and never paired."""
    return Step(
        "hubs",
        "SELECT min(u.kind) AS kind, min(u.artifact) AS artifact, d.n_accounts, sum(u.n_events) AS n_events "
        "FROM artifact_uses u JOIN (SELECT * FROM artifact_degrees WHERE is_hub) d "
        "ON u.artifact_key = d.artifact_key GROUP BY u.artifact_key, d.n_accounts",
    )


#: The IP network of an address or a network's evidence row (None for the other kinds): cut once per shared row,
#: not once per pair of its sharers (6M pair rows at 100k stores, half of them addresses).
_NET_SQL = f"CASE e.kind WHEN 'ip' THEN {ip_network_sql('e.artifact')} WHEN 'ip_net' THEN e.artifact END"


def shared_artifacts_sql() -> list[Step]:
    """The evidence rows that can link accounts: artifacts shared by two accounts or more, hubs excluded, each
    with its IP network (``net``, for an address or a network). Most artifacts are used by one account only;
    keeping just these makes the pair join small.

    Their accounts get dense integer codes in account-id order (``account_codes``): pairs are then built and
    summed on integers, and the clustering reads the codes as they are.
    """
    return [
        Step(
            "shared_rows",
            "SELECT e.account_id, e.kind, e.artifact, e.artifact_key, e.n_events, e.first_seen, e.last_seen, "
            f"{_SHARE_SQL} AS share, d.n_accounts, {_NET_SQL} AS net FROM artifact_uses e "
            "JOIN (SELECT artifact_key, n_accounts FROM artifact_degrees WHERE NOT is_hub) d "
            "ON e.artifact_key = d.artifact_key LEFT JOIN login_totals t ON e.account_id = t.account_id",
        ),
        Step(
            "account_codes",
            "SELECT account_id, CAST(row_number() OVER (ORDER BY account_id) - 1 AS BIGINT) AS code "
            "FROM (SELECT DISTINCT account_id FROM shared_rows) a",
        ),
        Step(
            "shared_artifacts",
            "SELECT s.*, c.code FROM shared_rows s JOIN account_codes c ON s.account_id = c.account_id",
        ),
    ]


def gap_days_sql(a: str, b: str) -> str:
    """Days between two uses' periods (rows ``a`` and ``b`` with first_seen and last_seen): 0 when they
    overlap."""
    return (
        f"greatest(0, (epoch_us(greatest({a}.first_seen, {b}.first_seen)) "
        f"- epoch_us(least({a}.last_seen, {b}.last_seen))) / 86400000000.0)"
    )


def pair_rows_sql(
    min_share: float,
    pairs: str | None = None,
    weights: dict[str, KindWeight] = KIND_WEIGHTS,
    overlaps: str | None = None,
) -> str:
    """Account pairs sharing a non-hub artifact, one row per (pair, artifact), with the evidence weight; only
    the pairs listed in table ``pairs`` (account_a, account_b) when given.

    weight = kind weight x specificity x engagement x time, where specificity = 1 / (1 + (sharers - 2) / half),
    engagement = min(1, smaller of the two accounts' shares of logins on it / ``min_share``) (an artifact one
    account touched once says little), and time = 1 when both used it in overlapping periods, decaying to 0.3
    a year apart, for :data:`TIMED_KINDS` (identity attributes, catalogues and sites are timeless).

    The kinds of :data:`OVERLAP_KINDS` are weighed per pair, not per artifact: their rows come from table
    ``overlaps`` (in these columns, as :func:`marketguard.features.customer_overlap.customer_evidence_sql`
    makes them), never from the join here.
    """
    same = "b.artifact_key = a.artifact_key AND b.kind = a.kind AND b.artifact = a.artifact"
    source = (
        f"shared_artifacts a JOIN shared_artifacts b ON {same} AND a.code < b.code"
        if pairs is None
        else f"{pairs} p JOIN shared_artifacts a ON a.account_id = p.account_a "
        f"JOIN shared_artifacts b ON b.account_id = p.account_b AND {same}"
    )
    rows = (
        "SELECT a.account_id AS account_a, b.account_id AS account_b, a.code AS code_a, b.code AS code_b, "
        "a.kind, a.artifact, a.n_accounts, a.net, "
        "least(a.first_seen, b.first_seen) AS first_seen, greatest(a.last_seen, b.last_seen) AS last_seen, "
        "a.n_events + b.n_events AS n_events, "
        "kw.weight / (1 + (a.n_accounts - 2) / kw.half_degree) "
        f"* least(1.0, least(a.share, b.share) / CAST({min_share} AS DOUBLE)) "
        f"* CASE WHEN a.kind NOT IN ({', '.join(repr(k) for k in TIMED_KINDS)}) THEN 1.0 "
        f"ELSE greatest(0.3, 1.0 - {gap_days_sql('a', 'b')} / 365.0) END AS weight "
        f"FROM {source} JOIN {_kind_table_sql(weights)} ON a.kind = kw.kind "
        f"WHERE a.kind NOT IN ({', '.join(repr(k) for k in OVERLAP_KINDS)})"
    )
    if overlaps is None:
        return rows
    columns = (
        "o.account_a, o.account_b, o.code_a, o.code_b, o.kind, o.artifact, o.n_accounts, o.net, o.first_seen, "
        "o.last_seen, o.n_events, o.weight"
    )
    chosen = (
        f"SELECT {columns} FROM {overlaps} o"
        if pairs is None
        else f"SELECT {columns} FROM {overlaps} o JOIN {pairs} p "
        "ON o.account_a = p.account_a AND o.account_b = p.account_b"
    )
    return f"{rows} UNION ALL {chosen}"


def pair_evidence_sql(
    min_share: float, weights: dict[str, KindWeight] = KIND_WEIGHTS, overlaps: str | None = None
) -> Step:
    """Every pair's evidence rows (see :func:`pair_rows_sql`): a view, aggregated once into strengths; the
    evidence of the pairs that end up linked is computed again, for those pairs only."""
    return Step(
        "pair_evidence", pair_rows_sql(min_share, weights=weights, overlaps=overlaps), materialize=False
    )


#: Log-evidence is summed as integers in units of 1e-12: float sums depend on the order rows arrive in (which
#: varies with threads and engines); integer sums do not, so strengths are reproducible to the last bit.
LOG_UNITS = 10**12


def log_evidence_sql(weight: str = "weight") -> str:
    """A weight's log-evidence, ``ln(1 - weight)`` in integer :data:`LOG_UNITS` (weights capped at 0.999)."""
    return f"CAST(round(ln(1.0 - least({weight}, 0.999)) * {LOG_UNITS}) AS BIGINT)"


def pair_strength_sql(min_strength: float) -> Step:
    """Pair strength = 1 - prod(1 - weight) over everything the two accounts share (independent evidence);
    only pairs at least ``min_strength`` strong are kept as links.

    The addresses of one IP network are not independent evidence: sharing an address implies sharing its
    network, and the addresses a provider hands out in turn (a household's dynamic IP, a proxy pool's exits)
    come from one network. Everything two accounts share inside one network counts as its strongest piece.
    Only those rows are grouped per network first; the others (half of 6M at 100k stores) go straight to the
    pair's sum, a third of this step's time.
    """
    strength = f"1.0 - exp(CAST(sum(l) AS DOUBLE) / {LOG_UNITS})"
    pieces = (
        "SELECT code_a, code_b, min(l) AS l, count(*) AS n FROM e WHERE net IS NOT NULL "
        "GROUP BY code_a, code_b, net UNION ALL SELECT code_a, code_b, l, 1 AS n FROM e WHERE net IS NULL"
    )
    return Step(
        "pair_strength",
        f"WITH e AS (SELECT code_a, code_b, net, {log_evidence_sql()} AS l FROM pair_evidence) "
        "SELECT ca.account_id AS account_a, cb.account_id AS account_b, s.* FROM ("
        f"SELECT code_a, code_b, {strength} AS strength, sum(n) AS n_artifacts FROM ({pieces}) g "
        f"GROUP BY code_a, code_b HAVING {strength} >= {min_strength}) s "
        "JOIN account_codes ca ON s.code_a = ca.code JOIN account_codes cb ON s.code_b = cb.code",
    )
