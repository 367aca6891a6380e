"""Internet environment of every account, and the logins it produces.

Each account gets a few *contexts* (device, optional Wi-Fi access point, IP network, weight); each login
picks one context by weight. Counterfeit operators' store accounts share an office (a few devices, one or
two access points, a static /24), in proportion ``shared_env_share``; agencies look alike by design; families
share a router and often a tablet; everybody shares carrier-grade NAT pools, public hotspots, VPN exits and a
few factory-default "hub" devices. Every counterfeit account's first (registration) login is made from its
office, so even on ``hard`` each operator leaves a shared-environment path between its accounts. On
``adversarial`` no such path is planted: each store has its own anti-detect profile on residential proxies
(:mod:`.evasion`), and only staff phones and the boss's slips tie stores together; review-farm workers log in
from their own homes (:mod:`.crowd_farms`) instead of a farm's phone racks. Grey-market sellers hide nothing
from the platform: each works from one small office, as an agency does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .config import (
    BUYER_LOGINS_MEAN,
    FARM_LOGINS_MEAN,
    SELLER_LOGINS_MEAN,
    US_PER_DAY,
    WINDOW_END_US,
    WINDOW_START_US,
    SimulationConfig,
)
from .crowd_farms import CrowdFarms, worker_contexts
from .evasion import antidetect, exit_hubs
from .geography import CITIES, city_arrays
from .ids import ipv4_text, ipv6_text, take_strings
from .networks import (
    EMULATOR_UA,
    HOME,
    HOTSPOT,
    MOBILE,
    N_PHONE_UA,
    OFFICE,
    PC_UA,
    USER_AGENTS,
    VPN,
    NetworkBook,
    NetworkLayout,
)
from .population import AGENCY, COUNTERFEIT, GREY, INDEPENDENT, ROLE_BUYER, ROLE_FARM, ROLE_GREY, Population
from .timeline import day_weights, sample_times

__all__ = ["build_logins"]

N_HUB_DEVICES = 3
#: Share of independent sellers who work from an e-commerce park (shared Wi-Fi, IP range, shipping PC).
PARK_TENANT_SHARE = 0.15


@dataclass
class _Contexts:
    acc: list[np.ndarray] = field(default_factory=list)
    dev: list[np.ndarray] = field(default_factory=list)
    wifi: list[np.ndarray] = field(default_factory=list)
    ip: list[np.ndarray] = field(default_factory=list)
    w: list[np.ndarray] = field(default_factory=list)
    forced: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        acc: np.ndarray,
        dev: np.ndarray,
        wifi: np.ndarray | int,
        ip: np.ndarray,
        w: np.ndarray | float,
        forced: bool = False,
    ) -> None:
        n = acc.size
        self.acc.append(acc)
        self.dev.append(np.broadcast_to(dev, (n,)))
        self.wifi.append(np.broadcast_to(np.asarray(wifi, dtype=np.int64), (n,)))
        self.ip.append(np.broadcast_to(ip, (n,)))
        self.w.append(np.broadcast_to(np.asarray(w, dtype=np.float64), (n,)))
        self.forced.append(np.full(n, forced))

    def arrays(self) -> dict[str, np.ndarray]:
        acc = np.concatenate(self.acc)
        order = np.argsort(acc, kind="stable")
        out = {k: np.concatenate(getattr(self, k))[order] for k in ("dev", "wifi", "ip", "w", "forced")}
        out["acc"] = acc[order]
        return out


class World:
    """Shared networks (carrier NAT, hotspots, VPN, hub devices) and the context accumulator."""

    def __init__(self, rng: np.random.Generator, pop: Population) -> None:
        self.rng, self.pop = rng, pop
        self.book = NetworkBook(rng)
        self.ctx = _Contexts()
        n, nc = pop.n_stores, len(CITIES)
        self.hubs = self.book.devices(np.array([EMULATOR_UA, EMULATOR_UA, PC_UA[0]]))
        pool = int(np.clip(round(40 * n / 100_000), 2, 40))
        self.mobile = self.book.networks(
            MOBILE, 3 * nc, pool, False, v6_n=pool, carrier=np.repeat([0, 1, 2], nc)
        )
        n_hot = max(20, n // 25)
        self.hotspots = self.book.networks(HOTSPOT, n_hot, rng.integers(1, 3, n_hot), True)
        pop_w = 1.0 / np.arange(1, n_hot + 1) ** 0.7
        self.hot_p = pop_w[rng.permutation(n_hot)] / pop_w.sum()
        n_vpn = max(4, n // 2500)
        self.vpns = self.book.networks(VPN, n_vpn, rng.integers(8, 48, n_vpn), False)
        self.home = self._homes()

    def _homes(self) -> np.ndarray:
        """Home router per account (-1 without): one per household, else 80% of people have their own."""
        pop, rng = self.pop, self.rng
        hh = pop.acc_household
        has = (hh >= 0) | ((rng.random(pop.n_accounts) < 0.8) & (pop.acc_role != ROLE_FARM))
        key = np.where(hh >= 0, hh, int(hh.max()) + 1 + np.arange(pop.n_accounts))[has]
        uniq, inv = np.unique(key, return_inverse=True)
        nets = self.book.networks(HOME, uniq.size, 1 + (rng.random(uniq.size) < 0.3), True)
        home = np.full(pop.n_accounts, -1, dtype=np.int64)
        home[has] = nets[inv]
        return home

    def mobile_of(self, city: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """A carrier's NAT pool in each city (``rng``: a tactic's stream instead of the world's)."""
        rng = self.rng if rng is None else rng
        return self.mobile[rng.integers(0, 3, city.size) * len(CITIES) + city]

    def personal(self, accs: np.ndarray, scale: float, rng: np.random.Generator | None = None) -> np.ndarray:
        """A person's own phone at home, on mobile data, in hotspots; sometimes a laptop, a VPN, a hub device.

        ``rng``: a tactic's stream instead of the world's, so a tactic adds no draws to the world's stream.
        """
        rng = self.rng if rng is None else rng
        add, n = self.ctx.add, accs.size
        phone = self.book.devices(rng.integers(0, N_PHONE_UA, n))
        home = self.home[accs]
        has = home >= 0
        add(accs[has], phone[has], home[has], home[has], 0.45 * scale)
        add(accs, phone, -1, self.mobile_of(self.pop.acc_region[accs], rng), 0.4 * scale)
        hs = rng.random(n) < 0.35
        hot = self.hotspots[rng.choice(self.hotspots.size, int(hs.sum()), p=self.hot_p)]
        add(accs[hs], phone[hs], hot, hot, 0.1 * scale)
        vp = rng.random(n) < 0.04
        add(accs[vp], phone[vp], home[vp], rng.choice(self.vpns, int(vp.sum())), 0.08 * scale)
        lap = has & (rng.random(n) < 0.2)
        pc = self.book.devices(rng.choice(PC_UA, int(lap.sum())))
        add(accs[lap], pc, home[lap], home[lap], 0.25 * scale)
        hub = rng.random(n) < 0.015
        add(
            accs[hub],
            rng.choice(self.hubs, int(hub.sum())),
            -1,
            self.mobile_of(self.pop.acc_region[accs[hub]], rng),
            0.3 * scale,
        )
        return phone

    def families(self) -> None:
        """60% of households share one tablet or PC at home."""
        hh = self.pop.acc_household
        n_hh = int(hh.max()) + 1
        if n_hh <= 0:
            return
        shared = self.rng.random(n_hh) < 0.6
        dev = np.full(n_hh, -1, dtype=np.int64)
        dev[shared] = self.book.devices(self.rng.integers(0, PC_UA[1] + 1, int(shared.sum())))
        members = np.flatnonzero(hh >= 0)
        members = members[shared[hh[members]]]
        self.ctx.add(members, dev[hh[members]], self.home[members], self.home[members], 0.3)


