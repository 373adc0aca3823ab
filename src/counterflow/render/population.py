"""The legitimate population: persons, businesses and their accounts, as arrays.

Numeric attributes that drive behaviour (where people live, who employs them, what they earn,
who they send money to) are kept as arrays for the whole run; names, addresses and other
strings are only built when the tables are written, in chunks, so memory stays small.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from counterflow.render.ids import ACCOUNTS, BUSINESSES, PERSONS, opaque_ids, rng_for
from counterflow.scenario.model import Scenario
from counterflow.world import geography as geo
from counterflow.world.banks import Bank, build_banks
from counterflow.world.currencies import CURRENCIES
from counterflow.world.industries import INDUSTRIES, OCCUPATIONS, PRICE_LEVEL

COUNTRY_INDEX = {c: i for i, c in enumerate(geo.COUNTRY_CODES)}
IND_INDEX = {ind.code: i for i, ind in enumerate(INDUSTRIES)}
OCC_INDEX = {o.name: i for i, o in enumerate(OCCUPATIONS)}
_CUR_OF_COUNTRY = np.array([geo.country(c).currency for c in geo.COUNTRY_CODES])
START_USD = {c.code: c.usd_per_unit for c in CURRENCIES}

# Industries every country with residents needs, so that rent, bills and shopping always have
# a payee; and trade roles the corridors need.
_REQUIRED = {
    "*": ("531110", "221122", "517312", "524126", "445110", "722511", "541211"),
    "US": ("611310", "424210", "423690", "334220"),
    "MX": ("424690", "424210", "423690", "488510", "424350"),
    "CN": ("325199", "325412", "488510", "423690", "424350"),
    "HK": ("488510", "423690"),
    "IN": ("325412",),
}
_CASH_PAID = {OCC_INDEX[o] for o in ("cook", "construction worker", "laborer", "farm worker")}
_NO_WAGE = {i for i, o in enumerate(OCCUPATIONS) if o.salary_usd == 0}
HOME_ACCOUNT_SHARE = 0.5


@dataclass
class Persons:
    party_id: np.ndarray
    country: np.ndarray  # index into geo.COUNTRY_CODES
    nationality: np.ndarray
    city: np.ndarray  # place_id
    age: np.ndarray
    occupation: np.ndarray
    employer: np.ndarray  # business index or -1
    net_pay: np.ndarray  # per pay period, local currency
    pay_schedule: np.ndarray  # 0 biweekly, 1 semimonthly, 2 monthly
    pay_phase: np.ndarray
    checking: np.ndarray  # account id
    savings: np.ndarray  # account id or -1
    wallet: np.ndarray  # crypto wallet account id or -1
    card_rate: np.ndarray  # purchases per day
    cash_paid: np.ndarray  # bool: deposits cash tips or wages
    contacts: np.ndarray  # (n, 5) person indices for P2P
    rent: np.ndarray  # monthly, local currency; 0 if owner
    rent_day: np.ndarray
    landlord: np.ndarray  # business index or -1
    remit_to: np.ndarray  # person index abroad or -1
    remit_day: np.ndarray
    parent: np.ndarray  # person index of a student's parent or -1
    university: np.ndarray  # business index or -1
    # A checking account at home (a bank of the nationality's country) kept by some foreign
    # nationals, or -1.
    home: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.party_id)


@dataclass
class Businesses:
    party_id: np.ndarray
    country: np.ndarray
    city: np.ndarray
    industry: np.ndarray  # index into INDUSTRIES
    size: np.ndarray  # heavy-tailed size weight
    account: np.ndarray  # main account id (local currency)
    usd_account: np.ndarray  # USD account id, or the main one for US businesses
    registration: np.ndarray  # days before the start date

    def __len__(self) -> int:
        return len(self.party_id)


@dataclass
class Accounts:
    account_id: np.ndarray
    owner_kind: np.ndarray  # 0 person, 1 business
    owner: np.ndarray  # index into persons or businesses
    bank: np.ndarray  # bank_id
    account_type: np.ndarray  # index into vocab.ACCOUNT_TYPES
    currency: np.ndarray  # currency code strings
    open_days_before: np.ndarray


@dataclass
class Population:
    persons: Persons
    businesses: Businesses
    accounts: Accounts
    banks: tuple[Bank, ...]
    start: dt.date


def _cities_by_country() -> dict[int, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for ci, code in enumerate(geo.COUNTRY_CODES):
        cities = geo.places_of("city", code)
        ids = np.array([c.place_id for c in cities], dtype=np.int32)
        w = np.array([c.population_k for c in cities], dtype=float)
        out[ci] = (ids, w / w.sum())
    return out


def _draw_countries(shares: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    codes = [c for c in geo.COUNTRY_CODES if shares.get(c, 0) > 0]
    p = np.array([shares[c] for c in codes])
    counts = np.floor(p / p.sum() * n).astype(int)
    counts[np.argmax(p)] += n - counts.sum()
    return np.repeat([COUNTRY_INDEX[c] for c in codes], counts).astype(np.int8)


def build_population(scenario: Scenario, seed: int) -> Population:
    rng = rng_for(seed, "population")
    cities = _cities_by_country()
    banks = build_banks(dict(scenario.banks))
    biz = _build_businesses(scenario, rng, cities)
    persons = _build_persons(scenario, rng, cities, biz)
    accounts = _build_accounts(scenario, rng, persons, biz, banks)
    return Population(persons, biz, accounts, banks, scenario.start_date)


def _build_businesses(
    scenario: Scenario, rng: np.random.Generator, cities: dict[int, tuple[np.ndarray, np.ndarray]]
) -> Businesses:
    n = scenario.population.businesses
    country = _draw_countries(scenario.business_countries, n, rng)
    weights = np.array([ind.weight for ind in INDUSTRIES])
    industry = rng.choice(len(INDUSTRIES), size=n, p=weights / weights.sum()).astype(np.int16)
    for ci in np.unique(country):
        code = geo.COUNTRY_CODES[ci]
        idx = np.flatnonzero(country == ci)
        required = _REQUIRED["*"] + _REQUIRED.get(code, ())
        k = min(len(required), len(idx))
        industry[idx[:k]] = [IND_INDEX[c] for c in required[:k]]
    city = np.empty(n, dtype=np.int32)
    for ci, (ids, w) in cities.items():
        m = country == ci
        city[m] = rng.choice(ids, size=int(m.sum()), p=w)
    # Pareto sizes give the heavy-tailed degrees real payment networks show.
    size = (rng.pareto(1.3, n) + 1.0).astype(np.float64)
    registration = (rng.exponential(9 * 365, n) + 60).astype(np.int32)
    return Businesses(
        party_id=opaque_ids(BUSINESSES, np.arange(n)),
        country=country,
        city=city,
        industry=industry,
        size=size,
        account=np.full(n, -1, np.int64),
        usd_account=np.full(n, -1, np.int64),
        registration=registration,
    )


def _choose(
    weights_by_group: dict[int, tuple[np.ndarray, np.ndarray]], group: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each element, an item of its group drawn by weight; -1 where the group is empty."""
    out = np.full(len(group), -1, dtype=np.int64)
    for g in np.unique(group):
        if g not in weights_by_group:
            continue
        items, w = weights_by_group[g]
        m = group == g
        cum = np.cumsum(w)
        out[m] = items[np.searchsorted(cum, rng.random(int(m.sum())) * cum[-1], side="right").clip(0, len(items) - 1)]
    return out


