"""The data contract: every input table, its columns, types, keys and references, declared as data.

This module is the single source of truth for table and column names. Loading, validation, the simulator's
tests and ``docs/data-contract.md`` all read it; nothing else spells out the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """Logical column types; ``sql_type`` is the DuckDB type each is read as."""

    STRING = "string"
    TIMESTAMP = "timestamp"
    FLOAT = "float"
    INT = "int"
    IP = "ip"  # text, checked as IPv4 or IPv6

    @property
    def sql_type(self) -> str:
        return {
            "STRING": "VARCHAR",
            "TIMESTAMP": "TIMESTAMPTZ",
            "FLOAT": "DOUBLE",
            "INT": "BIGINT",
            "IP": "VARCHAR",
        }[self.name]

    @property
    def label(self) -> str:
        return {
            "STRING": "text",
            "TIMESTAMP": "a timestamp",
            "FLOAT": "a number",
            "INT": "an integer",
            "IP": "an IP address",
        }[self.name]


@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    ``references`` names the parent ``(table, column)``; ``min``/``max`` bound numeric values;
    ``max_length`` bounds text (characters; see :data:`ID_LENGTH` and its siblings for why each size).
    The allowed values of enumerated columns live in :mod:`marketguard.contract.vocabulary`.
    """

    name: str
    kind: Kind = Kind.STRING
    required: bool = False
    references: tuple[str, str] | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    meaning: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One contract table. ``key`` is the unique identifier column, if the table has one."""

    name: str
    columns: tuple[Column, ...]
    meaning: str
    key: str | None = None
    required: bool = False
    extra_checks: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


S, TS, F, INT, IP = Kind.STRING, Kind.TIMESTAMP, Kind.FLOAT, Kind.INT, Kind.IP

#: Identifiers, codes and short labels. Real systems' ids are at most 64 characters (a UUID is 36, a SHA-256
#: hex digest 64); four times that is headroom, and a longer "id" is a concatenation or a corrupt export. An IP
#: address's text is at most 45 characters, well inside it.
ID_LENGTH = 256
#: Names, titles and postal addresses: the longest real ones (a listing title stuffed with keywords, an address
#: down to building and room) stay under a few hundred characters.
NAME_LENGTH = 1_000
#: A browser's user agent: real ones run to a few hundred characters, some with extensions near 1,000.
AGENT_LENGTH = 2_000
#: Free text (a review, a declaration's goods description): long reviews run to a few thousand characters.
TEXT_LENGTH = 20_000


def _c(name: str, kind: Kind = S, required: bool = False, **kw: object) -> Column:
    if kind in (S, IP):
        kw.setdefault("max_length", ID_LENGTH)
    return Column(name, kind, required, **kw)  # type: ignore[arg-type]


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            "accounts",
            (
                _c("account_id", required=True, meaning="account identifier"),
                _c("created_at", TS, True, meaning="registration time"),
                _c(
                    "id_document", meaning="identity document used at registration (opaque, e.g. salted hash)"
                ),
                _c("phone", meaning="phone number (opaque)"),
                _c("email", meaning="e-mail address (opaque)"),
                _c("bank_account", meaning="bank account (opaque; same strings as in transfers)"),
                _c(
                    "region",
                    max_length=NAME_LENGTH,
                    meaning="registered place, largest unit first (see the section on regions)",
                ),
            ),
            "every account, sellers and buyers",
            key="account_id",
            required=True,
        ),
        TableSpec(
            "stores",
            (
                _c("store_id", required=True),
                _c(
                    "account_id",
                    required=True,
                    references=("accounts", "account_id"),
                    meaning="owner account",
                ),
                _c("opened_at", TS, True),
                _c("template", required=True, meaning="shop template; the platform's default is 'basic'"),
                _c("main_category"),
                _c("name", max_length=NAME_LENGTH),
                _c("closed_at", TS),
            ),
            "online stores and their owner account",
            key="store_id",
            required=True,
        ),
        TableSpec(
            "logins",
            (
                _c("account_id", required=True, references=("accounts", "account_id")),
                _c("ts", TS, True),
                _c("ip", IP, True, meaning="IPv4 or IPv6 address as text"),
                _c("device_id"),
                _c("wifi_bssid", meaning="Wi-Fi router BSSID"),
                _c("user_agent", max_length=AGENT_LENGTH),
            ),
            "login and session events",
            required=True,
        ),
        TableSpec(
            "brands",
            (
                _c("brand", required=True),
                _c("category", required=True),
                _c("reference_price", F, True, min=0.0, meaning="typical genuine unit price"),
                _c("currency"),
            ),
            "brand reference data",
            key="brand",
        ),
        TableSpec(
            "authorized_sellers",
            (
                _c("brand", required=True, references=("brands", "brand")),
                _c("store_id", required=True, references=("stores", "store_id")),
            ),
            "stores authorised by the brand owner",
        ),
        TableSpec(
            "listings",
            (
                _c("listing_id", required=True),
                _c("store_id", required=True, references=("stores", "store_id")),
                _c("title", required=True, max_length=NAME_LENGTH),
                _c("brand", references=("brands", "brand")),
                _c("category"),
                _c("price", F, True, min=0.0),
                _c("currency"),
                _c("listed_at", TS),
            ),
            "product listings",
            key="listing_id",
        ),
        TableSpec(
            "orders",
            (
                _c("order_id", required=True),
                _c("listing_id", required=True, references=("listings", "listing_id")),
                _c("buyer_account_id", required=True, references=("accounts", "account_id")),
                _c("ts", TS, True),
                _c("quantity", INT, True, min=0),
                _c("amount", F, True, min=0.0),
                _c("ship_to_region"),
            ),
            "orders",
            key="order_id",
        ),
        TableSpec(
            "reviews",
            (
                _c("review_id", required=True),
                _c("listing_id", required=True, references=("listings", "listing_id")),
                _c("reviewer_account_id", required=True, references=("accounts", "account_id")),
                _c("order_id", references=("orders", "order_id")),
                _c("ts", TS, True),
                _c("rating", INT, True, min=1, max=5),
                _c("text", max_length=TEXT_LENGTH),
            ),
            "customer reviews",
            key="review_id",
        ),
        TableSpec(
            "shipments",
            (
                _c("shipment_id", required=True),
                _c("order_id", required=True, references=("orders", "order_id")),
                _c("carrier"),
                _c("picked_up_at", TS, True),
                _c(
                    "origin_address",
                    required=True,
                    max_length=NAME_LENGTH,
                    meaning="where the parcel was sent from, as written",
                ),
                _c("origin_lat", F, min=-90.0, max=90.0),
                _c("origin_lon", F, min=-180.0, max=180.0),
                _c("sender_phone", meaning="sender's phone (opaque, same strings as accounts.phone)"),
            ),
            "parcels and where they were sent from",
            key="shipment_id",
        ),
        TableSpec(
            "transfers",
            (
                _c("transfer_id", required=True),
                _c("ts", TS, True),
                _c("from_party", required=True, meaning="account id, bank account or outside party"),
                _c("to_party", required=True),
                _c("amount", F, True, min=0.0),
                _c("currency"),
                _c("kind", meaning="settlement, withdrawal, payment, fee or transfer"),
            ),
            "the capital chain: settlements to stores' bank accounts and onward transfers",
            key="transfer_id",
        ),
        TableSpec(
            "declarations",
            (
                _c("declaration_id", required=True),
                _c("filed_at", TS, True),
                _c("exporter", required=True, max_length=NAME_LENGTH),
                _c("exporter_address", max_length=NAME_LENGTH),
                _c("exporter_phone"),
                _c("hs_code", required=True),
                _c("description", required=True, max_length=TEXT_LENGTH),
                _c("brand"),
                _c("quantity", INT, True, min=0),
                _c("declared_value", F, True, min=0.0),
                _c("currency"),
                _c("destination_country", required=True),
                _c("port"),
                _c("consignee", max_length=NAME_LENGTH, meaning="the overseas buyer receiving the goods"),
            ),
            "customs export declarations",
            key="declaration_id",
        ),
        TableSpec(
            "labels",
            (
                _c("entity_type", required=True, meaning="store, account, review or declaration"),
                _c("entity_id", required=True, meaning="id in the table named by entity_type"),
                _c("label", INT, True, min=0, max=1, meaning="1 counterfeit/fraud, 0 legitimate"),
                _c("source"),
                _c("labeled_at", TS),
            ),
            "known outcomes of past investigations",
        ),
    ]
}

#: Tables in an order where every referenced table comes before the tables that reference it.
LOAD_ORDER: tuple[str, ...] = (
    "accounts",
    "brands",
    "stores",
    "logins",
    "authorized_sellers",
    "listings",
    "orders",
    "reviews",
    "shipments",
    "transfers",
    "declarations",
    "labels",
)

#: labels.entity_id refers to the table named by entity_type.
LABEL_TARGETS: dict[str, tuple[str, str]] = {
    "store": ("stores", "store_id"),
    "account": ("accounts", "account_id"),
    "review": ("reviews", "review_id"),
    "declaration": ("declarations", "declaration_id"),
}

REQUIRED_TABLES: tuple[str, ...] = tuple(t for t in LOAD_ORDER if TABLES[t].required)

assert set(LOAD_ORDER) == set(TABLES)
