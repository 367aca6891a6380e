"""The real-time path of operator linking: an index updated one event at a time.

``OperatorIndex`` keeps the evidence graph in memory (accounts, the artifacts they used, strong pairs,
networks). Each event (a new account, store or login) updates the artifacts it touches, recomputes the
strength of every pair whose evidence changed with the same formulas as the batch SQL
(:mod:`marketguard.features.evidence`), and re-clusters only the networks that changed, so that after
replaying the events of a marketplace it holds the same networks as :class:`OperatorLinker` run in batch on
the same data. ``network_of(account_id)`` answers "which network is this account in now, and why".
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from marketguard.detect.operator_linking import OperatorLinker
from marketguard.features.evidence import ACCOUNT_KINDS, KIND_WEIGHTS, LOGIN_ARTIFACT_KINDS, KindWeight
from marketguard.graph.communities import weighted_networks
from marketguard.graph.components import connected_components

_V4_NET = re.compile(r"([0-9]+[.][0-9]+[.][0-9]+)[.][0-9]+$")
_V6_NET = re.compile(r"^([0-9a-f]*:[0-9a-f]*:[0-9a-f]*:[0-9a-f]*)")
_LOG_UNITS = 10**12
_US_PER_DAY = 86_400_000_000.0


def ip_network(ip: str) -> str | None:
    """The same /24 (IPv4) or first-four-groups (IPv6) network as the batch SQL."""
    if "." in ip:
        match = _V4_NET.search(ip)
        return match.group(1) if match else None
    text = ip
    if "::" in ip:
        text = ip.replace("::", ":" + "0:" * (8 - ip.count(":")))
    match = _V6_NET.search(text.lower())
    return match.group(1) if match else None


def _round_half_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


@dataclass
class _Use:
    """One account's use of one artifact."""

    n: int
    first: int  # microseconds since the epoch
    last: int


@dataclass
class _State:
    uses: dict[str, dict[tuple[str, str], _Use]] = field(default_factory=lambda: defaultdict(dict))
    sharers: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    logins: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    owners: set[str] = field(default_factory=set)
    edges: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    component: dict[str, int] = field(default_factory=dict)
    members: dict[int, set[str]] = field(default_factory=dict)
    network: dict[str, str] = field(default_factory=dict)
    leiden_parts: set[int] = field(default_factory=set)
    next_component: int = 0


