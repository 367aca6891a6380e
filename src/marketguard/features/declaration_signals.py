"""Declaration signals: per export declaration, what customs screening reads, in documented groups.

A counterfeit export gives itself away by its price (a unit value far below the brand's reference, or far below
what other exporters declare for the same goods), by its paperwork (an HS code that does not match the goods
the description or the brand names), by its exporter (new, bursting, many destinations) and, most of all, by
whom it is tied to: the exporter's phone or address belongs to an operator network the marketplace side found
(``declaration_links``, registered by :class:`~marketguard.detect.customs.CustomsScreener`). Each group is one
SQL step over ``declarations`` and the tables it names; a group whose tables are missing is skipped and said so.

Declared values are converted to CNY with :data:`FX_TO_CNY` (documented approximate 2025 rates; only ratios
within a currency pair matter for screening, so a rate a few percent off moves no ranking).
"""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.hs_codes import category_sql, description_category_sql, hs_category_sql
from marketguard.features.signals.catalogue import US_PER_DAY, Entity, Signal, SignalGroup

#: One row per declaration; the assembled view is ``declaration_features``.
DECLARATION = Entity("declarations", "declaration_id", "declaration_features")

#: CNY per unit of each currency (approximate 2025 averages). Unknown currencies leave the value unknown.
FX_TO_CNY: dict[str, float] = {
    "CNY": 1.0,
    "RMB": 1.0,
    "USD": 7.2,
    "EUR": 7.8,
    "GBP": 9.2,
    "HKD": 0.92,
    "JPY": 0.048,
    "KRW": 0.0052,
    "SGD": 5.4,
    "AUD": 4.7,
}

#: Half-width of the window in which an exporter's declarations count as one burst.
SPIKE_DAYS = 15


def _fx_sql(currency: str) -> str:
    """CNY per unit of ``currency`` (NULL currency: CNY, the platform's own)."""
    cases = " ".join(f"WHEN '{c}' THEN CAST({r} AS DOUBLE)" for c, r in FX_TO_CNY.items())
    return f"CASE upper(coalesce({currency}, 'CNY')) {cases} END"


def _unit_cny(alias: str = "") -> str:
    """Declared unit value in CNY (NULL without a quantity or with an unknown currency)."""
    a = f"{alias}." if alias else ""
    return (
        f"CASE WHEN {a}quantity > 0 THEN CAST({a}declared_value AS DOUBLE) * {_fx_sql(a + 'currency')} "
        f"/ {a}quantity END"
    )


def _price_sql(tables: Tables) -> str:
    return (
        f"SELECT d.declaration_id, ({_unit_cny('d')}) / (CAST(b.reference_price AS DOUBLE) * "
        f"{_fx_sql('b.currency')}) AS value_to_reference FROM declarations d "
        "JOIN brands b ON d.brand = b.brand WHERE b.reference_price > 0"
    )


def _market_value_sql(tables: Tables) -> str:
    # geometric mean per goods category: portable (no median) and what ratios of prices call for
    return (
        f"WITH d AS (SELECT declaration_id, {hs_category_sql('hs_code')} AS category, {_unit_cny()} AS unit "
        "FROM declarations), "
        "m AS (SELECT category, exp(avg(ln(unit))) AS typical FROM d WHERE unit > 0 AND category IS NOT NULL "
        "GROUP BY category) "
        "SELECT d.declaration_id, d.unit / m.typical AS value_to_market FROM d JOIN m ON d.category = m.category "
        "WHERE d.unit > 0"
    )


def _hs_sql(tables: Tables) -> str:
    brand = "b.category" if tables.has("brands") else "CAST(NULL AS VARCHAR)"
    joined = "LEFT JOIN brands b ON d.brand = b.brand" if tables.has("brands") else ""
    return (
        f"WITH c AS (SELECT d.declaration_id, {hs_category_sql('d.hs_code')} AS hs, "
        f"{description_category_sql('d.description')} AS said, {category_sql(brand)} AS branded "
        f"FROM declarations d {joined}) "
        # goods named but an HS code outside every heading they could take: inconsistent too
        "SELECT declaration_id, CASE WHEN said IS NULL AND branded IS NULL THEN NULL WHEN hs IS NULL THEN 1.0 "
        "WHEN (said IS NOT NULL AND said <> hs) OR (branded IS NOT NULL AND branded <> hs) THEN 1.0 "
        "ELSE 0.0 END AS hs_inconsistent FROM c"
    )


