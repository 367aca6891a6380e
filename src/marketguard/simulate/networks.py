"""Registry of simulated networks (Wi-Fi access points, IP ranges) and devices.

Every login happens on a device, optionally through a Wi-Fi access point (BSSID), from an IP network. Networks
are allocated here with their kind and the size of their address pool, then placed in realistic address
space in one go: each network gets a distinct IPv4 /24 among Chinese ISP ranges, carrier networks also get a
range of shared IPv6 /64 prefixes. Pool sizes express sharing: a carrier-grade NAT pool of a few addresses
serves every mobile user of a carrier in a city; a home router has one or two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .ids import hash_ids, mac_text

__all__ = ["HOME", "HOTSPOT", "MOBILE", "OFFICE", "USER_AGENTS", "VPN", "NetworkBook"]

HOME, OFFICE, HOTSPOT, MOBILE, VPN = 0, 1, 2, 3, 4

_FIRST_OCTETS = np.array(
    [
        27,
        36,
        39,
        42,
        58,
        59,
        60,
        61,
        101,
        106,
        110,
        111,
        112,
        113,
        114,
        115,
        116,
        117,
        118,
        119,
        120,
        121,
        122,
        123,
        124,
        125,
        180,
        182,
        183,
        202,
        203,
        210,
        211,
        218,
        219,
        220,
        221,
        222,
        223,
    ],
    dtype=np.int64,
)
#: Upper 32 bits of the IPv6 prefixes of the three mobile carriers.
CARRIER_V6 = (0x24098A00, 0x24088000, 0x240E0300)

# Phones log in through the app (short app user agents); PCs through a browser; the last entry is the
# default fingerprint of a popular Android emulator image.
USER_AGENTS: tuple[str, ...] = (
    *[
        f"MarketApp/{app} (iPhone{model}; iOS {ios}; Scale/3.00)"
        for ios, model in (("16.7", "14,5"), ("17.4", "15,2"), ("17.6", "15,4"), ("18.1", "16,1"))
        for app in ("8.2.0", "8.4.1")
    ],
    *[
        f"MarketApp/{app} (Android {a}; {m}; Build/{b})"
        for a, m, b in (
            ("13", "V2227A", "TP1A"),
            ("14", "23049RAD8C", "UKQ1"),
            ("14", "PJZ110", "UKQ1"),
            ("12", "ALN-AL00", "HUAWEIALN"),
            ("13", "SM-S9180", "TP1A"),
        )
        for app in ("8.2.0", "8.4.1")
    ],
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "MarketApp/7.9.0 (Android 9; SM-G9750; Build/PQ3A)",
)
N_PHONE_UA = 18  # the first 18 user agents are phones
PC_UA = (18, 19)
EMULATOR_UA = 20


@dataclass
class NetworkBook:
    """Accumulates networks and devices, then lays them out in address space (``finish``)."""

    rng: np.random.Generator
    _kind: list[np.ndarray] = field(default_factory=list)
    _wifi: list[np.ndarray] = field(default_factory=list)
    _v4_size: list[np.ndarray] = field(default_factory=list)
    _v6_n: list[np.ndarray] = field(default_factory=list)
    _carrier: list[np.ndarray] = field(default_factory=list)
    _dev_ua: list[np.ndarray] = field(default_factory=list)
    n_networks: int = 0
    n_devices: int = 0

    def networks(
        self,
        kind: int,
        n: int,
        v4_size: np.ndarray | int,
        wifi: bool,
        v6_n: np.ndarray | int = 0,
        carrier: np.ndarray | int = 0,
    ) -> np.ndarray:
        """Register ``n`` networks of one kind; returns their codes."""
        self._kind.append(np.full(n, kind, dtype=np.int8))
        self._wifi.append(np.full(n, wifi, dtype=bool))
        self._v4_size.append(np.broadcast_to(np.asarray(v4_size, dtype=np.int64), (n,)).copy())
        self._v6_n.append(np.broadcast_to(np.asarray(v6_n, dtype=np.int64), (n,)).copy())
        self._carrier.append(np.broadcast_to(np.asarray(carrier, dtype=np.int64), (n,)).copy())
        codes = np.arange(self.n_networks, self.n_networks + n, dtype=np.int64)
        self.n_networks += n
        return codes

    def devices(self, ua: np.ndarray) -> np.ndarray:
        """Register one device per user-agent index; returns their codes."""
        ua = np.asarray(ua, dtype=np.int64)
        self._dev_ua.append(ua)
        codes = np.arange(self.n_devices, self.n_devices + ua.size, dtype=np.int64)
        self.n_devices += ua.size
        return codes

    def phones(self, n: int) -> np.ndarray:
        """``n`` new personal phones with a random phone user agent."""
        return self.devices(self.rng.integers(0, N_PHONE_UA, n))

    def finish(self) -> NetworkLayout:
        """Place every network in IPv4/IPv6 space and return the frozen layout."""
        kind = np.concatenate(self._kind)
        v4_size = np.clip(np.concatenate(self._v4_size), 1, 254)
        blocks = self.rng.choice(_FIRST_OCTETS.size * 65536, size=kind.size, replace=False)
        base = (_FIRST_OCTETS[blocks // 65536] << 24) | ((blocks % 65536) << 8)
        offset = 1 + (self.rng.random(kind.size) * (254 - v4_size)).astype(np.int64)
        carrier = np.concatenate(self._carrier)
        hi32 = np.array(CARRIER_V6, dtype=np.uint64)[carrier]
        mid = self.rng.integers(0, 1 << 16, kind.size).astype(np.uint64)
        v6_base = (hi32 << np.uint64(32)) | (mid << np.uint64(16))
        return NetworkLayout(
            kind=kind,
            wifi=np.concatenate(self._wifi),
            v4_start=base + offset,
            v4_size=v4_size,
            v6_base=v6_base,
            v6_n=np.concatenate(self._v6_n),
            dev_ua=np.concatenate(self._dev_ua),
        )


@dataclass
class NetworkLayout:
    """Networks placed in address space, and devices with their user agents."""

    kind: np.ndarray
    wifi: np.ndarray
    v4_start: np.ndarray
    v4_size: np.ndarray
    v6_base: np.ndarray
    v6_n: np.ndarray
    dev_ua: np.ndarray

    def bssid_strings(self, salt: int) -> pa.Array:
        """BSSID per network code (null for networks without an access point)."""
        text = mac_text(np.arange(self.kind.size), salt)
        return pc.if_else(pa.array(self.wifi), text, pa.scalar(None, pa.string()))

    def device_strings(self, salt: int, n_hub: int) -> pa.Array:
        """Device id per device code; the first ``n_hub`` devices carry factory-default ids."""
        text = hash_ids("dv_", np.arange(self.dev_ua.size), salt)
        defaults = ["dv_0000000000000000", "dv_ffffffffffffffff", "dv_0123456789abcdef"][:n_hub]
        head = pa.array(defaults, type=pa.string())
        return pa.concat_arrays([head, text.slice(len(defaults))])
