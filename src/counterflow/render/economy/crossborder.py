"""Money across borders: family remittances (US to Mexico and China), Chinese students funded
from home (tuition and living money), and retail crypto purchases.

These are the honest twins of the laundering typologies: many small wires to Mexico, Chinese
nationals receiving large transfers from China, people buying crypto.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from counterflow.render.batch import CHAN, CUR, TYPE, TxnRows
from counterflow.render.calendar import Day, times
from counterflow.render.economy.context import COUNTRY_CUR, Context, by_day_of_month

USD = CUR["USD"]


def remittances(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    p = ctx.pop.persons
    order, starts = ctx.prepared(
        "remit", lambda c: by_day_of_month(np.where(c.pop.persons.remit_to >= 0, c.pop.persons.remit_day, 0))
    )
    due = order[starts[d.date.day] : starts[d.date.day + 1]]
    # Some senders also send a second time mid-month.
    extra = order[starts[(d.date.day + 14) % 28 + 1] : starts[(d.date.day + 14) % 28 + 2]]
    who = np.concatenate([due[p.remit_to[due] >= 0], extra[(p.remit_to[extra] >= 0) & (rng.random(len(extra)) < 0.3)]])
    who = who[rng.random(len(who)) < 0.85]
    if len(who) == 0:
        return
    to = p.remit_to[who]
    to_mx = p.country[to] == 1
    median = np.where(to_mx, ctx.scenario.behaviour.remittance_median_usd, 1800.0)
    usd = median * rng.lognormal(0, 0.55, len(who))
    usd = np.where(rng.random(len(who)) < 0.5, np.round(usd, -1), np.round(usd, 2))
    usd = np.maximum(usd, 20.0)
    cur_to = COUNTRY_CUR[p.country[to]]
    received = ctx.convert(d.index, usd, USD, cur_to, spread=np.where(to_mx, 0.02, 0.01))
    rows.add(
        ts=times(d, "personal", len(who), rng),
        src=p.checking[who],
        dst=p.checking[to],
        amount_paid=usd,
        cur_paid=USD,
        amount_received=received,
        cur_received=cur_to,
        channel=np.where(to_mx, CHAN["MSB"], CHAN["WIRE"]),
        txn_type=TYPE["remittance"],
    )


def _students(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    p = ctx.pop.persons
    s = np.flatnonzero(p.parent >= 0)
    return s, (s * 7919 % 27 + 1).astype(np.int64)  # a fixed day of month per student


def students(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    """Parents in China wire living money monthly and tuition before each semester."""
    p, b = ctx.pop.persons, ctx.pop.businesses
    s, dom = ctx.prepared("students", _students)
    if len(s) == 0:
        return
    cny = CUR["CNY"]
    who = s[dom == d.date.day]
    if len(who):
        usd = np.round(rng.uniform(1500, 4000, len(who)), -2)
        paid = ctx.convert(d.index, usd, USD, cny, spread=-0.005)  # the parent pays the bank's spread
        rows.add(
            ts=times(d, "office", len(who), rng),
            src=p.checking[p.parent[who]],
            dst=p.checking[who],
            amount_paid=paid,
            cur_paid=cny,
            amount_received=usd,
            cur_received=USD,
            channel=CHAN["WIRE"],
            txn_type=TYPE["family_support"],
        )
    k = _tuition_slot(d.date)
    if k is not None:
        # Each student's parent pays on one fixed business day of the tuition week.
        who = s[(p.university[s] >= 0) & (dom % 5 == k)]
        if len(who):
            usd = np.round(rng.uniform(14000, 36000, len(who)), -1)
            paid = ctx.convert(d.index, usd, USD, cny, spread=-0.005)
            rows.add(
                ts=times(d, "office", len(who), rng),
                src=p.checking[p.parent[who]],
                dst=b.account[p.university[who]],
                amount_paid=paid,
                cur_paid=cny,
                amount_received=usd,
                cur_received=USD,
                channel=CHAN["WIRE"],
                txn_type=TYPE["tuition"],
            )


def _tuition_slot(day: dt.date) -> int | None:
    """Which business day (0-4) of the tuition week ``day`` is, or None outside it.

    Tuition is paid in the week before the fall (from Aug 8) and spring (from Jan 3) semesters.
    """
    if day.weekday() >= 5:
        return None
    for month, first in ((8, 8), (1, 3)):
        start = dt.date(day.year, month, first)
        if day.month == month and 0 <= (day - start).days < 7:
            return sum((start + dt.timedelta(days=i)).weekday() < 5 for i in range((day - start).days))
    return None


def crypto(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    p = ctx.pop.persons
    users = ctx.prepared("crypto_users", lambda c: np.flatnonzero(c.pop.persons.wallet >= 0))
    who = users[rng.random(len(users)) < 1 / 20]
    if len(who) == 0:
        return
    c = p.country[who]
    cur_from = COUNTRY_CUR[c]
    usd = np.round(100 * rng.lognormal(0, 1.0, len(who)), 0) + 10
    paid = ctx.convert(d.index, usd, USD, cur_from)
    wallet_cur = ctx.prepared("wallet_cur", _wallet_currency)[who]
    received = ctx.convert(d.index, paid, cur_from, wallet_cur, 0.01, decimals=8)
    rows.add(
        ts=times(d, "personal", len(who), rng),
        src=p.checking[who],
        dst=p.wallet[who],
        amount_paid=paid,
        cur_paid=cur_from,
        amount_received=received,
        cur_received=wallet_cur,
        channel=CHAN["CRYPTO"],
        txn_type=TYPE["crypto_purchase"],
    )


def _wallet_currency(ctx: Context) -> np.ndarray:
    """Currency code of each person's crypto wallet (USD where they have none)."""
    a, p = ctx.pop.accounts, ctx.pop.persons
    order = np.argsort(a.account_id)
    out = np.full(len(p), USD, dtype=np.int8)
    has = np.flatnonzero(p.wallet >= 0)
    pos = order[np.searchsorted(a.account_id, p.wallet[has], sorter=order)]
    codes = np.array([CUR[c] for c in ("USDT", "BTC")], dtype=np.int8)
    out[has] = np.where(a.currency[pos] == "BTC", codes[1], codes[0])
    return out
