"""The real-time path of operator linking: an index built from a batch run, then updated one event at a time.

``OperatorIndex.from_batch`` loads what a fitted :class:`OperatorLinker` computed (every account-artifact use,
the strong pairs, the networks) into compact arrays; an event (a new account, store or login) then touches only
the artifacts it names. The state is artifact-centric and hydrated lazily: an artifact's users become a Python
dict the first time an event reaches it, so a 1M-account index loads in seconds and each event costs
microseconds. Updates use the batch SQL's formulas (:mod:`marketguard.features.evidence`) and re-cluster only
the components whose links changed, so replaying events ends with the networks the batch linker finds on the
same data. ``network_of(account_id)`` answers "which network is this account in now, and why".

Which pairs an event re-scores (everything else provably keeps its link status):

- the event's account with every user of an artifact it just used (its share and time overlap on it moved);
- after a login, the account's existing links (its share on its other artifacts fell, so those weights fell);
- after a new user joins an artifact, the links among its users (one more sharer lowers specificity).

Weights only fall in the last two cases, so a pair below the link threshold stays below it: only existing
links need re-scoring there.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.detect.index_storage import Codes, Loaded
from marketguard.detect.networks import CREATED_SQL, UNDATED
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine.tables import Tables
from marketguard.features.evidence import (
    ACCOUNT_KINDS,
    KIND_WEIGHTS,
    LOG_UNITS,
    LOGIN_ARTIFACT_KINDS,
    OVERLAP_KINDS,
    ip_network,
    log_evidence_sql,
)
from marketguard.graph import encode
from marketguard.graph.communities import leiden, weighted_networks
from marketguard.graph.components import connected_components

_US_PER_DAY = 86_400_000_000.0
_KINDS = tuple(KIND_WEIGHTS)
_KIND_CODE = {kind: i for i, kind in enumerate(_KINDS)}
_IS_LOGIN_KIND = tuple(kind in LOGIN_ARTIFACT_KINDS for kind in _KINDS)
_IS_OVERLAP_KIND = tuple(kind in OVERLAP_KINDS for kind in _KINDS)
_KIND_WEIGHT = tuple(KIND_WEIGHTS[kind].weight for kind in _KINDS)
_HALF_DEGREE = tuple(KIND_WEIGHTS[kind].half_degree for kind in _KINDS)
_KEY_BASE = ord("a")
#: Account and artifact codes in the batch's arrays: 32 bits hold 2 billion of each and halve the arrays of the
#: account-artifact uses (1.4M at 10,000 stores, about ten times that at 1M accounts).
_CODE = np.int32


def _key_prefix(kind_code: int) -> str:
    return chr(_KEY_BASE + kind_code)


@lru_cache(maxsize=1 << 16)
def _network_of_key(key: str) -> str | None:
    """The IP network an artifact's evidence counts under (an address's /24 or /64, a network itself), None for
    the other kinds. Remembered: a shared address is met again in every pair of its users, on every login."""
    kind, value = _KINDS[ord(key[0]) - _KEY_BASE], key[1:]
    if kind == "ip":
        return ip_network(value)
    return value if kind == "ip_net" else None


#: One account's use of one artifact: (events, first seen, last seen), times in microseconds since the epoch.
#: A tuple of ints, not an object: the collector stops tracking those, and a 1M-account index holds millions.
_Use = tuple[int, int, int]


@dataclass
class _Batch:
    """The batch's evidence graph as CSR arrays: uses grouped by artifact, and artifacts grouped by account."""

    art_ptr: np.ndarray  # artifact code -> first row of its uses
    use_account: np.ndarray
    use_n: np.ndarray
    use_first: np.ndarray
    use_last: np.ndarray
    acc_ptr: np.ndarray  # account code -> first row of its artifacts
    acc_art: np.ndarray

    @classmethod
    def empty(cls) -> _Batch:
        zero, none = np.zeros(1, np.int64), np.empty(0, np.int64)
        return cls(zero, none, none, none, none, zero, none)


