"""The laundering twin's setup: broker networks, their parties and accounts, and the courier pick-ups.

Each broker network has three nodes (a US collection account held by a Chinese national living in
the US, a Mexican peso pool, a Chinese yuan account), couriers whose personal accounts serve as
funnel accounts, mules recruited among real US residents who are students, homemakers, retirees or
laborers (their ordinary activity continues, which is what makes them hard to spot), Chinese
nationals in the US who buy dollars and pay in yuan at home, and Mexico-based business people who
buy pesos with yuan. Each cartel gets a peso account that receives the mirror payments.

Pick-ups come from ``cash_proceeds``: each organisation's cash in each city collects in a stash
until it reaches about ``pickup_usd``; the broker's courier then takes it. Everything that decides
money (amount, fee, loss, mode, network) is fixed here, once, so that the ledger of a case can be
checked against the transactions (cash in = pesos out + fees + losses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from counterflow.dataset import vocab
from counterflow.render.ids import LAUNDER_ACCOUNTS, LAUNDER_PARTIES, opaque_ids, rng_for
from counterflow.render.population import COUNTRY_INDEX, OCC_INDEX
from counterflow.world import geography as geo
from counterflow.world import names as nm

ORG_CASE_BASE = 3001  # cash_proceeds.case_id = 3001 + position in vocab.ORGANISATIONS
MULE_OCCUPATIONS = ("student", "homemaker", "retiree", "laborer")
_US = COUNTRY_INDEX["US"]


@dataclass
class Network:
    """Account ids of every node, by network (rows) and slot (columns)."""

    case: np.ndarray  # (J,) case id served by each network
    us: np.ndarray  # (J,) broker's US collection account
    mx: np.ndarray  # (J,) broker's Mexican peso pool
    cn: np.ndarray  # (J,) broker's Chinese yuan account
    funnel: np.ndarray  # (J, couriers)
    mules: np.ndarray  # (J, mules) checking accounts of recruited persons; -1 where none
    dollar_us: np.ndarray  # (J, buyers) and their accounts in China, same slots
    dollar_cn: np.ndarray
    peso_mx: np.ndarray  # (J, buyers) and their accounts in China, same slots
    peso_cn: np.ndarray
    cartel: dict[int, int]  # case id -> the cartel's peso account
    mule_party: np.ndarray  # party ids of recruited persons
    mule_case: np.ndarray


@dataclass
class Pickups:
    """One row per courier pick-up, sorted by day."""

    day: np.ndarray  # day index in the dataset window
    city: np.ndarray  # place id of the US city
    case: np.ndarray
    network: np.ndarray
    cash: np.ndarray  # whole dollars handed to the courier
    lost: np.ndarray  # bool: seized or stolen before any deposit
    fee: np.ndarray  # broker commission on the pesos
    mule: np.ndarray  # bool: placed through mules (else a courier's funnel account)

    def day_slice(self, d: int) -> slice:
        return slice(int(np.searchsorted(self.day, d)), int(np.searchsorted(self.day, d, side="right")))


@dataclass
class Plan:
    network: Network
    pickups: Pickups
    parties: pa.Table
    labels: pa.Table
    accounts: pa.Table
    cash_in: float  # whole laundered cash of the window (sum of pick-ups)


def build_plan(ctx) -> Plan:  # noqa: ANN001 - Context (a circular import otherwise)
    sc, pop, seed = ctx.scenario, ctx.pop, ctx.seed
    lc = sc.laundering
    rng = rng_for(seed, "laundering-plan")
    cases = np.array([ORG_CASE_BASE + vocab.ORGANISATIONS.index(o) for o in lc.organisations], np.int64)
    J = lc.brokers
    net_case = cases[np.arange(J) % len(cases)]
    b = _PartyBuilder(rng, sc.start_date, pop.banks)

    def nodes(role: str, typ: str | None, country: str, nationality: str, n_per: int, bank_countries: tuple[str, ...]):
        case = np.repeat(net_case, n_per)
        accts = b.add(role, typ, country, nationality, case, bank_countries)
        return [a.reshape(J, n_per) for a in accts]

    (us,) = nodes("money_broker", "C1", "US", "CN", 1, ("US",))
    (mx,) = nodes("money_broker", "C1", "MX", "CN", 1, ("MX",))
    (cn,) = nodes("money_broker", "C1", "CN", "CN", 1, ("CN",))
    (funnel,) = nodes("broker_courier", "F4", "US", "CN", lc.couriers_per_broker, ("US",))
    dollar_us, dollar_cn = nodes("dollar_buyer", "C1", "US", "CN", lc.dollar_buyers_per_broker, ("US", "CN"))
    peso_mx, peso_cn = nodes("peso_buyer", "C1", "MX", "MX", lc.peso_buyers_per_broker, ("MX", "CN"))
    (cartel,) = b.add("cartel", "C1", "MX", "MX", cases, ("MX",))
    mules, mule_party, mule_case = _recruit(pop, net_case, lc.mules_per_broker, rng)
    network = Network(net_case, us[:, 0], mx[:, 0], cn[:, 0], funnel, mules, dollar_us, dollar_cn, peso_mx,
                      peso_cn, dict(zip(cases.tolist(), cartel.tolist())), mule_party, mule_case)
    pickups = _pickups(ctx, cases, net_case, rng)
    parties, labels, accounts = b.tables()
    return Plan(network, pickups, parties, labels, accounts, float(pickups.cash.sum()))


def _recruit(pop, net_case: np.ndarray, per: int, rng: np.random.Generator):  # noqa: ANN001
    """Real US residents of the occupations mule recruiters target, ``per`` for each network."""
    p = pop.persons
    occ = [OCC_INDEX[o] for o in MULE_OCCUPATIONS]
    pool = np.flatnonzero((p.country == _US) & np.isin(p.occupation, occ) & (p.age >= 18))
    J = len(net_case)
    k = min(len(pool), J * per)
    chosen = rng.choice(pool, size=k, replace=False) if k else np.empty(0, np.int64)
    mules = np.full(J * per, -1, np.int64)
    mules[:k] = p.checking[chosen]
    # Slots fill network by network in turn, so a small population still gives every network a mule.
    mules = mules.reshape(per, J).T
    case = net_case[np.arange(k) % J]
    return mules, p.party_id[chosen], case


def _pickups(ctx, cases: np.ndarray, net_case: np.ndarray, rng: np.random.Generator,  # noqa: ANN001
             share: float | None = None, size_usd: float | None = None) -> Pickups:
    """Cut each (organisation, city) cash stream into pick-ups where the running stash crosses a
    multiple of the pick-up size; whole dollars, so the pick-ups add up to the stash exactly.
    ``share`` and ``size_usd`` (default: the mirror's) let trade-based laundering cut its own share."""
    sc, lc = ctx.scenario, ctx.scenario.laundering
    share = lc.cmln_share if share is None else share
    size_usd = lc.pickup_usd if size_usd is None else size_usd
    t = ctx.cash_proceeds
    empty = Pickups(*(np.empty(0, t_) for t_ in (np.int64, np.int32, np.int64, np.int64, float, bool, float, bool)))
    if t is None or t.num_rows == 0 or not lc.enabled:
        return empty
    case = t["case_id"].to_numpy()
    keep = np.isin(case, cases)
    day = (t["date"].to_numpy()[keep] - np.datetime64(sc.start_date, "D")).astype(np.int64)
    city = t["city_id"].to_numpy()[keep].astype(np.int64)
    case = case[keep]
    usd = t["amount_usd"].to_numpy()[keep] * share * lc.scale(sc.population.persons)
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
    if len(at) == 0:
        return empty
    total = np.round(cum[at])
    new_grp = np.r_[True, grp[at][1:] != grp[at][:-1]]
    cash = np.where(new_grp, total, total - np.r_[0.0, total[:-1]])
    n = len(at)
    pc = case[at]
    # A pick-up goes to one of the networks serving its case.
    serving = [np.flatnonzero(net_case == c) for c in cases]
    slot = {int(c): s for c, s in zip(cases, serving)}
    network = np.array([slot[int(c)][int(rng.integers(0, len(slot[int(c)])))] for c in pc], np.int64)
    p = Pickups(day[at], city[at].astype(np.int32), pc, network, cash, rng.random(n) < lc.loss_rate,
                rng.uniform(lc.fee_min, lc.fee_max, n), rng.random(n) < lc.mule_share)
    o = np.argsort(p.day, kind="stable")
    return Pickups(*(getattr(p, f)[o] for f in ("day", "city", "case", "network", "cash", "lost", "fee", "mule")))


class _PartyBuilder:
    """New illicit persons with one account per listed bank country."""

    def __init__(self, rng: np.random.Generator, start: dt.date, banks) -> None:  # noqa: ANN001
        self.rng, self.start = rng, start
        self.banks: dict[str, list] = {}
        for bk in banks:
            if bk.kind == "bank":
                self.banks.setdefault(bk.country, []).append(bk)
        self.parties: dict[str, list] = {k: [] for k in _PARTY_COLS + ("party_id",)}
        self.labels: dict[str, list] = {k: [] for k in ("role", "typology", "case_id")}
        self.accounts: dict[str, list] = {k: [] for k in ("party", "bank_id", "account_number", "account_type",
                                                          "currency", "open_date")}

    def add(self, role: str, typ: str | None, country: str, nationality: str, case: np.ndarray,
            bank_countries: tuple[str, ...]) -> list[np.ndarray]:
        rng, n = self.rng, len(case)
        first = len(self.labels["role"])
        pid = opaque_ids(LAUNDER_PARTIES, np.arange(first, first + n))
        display, given, family = nm.person_names(nationality, n, rng)
        cities = geo.places_of("city", country)
        w = np.array([c.population_k for c in cities], float)
        city = [cities[i] for i in rng.choice(len(cities), n, p=w / w.sum())]
        cols = {
            "kind": ["person"] * n, "name": display, "given_name": given, "family_name": family,
            "country": [country] * n, "nationality": [nationality] * n,
            "birth_date": [self.start - dt.timedelta(days=int(x)) for x in rng.integers(22 * 365, 60 * 365, n)],
            "occupation": [None] * n, "industry_code": [None] * n, "registration_date": [None] * n,
            "tax_id": [None] * n, "trade_names": [None] * n, "has_website": [None] * n,
            "phone": nm.phones(country, n, rng), "email": nm.emails(given, family, nationality, rng),
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
                bk = pool[int(rng.integers(0, len(pool)))]
                self.accounts["party"].append(int(pid[i]))
                self.accounts["bank_id"].append(bk.bank_id)
                self.accounts["account_number"].append(f"{bk.bank_id * 10**12 + int(rng.integers(10**9, 10**12)):015d}")
                # An account abroad (a dollar buyer's account at home in China) is a foreign one.
                self.accounts["account_type"].append("checking" if bc == country else "foreign_currency")
                self.accounts["currency"].append(bk.currency)
                self.accounts["open_date"].append(self.start - dt.timedelta(days=int(rng.integers(30, 1500))))
            out.append(opaque_ids(LAUNDER_ACCOUNTS, np.arange(first_acct, first_acct + n)))
        return out

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        pc = self.parties
        parties = pa.table({k: pa.array(pc[k], _ARROW.get(k)) for k in _PARTY_COLS + ("party_id",)})
        n = parties.num_rows
        lab = self.labels
        labels = pa.table({
            "party_id": pa.array(pc["party_id"], pa.int64()),
            "is_illicit": np.ones(n, bool),
            "role": _dictionary(lab["role"], vocab.ROLES),
            "typology": _dictionary(lab["typology"], vocab.TYPOLOGIES),
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


def _dictionary(values: list[str | None], vocabulary: tuple[str, ...]) -> pa.DictionaryArray:
    idx = pa.array([None if v is None else vocabulary.index(v) for v in values], pa.int8())
    return pa.DictionaryArray.from_arrays(idx, pa.array(vocabulary))


def relabel_mules(labels: pa.Table, plan: Plan) -> pa.Table:
    """The legitimate party labels with the recruited persons marked as mules of their case."""
    net = plan.network
    if len(net.mule_party) == 0:
        return labels
    pid = labels["party_id"].to_numpy()
    order = np.argsort(pid)
    pos = order[np.searchsorted(pid, net.mule_party, sorter=order)]
    illicit = labels["is_illicit"].to_numpy(zero_copy_only=False).copy()
    illicit[pos] = True
    role = np.zeros(len(pid), np.int8)
    role[pos] = vocab.ROLES.index("mule")
    typ = np.full(len(pid), -1, np.int8)
    typ[pos] = vocab.TYPOLOGIES.index("C2")
    case = np.full(len(pid), -1, np.int64)
    case[pos] = net.mule_case
    return pa.table({
        "party_id": labels["party_id"],
        "is_illicit": illicit,
        "role": pa.DictionaryArray.from_arrays(pa.array(role), pa.array(vocab.ROLES)),
        "typology": pa.DictionaryArray.from_arrays(pa.array(typ, mask=typ < 0), pa.array(vocab.TYPOLOGIES)),
        "case_id": pa.array(case, pa.int64(), mask=case < 0),
    })
