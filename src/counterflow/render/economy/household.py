"""Household money: payroll, rent, monthly bills and transfers to savings."""

from __future__ import annotations

import numpy as np

from counterflow.render.batch import CHAN, TYPE, TxnRows
from counterflow.render.calendar import Day, times
from counterflow.render.economy.context import (
    COUNTRY_CUR,
    PRICE,
    Context,
    by_day_of_month,
    industry_mask,
    weighted_pick,
)
from counterflow.render.ids import rng_for


def payroll(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    p = ctx.pop.persons
    groups = ctx.prepared("payroll", _payroll_groups)
    due = []
    if d.weekday == 4:  # biweekly on alternate Fridays
        due.append(groups[(0, (d.index // 7) % 2)])
    if d.is_mid_month_payday() or d.is_last_business_day():
        due.append(groups[(1, 0)])
    if d.is_last_business_day():
        due.append(groups[(2, 0)])
    if not due:
        return
    who = np.concatenate(due)
    # Hourly workers' pay moves with hours worked; salaried pay does not.
    amount = np.round(p.net_pay[who] * np.where(p.cash_paid[who], rng.lognormal(0, 0.1, len(who)), 1.0), 2)
    employer = p.employer[who]
    rows.add(
        ts=times(d, "batch", len(who), rng),
        src=ctx.pop.businesses.account[employer],
        dst=p.checking[who],
        amount_paid=amount,
        cur_paid=COUNTRY_CUR[p.country[who]],
        channel=CHAN["ACH"],
        txn_type=TYPE["payroll"],
    )


def _payroll_groups(ctx: Context) -> dict[tuple[int, int], np.ndarray]:
    p = ctx.pop.persons
    paid = p.employer >= 0
    out = {}
    for sched in (0, 1, 2):
        for phase in (0, 1):
            m = paid & (p.pay_schedule == sched) & ((p.pay_phase == phase) | (sched != 0))
            out[(sched, phase)] = np.flatnonzero(m)
    return out


def rent(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    p = ctx.pop.persons
    order, starts = ctx.prepared(
        "rent", lambda c: by_day_of_month(np.where(c.pop.persons.landlord >= 0, c.pop.persons.rent_day, 0))
    )
    who = order[starts[d.date.day] : starts[d.date.day + 1]]
    who = who[p.landlord[who] >= 0]
    if len(who) == 0:
        return
    channel = np.where(
        rng.random(len(who)) < 0.75, CHAN["ACH"], np.where(rng.random(len(who)) < 0.6, CHAN["P2P"], CHAN["CHEQUE"])
    )
    rows.add(
        ts=times(d, "personal", len(who), rng),
        src=p.checking[who],
        dst=ctx.pop.businesses.account[p.landlord[who]],
        amount_paid=p.rent[who],
        cur_paid=COUNTRY_CUR[p.country[who]],
        channel=channel,
        txn_type=TYPE["rent"],
    )


# Electricity varies with the season; phone and insurance are flat.
_BILL_CODES = ("221122", "517312", "524126")
_BILL_USD = np.array([120.0, 85.0, 140.0])
_BILL_SIGMA = np.array([0.25, 0.05, 0.02])


def bills(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    prep = ctx.prepared("bills", _bill_plan)
    order, starts, person, kind, biller, base = prep
    k = order[starts[d.date.day] : starts[d.date.day + 1]]
    if len(k) == 0:
        return
    p = ctx.pop.persons
    who = person[k]
    season = 1.0 + 0.25 * np.cos((d.date.month - 7.5) / 6 * np.pi) ** 2 * (kind[k] == 0)
    amount = np.round(base[k] * season * rng.lognormal(0, _BILL_SIGMA[kind[k]]), 2)
    rows.add(
        ts=times(d, "batch", len(k), rng),
        src=p.checking[who],
        dst=ctx.pop.businesses.account[biller[k]],
        amount_paid=amount,
        cur_paid=COUNTRY_CUR[p.country[who]],
        channel=CHAN["ACH"],
        txn_type=TYPE["bill"],
    )


def _bill_plan(ctx: Context) -> tuple[np.ndarray, ...]:
    p, b = ctx.pop.persons, ctx.pop.businesses
    rng = rng_for(ctx.seed, "bills-plan")
    n_bills = ctx.scenario.behaviour.bills_per_month
    person, kind, biller, base = [], [], [], []
    adults = np.flatnonzero(p.age >= 18)
    for k, code in enumerate(_BILL_CODES[:n_bills]):
        mask = industry_mask((code,), b.industry)
        for ci in np.unique(p.country[adults]):
            cands = np.flatnonzero(mask & (b.country == ci))
            if len(cands) == 0:
                continue
            who = adults[p.country[adults] == ci]
            who = who[rng.random(len(who)) < 0.8]
            cum = np.cumsum(b.size[cands])
            person.append(who)
            kind.append(np.full(len(who), k, np.int8))
            biller.append(cands[weighted_pick(cum, len(who), rng)])
            local = _BILL_USD[k] * PRICE[ci] / ctx.usd[0, COUNTRY_CUR[ci]]
            base.append(local * rng.lognormal(0, 0.3, len(who)))
    if not person:
        empty = np.empty(0, np.int64)
        return empty, np.zeros(33, np.int64), empty, empty, empty, np.empty(0)
    person_a, kind_a = np.concatenate(person), np.concatenate(kind)
    day = rng.integers(1, 29, len(person_a))
    order, starts = by_day_of_month(day)
    return order, starts, person_a, kind_a, np.concatenate(biller), np.concatenate(base)


def savings(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    """Savers move part of a month's pay to savings early in the month."""
    if d.date.day != 2:
        return
    p = ctx.pop.persons
    who = np.flatnonzero((p.savings >= 0) & (p.net_pay > 0))
    who = who[rng.random(len(who)) < 0.7]
    periods = np.array([26 / 12, 2, 1])[p.pay_schedule[who]]
    amount = np.round(p.net_pay[who] * periods * rng.uniform(0.03, 0.15, len(who)), -1)
    keep = amount > 0
    who, amount = who[keep], amount[keep]
    rows.add(
        ts=times(d, "personal", len(who), rng),
        src=p.checking[who],
        dst=p.savings[who],
        amount_paid=amount,
        cur_paid=COUNTRY_CUR[p.country[who]],
        channel=CHAN["ACH"],
        txn_type=TYPE["savings_transfer"],
    )
