"""The laundering twin's setup: broker networks, their parties and accounts, and the courier pick-ups.

Each broker network has three nodes (a US collection account held by a Chinese national living in
the US, a Mexican peso pool, a Chinese yuan account), couriers whose personal accounts serve as
funnel accounts, mules recruited among real US residents who are students, homemakers, retirees or
laborers (their ordinary activity continues, which is what makes them hard to spot), Chinese
nationals in the US who buy dollars and pay in yuan at home, Mexico-based business people who buy
pesos with yuan, pass-through accounts, and real US residents whose credit cards the broker pays
off. Each cartel gets a peso account and a crypto wallet.

Pick-ups come from ``cash_proceeds``: each organisation's cash in each city collects in a stash
until it reaches about ``pickup_usd``. Everything that decides money and accounts (amount, fee,
loss, channel, path, which mule or courier takes which deposit, which buyer gets which dollars) is
fixed here, once and in day order, so that the networks can adapt to the scenario's levers (see
:mod:`counterflow.render.laundering.adapt`) and the ledger of a case can be checked against the
transactions (cash in = pesos out + fees + losses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from counterflow.dataset import vocab
from counterflow.render.ids import LAUNDER_ACCOUNTS, LAUNDER_PARTIES, opaque_ids, rng_for
from counterflow.render.laundering.adapt import Adaptation, Slots, bank_of
from counterflow.render.population import (
    COUNTRY_INDEX,
    OCC_INDEX,
    birth_days_before,
    checking_days_before,
    person_traits,
    zipf_pick,
)
from counterflow.world import geography as geo
from counterflow.world import names as nm
from counterflow.world.industries import OCCUPATION_NAMES

ORG_CASE_BASE = 3001  # cash_proceeds.case_id = 3001 + position in vocab.ORGANISATIONS
MULE_OCCUPATIONS = ("student", "homemaker", "retiree", "laborer")
_US = COUNTRY_INDEX["US"]
# Channels of a pick-up: through a CMLN broker, carried south in bulk, the organisation's own.
CMLN, BULK, OWN = 0, 1, 2
# How a broker's collected dollars reach the buyers: wires, via pass-through accounts (C3), by
# paying off shoppers' credit cards (C5), or (after a Mexican USD cap) converted to USDT.
WIRE, PASS, CARD, CRYPTO = 0, 1, 2, 3
MAX_BUYERS = 6


@dataclass
class Network:
    """Account ids of every node, by network (rows) and slot (columns)."""

    case: np.ndarray  # (J,) case id served by each network
    us: np.ndarray  # (J,) broker's US collection account
    mx: np.ndarray  # (J,) broker's Mexican peso pool
    cn: np.ndarray  # (J,) broker's Chinese yuan account
    wallet: np.ndarray  # (J,) broker's USDT wallet
    dollar_us: np.ndarray  # (J, buyers) and their accounts in China, same slots
    dollar_cn: np.ndarray
    peso_mx: np.ndarray  # (J, buyers) and their accounts in China, same slots
    peso_cn: np.ndarray
    passthru: np.ndarray  # (J, pass-through accounts)
    cartel: dict[int, int]  # case id -> the cartel's peso account
    cartel_wallet: dict[int, int]  # case id -> the cartel's USDT wallet
    recruit_party: np.ndarray  # party ids of recruited real persons (mules, card holders)
    recruit_case: np.ndarray
    recruit_typology: np.ndarray  # "C2" (mule) or "C5" (card holder)


@dataclass
class Pickups:
    """One row per courier pick-up, sorted by day; the deposits and dollar payees of each pick-up
    are flat arrays sorted by pick-up (``*_own`` is the pick-up's position)."""

    day: np.ndarray  # day index in the dataset window
    city: np.ndarray  # place id of the US city
    case: np.ndarray
    network: np.ndarray  # broker network (-1 outside the CMLN channel)
    cash: np.ndarray  # whole dollars handed to the courier
    lost: np.ndarray  # bool: seized or stolen before any deposit
    fee: np.ndarray  # broker commission on the pesos
    mule: np.ndarray  # bool: placed through mules (else a courier's funnel account)
    channel: np.ndarray  # CMLN, BULK or OWN
    path: np.ndarray  # WIRE, PASS, CARD or CRYPTO (CMLN channel)
    dep_own: np.ndarray  # per structured deposit: its pick-up
    dep_acct: np.ndarray  # the mule's or courier's account
    pay_own: np.ndarray  # per dollar payee: its pick-up
    pay_acct: np.ndarray  # US account paid (dollar buyer or card holder)
    pay_cn: np.ndarray  # Chinese account that pays the yuan
    pay_usd: np.ndarray
    via: np.ndarray  # pass-through account (PASS), else -1
    out_day: np.ndarray  # day of the later legs (bulk cash deposited in Mexico, own channel sent south)

    def day_slice(self, d: int) -> slice:
        return slice(int(np.searchsorted(self.day, d)), int(np.searchsorted(self.day, d, side="right")))


FIELDS = ("day", "city", "case", "network", "cash", "lost", "fee", "mule", "channel", "path", "out_day")


@dataclass
class Plan:
    network: Network
    pickups: Pickups
    parties: pa.Table
    labels: pa.Table
    accounts: pa.Table
    cash_in: float  # whole laundered cash of the window (sum of pick-ups)
    adapt: Adaptation
    legs: object = None  # later.Legs: legs on other days than the pick-up's, built by later.py


def build_plan(ctx) -> Plan:  # noqa: ANN001 - Context (a circular import otherwise)
    sc, pop, seed = ctx.scenario, ctx.pop, ctx.seed
    lc = sc.laundering
    rng = rng_for(seed, "laundering-plan")
    cases = np.array([ORG_CASE_BASE + vocab.ORGANISATIONS.index(o) for o in lc.organisations], np.int64)
    J = lc.brokers
    net_case = cases[np.arange(J) % len(cases)]
    ad = Adaptation.build(lc.levers, sc, pop, rng)
    b = _PartyBuilder(rng, sc.start_date, pop.banks, ad.cut_banks, sc.us_foreign_nationals)

    def nodes(role: str, typ: str | None, country: str, nationality: str, n_per: int, bank_countries: tuple[str, ...]):
        case = np.repeat(net_case, n_per)
        accts = b.add(role, typ, country, nationality, case, bank_countries)
        return [a.reshape(J, n_per) for a in accts]

    # Nominees and couriers are as mixed as the residents of their country ("resident"); the dollar
    # buyers are Chinese nationals in the US (they pay in yuan at home).
    (us,) = nodes("money_broker", "C1", "US", "resident", 1, ("US",))
    (mx,) = nodes("money_broker", "C1", "MX", "MX", 1, ("MX",))
    (cn, wallet) = nodes("money_broker", "C1", "CN", "CN", 1, ("CN", "wallet"))
    (funnel,) = nodes("broker_courier", "F4", "US", "resident", lc.couriers_per_broker, ("US",))
    dollar_us, dollar_cn = nodes("dollar_buyer", "C1", "US", "CN", lc.dollar_buyers_per_broker, ("US", "CN"))
    peso_mx, peso_cn = nodes("peso_buyer", "C1", "MX", "MX", lc.peso_buyers_per_broker, ("MX", "CN"))
    (passthru,) = nodes("funnel_account", "C3", "US", "resident", lc.pass_through_per_broker, ("US",))
    cartel, cartel_wallet = b.add("cartel", "C1", "MX", "MX", cases, ("MX", "wallet"))
    mule_pool, holder_pool = _pools(pop, ad, rng)
    mule_r, holder_r = _Recruiter(mule_pool, pop.persons.checking), _Recruiter(holder_pool, pop.persons.checking)
    mules = Slots(mule_r.initial(net_case, lc.mules_per_broker), net_case, mule_r.take)
    holders = Slots(holder_r.initial(net_case, lc.card_holders_per_broker), net_case, holder_r.take)
    couriers = Slots(funnel, net_case, lambda case: int(b.add("broker_courier", "F4", "US", "resident",
                                                               np.array([case]), ("US",))[0][0]))
    network = Network(net_case, us[:, 0], mx[:, 0], cn[:, 0], wallet[:, 0], dollar_us, dollar_cn, peso_mx, peso_cn,
                      passthru, dict(zip(cases.tolist(), cartel.tolist())),
                      dict(zip(cases.tolist(), cartel_wallet.tolist())), *_empty_recruits())
    pickups = _pickups(ctx, net_case, rng)
    pickups = _assign(ctx, pickups, network, mules, holders, couriers, ad, b, rng)
    network.recruit_party = pop.persons.party_id[np.array(mule_r.taken + holder_r.taken, np.int64)]
    network.recruit_case = np.array(mule_r.case + holder_r.case, np.int64)
    network.recruit_typology = np.array(["C2"] * len(mule_r.taken) + ["C5"] * len(holder_r.taken), object)
    plan = Plan(network, pickups, *(None,) * 3, float(pickups.cash.sum()), ad)
    # The later legs (spends, bulk cash, other organisations) add parties of their own.
    from counterflow.render.laundering import later  # noqa: PLC0415 - later imports this module

    plan.legs = later.build(ctx, plan, b, rng)
    ad.move_accounts(b, network, rng)
    plan.parties, plan.labels, plan.accounts = b.tables()
    return plan


def _empty_recruits() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object)


