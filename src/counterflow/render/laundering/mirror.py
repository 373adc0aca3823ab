"""The day generator of the laundering twin: each courier pick-up of the day becomes bank legs.

For a pick-up of ``cash`` dollars handed to the broker's courier at ``h0`` (see docs/laundering.md):

1. Placement. The cash is cut into deposits below the $10,000 reporting threshold (F3). Through
   mules: two to four recruited persons deposit at branches of the pick-up city, then pass the
   total on to the broker's US account the same afternoon (C2). Through a courier: the deposits go
   into the courier's own account at branches in many states (a funnel account, F4).
2. Mirror (C1). Within two hours of the hand-over the broker's Mexican pool pays the cartel the
   pesos of the placed dollars less the fee. The collection account sells the dollars to Chinese
   nationals in the US (wires, or through a pass-through account, C3, or by paying off the credit
   cards of the buyers' shoppers, C5), who pay the yuan equivalent from their Chinese accounts to
   the broker's Chinese account; the broker sells yuan to a Mexico-based business person, who
   refills the peso pool with the pesos paid out. The broker keeps the fee as yuan.
3. Crypto (after a Mexican USD cap): the collection account buys USDT and the broker's wallet sends
   the cartel's wallet the value less the fee.

These legs fall on the pick-up's day; the legs of other days (bulk cash, the other organisations'
own channel, card purchases, later spends) come from :mod:`counterflow.render.laundering.later`.
Every leg goes through the networks' adaptation (accounts moved off cut-off banks, C9 before the
order). Lost pick-ups make no rows.
"""

from __future__ import annotations

import numpy as np

from counterflow.render.batch import CHAN, CUR, TYPE, TYPOLOGY, TxnRows
from counterflow.render.calendar import Day
from counterflow.render.economy.context import Context
from counterflow.render.laundering.network import CMLN, CRYPTO, PASS, Plan, build_plan, split_total
from counterflow.world import geography as geo

USD, MXN, CNY, USDT = CUR["USD"], CUR["MXN"], CUR["CNY"], CUR["USDT"]
_H = 3600


def plan(ctx: Context) -> Plan:
    """The run's networks and pick-ups, built once."""
    return ctx.prepared("laundering", build_plan)


def _us_cities(ctx: Context) -> np.ndarray:
    return np.array([c.place_id for c in geo.places_of("city", "US")], np.int32)


def _home_city(ctx: Context, accounts: np.ndarray) -> np.ndarray:
    """The city of each account's holder for the population's persons (-1 for other accounts)."""
    ids, city = ctx.prepared("laundering_home_city", _account_cities)
    pos = np.searchsorted(ids, accounts).clip(0, max(len(ids) - 1, 0))
    return np.where((len(ids) > 0) & (ids[pos] == accounts), city[pos], -1) if len(ids) else np.full(len(accounts), -1)


