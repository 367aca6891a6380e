"""The easy, normal and hard outputs of a seed are pinned byte for byte.

New behaviour (the adversarial preset, later knobs) must draw from new random streams and write new columns or
tables, never change what an existing preset produces: benchmarks and published figures are measured on these
datasets, and a silent change would make old and new figures incomparable. Each table is reduced to one SHA-256
over a canonical form of each of its pinned columns (type, validity, values; independent of Arrow chunking), so
columns added later do not disturb the pin while any change to a pinned one does.

When a change to an existing preset is intended, say so in the change and recompute the digests with
``python tests/simulate/test_digests.py``.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from marketguard.simulate import simulate

N_STORES, SEED = 300, 11

#: The columns each table had when the digests were taken (``truth/`` tables may gain columns after them).
PINNED_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id", "created_at", "id_document", "phone", "email", "bank_account", "region"),
    "brands": ("brand", "category", "reference_price", "currency"),
    "stores": ("store_id", "account_id", "opened_at", "template", "main_category", "name", "closed_at"),
    "logins": ("account_id", "ts", "ip", "device_id", "wifi_bssid", "user_agent"),
    "authorized_sellers": ("brand", "store_id"),
    "listings": ("listing_id", "store_id", "title", "brand", "category", "price", "currency", "listed_at"),
    "orders": ("order_id", "listing_id", "buyer_account_id", "ts", "quantity", "amount", "ship_to_region"),
    "reviews": ("review_id", "listing_id", "reviewer_account_id", "order_id", "ts", "rating", "text"),
    "shipments": (
        *("shipment_id", "order_id", "carrier", "picked_up_at", "origin_address"),
        *("origin_lat", "origin_lon", "sender_phone"),
    ),
    "transfers": ("transfer_id", "ts", "from_party", "to_party", "amount", "currency", "kind"),
    "declarations": (
        *("declaration_id", "filed_at", "exporter", "exporter_address", "exporter_phone", "hs_code"),
        *("description", "brand", "quantity", "declared_value", "currency", "destination_country", "port"),
    ),
    "labels": ("entity_type", "entity_id", "label", "source", "labeled_at"),
    "truth/stores": ("store_id", "is_counterfeit", "operator_id", "operator_kind"),
    "truth/accounts": ("account_id", "operator_id", "role"),
    "truth/reviews": ("review_id", "is_fake", "farm_id"),
    "truth/sites": ("operator_id", "site_id", "kind", "address", "lat", "lon"),
    "truth/parties": ("party", "operator_id", "role"),
    "truth/declarations": ("declaration_id", "is_counterfeit", "operator_id"),
}

DIGESTS: dict[str, dict[str, str]] = {
    "easy": {
        "accounts": "b2fd0c62c77bb2e1a380f2a97efb3085892f206a112535592ffb451bf7c1d8ae",
        "brands": "a546bb44b61995bf7d6caebf166130c8377397f9196640c7bde5a49765220659",
        "stores": "cbe500c8897891aca4c181e710a432ea9446e930260fc3ed10d99d8588e90a91",
        "logins": "99c0c7c2f8ce8a7156069e319f0cea0cb34c16122ee422fdb10ee70419451b38",
        "authorized_sellers": "1bed507223a534db265f8477692e0cb6099615170499cac277569cc4827575e4",
        "listings": "5a8629566b8b6ac0106af0c965421357cede350ea4725dad6bb7e5ae7aa914b7",
        "orders": "210eb0ca254e89b481e37a0949287401562dabc7a16af934d7fcf42ad9e948fd",
        "reviews": "d9ee4a3fd7242802cd85daa431f7a23bd57a803f9dcc495dde83efd8e895825c",
        "shipments": "bb266ae1eed636488729f5a1f5303796290617c552049f80d9e07d50ef9ba4cf",
        "transfers": "7e7694a9ef8189f5760f00209a25dfb069b83f06990e202e60a6a10ff0bbb1b2",
        "declarations": "e75fa64955f1f3e1eabdca48c52f3fb377b134b711affeb1f3e3d4441142424f",
        "labels": "2007793f9a47363e5926de8acff9860f8618b2b10df5b459a926d9fd7bb14743",
        "truth/stores": "c37c56317ea577ca866228e9e558c30eaf8ee186b834be47eb59bebe60fa9330",
        "truth/accounts": "d4be97b66d18e9f59fc8ee483dd4d8c365a1bd6b8fcc6b6a3e17a64e9857c16e",
        "truth/reviews": "1205bb5a5dc55f57dd5a31454e805dd3cda966346d7b5cf3a6890abb2cb8769b",
        "truth/sites": "23d3ad00ce6f3af661f2f4837a56d3baef05148b64c8760dd87b6d25ed5e2834",
        "truth/parties": "4a0af390a15c5cce0e6b7244b719e38f152bcaed7327313a141dc108a8e7cd9f",
        "truth/declarations": "b24b6c158cfe5358e0c9e6c7d063033d4c32f98679c37a0c466c9fcb99757290",
    },
    "normal": {
        "accounts": "d2977d86ccb130f102f25586e0cf9478d2230e7867709a8cbe9cf9d83cac4f63",
        "brands": "a546bb44b61995bf7d6caebf166130c8377397f9196640c7bde5a49765220659",
        "stores": "a2a2f94048a3cc3f0fdaeec63d4114b569ffe54c346964ad90624ef4a93a145e",
        "logins": "a9f224716964eafe77d1fb765a510689df2eea1edc69b705a3001cbba130f338",
        "authorized_sellers": "1bed507223a534db265f8477692e0cb6099615170499cac277569cc4827575e4",
        "listings": "63d326f105bef2681a09fcb0c5624b47e140afb8c2c0612a0983e5117f8a5deb",
        "orders": "e1f7aa332c94c430d57c08ef0e0dc55098c27a439ff634cc2c82cdd7fb77cddf",
        "reviews": "b252bd974b143cf72472c8e719918fc716427c2899cf14a958c676a568c2ae38",
        "shipments": "8cd43c9f9b6937597fb30e1942cf63c88ad817100bf6cba79f90a7dc57d23fcf",
        "transfers": "a2048cafe9938af526507186cb50339ea476f0c12a8c1720ab9384101c1d03cc",
        "declarations": "62ba8b373dd99d10aa8f85e4087f56349d87a06acc493d534df270be2fe10502",
        "labels": "117f0d106ce282a858e7b5c704cc56caff21a8397198f5c6cc3a99d298f645da",
        "truth/stores": "c37c56317ea577ca866228e9e558c30eaf8ee186b834be47eb59bebe60fa9330",
        "truth/accounts": "d4be97b66d18e9f59fc8ee483dd4d8c365a1bd6b8fcc6b6a3e17a64e9857c16e",
        "truth/reviews": "6b30ae8e86b11bd5b41f4888b46c29657d4d6ad354bb7703d32b50b94bfc7dbb",
        "truth/sites": "23d3ad00ce6f3af661f2f4837a56d3baef05148b64c8760dd87b6d25ed5e2834",
        "truth/parties": "89855f8d9f4e40d7a3a769d7fd2b6f2385c75fed09b9d84698c03f36b5c2f97c",
        "truth/declarations": "b24b6c158cfe5358e0c9e6c7d063033d4c32f98679c37a0c466c9fcb99757290",
    },
    "hard": {
        "accounts": "5fe294b67a76f7a09ae125ea0dc5b6c2a0c7cc942b9dd49383236af9e872e2c6",
        "brands": "a546bb44b61995bf7d6caebf166130c8377397f9196640c7bde5a49765220659",
        "stores": "5e5b92272d7756c725d2012a6b1d27a8a5e327a2cb8bd733a21952813e259e13",
        "logins": "e7e9d38f5419d6963898926f387ef94b721cf44736bcec537087b0151f90316a",
        "authorized_sellers": "1bed507223a534db265f8477692e0cb6099615170499cac277569cc4827575e4",
        "listings": "fd4cdc87375d90ac0a9a39b376f5c62c01794249df0b6c2f3fad9e34acd056b0",
        "orders": "b6216bea89c4cfa2ed0e4a2caf96669c411ed0456cb010d030c28ab2ec56300f",
        "reviews": "f8bc25bc21a5b2729fe150230e775c664675e5591e349f83d073770618219a95",
        "shipments": "966b5bc4b5b9364cf0a3042a18fc6a48c6b53becbf1e4a588d80574e4bbbbb9d",
        "transfers": "cdd350da2327e1c4de05d549099beaf3b8d308f0448f82db0e9510f2bd45b2f1",
        "declarations": "17aca6788b02ebd743abd1e32ad14d322995d5c4223b2fd06b2a4d02c84b53c0",
        "labels": "a2063eca5d606f255a6908d4b6c07d378b9eed8bb57819a02316adeaf27e46d5",
        "truth/stores": "c37c56317ea577ca866228e9e558c30eaf8ee186b834be47eb59bebe60fa9330",
        "truth/accounts": "d4be97b66d18e9f59fc8ee483dd4d8c365a1bd6b8fcc6b6a3e17a64e9857c16e",
        "truth/reviews": "636aabcc4c32a490e1885b69f1cc2b32dc0cdfdfa71c3e621dd26655444bf47d",
        "truth/sites": "23d3ad00ce6f3af661f2f4837a56d3baef05148b64c8760dd87b6d25ed5e2834",
        "truth/parties": "98baaa410e431940bc4245f38df792738dc9bfa69627abd479f0609972b415b3",
        "truth/declarations": "b24b6c158cfe5358e0c9e6c7d063033d4c32f98679c37a0c466c9fcb99757290",
    },
}


def column_digest(column: pa.ChunkedArray | pa.Array, h: hashlib._Hash) -> None:
    """Feed one column's canonical form into ``h``: its type, its validity bits and its values (strings
    length-prefixed, times as integer microseconds, nulls as zero), whatever its chunking."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    h.update(str(arr.type).encode())
    h.update(np.packbits(pc.is_valid(arr).to_numpy(zero_copy_only=False)).tobytes())
    if pa.types.is_string(arr.type):
        for value in arr.to_pylist():
            raw = (value or "").encode()
            h.update(len(raw).to_bytes(4, "little") + raw)
        return
    if pa.types.is_timestamp(arr.type):
        arr = pc.cast(arr, pa.int64())
    filled = pc.fill_null(arr, False if pa.types.is_boolean(arr.type) else 0)
    h.update(np.ascontiguousarray(filled.to_numpy(zero_copy_only=False)).tobytes())


def table_digests(difficulty: str) -> dict[str, str]:
    """SHA-256 per table over its pinned columns, of ``simulate(N_STORES, SEED, difficulty)``."""
    mp = simulate(n_stores=N_STORES, seed=SEED, difficulty=difficulty)
    tables = {**mp.tables, **{f"truth/{k}": v for k, v in mp.truth.items()}}
    out = {}
    for name, columns in PINNED_COLUMNS.items():
        h = hashlib.sha256(f"{name}:{tables[name].num_rows}".encode())
        for c in columns:
            h.update(c.encode())
            column_digest(tables[name].column(c), h)
        out[name] = h.hexdigest()
    return out


@pytest.mark.parametrize("difficulty", sorted(DIGESTS))
def test_existing_presets_are_unchanged(difficulty: str) -> None:
    got = table_digests(difficulty)
    changed = sorted(name for name, digest in DIGESTS[difficulty].items() if got[name] != digest)
    assert not changed, f"{difficulty}: {', '.join(changed)} changed"


if __name__ == "__main__":  # print the digests to paste above when a change is intended
    for d in ("easy", "normal", "hard"):
        print(f'    "{d}": {{')
        for name, digest in table_digests(d).items():
            print(f'        "{name}": "{digest}",')
        print("    },")
