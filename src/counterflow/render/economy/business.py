"""Business money: supplier payments between firms and branch deposits of cash takings."""

from __future__ import annotations

import numpy as np

from counterflow.render.batch import CHAN, TYPE, TxnRows
from counterflow.render.calendar import Day, times
from counterflow.render.economy.context import COUNTRY_CUR, PRICE, Context, weighted_pick
from counterflow.world.industries import INDUSTRIES

# Median supplier payment and a typical day's cash takings (USD at US prices, before the firm's
# size): firms move most of an economy's value, so the laundered share of it stays a few percent.
B2B_USD = 4_000.0
TAKINGS_USD = 1_600.0


def b2b(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    if not d.is_business_day:
        return
    b = ctx.pop.businesses
    cum = ctx.prepared("b2b_cum", lambda c: np.cumsum(c.pop.businesses.size**0.8))
    rate = ctx.scenario.behaviour.b2b_payments_per_business_per_month / 21.7
    n = rng.poisson(len(b) * rate)
    if n == 0:
        return
    payer = weighted_pick(cum, n, rng)
    payee = weighted_pick(cum, n, rng)
    # Nine in ten suppliers are domestic: redraw foreign payees once, keep the rest abroad.
    foreign = b.country[payee] != b.country[payer]
    redraw = foreign & (rng.random(n) < 0.9)
    payee[redraw] = weighted_pick(cum, int(redraw.sum()), rng)
    keep = payee != payer
    payer, payee = payer[keep], payee[keep]
    c_from, c_to = b.country[payer], b.country[payee]
    cross = c_from != c_to
    local = B2B_USD * PRICE[c_from] * b.size[payer] ** 0.3 / ctx.usd[d.index, COUNTRY_CUR[c_from]]
    amount = np.round(local * rng.lognormal(0, 1.1, len(payer)), 2)
    domestic_channel = rng.choice(
        np.array([CHAN["ACH"], CHAN["WIRE"], CHAN["CHEQUE"]]), len(payer), p=[0.6, 0.25, 0.15]
    )
    channel = np.where(cross, CHAN["WIRE"], domestic_channel)
    # Cross-border payments leave from the payer's USD account when it has one.
    src = np.where(cross, b.usd_account[payer], b.account[payer])
    cur_paid = np.where(cross & (b.usd_account[payer] != b.account[payer]), COUNTRY_CUR[0], COUNTRY_CUR[c_from])
    amount = np.where(
        cur_paid != COUNTRY_CUR[c_from], np.round(amount * ctx.usd[d.index, COUNTRY_CUR[c_from]], 2), amount
    )
    cur_recv = COUNTRY_CUR[c_to]
    received = np.where(cur_paid == cur_recv, amount, ctx.convert(d.index, amount, cur_paid, cur_recv, 0.005))
    rows.add(
        ts=times(d, "office", len(payer), rng),
        src=src,
        dst=b.account[payee],
        amount_paid=amount,
        cur_paid=cur_paid,
        amount_received=received,
        cur_received=cur_recv,
        channel=channel,
        txn_type=TYPE["b2b_payment"],
    )


def cash_takings(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    """Cash-heavy merchants bank their takings most business days; big ones deposit over
    $10,000 at times, which is as it should be: legitimate large cash exists."""
    if d.weekday == 6:
        return
    b = ctx.pop.businesses
    share = ctx.prepared(
        "cash_share", lambda c: np.array([ind.cash_share for ind in INDUSTRIES])[c.pop.businesses.industry]
    )
    heavy = ctx.prepared("cash_heavy", lambda c: np.flatnonzero(share > 0.2))
    who = heavy[rng.random(len(heavy)) < 0.6]
    if len(who) == 0:
        return
    c = b.country[who]
    local = TAKINGS_USD * PRICE[c] * b.size[who] ** 0.5 * share[who] / 0.3 / ctx.usd[d.index, COUNTRY_CUR[c]]
    amount = np.round(local * rng.lognormal(0, 0.7, len(who)), 0)
    rows.add(
        ts=times(d, "branch", len(who), rng),
        dst=b.account[who],
        amount_paid=amount,
        cur_paid=COUNTRY_CUR[c],
        channel=CHAN["CASH"],
        txn_type=TYPE["cash_deposit"],
        location=b.city[who],
    )