class _Recruiter:
    """Real persons taken in pool order; a slot stays empty (-1) once the pool runs out."""

    def __init__(self, pool: np.ndarray, checking: np.ndarray) -> None:
        self.pool, self.checking = pool, checking
        self.taken: list[int] = []
        self.case: list[int] = []

    def take(self, case: int) -> int:
        if len(self.taken) >= len(self.pool):
            return -1
        person = int(self.pool[len(self.taken)])
        self.taken.append(person)
        self.case.append(case)
        return int(self.checking[person])

    def initial(self, net_case: np.ndarray, per: int) -> np.ndarray:
        """Slots filled network by network in turn, so a small population still gives every
        network a recruit."""
        J = len(net_case)
        out = np.full((per, J), -1, np.int64)
        for s in range(per):
            for j in range(J):
                out[s, j] = self.take(int(net_case[j]))
        return out.T.copy()


def _pools(pop, ad: Adaptation, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Person indices that recruiters can approach, in the order they will: mules among the
    targeted occupations, card holders among the other US adults; none banking at a bank that a
    lever cuts off (the networks avoid it from the start, which keeps the cut-off test exact)."""
    p = pop.persons
    ok = (p.country == _US) & (p.age >= 18) & ~np.isin(bank_of(pop, p.checking), list(ad.cut_banks))
    targeted = np.isin(p.occupation, [OCC_INDEX[o] for o in MULE_OCCUPATIONS])
    mule_pool = np.flatnonzero(ok & targeted)
    holder_pool = np.flatnonzero(ok & ~targeted & (p.age <= 45))
    return rng.permutation(mule_pool), rng.permutation(holder_pool)


def _pickups(ctx, net_case: np.ndarray, rng: np.random.Generator) -> Pickups:  # noqa: ANN001
    """Cut each (organisation, city) cash stream into pick-ups where the running stash crosses a
    multiple of the pick-up size; whole dollars, so the pick-ups add up to the stash exactly.

    The broker organisations hand ``cmln_share`` of their cash to brokers and carry ``bulk_share``
    south; the ``own_channel`` organisations launder ``own_share`` themselves."""
    sc, lc = ctx.scenario, ctx.scenario.laundering
    t = ctx.cash_proceeds
    if t is None or t.num_rows == 0 or not lc.enabled:
        return _no_pickups()
    broker_cases = [ORG_CASE_BASE + vocab.ORGANISATIONS.index(o) for o in lc.organisations]
    own_cases = [ORG_CASE_BASE + vocab.ORGANISATIONS.index(o) for o in lc.own_channel]
    case = t["case_id"].to_numpy()
    share = np.where(np.isin(case, broker_cases), lc.cmln_share + lc.bulk_share,
                     np.where(np.isin(case, own_cases), lc.own_share, 0.0))
    keep = share > 0
    day = (t["date"].to_numpy()[keep] - np.datetime64(sc.start_date, "D")).astype(np.int64)
    city = t["city_id"].to_numpy()[keep].astype(np.int64)
    case = case[keep]
    usd = t["amount_usd"].to_numpy()[keep] * share[keep] * lc.scale(sc.population.persons)
    day, city, pc, cash = cut_stash(day, city, case, usd, lc.pickup_usd, rng)
    n = len(day)
    if n == 0:
        return _no_pickups()
    broker = np.isin(pc, broker_cases)
    bulk_p = lc.bulk_share / max(lc.cmln_share + lc.bulk_share, 1e-12)
    channel = np.where(broker, np.where(rng.random(n) < bulk_p, BULK, CMLN), OWN).astype(np.int8)
    # A pick-up goes to one of the networks serving its case.
    pick = rng.integers(0, 1 << 30, n)
    # Bulk pick-ups get a network too: a USD cap may send them to the brokers after all.
    network = np.full(n, -1, np.int64)
    for c in np.unique(pc[broker]):
        serving = np.flatnonzero(net_case == c)
        m = broker & (pc == c)
        network[m] = serving[pick[m] % len(serving)]
    u = rng.random(n)
    path = np.where(u < lc.pass_through_share, PASS, np.where(u < lc.pass_through_share + lc.card_payoff_share,
                                                             CARD, WIRE)).astype(np.int8)
    p = _no_pickups()
    p.day, p.city, p.case, p.network, p.cash = day, city.astype(np.int32), pc, network, cash
    p.lost = rng.random(n) < lc.loss_rate
    p.fee = np.where(broker, rng.uniform(lc.fee_min, lc.fee_max, n), 0.0)
    p.mule = (rng.random(n) < lc.mule_share) & broker
    p.channel, p.path = channel, np.where(broker, path, WIRE).astype(np.int8)
    # Bulk cash takes one to three days to cross; own-channel money leaves within the lag.
    p.out_day = p.day + np.where(channel == BULK, rng.integers(1, 4, n), rng.integers(1, lc.lag_days_max + 1, n))
    o = np.argsort(p.day, kind="stable")
    for f in FIELDS:
        setattr(p, f, getattr(p, f)[o])
    return p


def cut_stash(day: np.ndarray, city: np.ndarray, case: np.ndarray, usd: np.ndarray, size_usd: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut each (case, city) stream of daily cash into hand-overs where the running stash crosses a
    multiple of about ``size_usd`` (±30% per stream). Returns (day, city, case, cash) of the
    hand-overs, ordered by case, city and day; cash is in whole dollars and the hand-overs of a
    stream add up to its stash (rounded) at its last crossing."""
    order = np.lexsort((day, city, case))
    day, city, case, usd = day[order], city[order], case[order], usd[order]
    key = case * 100_000 + city
    first = np.r_[True, key[1:] != key[:-1]]
    grp = np.cumsum(first) - 1
    cum = np.cumsum(usd)
    cum -= np.repeat(cum[first] - usd[first], np.bincount(grp))  # running stash within each group
    size = size_usd * rng.uniform(0.7, 1.3, grp[-1] + 1 if len(grp) else 0)
    n_cut = np.floor(cum / size[grp])
    prev = np.where(first, 0.0, np.r_[0.0, n_cut[:-1]])
    at = np.flatnonzero(n_cut > prev)
    total = np.round(cum[at])
    new_grp = np.r_[True, grp[at][1:] != grp[at][:-1]]
    cash = np.where(new_grp, total, total - np.r_[0.0, total[:-1]])
    return day[at], city[at], case[at], cash


def _no_pickups() -> Pickups:
    e = {np.int64: np.empty(0, np.int64), float: np.empty(0), bool: np.empty(0, bool), np.int8: np.empty(0, np.int8)}
    return Pickups(e[np.int64], np.empty(0, np.int32), e[np.int64], e[np.int64], e[float], e[bool], e[float],
                   e[bool], e[np.int8], e[np.int8], e[np.int64], e[np.int64], e[np.int64], e[np.int64],
                   e[np.int64], e[float], e[np.int64], e[np.int64])


def split_total(total: np.ndarray, k: np.ndarray, jitter: float, rng: np.random.Generator, decimals: int = 0):
    """Split each ``total`` into ``k`` parts of about equal size (+-``jitter``, zero-mean within a
    total) that add up to it exactly. Returns (owner index, amounts)."""
    owner = np.repeat(np.arange(len(total)), k)
    u = rng.uniform(-jitter, jitter, len(owner))
    u -= (np.bincount(owner, u, len(total)) / np.maximum(k, 1))[owner]
    raw = (total / np.maximum(k, 1))[owner] * (1 + u)
    # Rounding the running sum (not each part) keeps every part within one unit of its raw value
    # while the parts of a total add up to it exactly.
    scale = 10.0**decimals
    cum = np.round(np.cumsum(raw) * scale)
    ends = np.cumsum(k) - 1
    cum[ends[k > 0]] = np.round(np.cumsum(total) * scale)[k > 0]
    return owner, np.diff(np.r_[0.0, cum]) / scale


def deposit_count(cash: np.ndarray, cap: float, rng: np.random.Generator) -> np.ndarray:
    """How many structured deposits carry each ``cash``: a part deviates at most 40% from the mean
    (``split_total`` with jitter 0.2), so a mean below cap / 1.45 keeps every deposit under the cap."""
    mean = np.minimum(rng.uniform(0.45, 0.68, len(cash)) * cap, cap / 1.45 - 1)
    return np.ceil(cash / mean).astype(np.int64)


def _assign(ctx, pk: Pickups, net: Network, mules: Slots, holders: Slots, couriers: Slots,  # noqa: ANN001
            ad: Adaptation, b: _PartyBuilder, rng: np.random.Generator) -> Pickups:
    """Walk the CMLN pick-ups in day order and decide who takes each deposit and who receives the
    dollars, replacing closed accounts as the levers close them (``ad``)."""
    lc = ctx.scenario.laundering
    n = len(pk.day)
    ad.apply_fx_quota(pk)
    ad.apply_usd_cap(pk, rng)
    n_dep = deposit_count(pk.cash, lc.deposit_max_usd, rng)
    n_mule = rng.integers(2, 5, n)
    courier_slot = rng.integers(0, lc.couriers_per_broker, n)
    extra = ad.extra_buyers(pk.day)
    nb = np.minimum(rng.integers(1, 4, n) + extra, MAX_BUYERS)
    dep_own, dep_acct, pay_own, pay_acct, pay_cn = [], [], [], [], []
    via = np.full(n, -1, np.int64)
    u_slot = rng.integers(0, 1 << 30, (n, 2 * MAX_BUYERS))
    for i in range(n):
        if pk.channel[i] != CMLN or pk.lost[i]:
            continue
        j, d = int(pk.network[i]), int(pk.day[i])
        accts = [a for a in (mules.current(j, s, d, ad) for s in range(int(n_mule[i]))) if a >= 0] if pk.mule[i] else []
        pk.mule[i] = bool(accts)  # no mule left to recruit: a courier places it
        if accts:
            who = [accts[q % len(accts)] for q in range(int(n_dep[i]))]
        else:
            who = [couriers.current(j, int(courier_slot[i]), d, ad)] * int(n_dep[i])
        ad.count_deposits(who, d)
        dep_own += [i] * len(who)
        dep_acct += who
        if pk.path[i] == CRYPTO:
            continue
        k = int(nb[i])
        us_slots = u_slot[i, :k] % net.dollar_us.shape[1]
        if pk.path[i] == CARD:
            hs = u_slot[i, MAX_BUYERS:MAX_BUYERS + k] % lc.card_holders_per_broker
            paid = [holders.current(j, int(h), d, ad) for h in hs]
            # No card holder left to recruit: the dollars are wired to the buyers instead.
            pay_acct += [a if a >= 0 else int(net.dollar_us[j, s]) for a, s in zip(paid, us_slots)]
        else:
            pay_acct += net.dollar_us[j, us_slots].tolist()
        pay_cn += net.dollar_cn[j, us_slots].tolist()
        pay_own += [i] * k
        if pk.path[i] == PASS:
            via[i] = net.passthru[j, int(u_slot[i, -1]) % net.passthru.shape[1]]
    own = np.array(pay_own, np.int64)
    paying = np.unique(own)
    # Dollar sales carry cents, as wires between people do (the pick-up itself is whole dollars).
    _, amounts = split_total(pk.cash[paying], np.bincount(own, minlength=n)[paying], 0.3, rng, 2)
    pk.dep_own, pk.dep_acct = np.array(dep_own, np.int64), np.array(dep_acct, np.int64)
    pk.pay_own, pk.pay_acct, pk.pay_cn = own, np.array(pay_acct, np.int64), np.array(pay_cn, np.int64)
    pk.pay_usd, pk.via = amounts, via
    return pk


class _PartyBuilder:
    """New illicit persons with one account per listed bank country."""

    def __init__(self, rng: np.random.Generator, start: dt.date, banks, cut: dict[int, int],  # noqa: ANN001
                 nationals: dict[str, float] | None = None) -> None:
        self.rng, self.start, self.cut = rng, start, cut
        self.nationals = dict(nationals or {})  # foreign nationals among US residents (shares)
        self.banks: dict[str, list] = {}
        for bk in banks:
            if bk.kind == "bank":
                self.banks.setdefault(bk.country, []).append(bk)
            elif bk.kind == "crypto_exchange":
                self.banks.setdefault("wallet", []).append(bk)
        self.parties: dict[str, list] = {k: [] for k in _PARTY_COLS + ("party_id",)}
        self.labels: dict[str, list] = {k: [] for k in ("role", "typology", "case_id")}
        self.accounts: dict[str, list] = {k: [] for k in ("party", "bank_id", "account_number", "account_type",
                                                          "currency", "open_date")}

    def add(self, role: str, typ: str | None, country: str, nationality: str, case: np.ndarray,
            bank_countries: tuple[str, ...], opened_before: int | None = None) -> list[np.ndarray]:
        """New persons, one account per listed bank country; ``opened_before`` (a day index): the
        accounts open 3-30 days before that day (a replacement), else 30-1,500 days before the start."""
        rng, n = self.rng, len(case)
        first = len(self.labels["role"])
        pid = opaque_ids(LAUNDER_PARTIES, np.arange(first, first + n))
        # "resident": nationalities drawn as the country's residents' are (the scenario's mix).
        nats = np.array([nationality] * n, object) if nationality != "resident" else self._nationalities(country, n)
        display, given, family = (np.empty(n, object) for _ in range(3))
        email = np.empty(n, object)
        for nat in sorted(set(nats)):
            m = nats == nat
            display[m], given[m], family[m] = nm.person_names(nat, int(m.sum()), rng)
            email[m] = nm.emails(list(given[m]), list(family[m]), nat, rng)
        display, given, family = list(display), list(given), list(family)
        cities = geo.places_of("city", country)
        w = np.array([c.population_k for c in cities], float)
        city = [cities[i] for i in rng.choice(len(cities), n, p=w / w.sum())]
        # Occupation, age and account tenure as for an honest person (see population.person_traits).
        occupation, age = person_traits(n, rng)
        tenure = checking_days_before(age, rng)
        cols = {
            "kind": ["person"] * n, "name": display, "given_name": given, "family_name": family,
            "country": [country] * n, "nationality": list(nats),
            "birth_date": [self.start - dt.timedelta(days=int(x)) for x in birth_days_before(age, rng)],
            "occupation": [OCCUPATION_NAMES[o] for o in occupation], "industry_code": [None] * n,
            "registration_date": [None] * n,
            "tax_id": [None] * n, "trade_names": [None] * n, "has_website": [None] * n,
            "phone": nm.phones(country, n, rng), "email": list(email),
            "address": nm.street_addresses(country, n, rng), "city_id": [c.place_id for c in city],
            "state": [c.state for c in city],
        }
        for k, v in cols.items():
            self.parties[k].extend(v)
        self.parties["party_id"].extend(pid.tolist())
        self.labels["role"].extend([role] * n)
        self.labels["typology"].extend([typ] * n)
        self.labels["case_id"].extend(case.tolist())
        out = []
        for bc in bank_countries:
            first_acct = len(self.accounts["party"])
            pool = self.banks.get(bc) or self.banks["US"]
            for i in range(n):
                bk = pool[int(rng.integers(0, len(pool)))] if bc == "wallet" else zipf_pick(pool, rng)
                self.accounts["party"].append(int(pid[i]))
                self.accounts["bank_id"].append(bk.bank_id)
                self.accounts["account_number"].append(f"{bk.bank_id * 10**12 + int(rng.integers(10**9, 10**12)):015d}")
                # An account abroad (a dollar buyer's account at home in China) is an ordinary
                # checking account in that bank's currency, as honest foreign nationals keep at home
                # (population: home accounts).
                kind = "wallet" if bc == "wallet" else "checking"
                self.accounts["account_type"].append(kind)
                self.accounts["currency"].append("USDT" if bc == "wallet" else bk.currency)
                back = int(rng.integers(30, 4 * 365)) if bc == "wallet" else int(tenure[i])
                if opened_before is not None:
                    back = int(rng.integers(3, 30)) - opened_before
                self.accounts["open_date"].append(self.start - dt.timedelta(days=back))
            out.append(opaque_ids(LAUNDER_ACCOUNTS, np.arange(first_acct, first_acct + n)))
        return out

    def _nationalities(self, country: str, n: int) -> np.ndarray:
        out = np.array([country] * n, object)
        if country == "US":
            u = self.rng.random(n)
            edge = 0.0
            for code, share in self.nationals.items():
                out[(u >= edge) & (u < edge + share)] = code
                edge += share
        return out

    def add_usd_accounts(self, party_ids: np.ndarray, country: str) -> np.ndarray:
        """USD accounts at banks of ``country`` for existing parties (cartel depositors in Mexico)."""
        first = len(self.accounts["party"])
        pool = self.banks[country]
        for pid in party_ids:
            bk = zipf_pick(pool, self.rng)
            opened = self.start - dt.timedelta(days=int(self.rng.integers(30, 1500)))
            self._account(int(pid), bk, "foreign_currency", "USD", opened)
        return opaque_ids(LAUNDER_ACCOUNTS, np.arange(first, first + len(party_ids)))

    def _account(self, pid: int, bk, kind: str, currency: str, opened: dt.date) -> None:  # noqa: ANN001
        a = self.accounts
        a["party"].append(pid)
        a["bank_id"].append(bk.bank_id)
        a["account_number"].append(f"{bk.bank_id * 10**12 + int(self.rng.integers(10**9, 10**12)):015d}")
        a["account_type"].append(kind)
        a["currency"].append(currency)
        a["open_date"].append(opened)

    def move_off(self, cut: dict[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A replacement account at another bank of the same country for every account at a cut-off
        bank, opened shortly before the order. Returns (old ids, new ids, first day of the new)."""
        a = self.accounts
        old, on = [], []
        n0 = len(a["party"])
        for i in range(n0):
            if a["bank_id"][i] not in cut:
                continue
            bank = next(bk for pool in self.banks.values() for bk in pool if bk.bank_id == a["bank_id"][i])
            pool = [bk for bk in self.banks.get(bank.country if a["account_type"][i] != "wallet" else "wallet", [])
                    if bk.bank_id not in cut] or [bk for bk in self.banks["US"] if bk.bank_id not in cut]
            day = cut[a["bank_id"][i]]
            opened = self.start + dt.timedelta(days=day - int(rng.integers(3, 30)))
            self._account(a["party"][i], zipf_pick(pool, rng), a["account_type"][i],
                          a["currency"][i], opened)
            old.append(i)
            on.append(day)
        new = np.arange(n0, len(a["party"]))
        return (opaque_ids(LAUNDER_ACCOUNTS, np.array(old, np.int64)), opaque_ids(LAUNDER_ACCOUNTS, new),
                np.array(on, np.int64))

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        pc = self.parties
        parties = pa.table({k: pa.array(pc[k], _ARROW.get(k)) for k in _PARTY_COLS + ("party_id",)})
        n = parties.num_rows
        lab = self.labels
        labels = pa.table({
            "party_id": pa.array(pc["party_id"], pa.int64()),
            "is_illicit": np.ones(n, bool),
            "role": vocab.encode(lab["role"], vocab.ROLES),
            "typology": vocab.encode(lab["typology"], vocab.TYPOLOGIES),
            "case_id": pa.array(lab["case_id"], pa.int64()),
        })
        a = self.accounts
        accounts = pa.table({
            "account_id": opaque_ids(LAUNDER_ACCOUNTS, np.arange(len(a["party"]))),
            "party_id": pa.array(a["party"], pa.int64()),
            "bank_id": pa.array(a["bank_id"], pa.int32()),
            "account_number": a["account_number"],
            "account_type": a["account_type"],
            "currency": a["currency"],
            "open_date": pa.array(a["open_date"], pa.date32()),
        })
        return parties, labels, accounts


_PARTY_COLS = ("kind", "name", "given_name", "family_name", "country", "nationality", "birth_date", "occupation",
               "industry_code", "registration_date", "tax_id", "trade_names", "has_website", "phone", "email",
               "address", "city_id", "state")
_ARROW = {"birth_date": pa.date32(), "registration_date": pa.date32(), "trade_names": pa.list_(pa.string()),
          "has_website": pa.bool_(), "city_id": pa.int32(), "party_id": pa.int64(), "occupation": pa.string(),
          "industry_code": pa.string(), "tax_id": pa.string()}



def relabel_mules(labels: pa.Table, plan: Plan) -> pa.Table:
    """The legitimate party labels with the recruited persons marked as mules of their case (C2,
    or C5 for card holders: the roles have no card holder)."""
    net = plan.network
    if len(net.recruit_party) == 0:
        return labels
    pid = labels["party_id"].to_numpy()
    order = np.argsort(pid)
    pos = order[np.searchsorted(pid, net.recruit_party, sorter=order)]
    illicit = labels["is_illicit"].to_numpy(zero_copy_only=False).copy()
    illicit[pos] = True
    role = np.zeros(len(pid), np.int8)
    role[pos] = vocab.ROLES.index("mule")
    typ = np.full(len(pid), -1, np.int8)
    typ[pos] = [vocab.TYPOLOGIES.index(t) for t in net.recruit_typology]
    case = np.full(len(pid), -1, np.int64)
    case[pos] = net.recruit_case
    return pa.table({
        "party_id": labels["party_id"],
        "is_illicit": illicit,
        "role": pa.DictionaryArray.from_arrays(pa.array(role), pa.array(vocab.ROLES)),
        "typology": pa.DictionaryArray.from_arrays(pa.array(typ, mask=typ < 0), pa.array(vocab.TYPOLOGIES)),
        "case_id": pa.array(case, pa.int64(), mask=case < 0),
    })
