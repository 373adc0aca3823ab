"""The day generator of the laundering twin: each courier pick-up of the day becomes bank legs.

For a pick-up of ``cash`` dollars handed to the broker's courier at ``h0`` (see docs/laundering.md):

1. Placement. The cash is cut into deposits below the $10,000 reporting threshold (F3). Through
   mules: two to four recruited persons deposit at branches of the pick-up city, then pass the
   total on to the broker's US account the same afternoon (C2). Through a courier: the deposits go
   into the courier's own account at branches in many states (a funnel account, F4).
2. Mirror (C1). Within two hours of the hand-over the broker's Mexican pool pays the cartel the
   pesos of the placed dollars less the fee. The collection account sells the dollars to Chinese
   nationals in the US, who pay the yuan equivalent from their Chinese accounts to the broker's
   Chinese account; the broker sells yuan to a Mexico-based business person, who refills the peso
   pool with the pesos paid out. The broker keeps the fee as yuan.

All legs of a pick-up fall on its day, in that order. Lost pick-ups make no rows.
"""

from __future__ import annotations

import numpy as np

from counterflow.render.batch import CHAN, CUR, TYPE, TYPOLOGY, TxnRows
from counterflow.render.calendar import Day
from counterflow.render.economy.context import Context
from counterflow.render.laundering.network import Plan, build_plan
from counterflow.world import geography as geo

USD, MXN, CNY = CUR["USD"], CUR["MXN"], CUR["CNY"]
_H = 3600


def plan(ctx: Context) -> Plan:
    """The run's networks and pick-ups, built once."""
    return ctx.prepared("laundering", build_plan)


def _us_cities(ctx: Context) -> np.ndarray:
    return np.array([c.place_id for c in geo.places_of("city", "US")], np.int32)


def _split(total: np.ndarray, k: np.ndarray, jitter: float, rng: np.random.Generator, decimals: int = 0):
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
    cum[ends] = np.round(np.cumsum(total) * scale)
    return owner, np.diff(np.r_[0.0, cum]) / scale


