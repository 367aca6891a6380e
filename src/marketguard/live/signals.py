"""Store signals kept up to date one event at a time, equal to the batch catalogue's on the same data.

The catalogue (:mod:`marketguard.features.signals`) computes each group in SQL over whole tables. Here the
groups that events can keep current (environment, storefront, listings, orders, reviews and identity:
:data:`LIVE_GROUPS`) are running tallies per store, per owner account and per shared key (an IP's accounts, a
category's listings), and :meth:`LiveSignals.values` reads a store's signals from them as ``store_features`` has
them: the same formulas, defaults and rounding (:func:`~marketguard.engine.base.significant`). The identity group
reads the owner's operator network, which the caller's operator index knows (the accounts in it, given to
:meth:`~LiveSignals.values`), and the labels known then. Signals measured to the data's "now" (a store's age,
its revenue of the last 90 days, which labels were known) are measured to the last login seen, as the batch
measures them to the last login in the data, so the values after replaying the events up to a time are the
batch's on the data cut there (a test checks every signal of every store of a simulated marketplace).
"""

from __future__ import annotations

import bisect
import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from sys import intern
from typing import NamedTuple

import numba
import numpy as np

from marketguard.contract.vocabulary import BASIC_TEMPLATE
from marketguard.features.signals import LIVE, environment, listings, reviews
from marketguard.features.signals.catalogue import US_PER_DAY, Signal, SignalGroup
from marketguard.features.signals.imports import IMPORT_COMPLAINT_PATTERN
from marketguard.live.events import Event

__all__ = ["LIVE_GROUPS", "READS", "SIGNAL_NAMES", "LiveSignals", "NetworkTallies"]

#: The catalogue groups kept live, in ``store_features``'s column order.
LIVE_GROUPS: tuple[SignalGroup, ...] = LIVE
#: The event tables the signals read: shipments, transfers and declarations move none of them.
READS = frozenset({"accounts", "logins", "stores", "listings", "orders", "reviews"})
_TELL = re.compile(listings.TELL_PATTERN)
_COMPLAINT = re.compile(reviews.COMPLAINT_PATTERN)
_IMPORT_COMPLAINT = re.compile(IMPORT_COMPLAINT_PATTERN)
_90_DAYS = 90 * US_PER_DAY
_30_DAYS = 30 * US_PER_DAY


def _us(ts: datetime) -> int:
    """Microseconds since the epoch, exactly (``epoch_us``)."""
    return (ts - _EPOCH) // _MICROSECOND


def _day_diff(later: int, earlier: int) -> int:
    """Whole days between two microsecond times, truncated toward zero as SQL's integer ``//`` does."""
    days = abs(later - earlier) // US_PER_DAY
    return days if later >= earlier else -days


@dataclass(slots=True)
class _Store:
    account_id: str
    opened_us: int
    template: str
    main_category: str | None
    closed: bool
    listings: list[str] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)  # sorted: branded price / reference
    n_far_below: int = 0
    n_unauthorised: int = 0
    n_tell: int = 0
    n_tell_branded: int = 0
    first_30_days: int = 0
    # the orders by time, their amounts, and the amounts' running sums (sums[i]: the first i orders'): the
    # revenue of any last 90 days is two searches and a subtraction, not a sum over a big store's orders
    order_times: array[int] = field(default_factory=lambda: array("q"))
    order_amounts: array[float] = field(default_factory=lambda: array("d"))
    order_sums: array[float] = field(default_factory=lambda: array("d", [0.0]))
    n_reviews: int = 0
    five_star: int = 0
    rating_sum: int = 0
    review_days: Counter[int] = field(default_factory=Counter)
    busiest_day: int = 0  # the most reviews on one day (counts only grow)
    complaints: int = 0
    without_order: int = 0
    import_complaints: int = 0

    def add_order(self, ts: int, amount: float) -> None:
        """One order, in its place by time (a late one re-sums the orders after it)."""
        at = bisect.bisect_right(self.order_times, ts)
        self.order_times.insert(at, ts)
        self.order_amounts.insert(at, amount)
        self.order_sums.append(0.0)
        sums, amounts = self.order_sums, self.order_amounts
        for i in range(at, len(amounts)):
            sums[i + 1] = sums[i] + amounts[i]


class NetworkTallies(NamedTuple):
    """An operator network's accounts, stores, distinct identity documents, and stores known counterfeit."""

    accounts: int
    stores: int
    documents: int
    counterfeit: int


@dataclass(slots=True)
class _Owner:
    n_logins: int = 0
    ips: Counter[str] = field(default_factory=Counter)  # logins per IP
    devices: str | set[str] | None = None  # :func:`_with`: most accounts use one device and one router
    wifis: str | set[str] | None = None
    n_shared_ip_logins: int = 0


@dataclass(slots=True)
class _Listing:
    store_id: str
    branded: bool


