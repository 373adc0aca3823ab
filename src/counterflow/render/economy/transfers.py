"""Large legitimate transfers: people and firms moving thousands at a time.

Real accounts move large sums for ordinary reasons: a person sends family a few thousand, moves
money to savings, pays a car dealer, a contractor or an escrow agent; a firm pays its owner,
moves money between its accounts or settles with a partner. These are the honest look-alikes of
the laundering legs' sizes (mule hand-overs, dollar sales, peso payments are thousands to tens of
thousands): without them any large round transfer would be illicit by elimination.

Amounts are lognormal around a median scaled by the country's price level; a third are rounded
to hundreds (thousands above 20,000), a third to whole units, the rest carry cents, as people
and firms type them.
"""

from __future__ import annotations

import numpy as np

from counterflow.render.batch import CHAN, TYPE, TxnRows
from counterflow.render.calendar import Day, times
from counterflow.render.economy.context import COUNTRY_CUR, PRICE, Context, weighted_pick
from counterflow.world import geography as geo

PERSONAL_PER_MONTH = 0.25  # large transfers per adult and month
PERSONAL_MEDIAN_USD = 2_500.0
PERSONAL_SIGMA = 1.1
BUSINESS_PER_MONTH = 3.0  # per business and month, on business days
BUSINESS_MEDIAN_USD = 6_000.0
BUSINESS_SIGMA = 1.2
# Anyone banks cash now and then (a gift, a sold car, savings kept at home): per adult and month,
# and the share of those deposits that are large (thousands rather than hundreds).
CASH_DEPOSITS_PER_MONTH = 0.3
CASH_LARGE_SHARE = 0.12
_N = len(geo.COUNTRY_CODES)


