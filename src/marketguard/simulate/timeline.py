"""Seasonal time sampling over the 2025 activity window.

Orders, reviews and logins follow one shared calendar: weekly rhythm, the pre-Chinese-New-Year rush (CNY was
2025-01-29) and the holiday lull, the 618 festival in mid-June, Singles' Day on 11-11 and Double 12. Detectors
that flag bursts must cope with these everybody-bursts, so the simulator has them too. Times are int64
microseconds since the Unix epoch (UTC); the diurnal profile is in China time (UTC+8).
"""

from __future__ import annotations

import numpy as np

from .config import N_DAYS, US_PER_DAY, US_PER_HOUR, WINDOW_END_US, WINDOW_START_US

__all__ = ["ceil_jitter", "day_weights", "floor_jitter", "sample_times"]

# Local-hour activity profile (China time), peak in the evening.
_HOURLY = np.array(
    [3, 2, 1, 0.6, 0.4, 0.4, 0.8, 1.5, 2.5, 3.5, 4, 4, 4.5, 4, 3.8, 3.8, 4, 4.2, 4.5, 5, 6, 6.5, 6, 4.5]
)
_HOUR_CDF = np.concatenate([[0.0], np.cumsum(_HOURLY) / _HOURLY.sum()])


def day_weights(strength: float = 1.0) -> np.ndarray:
    """Relative activity per day of 2025; ``strength`` scales the festival peaks (0 = flat but weekly)."""
    day = np.arange(N_DAYS, dtype=np.float64)
    weekday = (day + 2) % 7  # 2025-01-01 was a Wednesday; 0 = Monday
    w = 1.0 + 0.12 * (weekday >= 5)

    def bump(centre: float, width: float, height: float) -> np.ndarray:
        return height * np.exp(-0.5 * ((day - centre) / width) ** 2)

    festival = (
        bump(17, 5, 0.8)  # pre-CNY rush
        - 0.55 * ((day >= 27) & (day <= 36))  # CNY holiday lull
        + bump(168, 3, 2.5)
        + bump(160, 6, 0.6)  # 618 (day 168 = 06-18)
        + bump(314, 0.7, 6.0)
        + bump(305, 7, 0.9)  # Singles' Day (day 314 = 11-11) and its run-up
        + bump(345, 0.8, 1.5)  # Double 12
    )
    return np.clip(w + strength * festival, 0.05, None)


def sample_times(
    rng: np.random.Generator,
    lo_us: np.ndarray,
    hi_us: np.ndarray,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Draw one time per row inside ``[lo_us, hi_us]`` following the seasonal calendar.

    Days come from the inverse CDF of the day weights restricted to each row's interval, hours from the
    diurnal profile; rows whose diurnal draw falls outside their interval keep the uniform within-day time.
    """
    w = day_weights() if weights is None else weights
    cdf = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    grid = np.arange(N_DAYS + 1, dtype=np.float64)
    lo = np.clip(np.asarray(lo_us, dtype=np.int64), WINDOW_START_US, WINDOW_END_US)
    hi = np.clip(np.asarray(hi_us, dtype=np.int64), lo, WINDOW_END_US)
    u_lo = np.interp((lo - WINDOW_START_US) / US_PER_DAY, grid, cdf)
    u_hi = np.interp((hi - WINDOW_START_US) / US_PER_DAY, grid, cdf)
    u = u_lo + rng.random(lo.shape[0]) * (u_hi - u_lo)
    day_float = np.interp(u, cdf, grid)
    linear = WINDOW_START_US + (day_float * US_PER_DAY).astype(np.int64)
    local_hour = np.interp(rng.random(lo.shape[0]), _HOUR_CDF, np.arange(25, dtype=np.float64))
    day_start = WINDOW_START_US + np.floor(day_float).astype(np.int64) * US_PER_DAY
    diurnal = day_start + ((local_hour - 8.0) * US_PER_HOUR).astype(np.int64)
    ok = (diurnal >= lo) & (diurnal <= hi)
    return np.where(ok, diurnal, np.clip(linear, lo, hi))


def floor_jitter(
    rng: np.random.Generator, ts: np.ndarray, floor: np.ndarray | int, scale_us: float
) -> np.ndarray:
    """Push times below ``floor`` to a random time just after it (plain clipping would stack many rows on
    the exact same microsecond, an artefact no real log has)."""
    floor = np.broadcast_to(np.asarray(floor, dtype=np.int64), ts.shape)
    bumped = floor + (rng.exponential(1.0, ts.shape) * scale_us).astype(np.int64) + 1
    return np.where(ts < floor, bumped, ts)


def ceil_jitter(
    rng: np.random.Generator, ts: np.ndarray, ceil: np.ndarray | int, scale_us: float
) -> np.ndarray:
    """Pull times above ``ceil`` to a random time just before it (see :func:`floor_jitter`)."""
    ceil = np.broadcast_to(np.asarray(ceil, dtype=np.int64), ts.shape)
    pulled = ceil - (rng.exponential(1.0, ts.shape) * scale_us).astype(np.int64) - 1
    return np.where(ts > ceil, pulled, ts)