@dataclass(slots=True)
class _Account:
    created_us: int
    id_document: str | None


class LiveSignals:
    """The live groups' running state. ``reference_prices``: brand -> reference price (the ``brands`` table);
    ``authorised``: the (brand, store id) pairs of ``authorized_sellers``; ``labels``: the stores' (store id,
    label, labelled at) rows of the ``labels`` table, each read once the last login seen is past its date
    (undated: at once), as the batch reads the labels known by the data's "now"."""

    def __init__(
        self,
        reference_prices: dict[str, float] | None = None,
        authorised: Iterable[tuple[str, str]] = (),
        labels: Iterable[tuple[str, int, datetime | None]] = (),
    ) -> None:
        self.reference_prices = {b: p for b, p in (reference_prices or {}).items() if p is not None and p > 0}
        self.authorised = set(authorised)
        self.labels: dict[str, list[tuple[int | None, int]]] = {}
        for store_id, label, at in labels:
            self.labels.setdefault(store_id, []).append((None if at is None else _us(at), int(label)))
        self.accounts: dict[str, _Account] = {}
        self.owned: dict[str, list[str]] = {}  # account -> its stores
        self.as_of: int | None = None  # the last login's time (microseconds)
        self.stores: dict[str, _Store] = {}
        # accounts' logins (every account: a buyer may open a store later)
        self.owners: dict[str, _Owner] = {}
        self.listings: dict[str, _Listing] = {}
        self.ip_accounts: dict[str, str | set[str]] = {}  # an address's one user, or its users
        self.category_listings: Counter[str | None] = Counter()
        self.category_branded: Counter[str | None] = Counter()

    # -- events ---------------------------------------------------------------------------------------------
    def apply(self, event: Event) -> str | None:
        """Apply one event (its references known: the caller holds the others); the store it changed, if any."""
        row = event.row
        if event.table not in READS:
            return None
        if event.kind == "store_closed":
            self.stores[row["store_id"]].closed = True
            return str(row["store_id"])
        if event.table == "accounts":
            self.accounts[row["account_id"]] = _Account(_us(row["created_at"]), row["id_document"])
            return None
        if event.table == "logins":
            # one string per account and per IP however many logins name them (1M accounts' 10M logins)
            self._login(
                intern(row["account_id"]), event.at, intern(row["ip"]), row["device_id"], row["wifi_bssid"]
            )
            return None
        if event.table == "stores":
            return self._store(row)
        if event.table == "listings":
            return self._listing(row)
        if event.table == "orders":
            listing = self.listings[row["listing_id"]]
            store = self.stores[listing.store_id]
            store.add_order(_us(row["ts"]), row["amount"])
            return listing.store_id
        if event.table == "reviews":
            store_id = self.listings[row["listing_id"]].store_id
            store = self.stores[store_id]
            text = (row["text"] or "").lower()
            store.n_reviews += 1
            store.five_star += row["rating"] == 5
            store.rating_sum += row["rating"]
            day = _us(row["ts"]) // US_PER_DAY
            store.review_days[day] += 1
            store.busiest_day = max(store.busiest_day, store.review_days[day])
            store.complaints += bool(_COMPLAINT.search(text))
            store.import_complaints += bool(_IMPORT_COMPLAINT.search(text))
            store.without_order += row["order_id"] is None
            return store_id
        return None

    def _login(self, account: str, at: datetime, ip: str, device: str | None, wifi: str | None) -> None:
        ts = _us(at)
        self.as_of = ts if self.as_of is None else max(self.as_of, ts)
        owner = self.owners.get(account)
        if owner is None:
            owner = self.owners[account] = _Owner()
        owner.n_logins += 1
        owner.ips[ip] += 1
        if device is not None:
            owner.devices = _with(owner.devices, device)
        if wifi is not None:
            owner.wifis = _with(owner.wifis, wifi)
        users = self.ip_accounts.get(ip)
        if not _holds(users, account):
            users = self.ip_accounts[ip] = _with(users, account)
            if isinstance(users, set) and len(users) == environment.SHARED_IP_ACCOUNTS:  # heavily shared now
                for user in users:  # its earlier logins count too
                    self.owners[user].n_shared_ip_logins += self.owners[user].ips[ip]
                return
        if _count(users) >= environment.SHARED_IP_ACCOUNTS:
            owner.n_shared_ip_logins += 1

    def _store(self, row: dict) -> str:
        """A new store (a store's row comes once: the scorer refuses a second with the same key)."""
        store_id = row["store_id"]
        self.stores[store_id] = _Store(
            row["account_id"],
            _us(row["opened_at"]),
            row["template"],
            row["main_category"],
            row["closed_at"] is not None,
        )
        self.owned.setdefault(row["account_id"], []).append(store_id)
        return store_id

    def _listing(self, row: dict) -> str:
        store_id = row["store_id"]
        store = self.stores[store_id]
        reference = self.reference_prices.get(row["brand"]) if row["brand"] is not None else None
        branded = reference is not None
        self.listings[row["listing_id"]] = _Listing(store_id, branded)
        store.listings.append(row["listing_id"])
        self.category_listings[store.main_category] += 1
        self.category_branded[store.main_category] += branded
        tell = bool(_TELL.search(row["title"].lower()))
        store.n_tell += tell
        if branded:
            ratio = row["price"] / reference
            bisect.insort(store.ratios, ratio)
            store.n_far_below += ratio < listings.FAR_BELOW
            store.n_unauthorised += (row["brand"], store_id) not in self.authorised
            store.n_tell_branded += tell
        if row["listed_at"] is not None and _us(row["listed_at"]) - store.opened_us < _30_DAYS:
            store.first_30_days += 1
        return store_id

    # -- reading --------------------------------------------------------------------------------------------
    def vector(
        self, store_id: str, network: Sequence[str] | None = None, tallies: NetworkTallies | None = None
    ) -> np.ndarray:
        """:meth:`values` as an array in :data:`SIGNAL_NAMES` order, NaN for unknown."""
        return self.vectors([store_id], network, tallies)[0]

    def vectors(
        self,
        stores: Sequence[str],
        network: Sequence[str] | None = None,
        tallies: NetworkTallies | None = None,
    ) -> np.ndarray:
        """:meth:`vector` of each of the stores of one operator network (or of none: ``network`` None), a row
        each: what the scorer reads, for every store of a network an event touches (``tallies``: the network's,
        when the caller has them). Rounded in one compiled pass (a Python call per value was an eighth of the
        slow events' time at 1M accounts)."""
        out = np.empty((len(stores), len(_FILLS)))
        for row, store_id in enumerate(stores):
            raw = self._raw(store_id, network, tallies)
            # coalesce(value, default): no row, or a NULL in it, reads as the default
            out[row] = [fill if (value := raw.get(name)) is None else value for name, fill in _FILLS]
        _round_significant(out)
        return out

    def values(self, store_id: str, network: Sequence[str] | None = None) -> dict[str, float | None]:
        """The store's live signals as ``store_features`` holds them (defaults where it has no rows), in
        :data:`SIGNAL_NAMES` order. ``network``: the accounts of its owner's operator network, the owner
        included (None: the owner is in none)."""
        return {
            name: None if math.isnan(value) else value
            for name, value in zip(SIGNAL_NAMES, self.vector(store_id, network).tolist(), strict=True)
        }

    def _raw(
        self, store_id: str, network: Sequence[str] | None, tallies: NetworkTallies | None
    ) -> dict[str, float | None]:
        """The store's signals as computed, before defaults and rounding (absent: no row in its group)."""
        store = self.stores[store_id]
        raw: dict[str, float | None] = self._identity(store_id, store, network, tallies)
        raw |= self._environment(store)
        raw |= self._storefront(store)
        raw |= self._listings(store) if store.listings else {}
        raw |= self._orders(store) if store.order_times else {}
        raw |= self._reviews(store) if store.n_reviews else {}
        return raw

    def _identity(
        self, store_id: str, store: _Store, network: Sequence[str] | None, tallies: NetworkTallies | None
    ) -> dict[str, float | None]:
        account = self.accounts.get(store.account_id)
        if account is None:  # the batch joins stores to their accounts: no row, the defaults
            return {}
        out: dict[str, float | None] = {
            "account_age_at_open_days": _day_diff(store.opened_us, account.created_us)
        }
        if network is None:
            return out | {"network_id_documents": 0 if account.id_document in (None, "") else 1}
        accounts, stores, documents, counterfeit = tallies or self.network_tallies(network)
        own = self._known_label(store_id) == 1
        return out | {
            "network_accounts": accounts,
            "network_stores": stores,
            "network_id_documents": documents,
            "network_counterfeit_stores": counterfeit - own,
        }

    def network_tallies(self, network: Sequence[str]) -> NetworkTallies:
        """What the identity group reads of an operator network (its accounts): the same for each of its stores,
        so a scorer re-scoring a network's stores reads them once (each store's would read every store's label:
        quadratic in the network)."""
        members = [self.accounts[a] for a in network if a in self.accounts]
        stores = [s for a in network for s in self.owned.get(a, ())]
        return NetworkTallies(
            len(members),
            len(stores),
            len({m.id_document for m in members if m.id_document is not None}),
            sum(self._known_label(s) == 1 for s in stores),
        )

    def _known_label(self, store_id: str) -> int | None:
        """The store's label known by the last login seen (either way: counterfeit), None without one."""
        known = [
            label
            for at, label in self.labels.get(store_id, ())
            if at is None or (self.as_of is not None and at <= self.as_of)
        ]
        return max(known) if known else None

    def _environment(self, store: _Store) -> dict[str, float | None]:
        owner = self.owners.get(store.account_id)
        if owner is None or owner.n_logins == 0:
            return {}
        return {
            "owner_logins": owner.n_logins,
            "owner_ips": len(owner.ips),
            "owner_devices": _count(owner.devices),
            "owner_wifis": _count(owner.wifis),
            "ip_rotation": len(owner.ips) / owner.n_logins,
            "share_logins_shared_ip": owner.n_shared_ip_logins / owner.n_logins,
        }

    def _storefront(self, store: _Store) -> dict[str, float | None]:
        return {
            "basic_template": float(store.template == BASIC_TEMPLATE),
            "store_age_days": None if self.as_of is None else _day_diff(self.as_of, store.opened_us),
            "closed": float(store.closed),
        }

    def _listings(self, store: _Store) -> dict[str, float | None]:
        n_branded = len(store.ratios)
        n = self.category_listings[store.main_category]
        return {
            "n_listings": len(store.listings),
            "n_branded": n_branded,
            "min_price_ratio": store.ratios[0] if n_branded else None,
            "median_price_ratio": _median(store.ratios) if n_branded else None,
            "share_far_below": store.n_far_below / n_branded if n_branded else None,
            "n_unauthorised_branded": store.n_unauthorised,
            "share_unauthorised": store.n_unauthorised / n_branded if n_branded else None,
            "n_tell_words": store.n_tell,
            "n_tell_words_branded": store.n_tell_branded,
            "listings_first_30_days": store.first_30_days,
            "category_branded_share": (
                self.category_branded[store.main_category] / n
                if store.main_category is not None and n
                else None
            ),
        }

    def _orders(self, store: _Store) -> dict[str, float | None]:
        times = store.order_times
        recent = 0.0
        if self.as_of is not None:
            start = bisect.bisect_left(times, self.as_of - _90_DAYS)
            recent = store.order_sums[-1] - store.order_sums[start]
        return {
            "n_orders": len(times),
            "revenue": store.order_sums[-1],
            "revenue_90_days": recent,
            "orders_per_day": len(times) / ((times[-1] - times[0]) / US_PER_DAY + 1.0),
            "mean_order_value": store.order_sums[-1] / len(times),
        }

    def _reviews(self, store: _Store) -> dict[str, float | None]:
        n = store.n_reviews
        return {
            "n_reviews": n,
            "share_five_star": store.five_star / n,
            "mean_rating": store.rating_sum / n,
            "busiest_day_share": store.busiest_day / n,
            "share_complaints": store.complaints / n,
            "share_without_order": store.without_order / n,
            "share_import_complaints": store.import_complaints / n,
        }