def _group_items(mask: np.ndarray, group: np.ndarray, weight: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for g in np.unique(group[mask]):
        items = np.flatnonzero(mask & (group == g))
        out[int(g)] = (items, weight[items])
    return out


def _build_persons(
    scenario: Scenario, rng: np.random.Generator, cities: dict[int, tuple[np.ndarray, np.ndarray]], biz: Businesses
) -> Persons:
    n = scenario.population.persons
    b = scenario.behaviour
    country = _draw_countries(scenario.residence, n, rng)
    city = np.empty(n, dtype=np.int32)
    for ci, (ids, w) in cities.items():
        m = country == ci
        city[m] = np.sort(rng.choice(ids, size=int(m.sum()), p=w))  # neighbours share a city
    nationality = country.copy()
    us = np.flatnonzero(country == COUNTRY_INDEX["US"])
    u = rng.random(len(us))
    edge = 0.0
    for code, share in scenario.us_foreign_nationals.items():
        sel = (u >= edge) & (u < edge + share)
        nationality[us[sel]] = COUNTRY_INDEX[code]
        edge += share

    occ_w = np.array([o.weight for o in OCCUPATIONS])
    occupation = rng.choice(len(OCCUPATIONS), size=n, p=occ_w / occ_w.sum()).astype(np.int8)
    # Chinese nationals in the US: a share are students funded from home (look-alike of mules).
    cn_in_us = np.flatnonzero((country == COUNTRY_INDEX["US"]) & (nationality == COUNTRY_INDEX["CN"]))
    students = cn_in_us[rng.random(len(cn_in_us)) < b.student_share]
    occupation[students] = OCC_INDEX["student"]
    lo = np.array([o.min_age for o in OCCUPATIONS])[occupation]
    hi = np.array([o.max_age for o in OCCUPATIONS])[occupation]
    age = (lo + rng.beta(1.6, 2.2, n) * (np.minimum(hi, 66 + 24 * (occupation == OCC_INDEX["retiree"])) - lo)).astype(
        np.int16
    )
    age[occupation == OCC_INDEX["retiree"]] = np.maximum(age[occupation == OCC_INDEX["retiree"]], 62)
    age[students] = rng.integers(18, 29, len(students))

    employable = np.isin(biz.industry, [IND_INDEX[c] for c in ("221122", "517312", "524126")], invert=True)
    employers = _group_items(employable, biz.country, biz.size)
    wage = ~np.isin(occupation, list(_NO_WAGE))
    employer = np.where(wage, _choose(employers, country, rng), -1)
    price = np.array([PRICE_LEVEL[c] for c in geo.COUNTRY_CODES])[country]
    usd_to_local = 1.0 / np.array([START_USD[c] for c in _CUR_OF_COUNTRY])[country]
    salary_usd = np.array([o.salary_usd for o in OCCUPATIONS])[occupation]
    annual_local = salary_usd * price * usd_to_local * rng.lognormal(0, 0.35, n)
    sched_p = {"US": (0.45, 0.2, 0.35), "CA": (0.6, 0.2, 0.2), "MX": (0.1, 0.8, 0.1)}
    pay_schedule = np.full(n, 2, dtype=np.int8)
    for code, p in sched_p.items():
        m = country == COUNTRY_INDEX[code]
        pay_schedule[m] = rng.choice(3, size=int(m.sum()), p=p)
    periods = np.array([26, 24, 12])[pay_schedule]
    net_pay = np.where(employer >= 0, np.round(annual_local * 0.78 / periods, 2), 0.0)

    card_rate = rng.gamma(2.0, b.card_purchases_per_day / 2.0, n) * (age >= 16)
    contacts = _contacts(country, rng)

    landlords = _group_items(biz.industry == IND_INDEX["531110"], biz.country, biz.size)
    renter = (rng.random(n) < b.renter_share) & (occupation != OCC_INDEX["student"]) | np.isin(np.arange(n), students)
    landlord = np.where(renter, _choose(landlords, country, rng), -1)
    rent = np.where(landlord >= 0, np.round(1400 * price * usd_to_local * rng.lognormal(0, 0.35, n), -1), 0.0)
    rent_day = rng.integers(1, 6, n).astype(np.int8)

    remit_to = np.full(n, -1, dtype=np.int64)
    mx_home = np.flatnonzero(country == COUNTRY_INDEX["MX"])
    cn_home = np.flatnonzero(country == COUNTRY_INDEX["CN"])
    mx_in_us = np.flatnonzero((country == COUNTRY_INDEX["US"]) & (nationality == COUNTRY_INDEX["MX"]))
    if len(mx_home):
        senders = mx_in_us[rng.random(len(mx_in_us)) < b.remitter_share]
        remit_to[senders] = mx_home[rng.integers(0, len(mx_home), len(senders))]
    if len(cn_home):
        others = np.setdiff1d(cn_in_us, students)
        senders = others[rng.random(len(others)) < 0.3]
        remit_to[senders] = cn_home[rng.integers(0, len(cn_home), len(senders))]
    remit_day = rng.integers(1, 29, n).astype(np.int8)
    parent = np.full(n, -1, dtype=np.int64)
    university = np.full(n, -1, dtype=np.int64)
    if len(cn_home) and len(students):
        parent[students] = cn_home[rng.integers(0, len(cn_home), len(students))]
        unis = _group_items(biz.industry == IND_INDEX["611310"], biz.country, biz.size)
        university[students] = _choose(unis, np.full(len(students), COUNTRY_INDEX["US"]), rng)

    return Persons(
        party_id=opaque_ids(PERSONS, np.arange(n)),
        country=country,
        nationality=nationality,
        city=city,
        age=age,
        occupation=occupation,
        employer=employer,
        net_pay=net_pay,
        pay_schedule=pay_schedule,
        pay_phase=rng.integers(0, 2, n).astype(np.int8),
        checking=np.full(n, -1, np.int64),
        savings=np.full(n, -1, np.int64),
        wallet=np.full(n, -1, np.int64),
        card_rate=card_rate,
        cash_paid=np.isin(occupation, list(_CASH_PAID)) & (rng.random(n) < 0.5),
        contacts=contacts,
        rent=rent,
        rent_day=rent_day,
        landlord=landlord,
        remit_to=remit_to,
        remit_day=remit_day,
        parent=parent,
        university=university,
    )


def _contacts(country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Five P2P contacts each: mostly neighbours in the city-sorted order, one anywhere in the
    same country, so that P2P graphs are local and clustered with a few long ties."""
    n = len(country)
    idx = np.arange(n)
    offsets = rng.geometric(0.08, (n, 5)) * rng.choice([-1, 1], (n, 5))
    contacts = idx[:, None] + offsets
    starts = np.searchsorted(country, country, side="left")
    ends = np.searchsorted(country, country, side="right")
    span = np.maximum(ends - starts, 1)
    contacts = starts[:, None] + (contacts - starts[:, None]) % span[:, None]
    contacts[:, 4] = starts + rng.integers(0, 1 << 30, n) % span
    contacts[contacts == idx[:, None]] = ((contacts - starts[:, None] + 1) % span[:, None] + starts[:, None])[
        contacts == idx[:, None]
    ]
    return contacts.astype(np.int64)


def _build_accounts(
    scenario: Scenario, rng: np.random.Generator, p: Persons, biz: Businesses, banks: tuple[Bank, ...]
) -> Accounts:
    from counterflow.dataset.vocab import ACCOUNT_TYPES

    at = {t: i for i, t in enumerate(ACCOUNT_TYPES)}
    by_country: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for ci, code in enumerate(geo.COUNTRY_CODES):
        ids = np.array([bk.bank_id for bk in banks if bk.country == code and bk.kind == "bank"])
        if len(ids):
            w = 1.0 / np.arange(1, len(ids) + 1) ** 0.9  # a few big banks, a tail of small ones
            by_country[ci] = (ids, w)
    exchange = next((bk.bank_id for bk in banks if bk.kind == "crypto_exchange"), -1)
    bank_cur = {bk.bank_id: bk.currency for bk in banks}

    owner_kind, owner, bank, atype, opened = [], [], [], [], []

    def add(kind: int, who: np.ndarray, bank_ids: np.ndarray, type_name: str, days_before: np.ndarray) -> np.ndarray:
        start = sum(len(x) for x in owner)
        owner_kind.append(np.full(len(who), kind, np.int8))
        owner.append(who.astype(np.int64))
        bank.append(bank_ids.astype(np.int32))
        atype.append(np.full(len(who), at[type_name], np.int8))
        opened.append(days_before.astype(np.int32))
        return new_ids(start, len(who))

    def new_ids(start: int, k: int) -> np.ndarray:
        return opaque_ids(ACCOUNTS, np.arange(start, start + k))

    n = len(p)
    all_p = np.arange(n)
    p_bank = _choose(by_country, p.country, rng)
    tenure = rng.exponential(6 * 365, n) + 30
    p.checking[:] = add(0, all_p, p_bank, "checking", np.minimum(tenure, (p.age - 16) * 365 + 30))
    savers = all_p[rng.random(n) < scenario.behaviour.savings_share]
    p.savings[savers] = add(0, savers, p_bank[savers], "savings", tenure[savers] * rng.random(len(savers)))
    if exchange > 0:
        crypto = all_p[(rng.random(n) < scenario.behaviour.crypto_user_share) & (p.age < 60)]
        p.wallet[crypto] = add(
            0, crypto, np.full(len(crypto), exchange), "wallet", rng.integers(30, 4 * 365, len(crypto))
        )
    # Half the foreign nationals keep a checking account at home, in its currency (they pay family
    # from it): the honest look-alike of a dollar buyer's account in China.
    abroad = all_p[(p.nationality != p.country) & (rng.random(n) < HOME_ACCOUNT_SHARE)]
    abroad = abroad[np.isin(p.nationality[abroad], list(by_country))]
    p.home = np.full(n, -1, np.int64)
    if len(abroad):
        p.home[abroad] = add(0, abroad, _choose(by_country, p.nationality[abroad], rng), "checking",
                             np.minimum(tenure[abroad], (p.age[abroad] - 16) * 365 + 30))
    nb = len(biz)
    all_b = np.arange(nb)
    b_bank = _choose(by_country, biz.country, rng)
    biz.account[:] = add(1, all_b, b_bank, "business", np.minimum(biz.registration, rng.exponential(5 * 365, nb) + 30))
    biz.usd_account[:] = biz.account
    trader_codes = ("325199", "325412", "424690", "424210", "423690", "334220", "424350", "488510")
    traders = all_b[np.isin(biz.industry, [IND_INDEX[c] for c in trader_codes]) & (biz.country != COUNTRY_INDEX["US"])]
    biz.usd_account[traders] = add(
        1, traders, b_bank[traders], "foreign_currency", np.minimum(biz.registration[traders], 3 * 365)
    )
    bank_arr = np.concatenate(bank)
    types = np.concatenate(atype)
    currency = np.array([bank_cur[int(bk)] for bk in bank_arr], dtype=object)
    currency[types == at["foreign_currency"]] = "USD"
    wallets = types == at["wallet"]
    currency[wallets] = np.where(rng.random(int(wallets.sum())) < 0.7, "USDT", "BTC")
    return Accounts(
        account_id=opaque_ids(ACCOUNTS, np.arange(len(bank_arr))),
        owner_kind=np.concatenate(owner_kind),
        owner=np.concatenate(owner),
        bank=bank_arr,
        account_type=types,
        currency=currency,
        open_days_before=np.concatenate(opened),
    )


# -- covers: the traits of parties added by the twins, drawn as for the population's ---------------

_OCC_W = np.array([o.weight for o in OCCUPATIONS], dtype=float)
_OCC_LO = np.array([o.min_age for o in OCCUPATIONS])
_OCC_HI = np.array([o.max_age for o in OCCUPATIONS])


def person_traits(n: int, rng: np.random.Generator, min_age: int = 18) -> tuple[np.ndarray, np.ndarray]:
    """(occupation index, age) of ``n`` adults drawn as the population's persons are: occupation by
    its weight, age within the occupation's range on the same beta curve. A party the twins add
    (a broker, a courier, a dollar buyer) is then a teacher, a truck driver or a retiree as often
    as an honest person of his country is."""
    ok = _OCC_HI >= min_age
    w = np.where(ok, _OCC_W, 0.0)
    occupation = rng.choice(len(OCCUPATIONS), size=n, p=w / w.sum()).astype(np.int8)
    lo = np.maximum(_OCC_LO[occupation], min_age)
    retiree = occupation == OCC_INDEX["retiree"]
    hi = np.minimum(_OCC_HI[occupation], 66 + 24 * retiree)
    age = (lo + rng.beta(1.6, 2.2, n) * (hi - lo)).astype(np.int16)
    age[retiree] = np.maximum(age[retiree], 62)
    return occupation, age


def birth_days_before(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Days between birth and the start date, as the parties table writes the population's."""
    return np.asarray(age, np.int64) * 365 + rng.integers(0, 365, len(age))


def checking_days_before(age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How long before the start a person's account was opened: the population's tenure curve,
    never before the holder turned sixteen."""
    tenure = rng.exponential(6 * 365, len(age)) + 30
    return np.minimum(tenure, (np.asarray(age) - 16) * 365 + 30).astype(np.int64)


def registration_days_before(n: int, rng: np.random.Generator) -> np.ndarray:
    """Days between a business's registration and the start: the population's spread."""
    return (rng.exponential(9 * 365, n) + 60).astype(np.int64)


def business_account_days_before(registration: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.minimum(registration, rng.exponential(5 * 365, len(registration)) + 30).astype(np.int64)


def has_website(n: int, rng: np.random.Generator) -> np.ndarray:
    """Whether a firm of ordinary size has a website (the population's rule on a Pareto size)."""
    size = rng.pareto(1.3, n) + 1.0
    return rng.random(n) < np.clip(0.45 + 0.1 * np.log(size), 0, 0.98)



def zipf_pick(pool: list[Bank], rng: np.random.Generator) -> Bank:
    """A bank of ``pool`` (banks of one country in the banks table's order) drawn as the population's
    customers choose theirs: a few big banks, a tail of small ones (weight 1 / rank ** 0.9)."""
    w = 1.0 / np.arange(1, len(pool) + 1) ** 0.9
    return pool[int(rng.choice(len(pool), p=w / w.sum()))]