def _offices(
    world: World,
    keys: np.ndarray,
    n_dev: np.ndarray,
    n_wifi: np.ndarray,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Office per key: device and access-point ranges (pointers) and one static-IP network; drawn from ``rng``
    (default: the world's stream)."""
    rng = world.rng if rng is None else rng
    dev_ptr = np.concatenate([[0], np.cumsum(n_dev)]) + world.book.n_devices
    n = int(n_dev.sum())
    world.book.devices(np.where(rng.random(n) < 0.5, rng.integers(0, N_PHONE_UA, n), rng.choice(PC_UA, n)))
    ip = world.book.networks(OFFICE, keys.size, rng.integers(1, 5, keys.size), False)
    wifi_ptr = np.concatenate([[0], np.cumsum(n_wifi)]) + world.book.n_networks
    world.book.networks(OFFICE, int(n_wifi.sum()), 1, True)
    return dev_ptr, wifi_ptr, ip, n_wifi


def _pick(rng: np.random.Generator, ptr: np.ndarray, cell: np.ndarray) -> np.ndarray:
    return ptr[cell] + (rng.random(cell.size) * (ptr[cell + 1] - ptr[cell])).astype(np.int64)


def _counterfeit(world: World, cfg: SimulationConfig) -> None:
    """Operator cells: shared office devices and Wi-Fi, plus rotated personal devices on NAT or VPN."""
    pop, rng, add = world.pop, world.rng, world.ctx.add
    accs = np.flatnonzero(pop.store_kind == COUNTERFEIT)
    cell_key = pop.store_op[accs] * 2 + pop.store_cell[accs]
    keys, cell = np.unique(cell_key, return_inverse=True)
    lo, hi = cfg.n_office_devices
    dev_ptr, wifi_ptr, ip, _ = _offices(
        world, keys, rng.integers(lo, hi + 1, keys.size), rng.integers(1, 3, keys.size)
    )
    share = cfg.shared_env_share
    d1, d2 = _pick(rng, dev_ptr, cell), _pick(rng, dev_ptr, cell)
    w1, w2 = _pick(rng, wifi_ptr, cell), _pick(rng, wifi_ptr, cell)
    add(accs, d1, w1, ip[cell], 0.35 * share, forced=True)
    add(accs, d2, w2, ip[cell], 0.25 * share)
    k = 1 + rng.poisson(cfg.device_rotation, accs.size)
    own_acc = np.repeat(accs, k)
    own = world.book.phones(own_acc.size)
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    add(accs, own[first], w1, ip[cell], 0.4 * share)
    city = pop.op_city[pop.store_op[own_acc]]
    add(own_acc, own, -1, world.mobile_of(city), (1 - share) * (1 - cfg.vpn_rate) / np.repeat(k, k))
    add(accs, own[first], -1, rng.choice(world.vpns, accs.size), (1 - share) * cfg.vpn_rate)
    # two-cell operators: one or two accounts of cell 1 also log in at cell 0's office
    for op in np.unique(pop.store_op[accs][pop.op_cells[pop.store_op[accs]] == 2]):
        in_op = np.flatnonzero(cell_key // 2 == op)
        c1 = in_op[cell_key[in_op] % 2 == 1]
        c0 = np.flatnonzero(keys == op * 2)
        if c1.size == 0 or c0.size == 0:
            continue
        cross = rng.choice(c1, size=min(c1.size, 1 + int(rng.random() < 0.5)), replace=False)
        c = c0[0]
        add(accs[cross], dev_ptr[c], wifi_ptr[c], np.full(cross.size, ip[c]), 0.04, forced=True)


def _agencies(world: World) -> None:
    """Agency offices: many client stores run from the same few PCs, access points and static IP."""
    pop, rng = world.pop, world.rng
    accs = np.flatnonzero(pop.store_kind == AGENCY)
    keys, cell = np.unique(pop.store_op[accs], return_inverse=True)
    size = np.bincount(cell)
    dev_ptr, wifi_ptr, ip, _ = _offices(world, keys, 2 + size // 4, rng.integers(1, 3, keys.size))
    world.ctx.add(accs, _pick(rng, dev_ptr, cell), _pick(rng, wifi_ptr, cell), ip[cell], 0.45)
    world.ctx.add(accs, _pick(rng, dev_ptr, cell), _pick(rng, wifi_ptr, cell), ip[cell], 0.3)
    world.personal(accs, 0.25)


def _grey_sellers(world: World, rng: np.random.Generator) -> None:
    """Grey-market sellers are not hiding from the platform: each operator's stores are worked from its one
    small office (a device per two stores and one more, its Wi-Fi, its static IP; every store's first login of
    the year is made there), as agency staff work, so a linker rightly groups a multi-store seller, while a
    single-store seller looks like an independent with a shop. Each store also has a staff phone on mobile data, and the
    owner checks it from home now and then. Drawn from ``rng``, the grey-market stream."""
    pop = world.pop
    accs = np.flatnonzero(pop.store_kind == GREY)
    keys, cell = np.unique(pop.store_op[accs], return_inverse=True)
    n_dev = 1 + (np.bincount(cell) + 1) // 2
    dev_ptr, wifi_ptr, ip, _ = _offices(world, keys, n_dev, np.ones(keys.size, dtype=np.int64), rng)
    world.ctx.add(accs, _pick(rng, dev_ptr, cell), wifi_ptr[cell], ip[cell], 0.5, forced=True)
    world.ctx.add(accs, _pick(rng, dev_ptr, cell), wifi_ptr[cell], ip[cell], 0.25)
    phone = world.book.devices(rng.integers(0, N_PHONE_UA, accs.size))
    city = pop.op_city[pop.store_op[accs]]
    world.ctx.add(accs, phone, -1, world.mobile[rng.integers(0, 3, accs.size) * len(CITIES) + city], 0.2)
    home = world.home[accs]
    has = home >= 0
    world.ctx.add(accs[has], phone[has], home[has], home[has], 0.05)


def _independents(world: World) -> None:
    """Independent owners: personal environment, and for half of them a shop PC on the shop's Wi-Fi."""
    pop, rng = world.pop, world.rng
    accs = np.flatnonzero(pop.store_kind == INDEPENDENT)
    phone = world.personal(accs, 1.0)
    ops = np.unique(pop.store_op[accs])
    shop_ops = ops[rng.random(ops.size) < 0.5]
    shop_net = world.book.networks(OFFICE, shop_ops.size, rng.integers(1, 3, shop_ops.size), True)
    shop_pc = world.book.devices(rng.choice(PC_UA, shop_ops.size))
    pos = np.searchsorted(shop_ops, pop.store_op[accs])
    has = (pos < shop_ops.size) & (shop_ops[np.minimum(pos, shop_ops.size - 1)] == pop.store_op[accs])
    net = shop_net[pos[has]]
    world.ctx.add(accs[has], shop_pc[pos[has]], net, net, 0.5)
    world.ctx.add(accs[has], phone[has], net, net, 0.3)
    _parks(world, accs, phone)


def _parks(world: World, accs: np.ndarray, phone: np.ndarray) -> None:
    """E-commerce parks: unrelated small sellers renting desks in one building share its Wi-Fi and static IP
    range, and some share the park's shipping-station PC, an honest look-alike of an operator's office."""
    rng = world.rng
    tenant = rng.random(accs.size) < PARK_TENANT_SHARE
    tenants = accs[tenant]
    if tenants.size < 2:
        return
    sizes = rng.integers(8, 60, max(1, tenants.size // 30))
    park = np.minimum(
        np.searchsorted(np.cumsum(sizes), rng.permutation(tenants.size), side="right"), sizes.size - 1
    )
    net = world.book.networks(OFFICE, sizes.size, rng.integers(1, 4, sizes.size), True)
    world.ctx.add(tenants, phone[tenant], net[park], net[park], 0.35)
    station = rng.random(tenants.size) < 0.25
    pcs = world.book.devices(rng.choice(PC_UA, sizes.size))
    world.ctx.add(tenants[station], pcs[park[station]], net[park[station]], net[park[station]], 0.1)


def _farms(world: World) -> None:
    """Review farms: phone racks on one access point, plus carrier data and VPN exits."""
    pop, rng = world.pop, world.rng
    accs = np.flatnonzero(pop.acc_role == ROLE_FARM)
    farm = pop.acc_farm[accs]
    size = np.diff(pop.farm_ptr)
    keys = np.arange(pop.n_farms)
    dev_ptr, wifi_ptr, ip, _ = _offices(world, keys, size // 6 + 1, np.ones(keys.size, dtype=np.int64))
    cities = city_arrays()
    hub_w = cities["weight"] * np.where(cities["is_hub"], 4.0, 1.0)
    farm_city = rng.choice(len(CITIES), keys.size, p=hub_w / hub_w.sum())
    dev = _pick(rng, dev_ptr, farm)
    world.ctx.add(accs, dev, wifi_ptr[farm], ip[farm], 0.5)
    world.ctx.add(accs, dev, -1, world.mobile_of(farm_city[farm]), 0.3)
    world.ctx.add(accs, dev, -1, rng.choice(world.vpns, accs.size), 0.2)


def _login_counts(rng: np.random.Generator, pop: Population) -> np.ndarray:
    role = pop.acc_role
    seller = (role < ROLE_BUYER) | (role == ROLE_GREY)
    mean = np.where(
        seller, SELLER_LOGINS_MEAN, np.where(role == ROLE_FARM, FARM_LOGINS_MEAN, BUYER_LOGINS_MEAN)
    )
    draw = rng.poisson(mean * rng.lognormal(-0.32, 0.8, role.size))
    return np.maximum(draw, np.where(seller, 3, 1)).astype(np.int64)


def _choose_contexts(
    rng: np.random.Generator, ctx: dict[str, np.ndarray], login_acc: np.ndarray, n_accounts: int
) -> np.ndarray:
    """Weighted context per login: one searchsorted over per-account cumulative weights offset by account."""
    acc = ctx["acc"]
    start = np.searchsorted(acc, np.arange(n_accounts + 1))
    w = ctx["w"]
    total = np.add.reduceat(w, start[:-1]) if w.size else w
    csum = np.cumsum(w)
    before = np.concatenate([[0.0], csum])[start[:-1]]
    key = acc + (csum - before[acc]) / total[acc]
    pick = np.searchsorted(key, login_acc + rng.random(login_acc.size), side="right")
    pick = np.clip(pick, start[login_acc], start[login_acc + 1] - 1)
    # forced contexts (registration from the office, cross-cell visits) take each account's first logins
    forced = np.flatnonzero(ctx["forced"])
    f_acc = acc[forced]
    rank = np.arange(forced.size) - np.searchsorted(f_acc, f_acc)
    first_login = np.searchsorted(login_acc, f_acc)
    pick[first_login + rank] = forced
    return pick


def _ip_column(rng: np.random.Generator, layout: NetworkLayout, ip_net: np.ndarray) -> pa.ChunkedArray:
    """IP text per login: IPv4 from each network's pool (formatted once per pool address) or, on mobile
    networks, an IPv6 address in one of the carrier's shared /64 prefixes with a random interface id."""
    v6 = (layout.kind[ip_net] == MOBILE) & (rng.random(ip_net.size) < 0.35)
    r = rng.random(ip_net.size)
    pool_ptr = np.concatenate([[0], np.cumsum(layout.v4_size)])
    pool_net = np.repeat(np.arange(layout.kind.size), layout.v4_size)
    pool_text = ipv4_text(layout.v4_start[pool_net] + np.arange(pool_net.size) - pool_ptr[pool_net])
    slot = pool_ptr[ip_net] + (r * layout.v4_size[ip_net]).astype(np.int64)
    prefix = layout.v6_base[ip_net[v6]] + (r[v6] * layout.v6_n[ip_net[v6]]).astype(np.uint64)
    iface = rng.integers(0, np.iinfo(np.int64).max, prefix.size).astype(np.uint64)
    text = pa.concat_arrays([pool_text, ipv6_text(prefix, iface)])
    slot[v6] = len(pool_text) + np.arange(prefix.size)
    return take_strings(text, slot)


def build_logins(
    rng: np.random.Generator,
    pop: Population,
    cfg: SimulationConfig,
    acc_ids: pa.Array,
    salt: int,
    evasion_rng: np.random.Generator | None = None,
    crowd: CrowdFarms | None = None,
    grey_rng: np.random.Generator | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Contexts for every population, then ~``SELLER_LOGINS_MEAN`` logins per seller, fewer per buyer.

    With ``antidetect_profiles`` the counterfeit contexts come from :func:`.evasion.antidetect`, drawn from
    ``evasion_rng``; with ``crowd`` (the ``crowd_farms`` tactic) the farm accounts are workers logging in from
    home (:func:`.crowd_farms.worker_contexts`), not from a farm's racks; grey-market sellers' contexts are drawn
    from ``grey_rng``. Returns the ``logins`` table and the residential-proxy exits as hub rows (``hub_id``,
    ``kind``, ``field``, ``value``; empty without the tactic).
    """
    world = World(rng, pop)
    exits = np.zeros(0, dtype=np.int64)
    if cfg.antidetect_profiles and evasion_rng is not None:
        exits = antidetect(world, cfg, evasion_rng)
    else:
        _counterfeit(world, cfg)
    _agencies(world)
    _independents(world)
    if crowd is not None:
        worker_contexts(world, crowd)
    else:
        _farms(world)
    world.personal(pop.buyer_accounts, 1.0)
    world.families()
    if grey_rng is not None and (pop.store_kind == GREY).any():
        _grey_sellers(world, grey_rng)
    layout = world.book.finish()
    ctx = world.ctx.arrays()
    counts = _login_counts(rng, pop)
    login_acc = np.repeat(np.arange(pop.n_accounts), counts)
    pick = _choose_contexts(rng, ctx, login_acc, pop.n_accounts)
    lo = np.maximum(pop.acc_created, WINDOW_START_US)
    lo[: pop.n_stores] = np.maximum(
        lo[: pop.n_stores], pop.store_bought
    )  # a bought store's operator from its purchase
    closed = np.full(pop.n_accounts, WINDOW_END_US)
    closed[: pop.n_stores] = np.where(
        pop.store_closed >= 0, pop.store_closed + 30 * US_PER_DAY, WINDOW_END_US
    )
    ts = sample_times(rng, lo[login_acc], closed[login_acc], day_weights(0.3))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    fresh = pop.acc_created >= WINDOW_START_US  # registration login for accounts created in the window
    ts[first[fresh]] = np.minimum(lo[fresh] + rng.integers(0, 1_800_000_000, int(fresh.sum())), WINDOW_END_US)
    order = np.argsort(ts, kind="stable")
    login_acc, pick, ts = login_acc[order], pick[order], ts[order]
    dev = ctx["dev"][pick]
    wifi = ctx["wifi"][pick]
    logins = pa.table(
        {
            "account_id": take_strings(acc_ids, login_acc),
            "ts": pa.array(ts, type=pa.timestamp("us", tz="UTC")),
            "ip": _ip_column(rng, layout, ctx["ip"][pick]),
            "device_id": take_strings(layout.device_strings(salt, N_HUB_DEVICES), dev),
            "wifi_bssid": take_strings(layout.bssid_strings(salt), np.maximum(wifi, 0), mask=wifi < 0),
            "user_agent": take_strings(USER_AGENTS, layout.dev_ua[dev]),
        }
    )
    return logins, exit_hubs(layout, exits)
