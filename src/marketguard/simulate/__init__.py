"""Realistic marketplace simulator with ground truth.

``simulate(n_stores, seed, difficulty)`` returns a :class:`Marketplace` whose ``tables`` follow the data
contract (accounts, stores, logins, brands, authorized_sellers, listings, orders, reviews, shipments,
transfers, declarations, labels) and whose ``truth`` tables say which stores are counterfeit, who operates
them, which reviews are fake, where the operators' sites are, who collects the money and which declarations
are counterfeit. ``write_marketplace`` writes both as Parquet.
"""

from .config import DIFFICULTIES, SimulationConfig
from .corrupt import Corruption, corrupt
from .marketplace import Marketplace, simulate, write_marketplace

__all__ = [
    "DIFFICULTIES",
    "Corruption",
    "Marketplace",
    "SimulationConfig",
    "corrupt",
    "simulate",
    "write_marketplace",
]