def _exporter_sql(tables: Tables) -> str:
    window = SPIKE_DAYS * US_PER_DAY
    return (
        "WITH d AS (SELECT declaration_id, exporter, destination_country, epoch_us(filed_at) AS t "
        "FROM declarations), "
        "e AS (SELECT exporter, count(*) AS n, min(t) AS first_t, max(t) AS last_t, "
        "count(DISTINCT destination_country) AS n_dest FROM d GROUP BY exporter), "
        "w AS (SELECT declaration_id, count(*) OVER (PARTITION BY exporter ORDER BY t "
        f"RANGE BETWEEN {window} PRECEDING AND {window} FOLLOWING) AS n_near FROM d) "
        f"SELECT d.declaration_id, (d.t - e.first_t) / CAST({US_PER_DAY} AS DOUBLE) AS exporter_age_days, "
        "e.n AS exporter_declarations, e.n_dest AS exporter_destinations, "
        # the exporter's declarations around this one, against its usual pace over its filing life
        f"(w.n_near - 1) / greatest(CAST(e.n - 1 AS DOUBLE) * {2 * window} / "
        f"greatest(e.last_t - e.first_t, {2 * window}), CAST(1 AS DOUBLE)) AS exporter_spike "
        "FROM d JOIN e ON d.exporter = e.exporter JOIN w ON d.declaration_id = w.declaration_id"
    )


def _links_sql(tables: Tables) -> str:
    return (
        "SELECT l.declaration_id, CASE WHEN l.phone_match THEN 1.0 ELSE 0.0 END AS linked_by_phone, "
        "CASE WHEN l.address_match IS NOT NULL THEN 1.0 ELSE 0.0 END AS linked_by_address, "
        "CASE WHEN l.name_match THEN 1.0 ELSE 0.0 END AS linked_by_name, "
        "CASE WHEN l.forwarder_match THEN 1.0 ELSE 0.0 END AS linked_by_forwarder, "
        "CASE WHEN l.consignee_match THEN 1.0 ELSE 0.0 END AS linked_by_consignee, "
        "coalesce(n.score, 0.0) AS linked_network_score FROM declaration_links l "
        "LEFT JOIN declaration_network_scores n ON l.network_id = n.network_id"
    )


def _destination_sql(tables: Tables) -> str:
    # leave-one-out: a declaration's own tie does not raise its destination's share
    return (
        "WITH d AS (SELECT dc.declaration_id, dc.destination_country AS dest, "
        "CASE WHEN l.network_id IS NULL THEN 0 ELSE 1 END AS tied FROM declarations dc "
        "LEFT JOIN declaration_links l ON dc.declaration_id = l.declaration_id), "
        "s AS (SELECT dest, count(*) AS n, sum(tied) AS k FROM d GROUP BY dest) "
        "SELECT d.declaration_id, CASE WHEN s.n > 1 THEN (s.k - d.tied) / CAST(s.n - 1 AS DOUBLE) END "
        "AS destination_tied_share FROM d JOIN s ON d.dest = s.dest"
    )


PRICE = SignalGroup(
    name="declaration_price",
    meaning="the declared unit value against the brand's reference price",
    tables=("declarations", "brands"),
    sql=_price_sql,
    signals=(
        Signal(
            "value_to_reference",
            "declared unit value (CNY) over the named brand's reference price",
            -1,
            None,
            says="declared at {value:.0%} of the brand's reference price",
        ),
    ),
)

