"""Paying for precursors: the cartels' Mexican fronts pay the Chinese makers and brokers.

Each precursor sea shipment of the trafficking twin (``shipments`` rows of the cartels in
``laundering.organisations``) costs ``kg x`` the maker's price of the chemical (``twin.params``;
Indian makers dearer by ``INDIA_PRICE_FACTOR``). That price is paid between the order and the
departure, split into (see docs/laundering.md):

- trade wires from the consignee front (P10: a veterinary clinic or software firm paying a
  chemical maker) or from other fronts of the same cartel (P9: many payers, one beneficiary);
- low-dollar wires below ``low_dollar_max_usd`` (P8);
- USDT: the front buys it on an exchange and sends it to the beneficiary's wallet (P8);
- transfers of tens of dollars from the cartel's US distributors to a chemical broker in China or
  Hong Kong (F1, F2).

The beneficiary is the maker, or the cartel's chemical broker when the maker is labeled for the
other cartel. ``extra_fronts`` Mexican importers per cartel join the twin's fronts; each copies a
phone, email or address of one of them (P6). Legitimate look-alikes (``lookalike_*``): US residents
sending tens of dollars to China (online shopping, family), and real importers, medical labs and
veterinary clinics paying Chinese chemical and pharmaceutical makers by low-dollar wire or USDT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from counterflow.render.batch import CHAN, CUR, TYPE, TYPOLOGY, TxnRows
from counterflow.render.calendar import Day
from counterflow.render.economy.context import Context
from counterflow.render.ids import rng_for
from counterflow.render.laundering.legs import Legs, business_day
from counterflow.render.laundering.network import split_total
from counterflow.render.laundering.parties import PartyBuilder
from counterflow.render.laundering.trade import _cases
from counterflow.render.population import IND_INDEX
from counterflow.twin import params as P
from counterflow.world import geography as geo

USD, USDT = CUR["USD"], CUR["USDT"]
_H = 3600
# Party and account ids of this module start here in the trade streams (trade.py starts at 0).
FIRST_ID = 1 << 31
# Industries of the extra fronts: one looks like a real chemical wholesaler, the others are unrelated.
_EXTRA_INDUSTRIES = ("424690", "722511", "236118", "484121")
# Legitimate payers and beneficiaries of the look-alike chemical payments.
_LEGIT_PAYERS = ("424690", "424210", "325412", "621511", "541940")
_LEGIT_MAKERS = ("325199", "325412")


@dataclass
class TwinRecords:
    """What the trafficking twin hands to the laundering twin besides cash: its run, its parties
    and its shipments (``render.trafficking``)."""

    result: object  # twin.model.TwinResult
    parties: object  # render.trafficking.IllicitParties
    trade: object  # render.trafficking.IllicitTrade


@dataclass
class SupplierPlan:
    parts: dict[str, np.ndarray]  # one row per payment part: shipment, case, usd, day, kind
    value: dict[int, float]  # shipment id -> price of the load in USD
    legs: Legs
    parties: pa.Table
    labels: pa.Table
    accounts: pa.Table


def plan(ctx: Context) -> SupplierPlan:
    return ctx.prepared("laundering_suppliers", build_plan)


def generate(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    """The day's planned legs (illicit and look-alike); ``rng`` is unused."""
    if not ctx.scenario.laundering.suppliers.enabled:
        return
    plan(ctx).legs.emit(d, rows)


class _Accounts:
    """Account id and currency code of every party the plan pays from or to."""

    def __init__(self, table: pa.Table) -> None:
        self.of = {int(p): (int(a), c) for p, a, c in zip(table["party_id"].to_numpy(), table["account_id"].to_numpy(),
                                                          table["currency"].to_pylist())}

    def __call__(self, party: int) -> tuple[int, int]:
        a, c = self.of[int(party)]
        return a, CUR[c]