def _with(found: str | set[str] | None, value: str) -> str | set[str]:
    """``found`` with ``value`` in it: a set of a few strings held as the string itself while it has one (a set
    takes 216 bytes; most accounts use one device and one router, most addresses have one user: the 10k state
    683 -> 656 MB)."""
    if found is None or found == value:
        return value
    if isinstance(found, str):
        return {found, value}
    found.add(value)
    return found


def _holds(found: str | set[str] | None, value: str) -> bool:
    return found == value if isinstance(found, str) else found is not None and value in found


def _count(found: str | set[str] | None) -> int:
    return 0 if found is None else 1 if isinstance(found, str) else len(found)


@numba.njit(cache=True)
def _round_significant(values: np.ndarray) -> None:
    """:func:`~marketguard.engine.base.significant` (12 digits) on every value, in place and to the same bits:
    libm's ``log10`` and ``pow`` as Python's ``math`` calls them (the power's exponent a float: numba raises to
    an integer power by repeated products, which round differently)."""
    flat = values.reshape(-1)
    for i in range(flat.size):
        value = flat[i]
        if value == 0 or not np.isfinite(value):
            continue
        if value == math.floor(value) and abs(value) < 1e12:  # a count: unchanged by the rounding
            continue
        scale = 10.0 ** float(12 - math.ceil(math.log10(abs(value))))
        flat[i] = math.floor(value * scale + 0.5) / scale


def _median(ordered: Sequence[float]) -> float:
    """The median of a sorted list (``statistics.median`` without its sort: a big store has thousands)."""
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


#: Every live signal, in ``store_features``'s column order.
_SIGNALS: tuple[Signal, ...] = tuple(s for g in LIVE_GROUPS for s in g.signals)
SIGNAL_NAMES: tuple[str, ...] = tuple(s.name for s in _SIGNALS)
#: Each signal and what stands for it when unknown: its default, else NaN.
_FILLS: tuple[tuple[str, float], ...] = tuple(
    (s.name, math.nan if s.default is None else float(s.default)) for s in _SIGNALS
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
