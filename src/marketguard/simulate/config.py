"""Simulation parameters, declared once as data.

Every knob that changes how hard the simulated marketplace is lives in :class:`SimulationConfig`; the three
presets in :data:`DIFFICULTIES` differ only in camouflage, never in whether evidence exists. Population ratios
(buyers per store, listings per store, ...) are module constants so that everything scales linearly with
``n_stores``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DIFFICULTIES",
    "WINDOW_END_US",
    "WINDOW_START_US",
    "SimulationConfig",
]

US_PER_DAY = 86_400_000_000
US_PER_HOUR = 3_600_000_000
#: Activity window: calendar year 2025 (UTC), the year whose orders, reviews and logins are simulated.
WINDOW_START_US = 1_735_689_600_000_000
WINDOW_END_US = WINDOW_START_US + 365 * US_PER_DAY - 1
N_DAYS = 365

# Population ratios per store (so that n_stores = 100_000 gives ~1M accounts and ~10M logins).
BUYERS_PER_STORE = 9.0
LISTINGS_PER_STORE = 10.0
ORDERS_PER_STORE = 30.0
COUNTERFEIT_STORE_SHARE = 0.08
AGENCY_STORE_SHARE = 0.08
HONEST_REVIEW_RATE = 0.30
SELLER_LOGINS_MEAN = 40.0
BUYER_LOGINS_MEAN = 6.5
FARM_LOGINS_MEAN = 30.0
STORE_LABEL_SHARE = 0.10
#: Honest branded listings priced far below the brand's reference price anyway: accessories and small items of
#: the brand, used and refurbished goods, clearance. A few independent stores sell mostly such goods.
HONEST_CHEAP_BRANDED_SHARE = 0.06
SECOND_HAND_STORE_SHARE = 0.04
SECOND_HAND_CHEAP_SHARE = 0.7


@dataclass(frozen=True)
class SimulationConfig:
    """Camouflage of counterfeit operators and strength of honest confounders.

    Attributes
    ----------
    name
        Preset name (``easy``, ``normal``, ``hard``).
    shared_env_share
        Share of a counterfeit store account's logins made from the operator's shared office environment
        (office devices, office Wi-Fi, office IP range). The rest come from per-account devices on mobile
        carrier NAT or VPN, which link the accounts to nobody in particular.
    n_office_devices
        Inclusive range of shared office devices per operator cell.
    vpn_rate
        Share of non-office counterfeit logins routed through commercial VPN exits.
    device_rotation
        Expected number of extra per-account devices (device-id rotation) of a counterfeit store account.
    split_cell_rate
        Probability that an operator with at least 4 stores works from two offices (cells) linked only by a
        few cross logins.
    basic_template_rate
        Probability that a counterfeit store uses the platform's default ``basic`` template.
    discount
        Range of the price multiplier (price / reference price) of counterfeit branded listings.
    near_reference_rate
        Share of counterfeit branded listings priced close to the reference price anyway.
    tell_word_rate
        Share of counterfeit listing titles with a tell-word (replica, 1:1, 高仿, ...).
    genuine_review_factor
        Multiplier on the genuine review rate of counterfeit stores' orders (more genuine reviews = more
        camouflage).
    camouflage_rate
        Camouflage reviews written by farm accounts on popular honest listings, per fake review.
    burst_days
        Typical spread (days) of one review-farm campaign.
    address_noise
        Probability that a counterfeit shipment's origin address is written in a non-canonical form.
    missing_latlon
        Probability that a counterfeit shipment has no coordinates.
    shared_3pl_rate
        Share of counterfeit shipments sent through big shared fulfilment warehouses.
    money_hops
        Inclusive range of intermediate mule accounts between a store's bank account and the collector.
    split_rate
        Probability that a forwarded settlement is split into several smaller transfers.
    hs_inconsistent_rate
        Share of counterfeit declarations whose HS code does not match the declared goods.
    undervalue
        Range of declared unit value / reference unit value of counterfeit declarations.
    honest_farm_client_rate
        Share of independent stores that also buy fake reviews (honest sellers gaming ratings).
    brand_omitted_rate
        Share of counterfeit branded listings whose ``brand`` field is left empty (the brand is only in the
        title), to dodge brand-field filters.
    aged_account_rate
        Share of counterfeit stores opened on old accounts bought or rented from their owners (created years
        before the store), which hides the young-account tell.
    honest_sweep_rate
        Share of honest stores whose bank sweeps every settlement on to the owner's other account within a day
        or two (common cash management, and the same timing as a counterfeit forward).
    held_money_rate
        Share of counterfeit operators who let settlements sit for one to four weeks before forwarding them,
        which hides the quick-forward tell.
    """

    name: str
    shared_env_share: float
    n_office_devices: tuple[int, int]
    vpn_rate: float
    device_rotation: float
    split_cell_rate: float
    basic_template_rate: float
    discount: tuple[float, float]
    near_reference_rate: float
    tell_word_rate: float
    genuine_review_factor: float
    camouflage_rate: float
    burst_days: float
    address_noise: float
    missing_latlon: float
    shared_3pl_rate: float
    money_hops: tuple[int, int]
    split_rate: float
    hs_inconsistent_rate: float
    undervalue: tuple[float, float]
    honest_farm_client_rate: float
    brand_omitted_rate: float
    aged_account_rate: float
    honest_sweep_rate: float
    held_money_rate: float


DIFFICULTIES: dict[str, SimulationConfig] = {
    "easy": SimulationConfig(
        name="easy",
        shared_env_share=0.8,
        n_office_devices=(2, 5),
        vpn_rate=0.05,
        device_rotation=0.2,
        split_cell_rate=0.05,
        basic_template_rate=0.9,
        discount=(0.08, 0.3),
        near_reference_rate=0.0,
        tell_word_rate=0.5,
        genuine_review_factor=0.6,
        camouflage_rate=0.1,
        burst_days=2.0,
        address_noise=0.2,
        missing_latlon=0.02,
        shared_3pl_rate=0.02,
        money_hops=(1, 1),
        split_rate=0.05,
        hs_inconsistent_rate=0.5,
        undervalue=(0.01, 0.06),
        honest_farm_client_rate=0.0,
        brand_omitted_rate=0.0,
        aged_account_rate=0.05,
        honest_sweep_rate=0.05,
        held_money_rate=0.0,
    ),
    "normal": SimulationConfig(
        name="normal",
        shared_env_share=0.5,
        n_office_devices=(1, 4),
        vpn_rate=0.15,
        device_rotation=1.0,
        split_cell_rate=0.2,
        basic_template_rate=0.7,
        discount=(0.1, 0.45),
        near_reference_rate=0.05,
        tell_word_rate=0.2,
        genuine_review_factor=1.0,
        camouflage_rate=0.3,
        burst_days=4.0,
        address_noise=0.5,
        missing_latlon=0.1,
        shared_3pl_rate=0.1,
        money_hops=(1, 2),
        split_rate=0.25,
        hs_inconsistent_rate=0.3,
        undervalue=(0.03, 0.12),
        honest_farm_client_rate=0.002,
        brand_omitted_rate=0.1,
        aged_account_rate=0.2,
        honest_sweep_rate=0.25,
        held_money_rate=0.2,
    ),
    "hard": SimulationConfig(
        name="hard",
        shared_env_share=0.25,
        n_office_devices=(1, 2),
        vpn_rate=0.35,
        device_rotation=2.5,
        split_cell_rate=0.4,
        basic_template_rate=0.45,
        discount=(0.15, 0.6),
        near_reference_rate=0.15,
        tell_word_rate=0.05,
        genuine_review_factor=1.4,
        camouflage_rate=0.6,
        burst_days=10.0,
        address_noise=0.8,
        missing_latlon=0.25,
        shared_3pl_rate=0.25,
        money_hops=(1, 3),
        split_rate=0.5,
        hs_inconsistent_rate=0.15,
        undervalue=(0.06, 0.25),
        honest_farm_client_rate=0.006,
        brand_omitted_rate=0.25,
        aged_account_rate=0.45,
        honest_sweep_rate=0.45,
        held_money_rate=0.4,
    ),
}
