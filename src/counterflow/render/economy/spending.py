"""Everyday spending: card purchases at merchants, P2P transfers, ATM cash and cash pay."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from counterflow.render.batch import CHAN, MEMO_POOLS, TYPE, TxnRows
from counterflow.render.calendar import Day, times
from counterflow.render.economy.context import COUNTRY_CUR, PRICE, Alias, Context, GroupedAlias
from counterflow.render.ids import rng_for
from counterflow.world import geography as geo
from counterflow.world.industries import INDUSTRIES


def _merchants(ctx: Context) -> dict[str, object]:
    """Merchants of each country with an alias table over their sizes, and ticket sizes,
    packed flat by country (see :class:`GroupedAlias`)."""
    b = ctx.pop.businesses
    is_merchant = np.array([ind.role == "merchant" for ind in INDUSTRIES])[b.industry]
    rng = rng_for(ctx.seed, "merchant-plan")
    ticket_usd = np.array([ind.ticket_usd for ind in INDUSTRIES])
    ticket_sigma = np.array([ind.ticket_sigma for ind in INDUSTRIES])
    merchants, medians, sizes = [], [], []
    for ci in range(len(geo.COUNTRY_CODES)):
        m = np.flatnonzero(is_merchant & (b.country == ci))
        local = ticket_usd[b.industry[m]] * PRICE[ci] / ctx.usd[0, COUNTRY_CUR[ci]]
        merchants.append(m)
        medians.append(local * rng.lognormal(0, 0.3, len(m)))
        sizes.append(b.size[m])
    flat = np.concatenate(merchants)
    return {
        "alias": GroupedAlias.build(sizes),
        "merchant": flat,
        "median": np.concatenate(medians),
        "sigma": ticket_sigma[b.industry[flat]],
        "payers": Alias.build(ctx.pop.persons.card_rate),
        "total_rate": float(ctx.pop.persons.card_rate.sum()),
    }


def card(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    p, b = ctx.pop.persons, ctx.pop.businesses
    mer = ctx.prepared("merchants", _merchants)
    if mer["total_rate"] == 0:
        return
    n = rng.poisson(mer["total_rate"] * d.activity_factor(ctx.scenario.behaviour.seasonality))
    who = mer["payers"].draw(n, rng)
    c = p.country[who]
    k = mer["alias"].draw(c, rng)  # a merchant of the payer's own country
    if (k < 0).any():
        ok = k >= 0
        who, c, k = who[ok], c[ok], k[ok]
    merchant = mer["merchant"][k]
    amount = np.maximum(np.round(mer["median"][k] * np.exp(mer["sigma"][k] * rng.standard_normal(len(k))), 2), 0.5)
    rows.add(
        ts=times(d, "card", len(who), rng),
        src=p.checking[who],
        dst=b.account[merchant],
        amount_paid=amount,
        cur_paid=COUNTRY_CUR[c],
        channel=CHAN["CARD"],
        txn_type=TYPE["card_purchase"],
        location=b.city[merchant],
    )


def p2p(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    p = ctx.pop.persons
    adults = ctx.prepared("adults", lambda c: np.flatnonzero(c.pop.persons.age >= 16))
    rate = ctx.scenario.behaviour.p2p_per_month / 30.4
    n = rng.poisson(len(adults) * rate * d.activity_factor(ctx.scenario.behaviour.seasonality))
    if n == 0 or len(adults) == 0:
        return
    who = adults[rng.integers(0, len(adults), n)]
    # Close contacts get most of the payments (Zipf over the five).
    slot = np.searchsorted(_CONTACT_CDF, rng.random(n), side="right")
    to = p.contacts[who, slot]
    keep = to != who
    who, to = who[keep], to[keep]
    c = p.country[who]
    local = 45.0 * PRICE[c] / ctx.usd[d.index, COUNTRY_CUR[c]]
    raw = local * rng.lognormal(0, 0.9, len(who))
    # People send round numbers more often than not.
    step = np.where(rng.random(len(who)) < 0.6, 10 ** np.floor(np.log10(np.maximum(raw, 1))) / 2, 0.01)
    amount = np.maximum(np.round(np.round(raw / step) * step, 2), 1.0)
    pools, sizes = _memo_table()
    pick = (rng.random(len(who)) * sizes[c]).astype(np.int64)
    memo = np.where(rng.random(len(who)) < 0.55, pools[c, pick], -1).astype(np.int16)
    rows.add(
        ts=times(d, "personal", len(who), rng),
        src=p.checking[who],
        dst=p.checking[to],
        amount_paid=amount,
        cur_paid=COUNTRY_CUR[c],
        channel=CHAN["P2P"],
        txn_type=TYPE["p2p"],
        memo=memo,
    )


_CONTACT_CDF = np.cumsum([0.4, 0.25, 0.15, 0.12, 0.08])[:-1]


@lru_cache(maxsize=1)
def _memo_table() -> tuple[np.ndarray, np.ndarray]:
    """Memo pools as one padded matrix (country x memo), and each pool's size."""
    sizes = np.array([len(MEMO_POOLS[c]) for c in geo.COUNTRY_CODES])
    table = np.zeros((len(sizes), sizes.max()), dtype=np.int16)
    for i, c in enumerate(geo.COUNTRY_CODES):
        table[i, : sizes[i]] = MEMO_POOLS[c]
    return table, sizes


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
        rows.add(
            ts=times(d, "personal", n, rng),
            src=p.checking[who],
            amount_paid=amount.astype(float),
            cur_paid=COUNTRY_CUR[c],
            channel=CHAN["CASH"],
            txn_type=TYPE["cash_withdrawal"],
            location=_travel(p.city[who], c, rng),
        )
    if d.weekday in (0, 4):  # tips and cash wages go in on Mondays and Fridays
        earners = ctx.prepared("cash_paid", lambda c: np.flatnonzero(c.pop.persons.cash_paid))
        who = earners[rng.random(len(earners)) < 0.45]
        c = p.country[who]
        local = 260.0 * PRICE[c] / ctx.usd[d.index, COUNTRY_CUR[c]]
        amount = np.round(local * rng.lognormal(0, 0.55, len(who)), 0)
        rows.add(
            ts=times(d, "branch", len(who), rng),
            dst=p.checking[who],
            amount_paid=amount,
            cur_paid=COUNTRY_CUR[c],
            channel=CHAN["CASH"],
            txn_type=TYPE["cash_deposit"],
            location=p.city[who],
        )


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