def typed_amounts(raw: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Amounts as people type them: a third round (hundreds; thousands above 20,000), a third whole
    units, a third with cents; never below 1."""
    u = rng.random(len(raw))
    step = np.where(raw > 20_000, 1000.0, 100.0)
    out = np.where(u < 1 / 3, np.round(raw / step) * step, np.where(u < 2 / 3, np.round(raw), np.round(raw, 2)))
    return np.maximum(out, 1.0)


def transfers(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    p, b = ctx.pop.persons, ctx.pop.businesses
    adults = ctx.prepared("adults18", lambda c: np.flatnonzero(c.pop.persons.age >= 18))
    act = d.activity_factor(ctx.scenario.behaviour.seasonality)
    n = rng.poisson(len(adults) * PERSONAL_PER_MONTH / 30.4 * act)
    if n and len(adults):
        who = adults[rng.integers(0, len(adults), n)]
        c = p.country[who]
        raw = PERSONAL_MEDIAN_USD * PRICE[c] / ctx.usd[d.index, COUNTRY_CUR[c]] * rng.lognormal(0, PERSONAL_SIGMA, n)
        u = rng.random(n)
        family = p.checking[p.contacts[who, rng.integers(0, 5, n)]]
        firm = b.account[_business_of(ctx, c, rng)]
        saver = p.savings[who] >= 0
        # Half to family or friends, a quarter to one's own savings, a quarter to a business.
        dst = np.where(u < 0.5, family, np.where((u < 0.75) & saver, p.savings[who], firm))
        dst = np.where(dst < 0, family, dst)
        channel = np.where(u < 0.5, np.where(rng.random(n) < 0.5, CHAN["P2P"], CHAN["WIRE"]),
                           np.where(u < 0.75, CHAN["ACH"], CHAN["WIRE"]))
        amount = typed_amounts(raw, rng)
        src, cur = p.checking[who], COUNTRY_CUR[c]
        # Family transfers of those with an account at home leave from it, in its currency, to family
        # living there (half of them).
        home = np.full(n, -1, np.int64) if p.home is None else p.home[who]
        kin = _person_of(ctx, p.nationality[who].astype(np.int64), rng)
        h = (u < 0.5) & (home >= 0) & (kin >= 0) & (rng.random(n) < 0.5)
        if h.any():
            nat = p.nationality[who][h]
            cur = np.where(h, COUNTRY_CUR[p.nationality[who]], cur)
            src = np.where(h, home, src)
            dst = np.where(h, p.checking[np.maximum(kin, 0)], dst)
            local = raw[h] * ctx.usd[d.index, COUNTRY_CUR[c[h]]] / ctx.usd[d.index, COUNTRY_CUR[nat]]
            amount[h] = typed_amounts(local, rng)
            channel = np.where(h, CHAN["WIRE"], channel)
        rows.add(ts=times(d, "personal", n, rng), src=src, dst=dst, amount_paid=amount,
                 cur_paid=cur, channel=channel.astype(np.int8), txn_type=TYPE["transfer"])
    _cash_deposits(ctx, d, rng, rows, adults, act)
    if not d.is_business_day or len(b) == 0:
        return
    cum = ctx.prepared("b2b_cum", lambda c: np.cumsum(c.pop.businesses.size**0.8))
    k = rng.poisson(len(b) * BUSINESS_PER_MONTH / 21.7)
    if k == 0:
        return
    payer = weighted_pick(cum, k, rng)
    c = b.country[payer]
    raw = (BUSINESS_MEDIAN_USD * PRICE[c] * b.size[payer] ** 0.3 / ctx.usd[d.index, COUNTRY_CUR[c]]
           * rng.lognormal(0, BUSINESS_SIGMA, k))
    # Four in ten to a person (the owner's draw, a partner's share), the rest to another firm.
    to_person = rng.random(k) < 0.4
    person = _person_of(ctx, c, rng)
    firm = b.account[_business_of(ctx, c, rng)]
    dst = np.where(to_person & (person >= 0), p.checking[np.maximum(person, 0)], firm)
    keep = dst != b.account[payer]
    rows.add(ts=times(d, "office", int(keep.sum()), rng), src=b.account[payer][keep], dst=dst[keep],
             amount_paid=typed_amounts(raw[keep], rng), cur_paid=COUNTRY_CUR[c[keep]],
             channel=np.where(rng.random(int(keep.sum())) < 0.7, CHAN["WIRE"], CHAN["ACH"]).astype(np.int8),
             txn_type=TYPE["transfer"])


def _by_country(ids: np.ndarray, country: np.ndarray, n_countries: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(country, kind="stable")
    starts = np.searchsorted(country[order], np.arange(n_countries + 1))
    return ids[order], starts


def _pick(table: tuple[np.ndarray, np.ndarray], country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniform member of each element's country (-1 where the country has none)."""
    ids, starts = table
    lo, hi = starts[country], starts[country + 1]
    k = lo + (rng.random(len(country)) * (hi - lo)).astype(np.int64)
    return np.where(hi > lo, ids[np.minimum(k, len(ids) - 1)], -1)


def _business_of(ctx: Context, country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A firm of each element's country (the first firm where the country has none)."""
    b = ctx.pop.businesses
    t = ctx.prepared("transfer_firms", lambda c: _by_country(np.arange(len(b)), b.country.astype(np.int64), _N))
    out = _pick(t, country.astype(np.int64), rng)
    return np.where(out >= 0, out, 0)


def _person_of(ctx: Context, country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    p = ctx.pop.persons
    adult = p.age >= 18
    t = ctx.prepared("transfer_persons", lambda c: _by_country(np.flatnonzero(adult),
                                                               p.country[adult].astype(np.int64), _N))
    return _pick(t, country.astype(np.int64), rng)


def _cash_deposits(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows, adults: np.ndarray,
                   act: float) -> None:
    """Occasional cash deposits by people of every occupation, at a branch of their city (one in
    ten elsewhere in the country): the honest look-alike of a mule's or a courier's deposit."""
    from counterflow.render.economy.spending import _travel  # noqa: PLC0415 - one helper, shared

    if d.weekday == 6 or len(adults) == 0:
        return
    p = ctx.pop.persons
    n = rng.poisson(len(adults) * CASH_DEPOSITS_PER_MONTH / 26.0 * act)
    if n == 0:
        return
    who = adults[rng.integers(0, len(adults), n)]
    c = p.country[who]
    large = rng.random(n) < CASH_LARGE_SHARE
    usd = np.where(large, 3_000.0 * rng.lognormal(0, 0.7, n), 200.0 * rng.lognormal(0, 0.9, n))
    amount = np.maximum(np.round(usd * PRICE[c] / ctx.usd[d.index, COUNTRY_CUR[c]]), 5.0)
    rows.add(ts=times(d, "branch", n, rng), dst=p.checking[who], amount_paid=amount, cur_paid=COUNTRY_CUR[c],
             channel=CHAN["CASH"], txn_type=TYPE["cash_deposit"], location=_travel(p.city[who], c, rng))