def build_plan(ctx: Context) -> SupplierPlan:
    sc, seed = ctx.scenario, ctx.seed
    sp = sc.laundering.suppliers
    rng = rng_for(seed, "laundering-suppliers-plan")
    b = PartyBuilder(rng, sc.start_date, ctx.pop.banks, first=FIRST_ID)
    legs = Legs()
    parts: dict[str, list] = {k: [] for k in ("shipment", "case", "usd", "day", "kind")}
    value: dict[int, float] = {}
    tw: TwinRecords | None = ctx.cache.get("twin_records")
    if tw is not None and sc.laundering.enabled and sp.enabled:
        _illicit(ctx, tw, b, rng, legs, parts, value)
    if sp.enabled:
        _lookalikes(ctx, b, rng, legs)
    parties, labels, accounts = b.tables()
    return SupplierPlan({k: np.array(v) for k, v in parts.items()}, value, legs.freeze(sc.days), parties, labels,
                        accounts)


def _illicit(ctx: Context, tw: TwinRecords, b: PartyBuilder, rng: np.random.Generator, legs: Legs,
             parts: dict[str, list], value: dict[int, float]) -> None:
    sc, sp = ctx.scenario, ctx.scenario.laundering.suppliers
    r, ip, tt = tw.result, tw.parties, tw.trade
    net, sh = r.network, r.shipments
    acct = _Accounts(ip.accounts)
    lo = (sc.start_date - r.start).days
    orgs = [int(c) - P.CASE_BASE for c in _cases(ctx)]
    sup_case = P.CASE_BASE + net.brk_cartel[net.sup_broker]
    wallet: dict[int, int] = {}

    def wallet_of(party: int, country: str) -> int:
        if party not in wallet:
            wallet[party] = b.account(party, country, "wallet")
        return wallet[party]

    # Fronts by cartel: the twin's consignees plus extra importers sharing their identifiers (P6).
    ptab = ip.parties
    pid_row = {int(p): i for i, p in enumerate(ptab["party_id"].to_numpy())}
    fronts: dict[int, list[int]] = {}
    own_acct: dict[int, tuple[int, int]] = {}
    for org in orgs:
        own = [int(p) for p, c in zip(ip.front, net.front_cartel) if int(c) == org]
        fronts[org] = list(own)
        for k in range(sp.extra_fronts if own else 0):
            twin = own[int(rng.integers(0, len(own)))]
            field = ("phone", "email", "address")[k % 3]
            shared = ptab[field][pid_row[twin]].as_py()
            if shared is None:  # the twin's Mexican fronts have no email: share the phone instead
                field, shared = "phone", ptab["phone"][pid_row[twin]].as_py()
            p = b.business("MX", _EXTRA_INDUSTRIES[k % len(_EXTRA_INDUSTRIES)], "front_company", "P6",
                           P.CASE_BASE + org, **{field: shared})
            a = b.account(p, "MX", "business")
            own_acct[p] = (a, CUR[b.currency_of(a)])
            fronts[org].append(p)

    def account(party: int) -> tuple[int, int]:
        return own_acct[party] if party in own_acct else acct(party)

    brokers = {org: [int(p) for p, c in zip(ip.broker, net.brk_cartel) if int(c) == org] for org in orgs}
    brk_country = {int(p): str(c) for p, c in zip(ip.broker, net.brk_country)}
    dists = {org: [int(p) for p, o in zip(ip.distributor, net.dist_org) if int(o) == org] for org in orgs}
    ship_idx = np.flatnonzero((tt.shipment_id >= 0) & (sh["mode"] == 0) & np.isin(sh["org"], orgs)) \
        if len(tt.shipment_id) else np.empty(0, np.int64)
    for k in ship_idx:
        org, case = int(sh["org"][k]), P.CASE_BASE + int(sh["org"][k])
        if not fronts[org] or not brokers[org]:
            continue
        chem, sup, src = int(sh["chemical"][k]), int(sh["supplier"][k]), int(sh["source"][k])
        price = P.PRICE_CN[chem] * (P.INDIA_PRICE_FACTOR if src == 1 else 1.0)
        total = float(np.round(float(sh["kg"][k]) * price, 2))
        sid = int(tt.shipment_id[k])
        value[sid] = total
        d_lo, d_hi = int(sh["order_day"][k]) - lo, max(int(sh["depart"][k]) - lo, int(sh["order_day"][k]) - lo + 1)
        consignee = int(ip.front[int(sh["front"][k])])
        maker = int(ip.supplier[sup])
        if int(sup_case[sup]) == case:
            bene, bene_country = maker, P.SOURCES[src]
        else:  # the maker is labeled for the other cartel: the cartel's own broker collects for it
            bene = brokers[org][int(rng.integers(0, len(brokers[org])))]
            bene_country = brk_country[bene]
        broker = brokers[org][int(rng.integers(0, len(brokers[org])))]

        # Defaults bind this shipment's values into the helpers.
        def day(lo_: int = d_lo, hi_: int = d_hi) -> int:
            return business_day(sc.start_date, int(rng.integers(lo_, hi_)))

        def payer(mine: list[int] = fronts[org], own: int = consignee) -> int:
            if rng.random() < sp.third_party_payer_share:
                return mine[int(rng.integers(0, len(mine)))]
            return own

        def part(usd: float, kind: str, d: int, sid_: int = sid, case_: int = case) -> None:
            for kk, v in (("shipment", sid_), ("case", case_), ("usd", usd), ("day", d), ("kind", kind)):
                parts[kk].append(v)

        small = float(np.round(total * sp.small_transfer_share, 2)) if dists[org] else 0.0
        crypto = float(np.round(total * sp.crypto_share, 2))
        low = float(np.round(total * sp.low_dollar_share, 2))
        wires = float(np.round(total - small - crypto - low, 2))
        # F1: tens of dollars from the cartel's US distributors to a broker in China or Hong Kong.
        if small > 0:
            n = max(1, int(np.ceil(small / rng.uniform(35, 80))))
            for a in _split(small, n, rng):
                src_acct, cp = acct(dists[org][int(rng.integers(0, len(dists[org])))])
                dst_acct, cr = acct(broker)
                d = day()
                _leg(ctx, legs, rng, d, src_acct, cp, dst_acct, cr, a, "MSB", "p2p", "F1", case)
                part(a, "small", d)
        for a in _split(low, max(1, int(np.ceil(low / (rng.uniform(0.4, 0.95) * sp.low_dollar_max_usd)))), rng) \
                if low > 0 else []:
            (sa, cp), (da, cr), d = account(payer()), acct(bene), day()
            _leg(ctx, legs, rng, d, sa, cp, da, cr, a, "WIRE", "b2b_payment", "P8", case)
            part(a, "low", d)
        if crypto > 0:
            for a in _split(crypto, int(rng.integers(1, 3)), rng):
                who, d = payer(), day()
                (sa, cp), w = account(who), wallet_of(who, "MX")
                _leg(ctx, legs, rng, d, sa, cp, w, USDT, a, "CRYPTO", "crypto_purchase", "P8", case)
                bw = wallet_of(bene, bene_country)
                _leg(ctx, legs, rng, d, w, USDT, bw, USDT, a, "CRYPTO", "b2b_payment", "P8", case, evening=True)
                part(a, "crypto", d)
        for a in _split(wires, int(rng.integers(1, 4)), rng) if wires > 0 else []:
            who, d = payer(), day()
            (sa, cp), (da, cr) = account(who), acct(bene)
            # The consignee's wire names the shipment (P10: an unrelated industry paying a chemical
            # maker); other fronts pay for a load that is not theirs (P9).
            mine = who == consignee
            _leg(ctx, legs, rng, d, sa, cp, da, cr, a, "WIRE", "trade_payment", "P10" if mine else "P9", case,
                 shipment=sid)
            part(a, "wire", d)


