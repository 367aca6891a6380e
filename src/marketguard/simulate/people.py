"""Honest money of ordinary people: the mules' own salary and bills, and people who look just like them.

A money mule is a real person renting out an account, so besides the operator's money it carries a salary,
rent, bills and cash withdrawals, and that honest money mixes with the operator's in its balance. Many people
who are nobody's mules have the same pattern (employers paying dozens of them, landlords, a few utilities
everybody pays), and some of them pass money through too: the flatmate who collects everybody's share of the
rent and pays the landlord a day or two later looks, in a ledger, like a mule. A mule must be found by where its
money comes from and goes, not by its account looking unusual.
"""

from __future__ import annotations

import numpy as np

from .config import US_PER_DAY, US_PER_HOUR, WINDOW_START_US
from .ledger import CASH, MONTH_US, PAYMENT, TRANSFER, WITHDRAWAL, Ledger, PartyCodes

__all__ = ["honest_people"]

#: People with the mules' money pattern who are nobody's mules, per mule.
LOOKALIKES_PER_MULE = 1.0
#: Employees per employer (a payroll pays many people on the same day) and the monthly salary (CNY): median
#: about 6,500, the urban wage level.
EMPLOYEES_PER_EMPLOYER = 25
SALARY_LOG_MEAN, SALARY_LOG_SD = np.log(6500.0), 0.4
#: Share of people renting, tenants per landlord, and the rent as a share of the salary.
TENANT_RATE = 0.5
TENANTS_PER_LANDLORD = 3
RENT_SHARE = (0.25, 0.4)
#: Utilities everybody pays (grid, water, gas, the three carriers, broadband...), and the monthly bill (CNY).
N_UTILITIES = 8
BILL = (80.0, 400.0)
#: Chance of a cash withdrawal in a month, and its share of the salary.
CASH_RATE = 0.3
CASH_SHARE = (0.05, 0.2)
#: Share of tenants among the look-alikes who collect their flatmates' rent shares and pay the landlord, and the
#: number of flatmates paying them.
ORGANISER_RATE = 0.2
FLATMATES = (2, 4)
_MONTHS = 12


def honest_people(rng: np.random.Generator, led: Ledger, mules: np.ndarray, codes: PartyCodes) -> None:
    """A year of salary, rent, bills and cash for every mule and ``LOOKALIKES_PER_MULE`` times as many others."""
    if mules.size == 0:
        return
    people = np.concatenate([mules, codes.take(round(LOOKALIKES_PER_MULE * mules.size))])
    n = people.size
    employers = codes.take(max(1, n // EMPLOYEES_PER_EMPLOYER))
    payday = rng.integers(1, 16, employers.size)
    employer = rng.integers(0, employers.size, n)
    salary = rng.lognormal(SALARY_LOG_MEAN, SALARY_LOG_SD, n)
    month = np.tile(np.arange(_MONTHS), n)
    person = np.repeat(np.arange(n), _MONTHS)
    month_start = WINDOW_START_US + (month * MONTH_US).astype(np.int64)
    paid = (
        month_start + payday[employer[person]] * US_PER_DAY + rng.integers(8, 12, person.size) * US_PER_HOUR
    )
    pay = salary[person] * rng.uniform(0.95, 1.05, person.size)
    led.add(paid, employers[employer[person]], people[person], pay, TRANSFER)
    tenant = rng.random(n) < TENANT_RATE
    landlords = codes.take(max(1, int(tenant.sum()) // TENANTS_PER_LANDLORD))
    landlord = rng.integers(0, landlords.size, n)
    rent = salary * rng.uniform(*RENT_SHARE, n)
    organiser = tenant & (rng.random(n) < ORGANISER_RATE) & (np.arange(n) >= mules.size)
    renting = tenant[person] & ~organiser[person]
    due = month_start + rng.integers(1, 6, person.size) * US_PER_DAY
    led.add(
        due[renting],
        people[person[renting]],
        landlords[landlord[person[renting]]],
        rent[person[renting]],
        PAYMENT,
    )
    _shared_rent(rng, led, people, np.flatnonzero(organiser), rent, landlords[landlord])
    utilities = codes.take(N_UTILITIES)
    bill_ts = (
        month_start
        + rng.integers(5, 28, person.size) * US_PER_DAY
        + rng.integers(0, 24, person.size) * US_PER_HOUR
    )
    led.add(
        bill_ts,
        people[person],
        utilities[rng.integers(0, N_UTILITIES, person.size)],
        rng.uniform(*BILL, person.size),
        PAYMENT,
    )
    out = rng.random(person.size) < CASH_RATE
    cash_ts = month_start[out] + rng.integers(0, 28 * US_PER_DAY, int(out.sum()))
    led.add(
        cash_ts, people[person[out]], CASH, pay[out] * rng.uniform(*CASH_SHARE, int(out.sum())), WITHDRAWAL
    )


def _shared_rent(
    rng: np.random.Generator,
    led: Ledger,
    people: np.ndarray,
    organisers: np.ndarray,
    rent: np.ndarray,
    landlord: np.ndarray,
) -> None:
    """Each month flatmates send the organiser their share; a day or two later the organiser pays the whole rent."""
    if organisers.size == 0:
        return
    k = rng.integers(FLATMATES[0], FLATMATES[1] + 1, organisers.size)
    mate_org = np.repeat(organisers, k)
    mates = rng.integers(0, people.size, mate_org.size)
    share = rent[organisers] * rng.uniform(0.8, 1.2, organisers.size)
    month = np.tile(np.arange(_MONTHS), mate_org.size)
    pair = np.repeat(np.arange(mate_org.size), _MONTHS)
    month_start = WINDOW_START_US + (month * MONTH_US).astype(np.int64)
    sent = month_start + rng.integers(0, 3 * US_PER_DAY, pair.size)
    org_idx = np.searchsorted(organisers, mate_org[pair])
    led.add(sent, people[mates[pair]], people[mate_org[pair]], share[org_idx], TRANSFER)
    o_month = np.tile(np.arange(_MONTHS), organisers.size)
    o = np.repeat(np.arange(organisers.size), _MONTHS)
    total = share[o] * (k[o] + 1)
    paid = WINDOW_START_US + (o_month * MONTH_US).astype(np.int64) + rng.integers(4, 6, o.size) * US_PER_DAY
    led.add(paid, people[organisers[o]], landlord[organisers[o]], total, PAYMENT)
