"""Realistic marketplace simulator with ground truth.

``simulate(n_stores, seed, difficulty)`` returns a :class:`Marketplace` whose ``tables`` follow the data
contract (accounts, stores, logins, brands, authorized_sellers, listings, orders, reviews, shipments,
transfers, declarations, labels) and whose ``truth`` tables say which stores are counterfeit, who operates
them (and which were bought), which reviews are fake, where the operators' sites are, every collector, mule and
supplier of their money, which declarations are counterfeit and which hubs (3PL and bonded warehouses, freight
forwarders, residential-proxy exits) serve unrelated sellers alike. ``write_marketplace`` writes both as Parquet.
Difficulties: ``easy``, ``normal``, ``hard`` and ``adversarial`` (:data:`DIFFICULTIES`); ``adversarial`` adds
grey-market sellers (``operator_kind`` ``grey_market``, not counterfeit): genuine goods below the authorised price,
shipped from bonded warehouses, the hardest honest look-alike.
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