def _split(total: float, k: int, rng: np.random.Generator) -> list[float]:
    """``k`` parts of about equal size (+-30%) adding up to ``total`` to the cent."""
    _, parts = split_total(np.array([total]), np.array([max(1, k)]), 0.3, rng, decimals=2)
    return [float(x) for x in parts]


def _leg(ctx: Context, legs: Legs, rng: np.random.Generator, d: int, src: int, cp: int, dst: int, cr: int, usd: float,
         channel: str, txn: str, typ: str | None, case: int, shipment: int = -1, evening: bool = False) -> None:
    """A payment worth ``usd`` dollars on day ``d`` (both sides converted at the day's rate). An
    ``evening`` leg comes after the day's others (a wallet transfer after the USDT purchase)."""
    dd = min(max(d, 0), ctx.scenario.days - 1)
    paid = float(ctx.convert(dd, np.array([usd]), USD, cp, decimals=8 if cp == USDT else 2)[0])
    got = float(ctx.convert(dd, np.array([usd]), USD, cr, decimals=8 if cr == USDT else 2)[0])
    sec = int(rng.integers(20 * _H, 23 * _H) if evening else rng.integers(8 * _H, 20 * _H))
    legs.add(d, sec, src, dst, paid, cp, got, cr, CHAN[channel], TYPE[txn],
             shipment=shipment, illicit=typ is not None, typology=-1 if typ is None else TYPOLOGY[typ], case=case)