def generate(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    if ctx.cash_proceeds is None or not ctx.scenario.laundering.enabled:
        return
    lp = plan(ctx)
    pk, net = lp.pickups, lp.network
    s = pk.day_slice(d.index)
    live = np.flatnonzero(~pk.lost[s]) + s.start
    if len(live) == 0:
        return
    n = len(live)
    cash, case, j, fee = pk.cash[live], pk.case[live], pk.network[live], pk.fee[live]
    mule = pk.mule[live] & (net.mules[j, 0] >= 0)
    day0 = d.epoch_s
    h0 = day0 + rng.integers(9 * _H, 12 * _H, n)
    end = day0 + 86_399

    # 1. Placement: deposits below the threshold. A part deviates at most 40% from its pick-up's
    # mean (jitter 0.2, demeaned), so a mean below cap / 1.45 keeps every deposit under the cap.
    cap = ctx.scenario.laundering.deposit_max_usd
    mean = np.minimum(rng.uniform(0.45, 0.68, n) * cap, cap / 1.45 - 1)
    k = np.ceil(cash / mean).astype(np.int64)
    owner, amount = _split(cash, k, 0.2, rng)
    m_live = mule[owner]
    n_mule = np.minimum(rng.integers(2, 5, n), (net.mules[j] >= 0).sum(axis=1))
    seq = np.arange(len(owner)) - np.repeat(np.cumsum(k) - k, k)  # deposit number within its pick-up
    mule_slot = (seq + rng.integers(0, 1000, n)[owner]) % np.maximum(n_mule, 1)[owner]
    courier = net.funnel[j, rng.integers(0, net.funnel.shape[1], n)]
    dst = np.where(m_live, net.mules[j[owner], mule_slot], courier[owner])
    cities = ctx.prepared("laundering_cities", _us_cities)
    loc = np.where(m_live, pk.city[live][owner], cities[rng.integers(0, len(cities), len(owner))])
    dep_ts = h0[owner] + rng.integers(_H // 2, 6 * _H, len(owner))
    rows.add(ts=dep_ts, dst=dst, amount_paid=amount, cur_paid=USD, channel=CHAN["CASH"],
             txn_type=TYPE["cash_deposit"], location=loc, illicit=True,
             typology=np.where(m_live, TYPOLOGY["F3"], TYPOLOGY["F4"]).astype(np.int8), case=case[owner])

    # Mules pass their takings on once their last deposit has posted.
    key = owner * 16 + mule_slot
    sel = np.flatnonzero(m_live)
    uk, inv = np.unique(key[sel], return_inverse=True)
    fwd_amt = np.bincount(inv, amount[sel])
    fwd_ts = np.zeros(len(uk), np.int64)
    np.maximum.at(fwd_ts, inv, dep_ts[sel])
    fwd_own = uk // 16
    fwd_ts = np.minimum(fwd_ts + rng.integers(_H // 2, 3 * _H, len(uk)), end)
    rows.add(ts=fwd_ts, src=net.mules[j[fwd_own], uk % 16], dst=net.us[j[fwd_own]], amount_paid=fwd_amt,
             cur_paid=USD, channel=CHAN["P2P"], txn_type=TYPE["p2p"], illicit=True, typology=TYPOLOGY["C2"],
             case=case[fwd_own])
    ready = np.full(n, 0, np.int64)
    np.maximum.at(ready, owner, dep_ts)
    if len(uk):
        np.maximum.at(ready, fwd_own, fwd_ts)
    collect = np.where(mule, net.us[j], courier)

    # 2a. Pesos to the cartel at once (the broker fronts them from its Mexican pool).
    pesos_usd = np.round(cash * (1 - fee), 2)
    mxn = ctx.convert(d.index, pesos_usd, USD, MXN)
    cartel = np.array([net.cartel[int(c)] for c in case], np.int64)
    rows.add(ts=h0 + rng.integers(0, 2 * _H, n), src=net.mx[j], dst=cartel, amount_paid=mxn, cur_paid=MXN,
             channel=CHAN["WIRE"], txn_type=TYPE["p2p"], illicit=True, typology=TYPOLOGY["C1"], case=case)

    # 2b. Dollars sold to Chinese nationals in the US, who pay yuan inside China.
    nb = rng.integers(1, 4, n)
    b_own, b_usd = _split(cash, nb, 0.3, rng)
    buyer = rng.integers(0, net.dollar_us.shape[1], len(b_own))
    b_ts = np.minimum(ready[b_own] + rng.integers(_H // 2, 3 * _H, len(b_own)), end)
    jb = j[b_own]
    rows.add(ts=b_ts, src=collect[b_own], dst=net.dollar_us[jb, buyer], amount_paid=b_usd, cur_paid=USD,
             channel=CHAN["WIRE"], txn_type=TYPE["p2p"], illicit=True, typology=TYPOLOGY["C1"], case=case[b_own])
    b_cny = ctx.convert(d.index, b_usd, USD, CNY)
    rows.add(ts=np.minimum(b_ts + rng.integers(0, _H, len(b_own)), end), src=net.dollar_cn[jb, buyer],
             dst=net.cn[jb], amount_paid=b_cny, cur_paid=CNY, channel=CHAN["P2P"], txn_type=TYPE["p2p"],
             illicit=True, typology=TYPOLOGY["C1"], case=case[b_own])

    # 2c. Yuan sold to a Mexico-based business person, who refills the peso pool.
    seller = rng.integers(0, net.peso_mx.shape[1], n)
    r_ts = np.minimum(h0 + rng.integers(4 * _H, 10 * _H, n), end - _H)
    rows.add(ts=r_ts, src=net.cn[j], dst=net.peso_cn[j, seller], amount_paid=ctx.convert(d.index, pesos_usd, USD, CNY),
             cur_paid=CNY, channel=CHAN["P2P"], txn_type=TYPE["p2p"], illicit=True, typology=TYPOLOGY["C1"],
             case=case)
    rows.add(ts=r_ts + rng.integers(0, _H, n), src=net.peso_mx[j, seller], dst=net.mx[j], amount_paid=mxn,
             cur_paid=MXN, channel=CHAN["WIRE"], txn_type=TYPE["p2p"], illicit=True, typology=TYPOLOGY["C1"],
             case=case)