class OperatorIndex:
    """In-memory operator networks, updated per event with the batch linker's formulas.

    Parameters
    ----------
    linker
        The batch linker whose settings the index uses (an unfitted one is fine); default settings when omitted.

    Start empty and feed every event, or load a batch run with :meth:`from_batch` and feed what came after.
    """

    def __init__(self, linker: OperatorLinker | None = None) -> None:
        self.linker = linker or OperatorLinker()
        self.linker._validate_params()
        self._max_degree = [KIND_WEIGHTS[k].max_degree for k in _KINDS]
        self._batch = _Batch.empty()
        self._acc = Codes([])
        self._logins: Loaded[int] = Loaded([])
        self._created: Loaded[int] = Loaded([])  # per account, its creation (us; UNDATED before add_account)
        self._owners: set[int] = set()
        # artifact key: one character for the kind, then the value (one string per artifact, not a tuple)
        self._art = Codes([])
        self._art_kind: Loaded[int] = Loaded([])
        self._sharers: dict[int, dict[int, _Use]] = {}  # hydrated non-hub artifacts
        self._hub_degree: dict[int, int] = {}  # hydrated hubs: only their degree matters
        # crossed the cap in this event: whose links to revisit
        self._new_hubs: dict[int, dict[int, _Use]] = {}
        # hydrated accounts: their artifacts as dict keys (a dict of ints is untracked by the collector; a set is not)
        self._uses: dict[int, dict[int, None]] = {}
        self._edges: dict[int, dict[int, float]] = {}
        # per pair (smaller code first), the batch's log-evidence of the kinds weighed per pair (shared customers,
        # one office): read once and added as it is. No event changes the customers' (orders and reviews are not
        # events); logins can change who uses an office's router, which the index leaves to the next batch run
        self._overlaps: dict[tuple[int, int], int] = {}
        self._component: dict[int, int] = {}
        self._members: dict[int, set[int]] = {}
        self._network: dict[int, str] = {}
        self._leiden_parts: set[int] = set()
        # accounts whose links changed since their component was clustered -> the connected component (``_whole``)
        # they were in then (-1: none), and per such component how many of its accounts are marked: an account
        # whose component holds no marked account needs no walk of its links before it is read
        self._dirty: dict[int, int] = {}
        self._dirty_wholes: Counter[int] = Counter()
        self._whole: dict[int, int] = {}  # account -> its connected component when last clustered
        self._next_component = self._next_whole = 0

    # -- loading --------------------------------------------------------------------------------------------
    @classmethod
    def from_batch(cls, linker: OperatorLinker, tables: Tables) -> OperatorIndex:
        """The index of a batch run: ``linker`` must have been fitted on ``tables`` (its evidence tables are read
        back from the engine: every account-artifact use, login totals, store owners and strong pairs)."""
        linker._check_fitted()
        index = cls(linker)
        kind_code = " ".join(f"WHEN '{kind}' THEN '{_key_prefix(i)}'" for i, kind in enumerate(_KINDS))
        uses = tables.fetch(
            # n_events as BIGINT: the IP networks' sums are HUGEINT, which reach Python as a Decimal per use (at
            # 10k stores 1.4M of them, 150 MB)
            f"SELECT account_id, (CASE kind {kind_code} END) || artifact AS artifact_key, "
            "CAST(n_events AS BIGINT) AS n_events, epoch_us(first_seen) AS f, epoch_us(last_seen) AS l "
            "FROM artifact_uses",
            "index: artifact uses",
        )
        totals = tables.fetch("SELECT account_id, n_logins FROM login_totals", "index: login totals")
        owners = tables.fetch("SELECT DISTINCT account_id FROM stores", "index: store owners").column(0)
        accounts = tables.fetch(CREATED_SQL, "index: accounts")
        pairs = tables.fetch(
            "SELECT account_a, account_b, strength FROM pair_strength ORDER BY account_a, account_b",
            "index: strong pairs",
        )
        index._load(accounts, uses, totals, owners, pairs)
        if set(OVERLAP_KINDS) & set(linker.kinds_):
            overlaps = tables.fetch(
                f"SELECT account_a, account_b, sum({log_evidence_sql()}) AS l FROM overlap_evidence "
                "GROUP BY account_a, account_b ORDER BY account_a, account_b",
                "index: evidence weighed per pair",
            )
            index._load_overlaps(overlaps)
        return index

    def _load_overlaps(self, overlaps: pa.Table) -> None:
        a = [self._acc.get(x) for x in overlaps.column("account_a").to_pylist()]
        b = [self._acc.get(x) for x in overlaps.column("account_b").to_pylist()]
        for x, y, log in zip(a, b, overlaps.column("l").to_pylist(), strict=True):
            if x is not None and y is not None:
                self._overlaps[(min(x, y), max(x, y))] = log

    def _load(
        self,
        accounts: pa.Table,
        uses: pa.Table,
        totals: pa.Table,
        owners: pa.ChunkedArray,
        pairs: pa.Table,
    ) -> None:
        every = pa.chunked_array(
            accounts.column("account_id").chunks + uses.column("account_id").chunks + owners.chunks,
            type=pa.string(),
        )
        ids = pc.unique(every)
        self._acc = Codes(ids)
        n_acc = len(self._acc)

        def codes(column: pa.ChunkedArray) -> np.ndarray:
            return np.asarray(pc.index_in(column, value_set=ids).to_numpy(), _CODE)

        logins = np.zeros(n_acc, np.int64)
        logins[codes(totals.column("account_id"))] = totals.column("n_logins").to_numpy()
        self._logins = Loaded(logins.tolist())
        created = np.full(n_acc, UNDATED, np.int64)
        created[codes(accounts.column("account_id"))] = pc.fill_null(
            accounts.column("created_us"), UNDATED
        ).to_numpy()
        self._created = Loaded(created.tolist())
        self._owners = set(codes(owners).tolist())

        artifact, keys = encode(uses.column("artifact_key"))
        artifact = artifact.astype(_CODE)
        n_art = len(keys)
        account = codes(uses.column("account_id"))
        order = np.lexsort((account, artifact))
        by_account = np.lexsort((artifact, account))
        self._batch = _Batch(
            art_ptr=np.concatenate([[0], np.cumsum(np.bincount(artifact, minlength=n_art))]),
            use_account=account[order],
            use_n=np.asarray(uses.column("n_events").to_numpy(), np.int64)[order],
            use_first=uses.column("f").to_numpy()[order],
            use_last=uses.column("l").to_numpy()[order],
            acc_ptr=np.concatenate([[0], np.cumsum(np.bincount(account, minlength=n_acc))]),
            acc_art=artifact[by_account],
        )
        del uses, order, by_account, account, artifact
        self._art = Codes(keys)
        prefixes = pa.array([_key_prefix(i) for i in range(len(_KINDS))])  # a key's first letter: its kind
        self._art_kind = Loaded(
            pc.index_in(pc.utf8_slice_codeunits(keys, 0, 1), value_set=prefixes).to_pylist()
        )

        if pairs.num_rows:
            a = codes(pairs.column("account_a")).tolist()
            b = codes(pairs.column("account_b")).tolist()
            for x, y, s in zip(a, b, pairs.column("strength").to_pylist(), strict=True):
                self._edges.setdefault(x, {})[y] = s
                self._edges.setdefault(y, {})[x] = s
        self._recluster(set(self._edges))

    # -- events ---------------------------------------------------------------------------------------------
    def add_account(self, account_id: str, created_at: datetime, **identity: str | None) -> None:
        """A new account with its identity attributes (id_document, phone, email, bank_account)."""
        account = self._account(account_id)
        ts = _us(created_at)
        self._created[account] = ts
        touched, joined = [], []
        for kind, value in identity.items():
            if kind in ACCOUNT_KINDS and value:
                artifact = self._artifact(kind, value)
                touched.append(artifact)
                if self._use(account, artifact, ts):
                    joined.append(artifact)
        self._refresh(account, touched, joined, logged_in=False)

    def add_store(self, store_id: str, account_id: str) -> None:
        """A new store: its owner's network now holds a store (networks need one)."""
        account = self._account(account_id)
        if account in self._owners:
            return
        self._owners.add(account)
        component = self._component.get(account)
        if component is not None:
            self._name_networks({component})

    def add_login(
        self,
        account_id: str,
        ts: datetime,
        ip: str,
        device_id: str | None = None,
        wifi_bssid: str | None = None,
    ) -> None:
        """A login: updates the device, Wi-Fi, IP and IP network the account used, and its login count."""
        account = self._account(account_id)
        when = _us(ts)
        values = {"device": device_id, "wifi": wifi_bssid, "ip": ip, "ip_net": ip_network(ip) if ip else None}
        touched, joined = [], []
        for kind, value in values.items():
            if value:
                artifact = self._artifact(kind, value)
                touched.append(artifact)
                if self._use(account, artifact, when):
                    joined.append(artifact)
        if ip:  # the batch's share denominator counts logins with an IP
            self._logins[account] += 1
        self._refresh(account, touched, joined, logged_in=bool(ip))

    def add(self, table: str, row: Mapping[str, Any]) -> None:
        """One row of the contract's ``accounts``, ``stores`` or ``logins`` table, as it arrives."""
        if table == "accounts":
            self.add_account(
                row["account_id"],
                row["created_at"],
                **{kind: row.get(col) for kind, col in ACCOUNT_KINDS.items()},
            )
        elif table == "stores":
            self.add_store(row["store_id"], row["account_id"])
        elif table == "logins":
            self.add_login(
                row["account_id"], row["ts"], row["ip"], row.get("device_id"), row.get("wifi_bssid")
            )
        else:
            raise ValueError(f"OperatorIndex takes accounts, stores and logins rows, not {table!r}")

    # -- queries --------------------------------------------------------------------------------------------
    def network_of(self, account_id: str) -> tuple[str | None, list[str]]:
        """The account's network id (or None) and why: its strong links and what they share."""
        account = self._acc.get(account_id)
        if account is not None:
            self._flush_component(account)
        network = self._network.get(account) if account is not None else None
        if account is None or network is None:
            return None, []
        reasons = []
        for other in sorted(self._edges.get(account, {}), key=self._acc.keys.__getitem__):
            if self._network.get(other) != network:
                continue
            shared = sorted(
                (_KINDS[self._art_kind[k]], self._art.keys[k][1:])
                for k in self._uses_of(account)
                if (users := self._sharers_of(k)) is not None and other in users
            )
            listed = ", ".join(f"{kind} {value}" for kind, value in shared)
            strength = self._edges[account][other]
            reasons.append(f"linked to {self._acc.keys[other]} (strength {strength:.2f}) through {listed}")
        return network, reasons

    def network_mates(self, account_id: str) -> tuple[str | None, list[str]]:
        """The account's network id (or None) and the other accounts in it, without the reasons
        :meth:`network_of` writes (what a live score reads after every event)."""
        account = self._acc.get(account_id)
        if account is None:
            return None, []
        self._flush_component(account)
        network = self._network.get(account)
        if network is None:
            return None, []
        members = self._members.get(self._component[account], set())
        return network, [
            self._acc.keys[m] for m in members if m != account and self._network.get(m) == network
        ]

    def networks(self) -> dict[str, str]:
        """account_id -> network_id for every account in a network."""
        if self._dirty:
            self._recluster(set(self._dirty))
            self._clean(list(self._dirty))
        return {self._acc.keys[a]: n for a, n in self._network.items()}

    @property
    def n_accounts(self) -> int:
        return len(self._acc)

    # -- state ----------------------------------------------------------------------------------------------
    def _account(self, account_id: str) -> int:
        code = self._acc.get(account_id)
        if code is None:
            code = self._acc.add(account_id)
            self._logins.append(0)
            self._created.append(UNDATED)
            self._uses[code] = {}
        return code

    def _artifact(self, kind: str, value: str) -> int:
        key = _key_prefix(_KIND_CODE[kind]) + value
        code = self._art.get(key)
        if code is None:
            code = self._art.add(key)
            self._art_kind.append(_KIND_CODE[kind])
            self._sharers[code] = {}
        return code

    def _uses_of(self, account: int) -> dict[int, None]:
        uses = self._uses.get(account)
        if uses is None:
            b = self._batch
            arts = b.acc_art[b.acc_ptr[account] : b.acc_ptr[account + 1]].tolist()
            uses = self._uses[account] = dict.fromkeys(arts)
        return uses

    def _sharers_of(self, artifact: int) -> dict[int, _Use] | None:
        """The artifact's users and their use of it; None for a hub (above its kind's degree cap)."""
        users = self._sharers.get(artifact)
        if users is not None or artifact in self._hub_degree:
            return users
        b = self._batch
        lo, hi = int(b.art_ptr[artifact]), int(b.art_ptr[artifact + 1])
        if hi - lo > self._max_degree[self._art_kind[artifact]]:
            self._hub_degree[artifact] = hi - lo
            return None
        users = self._sharers[artifact] = {
            a: (n, f, last)
            for a, n, f, last in zip(
                b.use_account[lo:hi].tolist(),
                b.use_n[lo:hi].tolist(),
                b.use_first[lo:hi].tolist(),
                b.use_last[lo:hi].tolist(),
                strict=True,
            )
        }
        return users

    def _use(self, account: int, artifact: int, ts: int) -> bool:
        """Record one use; True when the account is a new user of the artifact."""
        uses = self._uses_of(account)
        users = self._sharers_of(artifact)
        if users is None:  # a hub stays a hub: count the new user, pair nobody
            if artifact not in uses:
                uses[artifact] = None
                self._hub_degree[artifact] += 1
                return True
            return False
        use = users.get(account)
        if use is not None:
            users[account] = (use[0] + 1, min(use[1], ts), max(use[2], ts))
            return False
        users[account] = (1, ts, ts)
        uses[artifact] = None
        if len(users) > self._max_degree[self._art_kind[artifact]]:  # crossed the cap: a hub from now on
            del self._sharers[artifact]
            self._hub_degree[artifact] = len(users)
            self._new_hubs[artifact] = users
        return True

    # -- scoring --------------------------------------------------------------------------------------------
    def _refresh(self, account: int, touched: list[int], joined: list[int], logged_in: bool) -> None:
        """Re-score the pairs whose link status can have changed (see the module notes), then re-cluster."""
        pairs: set[tuple[int, int]] = set()
        for artifact in touched:
            users = self._sharers_of(artifact)
            if users is not None:
                pairs.update((min(account, o), max(account, o)) for o in users if o != account)
        if logged_in:
            pairs.update((min(account, o), max(account, o)) for o in self._edges.get(account, {}))
        for artifact in joined:
            users = self._sharers_of(artifact)
            if users is None:  # a hub: if this user made it one, the links among its users lose it
                users = self._new_hubs.pop(artifact, None)
                if users is None:
                    continue
            for x in users:
                for y in self._edges.get(x, {}):
                    if x < y and y in users:
                        pairs.add((x, y))
        changed: set[int] = set()
        threshold = self.linker.min_link_strength
        mates = self._strengths(account, [b if a == account else a for a, b in pairs if account in (a, b)])
        for a, b in pairs:  # the account's pairs, or (rarely) the links among a new hub's users
            strength = mates[b if a == account else a] if account in (a, b) else self._strengths(a, (b,))[b]
            old = self._edges.get(a, {}).get(b)
            new = strength if strength >= threshold else None
            if old == new:
                continue
            if self._membership_may_change(a, b, old, new):
                changed.update((a, b))
            if new is None:
                self._edges[a].pop(b, None)
                self._edges[b].pop(a, None)
            else:
                self._edges.setdefault(a, {})[b] = new
                self._edges.setdefault(b, {})[a] = new
        for n in changed:
            if n not in self._dirty:
                whole = self._dirty[n] = self._whole.get(n, -1)
                self._dirty_wholes[whole] += 1

    def _membership_may_change(self, a: int, b: int, old: float | None, new: float | None) -> bool:
        """A link whose strength moves but stays above the threshold, inside a component Leiden did not cut,
        changes no membership (only Leiden reads strengths), so nothing needs re-clustering."""
        if old is None or new is None:
            return True
        component = self._component.get(a)
        return component is None or component in self._leiden_parts or self._component.get(b) != component

    def _strengths(self, a: int, others: Iterable[int]) -> dict[int, float]:
        """Per account b of ``others``: 1 - prod(1 - weight) over the artifacts a and b share, summed in integer
        log-units like the SQL; what they share inside one IP network counts as its strongest piece (the SQL's
        rule, ``pair_strength_sql``). A weight is kind weight x specificity x engagement x time, in the batch
        SQL's order of operations.

        The hot loop of every event: a login re-weighs its account's pairs with every sharer of what it used (a
        hundred for a busy router), so what depends on a alone (its artifacts' kinds, sharers, networks, the
        weight's first factor, a's use) is read once per event, for the artifacts a shares, rather than once
        per pair."""
        kinds, keys, logins = self._art_kind, self._art.keys, self._logins
        engaged, uses = self.linker.min_share, self._uses_of(a).keys()
        mine: dict[int, tuple[dict[int, _Use], float, bool, str | None, _Use] | None] = {}
        la, out, overlaps = logins[a], {}, self._overlaps
        for b in others:
            total = overlaps.get((min(a, b), max(a, b)), 0) if overlaps else 0
            strongest: dict[str, int] = {}
            for artifact in uses & self._uses_of(b).keys():  # integer sums: order is free
                if artifact not in mine:  # read once per event, for the artifacts a shares with someone
                    kind, users = kinds[artifact], self._sharers_of(artifact)
                    mine[artifact] = (
                        None
                        if _IS_OVERLAP_KIND[kind] or users is None
                        else (
                            users,
                            _KIND_WEIGHT[kind] / (1 + (len(users) - 2) / _HALF_DEGREE[kind]),
                            _IS_LOGIN_KIND[kind],
                            _network_of_key(keys[artifact]),
                            users[a],
                        )
                    )
                known = mine[artifact]
                if known is None:
                    continue
                users, specific, timed, net, ua = known
                ub = users[b]
                # min() and max() spelt as comparisons: a call each costs more than the arithmetic here
                if timed:
                    share, other = float(ua[0]) / la, float(ub[0]) / logins[b]
                    if other < share:
                        share = other
                    first, last = ua[1] if ua[1] > ub[1] else ub[1], ua[2] if ua[2] < ub[2] else ub[2]
                    gap = (first - last) / _US_PER_DAY
                    time_factor = 1.0 - (gap if gap > 0.0 else 0.0) / 365.0
                    if time_factor < 0.3:
                        time_factor = 0.3
                else:
                    share, time_factor = 1.0, 1.0
                engagement = share / engaged
                weight = specific * (engagement if engagement < 1.0 else 1.0) * time_factor
                # the SQL's round(), half away from zero, of a log that is never positive
                log = -math.floor(0.5 - math.log(1.0 - (weight if weight < 0.999 else 0.999)) * LOG_UNITS)
                if net is None:
                    total += log
                elif log < strongest.get(net, 0):
                    strongest[net] = log
            total += sum(strongest.values())
            out[b] = 1.0 - math.exp(float(total) / LOG_UNITS)
        return out

    # -- clustering -----------------------------------------------------------------------------------------
    def _flush_component(self, account: int) -> None:
        """Re-cluster the account's component if any of its links changed since it was last clustered.

        Events only mark changed accounts: clustering (a Leiden run on a large component) waits until someone
        asks, and one run then covers every event since.
        """
        if not self._dirty:
            return
        if account not in self._dirty and self._whole.get(account, -1) not in self._dirty_wholes:
            return  # nothing it can reach by its links has changed (a new link marks both its ends)
        region = self._region({account})
        if not region.isdisjoint(self._dirty.keys()):
            self._recluster(region, region, connected=True)
            self._clean(region)

    def _clean(self, accounts: Iterable[int]) -> None:
        """Unmark accounts just clustered."""
        for n in accounts:
            whole = self._dirty.pop(n, None)
            if whole is not None:
                self._dirty_wholes[whole] -= 1
                if not self._dirty_wholes[whole]:
                    del self._dirty_wholes[whole]

    def _region(self, nodes: set[int]) -> set[int]:
        """Every account reachable from ``nodes`` through links."""
        region: set[int] = set()
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if node in region:
                continue
            region.add(node)
            stack.extend(n for n in self._edges.get(node, ()) if n not in region)
        return region

    def _recluster(self, nodes: set[int], region: set[int] | None = None, *, connected: bool = False) -> None:
        """Recompute the components (and Leiden splits) of everything reachable from ``nodes``.

        ``connected``: ``region`` is one walk's reach, so one component, and its components need not be found:
        one Leiden would not cut (``max_network_accounts`` accounts or fewer) is named without building its graph,
        a larger one goes to Leiden at once (under a profiler, two searches for components took 0.6 ms of the
        2.2 ms re-clustering of a 100-account component; Leiden's passes take 0.7 ms of what remains)."""
        region = region if region is not None else self._region(nodes)
        for c in {self._component[n] for n in region if n in self._component}:
            self._leiden_parts.discard(c)
            for n in self._members.pop(c, set()):
                self._component.pop(n, None)
                self._network.pop(n, None)
        for n in region:
            self._whole.pop(n, None)
        linked = [n for n in region if self._edges.get(n)]
        if not linked:
            return
        if connected and len(linked) <= self.linker.max_network_accounts:
            c, self._next_component = self._next_component, self._next_component + 1
            self._members[c] = set(linked)
            for n in linked:
                self._component[n] = c
                self._whole[n] = self._next_whole
            self._next_whole += 1
            self._name_networks({c})
            return
        name = self._acc.keys.__getitem__
        ids = sorted(linked, key=name)  # the batch codes accounts by id
        position = {n: i for i, n in enumerate(ids)}
        src, dst, weight = [], [], []
        for a in ids:
            for b in sorted(self._edges[a], key=name):
                if position[a] < position[b]:
                    src.append(position[a])
                    dst.append(position[b])
                    weight.append(self._edges[a][b])
        src_a, dst_a = np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)
        resolution, seed, weights = self.linker.resolution, self.linker.random_state, np.array(weight)
        if connected:  # one component, too big to keep whole: Leiden cuts it (as weighted_networks would)
            whole = np.zeros(len(ids), np.int64)
            labels = leiden(src_a, dst_a, weights, len(ids), resolution=resolution, seed=seed)
        else:
            whole = connected_components(src_a, dst_a, len(ids))
            most = self.linker.max_network_accounts
            labels = weighted_networks(
                src_a, dst_a, weights, len(ids), max_size=most, resolution=resolution, seed=seed
            )
        for n, w in zip(ids, whole.tolist(), strict=True):
            self._whole[n] = self._next_whole + w
        self._next_whole += int(whole.max()) + 1
        in_big = np.bincount(whole)[whole] > self.linker.max_network_accounts  # parts Leiden cut
        new = set()
        for n, label, big in zip(ids, labels.tolist(), in_big.tolist(), strict=True):
            c = self._next_component + label
            self._component[n] = c
            self._members.setdefault(c, set()).add(n)
            new.add(c)
            if big:
                self._leiden_parts.add(c)
        self._next_component += int(labels.max()) + 1
        self._name_networks(new)

    def _name_networks(self, components: set[int]) -> None:
        """The batch naming rule (:func:`~marketguard.detect.networks.assign_networks`: after the earliest-created
        account) for a few components."""
        for c in components:
            members = self._members.get(c, set())
            is_network = len(members) >= 2 and any(m in self._owners for m in members)
            first = min(members, key=lambda m: (self._created[m], self._acc.keys[m])) if is_network else None
            name = None if first is None else f"N-{self._acc.keys[first]}"
            for m in members:
                if name is None:
                    self._network.pop(m, None)
                else:
                    self._network[m] = name


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(ts: datetime) -> int:
    """Exact microseconds since the epoch (UTC; naive times are taken as UTC, like the contract)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return (ts - _EPOCH) // timedelta(microseconds=1)