class OperatorIndex:
    """In-memory operator networks, updated per event with the batch linker's formulas.

    Parameters
    ----------
    linker
        The batch linker whose settings the index uses (an unfitted one is fine); default settings when omitted.
    """

    def __init__(self, linker: OperatorLinker | None = None) -> None:
        self.linker = linker or OperatorLinker()
        self.linker._validate_params()
        self.weights: dict[str, KindWeight] = KIND_WEIGHTS
        self._s = _State()

    # -- events -------------------------------------------------------------------------------------------
    def add_account(self, account_id: str, created_at: datetime, **identity: str | None) -> None:
        """A new account with its identity attributes (id_document, phone, email, bank_account)."""
        ts = _us(created_at)
        touched = [(kind, value) for kind, value in identity.items() if kind in ACCOUNT_KINDS and value]
        for key in touched:
            self._use(account_id, key, 1, ts)
        self._refresh(account_id, touched, share_changed=False)

    def add_store(self, store_id: str, account_id: str) -> None:
        """A new store: its owner's network now holds a store (networks need one)."""
        if account_id in self._s.owners:
            return
        self._s.owners.add(account_id)
        component = self._s.component.get(account_id)
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
        when = _us(ts)
        values = {"device": device_id, "wifi": wifi_bssid, "ip": ip, "ip_net": ip_network(ip) if ip else None}
        touched = [(kind, v) for kind, v in values.items() if v]
        for key in touched:
            self._use(account_id, key, 1, when)
        self._s.logins[account_id] += 1
        self._refresh(account_id, touched, share_changed=True)

    # -- queries ------------------------------------------------------------------------------------------
    def network_of(self, account_id: str) -> tuple[str | None, list[str]]:
        """The account's network id (or None) and why: its strong links and what they share."""
        network = self._s.network.get(account_id)
        if network is None:
            return None, []
        reasons = []
        for other, strength in sorted(self._s.edges[account_id].items()):
            if self._s.network.get(other) != network:
                continue
            shared = sorted(k for k in self._s.uses[account_id] if k in self._s.uses[other])
            listed = ", ".join(f"{kind} {value}" for kind, value in shared)
            reasons.append(f"linked to {other} (strength {strength:.2f}) through {listed}")
        return network, reasons

    def networks(self) -> dict[str, str]:
        """account_id -> network_id for every account in a network."""
        return dict(self._s.network)

    # -- internals ----------------------------------------------------------------------------------------
    def _use(self, account: str, key: tuple[str, str], n: int, ts: int) -> None:
        use = self._s.uses[account].get(key)
        if use is None:
            self._s.uses[account][key] = _Use(n, ts, ts)
            self._s.sharers[key].add(account)
        else:
            use.n += n
            use.first, use.last = min(use.first, ts), max(use.last, ts)

    def _refresh(self, account: str, touched: list[tuple[str, str]], share_changed: bool) -> None:
        """Recompute every pair whose evidence may have changed, then the networks those pairs touch."""
        pairs: set[tuple[str, str]] = set()
        keys = self._engagement_moved(account, touched) if share_changed else touched
        for key in keys:
            for other in self._s.sharers[key]:
                if other != account:
                    pairs.add((min(account, other), max(account, other)))
        for key in touched:  # a new sharer changes the artifact's degree: every pair on it changes
            sharers = sorted(self._s.sharers[key])
            if self._s.uses[account][key].n == 1 and len(sharers) <= self.weights[key[0]].max_degree + 1:
                pairs.update((a, b) for i, a in enumerate(sharers) for b in sharers[i + 1 :])
        changed_nodes: set[str] = set()
        for a, b in pairs:
            strength = self._strength(a, b)
            old = self._s.edges[a].get(b)
            new = strength if strength >= self.linker.min_link_strength else None
            if old != new:
                if not self._membership_may_change(a, b, old, new):
                    self._s.edges[a][b] = self._s.edges[b][a] = new  # type: ignore[assignment]
                    continue
                changed_nodes.update((a, b))
                if new is None:
                    self._s.edges[a].pop(b, None)
                    self._s.edges[b].pop(a, None)
                else:
                    self._s.edges[a][b] = self._s.edges[b][a] = new
        if changed_nodes:
            self._recluster(changed_nodes)

    def _engagement_moved(self, account: str, touched: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Artifacts whose pair weights can have moved after one more login of ``account``: those it just used,
        and the login artifacts where its share was or is below ``min_share`` (above it, the engagement term is
        capped at 1 whatever the share, so those weights stay put)."""
        total = self._s.logins[account]
        floor = self.linker.min_share
        moved = set(touched)
        for key, use in self._s.uses[account].items():
            if (
                key[0] in LOGIN_ARTIFACT_KINDS
                and key not in moved
                and (use.n / (total - 1) < floor if total > 1 else True) | (use.n / total < floor)
            ):
                moved.add(key)
        return list(moved)

    def _membership_may_change(self, a: str, b: str, old: float | None, new: float | None) -> bool:
        """A link whose strength moves but stays above the threshold, inside a component Leiden did not cut,
        changes no membership (only Leiden reads strengths), so nothing needs re-clustering."""
        if old is None or new is None:
            return True
        component = self._s.component.get(a)
        return component is None or component in self._s.leiden_parts or self._s.component.get(b) != component

    def _strength(self, a: str, b: str) -> float:
        """1 - prod(1 - weight) over the artifacts a and b share, summed in integer log-units like the SQL."""
        uses_a, uses_b = self._s.uses[a], self._s.uses[b]
        shared = uses_a.keys() & uses_b.keys()
        total = 0
        for key in shared:
            weight = self._weight(key, uses_a[key], uses_b[key], a, b)
            if weight is not None:
                total += _round_half_away(math.log(1.0 - min(weight, 0.999)) * _LOG_UNITS)
        return 1.0 - math.exp(float(total) / _LOG_UNITS)

    def _weight(self, key: tuple[str, str], ua: _Use, ub: _Use, a: str, b: str) -> float | None:
        """Kind weight x specificity x engagement x time, in the batch SQL's order of operations."""
        kind = key[0]
        kw = self.weights[kind]
        degree = len(self._s.sharers[key])
        if degree > kw.max_degree:
            return None
        if kind in LOGIN_ARTIFACT_KINDS:
            share = min(float(ua.n) / self._s.logins[a], float(ub.n) / self._s.logins[b])
            gap = max(0.0, (max(ua.first, ub.first) - min(ua.last, ub.last)) / _US_PER_DAY)
            time_factor = max(0.3, 1.0 - gap / 365.0)
        else:
            share, time_factor = 1.0, 1.0
        return (
            kw.weight
            / (1 + (degree - 2) / kw.half_degree)
            * min(1.0, share / self.linker.min_share)
            * time_factor
        )

    def _recluster(self, nodes: set[str]) -> None:
        """Recompute the components (and Leiden splits) of everything reachable from ``nodes``."""
        region: set[str] = set()
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if node in region:
                continue
            region.add(node)
            stack.extend(n for n in self._s.edges[node] if n not in region)
        old = {self._s.component[n] for n in region if n in self._s.component}
        for c in old:
            self._s.leiden_parts.discard(c)
            for n in self._s.members.pop(c, set()):
                self._s.component.pop(n, None)
                self._s.network.pop(n, None)
        ids = sorted(n for n in region if self._s.edges[n])
        if not ids:
            return
        index = {n: i for i, n in enumerate(ids)}
        src, dst, weight = [], [], []
        for a in ids:
            for b, s in sorted(self._s.edges[a].items()):
                if a < b:
                    src.append(index[a])
                    dst.append(index[b])
                    weight.append(s)
        src_a, dst_a = np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)
        whole = connected_components(src_a, dst_a, len(ids))
        in_big = np.bincount(whole)[whole] > self.linker.max_network_accounts  # parts Leiden will cut
        labels = weighted_networks(
            src_a,
            dst_a,
            np.array(weight),
            len(ids),
            max_size=self.linker.max_network_accounts,
            resolution=self.linker.resolution,
            seed=self.linker.random_state,
        )
        new = set()
        for n, label, big in zip(ids, labels.tolist(), in_big.tolist(), strict=True):
            c = self._s.next_component + label
            self._s.component[n] = c
            self._s.members.setdefault(c, set()).add(n)
            new.add(c)
            if big:
                self._s.leiden_parts.add(c)
        self._s.next_component += int(labels.max()) + 1
        self._name_networks(new)

    def _name_networks(self, components: set[int]) -> None:
        """The batch naming rule (:func:`~marketguard.detect.networks.assign_networks`) for a few components."""
        for c in components:
            members = self._s.members.get(c, set())
            is_network = len(members) >= 2 and any(m in self._s.owners for m in members)
            name = f"N-{min(members)}" if is_network else None
            for m in members:
                if name is None:
                    self._s.network.pop(m, None)
                else:
                    self._s.network[m] = name


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(ts: datetime) -> int:
    """Exact microseconds since the epoch (UTC; naive times are taken as UTC, like the contract)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return (ts - _EPOCH) // timedelta(microseconds=1)
