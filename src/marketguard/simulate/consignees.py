"""The overseas consignee of each export declaration (an ``adversarial`` tactic).

An operator's front companies sell to the operator's own distributors abroad: one per destination country it
ships to, the same whichever front files. An honest exporter sells to its own buyers, one per country. Everybody
also ships to big importers (a marketplace's fulfilment importer of record, national distributors) that receive
from hundreds of exporters: hubs, listed in ``truth/hubs``. Clerks write a consignee's name with or without its
legal form, in capitals or not.

Draws from its own stream; runs only when ``overseas_consignees`` is set, so the older presets' declarations are
unchanged (no consignee column).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .hubs import HUB_FIELDS, hub_rows
from .ids import decimal_ids, take_strings

__all__ = ["consignee_names"]

#: Share of an exporter's declarations to a big shared importer rather than its own buyer or distributor in the
#: country (a simulator choice): enough that each big importer receives from tens of exporters at 10k stores and
#: hundreds at 100k, while most of an exporter's goods go to its own buyers; fronts sell more to their own.
SHARED_RATE_HONEST = 0.3
SHARED_RATE_FRONT = 0.2
#: Big shared importers per destination country: a marketplace's importer of record and a national distributor
#: or two.
SHARED_PER_COUNTRY = 3
#: Chance a consignee's name is written another way: half of those in capitals, half without its legal form.
VARIANT_RATE = 0.15
_WORDS = (
    "Apex", "Atlas", "Blue", "Bright", "Cedar", "Coral", "Crown", "Delta", "Eagle", "East", "Echo", "Falcon",
    "Global", "Golden", "Harbor", "Horizon", "Iron", "Lotus", "Maple", "Meridian", "Nova", "Oak", "Ocean",
    "Orion", "Pacific", "Peak", "Pioneer", "Prime", "Red", "River", "Silver", "Star", "Summit", "Sun", "Terra",
    "Titan", "Unity", "Vista", "West", "Zenith",
)  # fmt: skip
_TRADES = ("Trading", "Imports", "Distribution", "Supply", "Commerce", "Wholesale", "Retail", "Goods")
_LEGAL = {"US": "LLC", "DE": "GmbH", "GB": "Ltd", "JP": "K.K.", "FR": "SARL", "NL": "B.V.", "AU": "Pty Ltd",
          "SG": "Pte Ltd", "KR": "Co., Ltd."}  # fmt: skip
_SHARED = ("Fulfilment Importer", "National Distributors", "Marketplace Imports")


def consignee_names(
    rng: np.random.Generator, countries: list[str], country: np.ndarray, exporter: np.ndarray, op: np.ndarray
) -> tuple[pa.ChunkedArray, pa.Table]:
    """The consignee of each declaration row (``country``: code into ``countries``; ``exporter``: the filing
    company; ``op``: the operator behind a front, -1 for an honest exporter) as written, and the shared importers'
    names as hub rows."""
    n, n_c = country.size, len(countries)
    # a buyer per (party, country): an operator's distributor, whichever front files; an honest exporter's own
    party = np.where(op >= 0, op, -1 - exporter)
    buyers, buyer = np.unique(np.stack([party, country], 1), axis=0, return_inverse=True)
    buyer = buyer.ravel()
    shared_rate = np.where(op >= 0, SHARED_RATE_FRONT, SHARED_RATE_HONEST)
    shared = rng.random(n) < shared_rate
    big = country * SHARED_PER_COUNTRY + rng.integers(0, SHARED_PER_COUNTRY, n)
    names = _names(rng, [countries[c] for c in buyers[:, 1].tolist()])
    big_names = [
        f"{_SHARED[k]} {countries[c]} {_LEGAL.get(countries[c], 'Ltd')}"
        for c in range(n_c)
        for k in range(SHARED_PER_COUNTRY)
    ]
    vocab = [*names, *big_names]
    code = np.where(shared, len(names) + big, buyer)
    variant = rng.random(n) < VARIANT_RATE
    upper = rng.random(n) < 0.5
    forms = [*vocab, *(v.upper() for v in vocab), *(_without_legal(v) for v in vocab)]
    written = np.where(variant, np.where(upper, len(vocab), 2 * len(vocab)) + code, code)
    hub_ids = decimal_ids("imp_", np.arange(n_c * SHARED_PER_COUNTRY), 4)
    every = np.arange(n_c * SHARED_PER_COUNTRY)
    forms_of_big = np.concatenate([len(names) + every + k * len(vocab) for k in range(3)])
    hubs = hub_rows(
        hub_ids.take(pa.array(np.tile(every, 3))),
        "shared_importer",
        HUB_FIELDS[5],
        pa.array([forms[i] for i in forms_of_big.tolist()], pa.string()),
    )
    return take_strings(forms, written), hubs


def _names(rng: np.random.Generator, country: list[str]) -> list[str]:
    """Distinct names per country: two words, a trade and the country's legal form ("No. 2" and on once a
    country has more buyers than the words make)."""
    combos = len(_WORDS) ** 2 * len(_TRADES)
    by_country: dict[str, list[int]] = {}
    for i, c in enumerate(country):
        by_country.setdefault(c, []).append(i)
    names = [""] * len(country)
    for c, rows in sorted(by_country.items()):
        tiers = -(-len(rows) // combos)
        pick = rng.choice(combos * tiers, len(rows), replace=False)
        for i, p in zip(rows, pick.tolist(), strict=True):
            tier, p = divmod(p, combos)
            w1, rest = p % len(_WORDS), p // len(_WORDS)
            w2, trade = rest % len(_WORDS), rest // len(_WORDS)
            number = f" No. {tier + 1}" if tier else ""
            names[i] = f"{_WORDS[w1]} {_WORDS[w2]} {_TRADES[trade]}{number} {_LEGAL.get(c, 'Ltd')}"
    return names


def _without_legal(name: str) -> str:
    for form in sorted(set(_LEGAL.values()) | {"Ltd"}, key=len, reverse=True):
        if name.endswith(" " + form):
            return name[: -len(form) - 1]
    return name