def _lookalikes(ctx: Context, b: PartyBuilder, rng: np.random.Generator, legs: Legs) -> None:
    """Legitimate payments that share the illicit ones' surface: tens of dollars to China, and
    chemical or pharmaceutical makers in Asia paid by low-dollar wires or USDT, some by medical labs
    and veterinary clinics."""
    sc, sp, pop = ctx.scenario, ctx.scenario.laundering.suppliers, ctx.pop
    p, bz = pop.persons, pop.businesses
    codes = np.array(geo.COUNTRY_CODES)
    us = np.flatnonzero(codes[p.country] == "US")
    cn_people = np.flatnonzero(codes[p.country] == "CN")
    cn_biz = np.flatnonzero(np.isin(codes[bz.country], ["CN", "HK"]))
    recipients = np.r_[p.checking[cn_people], bz.account[cn_biz]]
    rcur = np.r_[[CUR[geo.country("CN").currency]] * len(cn_people),
                 [CUR[geo.country(c).currency] for c in codes[bz.country[cn_biz]]]].astype(np.int8)
    rate = len(p) / 1000
    if len(us) and len(recipients):
        for d in range(sc.days):
            for _ in range(rng.poisson(sp.lookalike_small_per_1k * rate)):
                i, j = int(us[int(rng.integers(0, len(us)))]), int(rng.integers(0, len(recipients)))
                usd = float(np.round(rng.uniform(12, 99), 2))
                _leg(ctx, legs, rng, d, int(p.checking[i]), USD, int(recipients[j]), int(rcur[j]), usd, "MSB",
                     "p2p", None, -1)
    # Payers by industry, each present industry as likely as another: labs and vets are few but do
    # buy reagents and medicines from Asian makers.
    local = np.isin(codes[bz.country], ["MX", "US"])
    groups = [g for g in (np.flatnonzero(local & (bz.industry == IND_INDEX[c])) for c in _LEGIT_PAYERS) if len(g)]
    payers = np.concatenate(groups) if groups else np.empty(0, np.int64)
    makers = np.flatnonzero(np.isin(bz.industry, [IND_INDEX[c] for c in _LEGIT_MAKERS])
                            & np.isin(codes[bz.country], ["CN", "HK", "IN"]))
    if not len(payers) or not len(makers):
        return
    # A few makers take most orders, so legitimate makers too have many payers.
    w = np.sort(rng.pareto(1.2, len(makers)) + 0.1)[::-1]
    wallet: dict[int, int] = {}

    def wallet_of(i: int) -> int:
        if i not in wallet:
            wallet[i] = b.account(int(bz.party_id[i]), str(codes[bz.country[i]]), "wallet")
        return wallet[i]

    turn = 0  # payer industries take turns, so even a short run has labs and vets among the payers
    for d0 in range(sc.days):
        d = business_day(sc.start_date, d0)
        for _ in range(rng.poisson(sp.lookalike_crypto_per_1k * rate)):
            grp = groups[turn % len(groups)]
            turn += 1
            i = int(grp[int(rng.integers(0, len(grp)))])
            m = int(makers[int(rng.choice(len(makers), p=w / w.sum()))])
            usd = float(np.round(np.exp(rng.normal(np.log(2500), 0.8)), 2))
            cp = int(CUR[geo.country(str(codes[bz.country[i]])).currency])
            if rng.random() < 0.5:
                src = int(bz.account[i])
                _leg(ctx, legs, rng, d, src, cp, wallet_of(i), USDT, usd, "CRYPTO", "crypto_purchase", None, -1)
                _leg(ctx, legs, rng, d, wallet_of(i), USDT, wallet_of(m), USDT, usd, "CRYPTO", "b2b_payment", None, -1,
                     evening=True)
            else:
                mc = int(CUR[geo.country(str(codes[bz.country[m]])).currency])
                _leg(ctx, legs, rng, d, int(bz.account[i]), cp, int(bz.account[m]), mc, min(usd, 2_900.0), "WIRE",
                     "b2b_payment", None, -1)
