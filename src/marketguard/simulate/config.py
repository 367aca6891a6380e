"""Simulation parameters, declared once as data.

Every knob that changes how hard the simulated marketplace is lives in :class:`SimulationConfig`; the presets in
:data:`DIFFICULTIES` differ only in camouflage, never in whether evidence exists. ``adversarial`` is ``hard`` plus
the tactics of professional evaders (anti-detect browsers on residential proxies, bought stores, layered mules and
rotating collectors, shared 3PL warehouses, forwarder-filed exports, copied catalogues, premium replicas) and the
hardest honest look-alike, grey-market sellers (genuine goods sold without the brand's authorisation at 55-85% of
reference, shipped from bonded warehouses; ``grey_store_share``): its knobs default to "off", so the three older
presets produce exactly what they always did. Population ratios (buyers per store, listings per
store, ...) are module constants so that everything scales linearly with ``n_stores``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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
        Preset name (``easy``, ``normal``, ``hard``, ``adversarial``).
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

    The knobs below are the ``adversarial`` tactics; each defaults to "off" (the older presets' behaviour).

    antidetect_profiles
        Every counterfeit store account logs in from its own anti-detect browser profile (a fingerprint and a
        spoofed Wi-Fi id of its own) through residential-proxy exits, which are the home connections of honest
        households who log in from them too, plus a cheap phone of its own on mobile data. No office device,
        Wi-Fi or IP range is shared by design; the ties left are the slips of the next two knobs.
    office_wifi_leak_rate
        Share of operators (with ``antidetect_profiles``) whose staff still answer customers from their own phones
        on the office's real Wi-Fi, each phone logged into several of the operator's stores: a shared device,
        Wi-Fi and static IP, on a few percent of logins.
    boss_slip_rate
        Share of operators whose boss's own phone logs into two or three of their stores once or twice in the
        year, from home: the one environment tie the other operators leave.
    bought_store_rate
        Share of counterfeit stores that are going concerns bought from their owners: opened years earlier on
        the previous owner's account (old store, old account, an honest template), turned counterfeit on the
        day they were bought.
    kept_listing_share
        Range of the share of a bought store's listings kept from its previous owner (honest goods, honest
        prices, listed before the purchase), so the store's catalogue is a mix.
    copy_catalog_rate
        Share of a counterfeit store's own listings copied from its operator's master catalogue: the same goods
        under near-duplicate titles at the same price list, as store-group software does. Honest resellers of
        the same hit models (``popular_model_rate``) are the look-alike.
    popular_model_rate
        Share of branded listings (honest and master-catalogue ones) that are one of their brand's few hit
        models, so unrelated honest resellers carry near-identical titles, half of them at exactly the
        brand's reference price (minimum advertised price).
    mule_layers
        Inclusive range of mule layers a counterfeit settlement passes through before a collector (``(0, 0)``:
        the older per-settlement chains of ``money_hops``). Mules batch what they receive, forward it after days
        to two weeks less a small fee, carry their own honest salary and bills, and honest people with the same
        salary-and-bills pattern (some passing on shared rent) are their look-alikes.
    collector_months
        Inclusive range of months a collector serves before the operator replaces it (``(0.0, 0.0)``: kept all
        year); only with ``mule_layers``.
    n_operator_3pl
        Inclusive range of 3PL warehouses an operator contracts for all its stores' 3PL parcels (``(0, 0)``:
        each store picks its own), as a business does; the same warehouses ship for hundreds of honest stores.
    front_own_contact_rate
        Share of front-company declarations that give the front's own registered address and phone rather than
        the operator's sites and phones (the rest are slips naming the factory the goods leave from).
    forwarder_rate
        Share of front-company declarations filed through freight forwarders, who often put their own phone
        and warehouse address on them; half the legitimate exporters file through the same forwarders.
    forwarder_parcel_rate
        Share of an exporting operator's marketplace parcels collected by the forwarder filing its fronts'
        exports and sent from its consolidation warehouse, under its address and desk phone; the same
        warehouses ship for honest cross-border stores (:mod:`.forwarder_parcels`).
    overseas_consignees
        Every declaration names its consignee: an operator's distributor in the country, whichever of its fronts
        files; an honest exporter's own buyer; or a big importer receiving from hundreds (:mod:`.consignees`).

    The knobs below are the ``adversarial`` tactics against store risk, review fraud and customs (issue 16).

    grey_store_share
        Share of stores run by grey-market sellers: genuine goods of many brands sold without the brands'
        authorisation at 55-85% of reference, often on the basic template, shipped mostly from bonded
        warehouses (which ship for honest cross-border stores too), reviewed for their warranty and foreign
        versions, not as fakes; most run one or two stores, some several from one small office whose shared
        environment rightly links them. Not counterfeit (``truth/stores.operator_kind`` ``grey_market``);
        brands report them anyway. Also makes a share of honest stores cross-border sellers, their look-alikes.
    crowd_farms
        Review farms are crowd-sourced workers: aged accounts of their own, their own phones at home, fake
        reviews spread over weeks with varied, longer texts, and real purchases and reviews on honest stores.
    label_share
        Share of stores carrying an investigation label.
    label_noise
        Share of store labels that are wrong (a counterfeit store cleared, an honest one marked).
    sloppy_labels
        Labelled counterfeit stores are the sloppiest ones (cheapest prices, most tell words): investigations
        start from what is easy to see.
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
    antidetect_profiles: bool = False
    office_wifi_leak_rate: float = 0.0
    boss_slip_rate: float = 0.0
    bought_store_rate: float = 0.0
    kept_listing_share: tuple[float, float] = (0.0, 0.0)
    copy_catalog_rate: float = 0.0
    popular_model_rate: float = 0.0
    mule_layers: tuple[int, int] = (0, 0)
    collector_months: tuple[float, float] = (0.0, 0.0)
    n_operator_3pl: tuple[int, int] = (0, 0)
    front_own_contact_rate: float = 0.0
    forwarder_rate: float = 0.0
    forwarder_parcel_rate: float = 0.0
    overseas_consignees: bool = False
    grey_store_share: float = 0.0
    crowd_farms: bool = False
    label_share: float = STORE_LABEL_SHARE
    label_noise: float = 0.0
    sloppy_labels: bool = False


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

#: ``hard`` plus the tactics of professional evaders (issues 15 and 16).
DIFFICULTIES["adversarial"] = replace(
    DIFFICULTIES["hard"],
    name="adversarial",
    shared_3pl_rate=0.5,
    antidetect_profiles=True,
    office_wifi_leak_rate=0.65,
    boss_slip_rate=0.7,
    bought_store_rate=0.4,
    kept_listing_share=(0.2, 0.6),
    copy_catalog_rate=0.75,
    popular_model_rate=0.35,
    mule_layers=(2, 4),
    collector_months=(1.0, 3.0),
    n_operator_3pl=(1, 2),
    front_own_contact_rate=0.9,
    forwarder_rate=0.9,
    # issue 16: a third of an exporting operator's parcels go through its forwarder's warehouse (the
    # cross-border share its forwarder consolidates)
    forwarder_parcel_rate=0.3,
    overseas_consignees=True,
    # issue 16: premium replicas (half the counterfeit listings at 70-95% of reference, half the stores on a
    # paid template, almost no tell words), customs fronts declaring 30-60% of reference under the right HS
    # code, grey-market sellers, crowd-sourced review farms spreading their work over weeks, scarce biased labels
    near_reference_rate=0.5,
    basic_template_rate=0.5,
    tell_word_rate=0.01,
    undervalue=(0.3, 0.6),
    hs_inconsistent_rate=0.0,
    burst_days=21.0,
    camouflage_rate=1.0,
    grey_store_share=0.04,
    crowd_farms=True,
    label_share=0.04,
    label_noise=0.05,
    sloppy_labels=True,
)