def _account_cities(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    a, p = ctx.pop.accounts, ctx.pop.persons
    person = a.owner_kind == 0
    ids, city = a.account_id[person], p.city[a.owner[person]]
    o = np.argsort(ids)
    return ids[o], city[o].astype(np.int64)


def _parts(local: np.ndarray, usd: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each peso or yuan payment as wires of about 1,500-5,000 dollars each (adding up to it to the
    cent): one wire of a whole pick-up's pesos would be far larger than any honest transfer in
    Mexico or China, where amounts follow the price level. Returns (owner, amounts)."""
    k = np.maximum(1, np.ceil(usd / rng.uniform(1_500, 5_000, len(usd)))).astype(np.int64)
    return split_total(local, k, 0.3, rng, 2)


def generate(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    if ctx.cash_proceeds is None or not ctx.scenario.laundering.enabled:
        return
    lp = plan(ctx)
    ad = lp.adapt

    def emit(*, typology: int | np.ndarray, src: np.ndarray | int = -1, dst: np.ndarray | int = -1, **kw) -> None:
        src, dst = ad.at(d.index, src), ad.at(d.index, dst)
        n = len(kw["ts"])
        typ = ad.c9(d.index, np.broadcast_to(src, (n,)), np.broadcast_to(dst, (n,)),
                    np.broadcast_to(np.asarray(typology, np.int8), (n,)), TYPOLOGY["C9"])
        rows.add(src=src, dst=dst, typology=typ, illicit=True, **kw)

    _pickup_legs(ctx, d, rng, lp, emit)
    if lp.legs is not None:
        c = lp.legs.cols
        s = lp.legs.day_slice(d.index)
        if s.stop > s.start:
            emit(ts=c["ts"][s], src=c["src"][s], dst=c["dst"][s], amount_paid=c["amount_paid"][s],
                 cur_paid=c["cur_paid"][s], amount_received=c["amount_received"][s], cur_received=c["cur_received"][s],
                 channel=c["channel"][s], txn_type=c["txn_type"][s], location=c["location"][s],
                 typology=c["typology"][s], case=c["case"][s])


def _pickup_legs(ctx: Context, d: Day, rng: np.random.Generator, lp: Plan, emit) -> None:  # noqa: ANN001
    pk, net = lp.pickups, lp.network
    s = pk.day_slice(d.index)
    live = np.flatnonzero(~pk.lost[s] & (pk.channel[s] == CMLN)) + s.start
    if len(live) == 0:
        return
    n = len(live)
    cash, case, j, fee, path = pk.cash[live], pk.case[live], pk.network[live], pk.fee[live], pk.path[live]
    mule = pk.mule[live]
    day0 = d.epoch_s
    h0 = day0 + rng.integers(9 * _H, 12 * _H, n)
    end = day0 + 86_399
    at = np.full(pk.day.shape, -1, np.int64)
    at[live] = np.arange(n)  # pick-up position -> position among today's live pick-ups

    # 1. Placement: the plan fixed who takes each deposit; the amounts split the cash below the cap.
    dsel = np.flatnonzero(np.isin(pk.dep_own, live))
    owner = at[pk.dep_own[dsel]]
    k = np.bincount(owner, minlength=n)
    _, amount = split_total(cash, k, 0.2, rng)
    dst = pk.dep_acct[dsel]
    m_live = mule[owner]
    cities = ctx.prepared("laundering_cities", _us_cities)
    # Mules bank at home mostly (at a branch of their own city, four times in five), couriers all over.
    home = _home_city(ctx, dst)
    mule_loc = np.where((home >= 0) & (rng.random(len(owner)) < 0.8), home, pk.city[live][owner])
    loc = np.where(m_live, mule_loc, cities[rng.integers(0, len(cities), len(owner))])
    dep_ts = h0[owner] + rng.integers(_H // 2, 6 * _H, len(owner))
    emit(ts=dep_ts, dst=dst, amount_paid=amount, cur_paid=USD, channel=CHAN["CASH"], txn_type=TYPE["cash_deposit"],
         location=loc, typology=np.where(m_live, TYPOLOGY["F3"], TYPOLOGY["F4"]).astype(np.int8), case=case[owner])

    # Mules pass their takings on once their last deposit has posted.
    sel = np.flatnonzero(m_live)
    uk, first, inv = np.unique(np.c_[owner[sel], dst[sel]], axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    fwd_amt = np.bincount(inv, amount[sel])
    fwd_ts = np.zeros(len(uk), np.int64)
    np.maximum.at(fwd_ts, inv, dep_ts[sel])
    fwd_own = owner[sel][first]
    fwd_ts = np.minimum(fwd_ts + rng.integers(_H // 2, 3 * _H, len(uk)), end)
    emit(ts=fwd_ts, src=dst[sel][first], dst=net.us[j[fwd_own]], amount_paid=fwd_amt, cur_paid=USD,
         channel=CHAN["P2P"], txn_type=TYPE["transfer"], typology=TYPOLOGY["C2"], case=case[fwd_own])
    ready = np.full(n, 0, np.int64)
    np.maximum.at(ready, owner, dep_ts)
    if len(uk):
        np.maximum.at(ready, fwd_own, fwd_ts)
    courier = np.zeros(n, np.int64)
    courier[owner[~m_live]] = dst[~m_live]
    collect = np.where(mule, net.us[j], courier)

    # 2a. Pesos to the cartel at once (the broker fronts them from its Mexican pool).
    fiat = path != CRYPTO
    pesos_usd = np.round(cash * (1 - fee), 2)
    mxn = ctx.convert(d.index, pesos_usd, USD, MXN)
    cartel = np.array([net.cartel[int(c)] for c in case], np.int64)
    f = np.flatnonzero(fiat)
    o, part = _parts(mxn[f], pesos_usd[f], rng)
    emit(ts=h0[f][o] + rng.integers(0, 2 * _H, len(o)), src=net.mx[j[f]][o], dst=cartel[f][o], amount_paid=part,
         cur_paid=MXN, channel=CHAN["WIRE"], txn_type=TYPE["transfer"], typology=TYPOLOGY["C1"], case=case[f][o])

    # 2b. Dollars to the buyers (or their shoppers' cards), who pay yuan inside China.
    psel = np.flatnonzero(np.isin(pk.pay_own, live))
    b_own = at[pk.pay_own[psel]]
    b_usd, b_dst, b_cn = pk.pay_usd[psel], pk.pay_acct[psel], pk.pay_cn[psel]
    b_ts = np.minimum(ready[b_own] + rng.integers(_H // 2, 3 * _H, len(b_own)), end - _H)
    jb = j[b_own]
    via = pk.via[live]
    thru = np.flatnonzero(via >= 0)
    # Pass-through: the whole pick-up goes into one account and leaves it within the hour (C3).
    emit(ts=np.minimum(ready[thru] + rng.integers(_H // 4, _H, len(thru)), end - 2 * _H), src=collect[thru],
         dst=via[thru], amount_paid=cash[thru], cur_paid=USD, channel=CHAN["WIRE"], txn_type=TYPE["transfer"],
         typology=TYPOLOGY["C3"], case=case[thru])
    p_path = path[b_own]
    card = p_path == 2
    b_src = np.where(via[b_own] >= 0, via[b_own], collect[b_own])
    b_typ = np.where(p_path == PASS, TYPOLOGY["C3"], np.where(card, TYPOLOGY["C5"], TYPOLOGY["C1"])).astype(np.int8)
    emit(ts=b_ts, src=b_src, dst=b_dst, amount_paid=b_usd, cur_paid=USD,
         channel=np.where(card, CHAN["ACH"], CHAN["WIRE"]).astype(np.int8),
         txn_type=np.where(card, TYPE["card_payment"], TYPE["transfer"]).astype(np.int8), typology=b_typ,
         case=case[b_own])
    b_cny = ctx.convert(d.index, b_usd, USD, CNY)
    o, part = _parts(b_cny, b_usd, rng)
    emit(ts=np.minimum(b_ts[o] + rng.integers(0, _H, len(o)), end), src=b_cn[o], dst=net.cn[jb][o], amount_paid=part,
         cur_paid=CNY, channel=CHAN["WIRE"], txn_type=TYPE["transfer"], typology=TYPOLOGY["C1"], case=case[b_own][o])

    # 2c. Yuan sold to a Mexico-based business person, who refills the peso pool.
    seller = rng.integers(0, net.peso_mx.shape[1], len(f))
    r_ts = np.minimum(h0[f] + rng.integers(4 * _H, 10 * _H, len(f)), end - _H)
    o, part = _parts(ctx.convert(d.index, pesos_usd[f], USD, CNY), pesos_usd[f], rng)
    emit(ts=r_ts[o], src=net.cn[j[f]][o], dst=net.peso_cn[j[f], seller][o], amount_paid=part, cur_paid=CNY,
         channel=CHAN["WIRE"], txn_type=TYPE["transfer"], typology=TYPOLOGY["C1"], case=case[f][o])
    o, part = _parts(mxn[f], pesos_usd[f], rng)
    emit(ts=r_ts[o] + rng.integers(0, _H, len(o)), src=net.peso_mx[j[f], seller][o], dst=net.mx[j[f]][o],
         amount_paid=part, cur_paid=MXN, channel=CHAN["WIRE"], txn_type=TYPE["transfer"], typology=TYPOLOGY["C1"],
         case=case[f][o])

    # 3. Crypto: the collected dollars buy USDT; the broker's wallet pays the cartel's less the fee.
    c = np.flatnonzero(~fiat)
    usdt = ctx.convert(d.index, cash[c], USD, USDT)
    c_ts = np.minimum(ready[c] + rng.integers(_H // 2, 2 * _H, len(c)), end - _H)
    emit(ts=c_ts, src=collect[c], dst=net.wallet[j[c]], amount_paid=cash[c], cur_paid=USD, amount_received=usdt,
         cur_received=USDT, channel=CHAN["CRYPTO"], txn_type=TYPE["crypto_purchase"], typology=TYPOLOGY["C1"],
         case=case[c])
    wallets = np.array([lp.network.cartel_wallet[int(x)] for x in case[c]], np.int64)
    emit(ts=c_ts + rng.integers(60, _H, len(c)), src=net.wallet[j[c]], dst=wallets,
         amount_paid=ctx.convert(d.index, pesos_usd[c], USD, USDT), cur_paid=USDT, channel=CHAN["CRYPTO"],
         txn_type=TYPE["transfer"], typology=TYPOLOGY["C1"], case=case[c])
