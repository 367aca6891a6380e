"""Shared 3PL warehouses: who contracts which, and the warehouses as hubs of the ground truth.

Big third-party fulfilment warehouses ship for hundreds of honest stores (those without a warehouse of their own,
agency clients, and overflow in peak season). A counterfeit operator that moves stock into them ships part of its
parcels under the warehouse's address and phones, exactly as its honest neighbours do, so those parcels tie its
stores to nobody in particular. A business contracts one or two warehouses for all its stores rather than one per
store, which is the realistic (and weak) trace left: ``n_operator_3pl`` sets it, drawn from its own stream; the
share of parcels is ``shared_3pl_rate``. The factory ships the rest under the operator's own phones.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from .addresses import N_VARIANTS
from .config import SimulationConfig
from .hubs import warehouse_rows
from .logistics import Sites
from .population import COUNTERFEIT, Population

__all__ = ["contract_3pl", "warehouse_hubs"]

#: Exponent of the warehouses' popularity among operators (a few big ones are everybody's choice).
POPULARITY_SKEW = 0.8
#: Phones per 3PL warehouse (``logistics`` draws one of two per parcel).
PHONES_PER_3PL = 2


def contract_3pl(rng: np.random.Generator, pop: Population, sites: Sites, cfg: SimulationConfig) -> None:
    """Give each counterfeit operator one or two 3PL warehouses and each of its stores one of them, in place."""
    lo, hi = cfg.n_operator_3pl
    if hi <= 0:
        return
    tpl = np.flatnonzero(sites.is_3pl)
    p = 1.0 / np.arange(1, tpl.size + 1) ** POPULARITY_SKEW
    n_ops = pop.op_kind.size
    chosen = tpl[rng.choice(tpl.size, (n_ops, hi), p=p / p.sum())]
    n_own = rng.integers(lo, hi + 1, n_ops)
    cf = np.flatnonzero(pop.store_kind == COUNTERFEIT)
    op = pop.store_op[cf]
    sites.store_3pl[cf] = chosen[op, (rng.random(cf.size) * n_own[op]).astype(np.int64)]


def warehouse_hubs(sites: Sites, phone_text: Callable[[np.ndarray], pa.Array]) -> pa.Table:
    """Every 3PL warehouse with each way its address is written and its sender phones."""
    tpl = np.flatnonzero(sites.is_3pl)
    phones = (PHONES_PER_3PL, sites.tpl_phone_base, phone_text)
    return warehouse_rows(sites.owner, sites.variants, "3pl_warehouse", tpl, N_VARIANTS, phones)