MARKET_VALUE = SignalGroup(
    name="declaration_market_value",
    meaning="the declared unit value against other declarations of the same goods",
    tables=("declarations",),
    sql=_market_value_sql,
    signals=(
        Signal(
            "value_to_market",
            "declared unit value over the geometric mean of the HS category's declared unit values",
            -1,
            None,
            says="declared at {value:.0%} of the typical unit value of such goods",
        ),
    ),
)

HS = SignalGroup(
    name="declaration_hs",
    meaning="whether the HS code fits the goods the description and the brand name",
    tables=("declarations",),
    sql=_hs_sql,
    signals=(
        Signal(
            "hs_inconsistent",
            "1 when the HS code's category differs from the description's or the brand's category (or the code "
            "is in no heading of the goods table)",
            1,
            None,
            says="its HS code does not match the goods described",
        ),
    ),
)

EXPORTER = SignalGroup(
    name="declaration_exporter",
    meaning="the exporter's filing history",
    tables=("declarations",),
    sql=_exporter_sql,
    signals=(
        Signal(
            "exporter_age_days",
            "days since the exporter's first declaration in the data",
            -1,
            None,
            says="its exporter first declared {value:.0f} days before",
        ),
        Signal("exporter_declarations", "declarations by the exporter in the data", 0, None),
        Signal(
            "exporter_destinations",
            "distinct destination countries of the exporter (context: front companies ship to a few transit "
            "countries, trading houses to many)",
            0,
            None,
            says="its exporter ships to {value:.0f} countries",
        ),
        Signal(
            "exporter_spike",
            f"the exporter's declarations within {SPIKE_DAYS} days, over its usual pace",
            1,
            None,
            says="its exporter filed {value:.1f}x its usual pace around it",
        ),
    ),
)

LINKS = SignalGroup(
    name="declaration_links",
    meaning="the exporter's ties to operator networks (phone exact, address and company name fuzzy, the goods "
    "it files through shared forwarders, the buyers it ships to)",
    tables=("declarations",),
    needs=("declaration_links", "declaration_network_scores"),
    sql=_links_sql,
    signals=(
        Signal(
            "linked_by_phone",
            "the exporter's phone is a phone of an operator network",
            1,
            0.0,
            says="its exporter's phone belongs to an operator network",
        ),
        Signal(
            "linked_by_address",
            "the exporter's address is one of a network's shipping sites",
            1,
            0.0,
            says="its exporter's address is a shipping site of an operator network",
        ),
        Signal(
            "linked_by_name",
            "the exporter's name matches an exporter tied to a network",
            1,
            0.0,
            says="its exporter's name matches an exporter tied to an operator network",
        ),
        Signal(
            "linked_by_forwarder",
            "the exporter files through a shared forwarder that ships a network's parcels, and its goods fit that "
            "network's catalogue a thousand times better than chance or any other network there",
            1,
            0.0,
            says="its exporter files through a forwarder the goods of an operator network it ships for",
        ),
        Signal(
            "linked_by_consignee",
            "the consignee is a small buyer whose tied exporters are all one network's",
            1,
            0.0,
            says="its consignee receives the goods of exporters tied to an operator network",
        ),
        Signal(
            "linked_network_score",
            "risk score of the network the exporter is tied to (0: none)",
            1,
            0.0,
            says="tied to a network of risk {value:.2f}",
        ),
    ),
)

DESTINATION = SignalGroup(
    name="declaration_destination",
    meaning="how often the destination receives goods from exporters tied to networks",
    tables=("declarations",),
    needs=("declaration_links",),
    sql=_destination_sql,
    signals=(
        Signal(
            "destination_tied_share",
            "share of the destination's other declarations whose exporter is tied to a network",
            1,
            None,
            says="{value:.0%} of its destination's declarations come from exporters tied to networks",
        ),
    ),
)

#: Every declaration signal group, in the order of ``declaration_features``'s columns.
DECLARATION_GROUPS: tuple[SignalGroup, ...] = (PRICE, MARKET_VALUE, HS, EXPORTER, LINKS, DESTINATION)
