"""Everyday spending: card purchases at merchants, P2P transfers, ATM cash and cash pay."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from counterflow.render.batch import CHAN, MEMO_POOLS, TYPE, TxnRows
from counterflow.render.calendar import Day, times
from counterflow.render.ids import rng_for
from counterflow.render.economy.context import COUNTRY_CUR, PRICE, Context, weighted_pick
from counterflow.world import geography as geo
from counterflow.world.industries import INDUSTRIES


def _merchants(ctx: Context) -> dict[str, np.ndarray]:
    b = ctx.pop.businesses
    is_merchant = np.array([ind.role == "merchant" for ind in INDUSTRIES])[b.industry]
    # Merchants in country order, so one cumulative array serves every country.
    m = np.flatnonzero(is_merchant)
    m = m[np.argsort(b.country[m], kind="stable")]
    w = b.size[m]
    cum = np.cumsum(w)
    n_c = len(geo.COUNTRY_CODES)
    first = np.searchsorted(b.country[m], np.arange(n_c), side="left")
    last = np.searchsorted(b.country[m], np.arange(n_c), side="right")
    lo = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    hi = np.where(last > 0, cum[np.maximum(last - 1, 0)], 0.0)
    ticket = np.array([ind.ticket_usd for ind in INDUSTRIES])[b.industry[m]]
    sigma = np.array([ind.ticket_sigma for ind in INDUSTRIES])[b.industry[m]]
    rng = rng_for(ctx.seed, "merchant-plan")
    local = ticket * PRICE[b.country[m]] / ctx.usd[0, COUNTRY_CUR[b.country[m]]]
    median = local * rng.lognormal(0, 0.3, len(m))
    return {"merchant": m, "cum": cum, "lo": lo, "hi": hi, "median": median, "sigma": sigma}


def card(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    p = ctx.pop.persons
    cum_rate = ctx.prepared("card_rate", lambda c: np.cumsum(c.pop.persons.card_rate))
    mer = ctx.prepared("merchants", _merchants)
    if len(cum_rate) == 0 or cum_rate[-1] == 0 or len(mer["merchant"]) == 0:
        return
    n = rng.poisson(cum_rate[-1] * d.activity_factor(ctx.scenario.behaviour.seasonality))
    who = weighted_pick(cum_rate, n, rng)
    c = p.country[who]
    ok = mer["hi"][c] > mer["lo"][c]
    who, c = who[ok], c[ok]
    target = mer["lo"][c] + rng.random(len(who)) * (mer["hi"][c] - mer["lo"][c])
    k = np.searchsorted(mer["cum"], target, side="right").clip(0, len(mer["cum"]) - 1)
    merchant = mer["merchant"][k]
    amount = np.round(mer["median"][k] * np.exp(mer["sigma"][k] * rng.standard_normal(len(k))), 2)
    amount = np.maximum(amount, 0.5)
    rows.add(ts=times(d, "card", len(who), rng), src=p.checking[who],
             dst=ctx.pop.businesses.account[merchant], amount_paid=amount,
             cur_paid=COUNTRY_CUR[c], channel=CHAN["CARD"], txn_type=TYPE["card_purchase"],
             location=ctx.pop.businesses.city[merchant])


def p2p(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    p = ctx.pop.persons
    adults = ctx.prepared("adults", lambda c: np.flatnonzero(c.pop.persons.age >= 16))
    rate = ctx.scenario.behaviour.p2p_per_month / 30.4
    n = rng.poisson(len(adults) * rate * d.activity_factor(ctx.scenario.behaviour.seasonality))
    if n == 0 or len(adults) == 0:
        return
    who = adults[rng.integers(0, len(adults), n)]
    # Close contacts get most of the payments (Zipf over the five).
    slot = rng.choice(5, size=n, p=np.array([0.4, 0.25, 0.15, 0.12, 0.08]))
    to = p.contacts[who, slot]
    keep = to != who
    who, to = who[keep], to[keep]
    c = p.country[who]
    local = 45.0 * PRICE[c] / ctx.usd[d.index, COUNTRY_CUR[c]]
    raw = local * rng.lognormal(0, 0.9, len(who))
    # People send round numbers more often than not.
    step = np.where(rng.random(len(who)) < 0.6, 10 ** np.floor(np.log10(np.maximum(raw, 1))) / 2, 0.01)
    amount = np.maximum(np.round(np.round(raw / step) * step, 2), 1.0)
    memo = np.full(len(who), -1, dtype=np.int16)
    has = rng.random(len(who)) < 0.55
    for ci in np.unique(c[has]):
        m = has & (c == ci)
        pool = MEMO_POOLS[geo.COUNTRY_CODES[ci]]
        memo[m] = pool[rng.integers(0, len(pool), int(m.sum()))]
    rows.add(ts=times(d, "personal", len(who), rng), src=p.checking[who], dst=p.checking[to],
             amount_paid=amount, cur_paid=COUNTRY_CUR[c], channel=CHAN["P2P"],
             txn_type=TYPE["p2p"], memo=memo)


_ATM_NOTE = np.array([20, 20, 100, 100, 100, 200])  # smallest note an ATM pays out, by country


def cash(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    """ATM withdrawals by everyone; weekly cash deposits by people paid partly in cash."""
    p = ctx.pop.persons
    adults = ctx.prepared("adults", lambda c: np.flatnonzero(c.pop.persons.age >= 16))
    rate = ctx.scenario.behaviour.cash_withdrawals_per_month / 30.4
    n = rng.poisson(len(adults) * rate * d.activity_factor(ctx.scenario.behaviour.seasonality))
    if n and len(adults):
        who = adults[rng.integers(0, len(adults), n)]
        c = p.country[who]
        note = _ATM_NOTE[c]
        local = 120.0 * PRICE[c] / ctx.usd[d.index, COUNTRY_CUR[c]]
        amount = np.maximum(np.round(local * rng.lognormal(0, 0.6, n) / note), 1) * note
        rows.add(ts=times(d, "personal", n, rng), src=p.checking[who], amount_paid=amount.astype(float),
                 cur_paid=COUNTRY_CUR[c], channel=CHAN["CASH"], txn_type=TYPE["cash_withdrawal"],
                 location=_travel(p.city[who], c, rng))
    if d.weekday in (0, 4):  # tips and cash wages go in on Mondays and Fridays
        earners = ctx.prepared("cash_paid", lambda c: np.flatnonzero(c.pop.persons.cash_paid))
        who = earners[rng.random(len(earners)) < 0.45]
        c = p.country[who]
        local = 260.0 * PRICE[c] / ctx.usd[d.index, COUNTRY_CUR[c]]
        amount = np.round(local * rng.lognormal(0, 0.55, len(who)), 0)
        rows.add(ts=times(d, "branch", len(who), rng), dst=p.checking[who], amount_paid=amount,
                 cur_paid=COUNTRY_CUR[c], channel=CHAN["CASH"], txn_type=TYPE["cash_deposit"],
                 location=p.city[who])


def _travel(home: np.ndarray, country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mostly the home city; one time in ten another city of the same country."""
    out = home.copy()
    away = rng.random(len(home)) < 0.1
    cities = _cities_by_country()
    for ci in np.unique(country[away]):
        m = away & (country == ci)
        ids = cities[ci]
        out[m] = ids[rng.integers(0, len(ids), int(m.sum()))]
    return out


@lru_cache(maxsize=1)
def _cities_by_country() -> dict[int, np.ndarray]:
    return {
        ci: np.array([pl.place_id for pl in geo.places_of("city", code)], dtype=np.int32)
        for ci, code in enumerate(geo.COUNTRY_CODES)
    }
