"""Legs that fall on other days than their pick-up's: bulk cash carried south, the own channel of
the organisations that do not use brokers, the shoppers' card purchases, and later spends of
laundered money.

Later spends stay labeled (as in AMLworld): the accounts they leave (the cartel's peso account,
the dollar buyers' US accounts, the broker's yuan account) receive nothing but laundered money, so
every payment out of them is the case's money. See docs/laundering.md for which spends and why.

All legs are decided here, once, with the plan's stream, and kept as arrays sorted by day; the
day generator (:mod:`counterflow.render.laundering.mirror`) emits the legs of its day. Legs after
the window's last day are dropped (the money is spent or sent after the window).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from counterflow.render.batch import CHAN, CUR, TYPE, TYPOLOGY
from counterflow.render.calendar import day as day_of
from counterflow.render.economy.context import industry_mask
from counterflow.render.laundering.adapt import BULK_DEPOSITORS, bank_of
from counterflow.render.laundering.network import BULK, CARD, CMLN, CRYPTO, OWN, deposit_count, split_total
from counterflow.world import geography as geo

USD, MXN, CNY = CUR["USD"], CUR["MXN"], CUR["CNY"]
_H = 3600
COLS = ("day", "ts", "src", "dst", "amount_paid", "cur_paid", "amount_received", "cur_received", "channel",
        "txn_type", "location", "typology", "case")
BORDER_CITIES = ("San Diego", "El Paso", "Nogales", "Laredo", "Tucson")
CARTEL_WORKERS = 4  # per case: paid from the cartel's peso account


@dataclass
class Legs:
    """Columns of the later legs, sorted by day."""

    cols: dict[str, np.ndarray]

    def day_slice(self, d: int) -> slice:
        day = self.cols["day"]
        return slice(int(np.searchsorted(day, d)), int(np.searchsorted(day, d, side="right")))


class _Buf:
    def __init__(self, epoch0: int, days: int) -> None:
        self.epoch0, self.days = epoch0, days
        self.parts: dict[str, list[np.ndarray]] = {k: [] for k in COLS}

    def add(self, day: np.ndarray, sec: np.ndarray, *, src, dst, amount, cur, channel: str, txn_type: str,
            typology, case, location=-1, received=None, cur_received=None) -> None:  # noqa: ANN001
        day = np.asarray(day, np.int64)
        keep = day < self.days
        n = len(day)
        vals = {
            "day": day, "ts": self.epoch0 + day * 86_400 + np.asarray(sec, np.int64), "src": src, "dst": dst,
            "amount_paid": amount, "cur_paid": cur, "amount_received": amount if received is None else received,
            "cur_received": cur if cur_received is None else cur_received, "channel": CHAN[channel],
            "txn_type": TYPE[txn_type], "location": location,
            "typology": typology if not isinstance(typology, str) else TYPOLOGY[typology], "case": case,
        }
        for k, v in vals.items():
            self.parts[k].append(np.broadcast_to(np.asarray(v), (n,))[keep])

    def legs(self) -> Legs:
        dtypes = {"day": np.int64, "ts": np.int64, "src": np.int64, "dst": np.int64, "amount_paid": float,
                  "cur_paid": np.int8, "amount_received": float, "cur_received": np.int8, "channel": np.int8,
                  "txn_type": np.int8, "location": np.int32, "typology": np.int8, "case": np.int64}
        cols = {k: (np.concatenate(v).astype(dtypes[k]) if v else np.empty(0, dtypes[k]))
                for k, v in self.parts.items()}
        o = np.argsort(cols["day"], kind="stable")
        return Legs({k: v[o] for k, v in cols.items()})


def build(ctx, plan, b, rng: np.random.Generator) -> Legs:  # noqa: ANN001 - Context, Plan, _PartyBuilder
    sc, lc = ctx.scenario, ctx.scenario.laundering
    buf = _Buf(day_of(sc.start_date, 0).epoch_s, sc.days)
    pk, net = plan.pickups, plan.network
    payees = _Payees(ctx, plan.adapt.cut_banks)
    _bulk(ctx, pk, plan.adapt, b, buf, rng)
    _own(ctx, pk, b, buf, rng)
    live = (pk.channel == CMLN) & ~pk.lost
    cases = sorted(net.cartel)
    lag = lambda n: rng.integers(1, lc.lag_days_max + 1, n)  # noqa: E731
    sec = lambda n: rng.integers(9 * _H, 18 * _H, n)  # noqa: E731

    # The cartel's pesos: property, builders and the pay of its workers in Mexico.
    if cases:
        workers = b.add("cartel", "C1", "MX", "MX", np.repeat(cases, CARTEL_WORKERS), ("MX",))[0]
        workers = dict(zip(cases, workers.reshape(len(cases), CARTEL_WORKERS)))
        i = np.flatnonzero(live & (pk.path != CRYPTO))
        mxn = np.array([ctx.convert(int(d), np.round(c * (1 - f), 2), USD, MXN)
                        for d, c, f in zip(pk.day[i], pk.cash[i], pk.fee[i])])
        own, amt = split_total(np.round(lc.spend_share * mxn, 2), rng.integers(1, 4, len(i)), 0.3, rng, 2)
        kind = rng.integers(0, 3, len(own))
        src = np.array([net.cartel[int(c)] for c in pk.case[i][own]], np.int64)
        slot = rng.integers(0, CARTEL_WORKERS, len(own))
        worker = np.array([workers[int(c)][k] for c, k in zip(pk.case[i][own], slot)], np.int64)
        prop, build_ = payees.draw("531110", "MX", len(own), rng), payees.draw("236118", "MX", len(own), rng)
        dst = np.where(kind == 0, prop, np.where(kind == 1, build_, worker))
        dst = np.where(dst < 0, worker, dst)
        d = pk.day[i][own] + lag(len(own))
        # Workers are paid person to person, not through a payroll run.
        pay = dst == worker
        for m, ch in ((pay, "P2P"), (~pay, "WIRE")):
            buf.add(d[m], sec(int(m.sum())), src=src[m], dst=dst[m], amount=amt[m], cur=MXN, channel=ch,
                    txn_type="transfer", typology="C1", case=pk.case[i][own][m])

    # The dollar buyers' dollars: cashier's checks to real-estate and escrow payees (C4).
    buyer_accts = set(net.dollar_us.ravel().tolist())
    q = np.flatnonzero(np.isin(pk.pay_acct, list(buyer_accts)))
    if len(q):
        amount = np.round(lc.spend_share * pk.pay_usd[q], 2)
        d = pk.day[pk.pay_own[q]] + lag(len(q))
        case = pk.case[pk.pay_own[q]]
        estate = payees.draw("531110", "US", len(q), rng)
        m = estate >= 0
        buf.add(d[m], sec(int(m.sum())), src=pk.pay_acct[q][m], dst=estate[m], amount=amount[m], cur=USD,
                channel="CHEQUE", txn_type="cashier_check", typology="C4", case=case[m])

    # The shoppers spend the paid-off card limits on electronics and luxury goods (C5).
    h = np.flatnonzero((pk.path[pk.pay_own] == CARD) & ~np.isin(pk.pay_acct, list(buyer_accts)))
    if len(h):
        total = np.round(pk.pay_usd[h] * rng.uniform(0.9, 1.0, len(h)), 2)
        own, amt = split_total(total, rng.integers(2, 6, len(h)), 0.4, rng, 2)
        shops = np.concatenate([payees.pool(c, "US") for c in ("443142", "452210", "454110", "448140")])
        if len(shops):
            d = pk.day[pk.pay_own[h]][own] + rng.integers(0, 4, len(own))
            buf.add(d, rng.integers(10 * _H, 21 * _H, len(own)), src=pk.pay_acct[h][own],
                    dst=shops[rng.integers(0, len(shops), len(own))], amount=amt, cur=USD, channel="CARD",
                    txn_type="card_purchase", typology="C5", case=pk.case[pk.pay_own[h]][own])

    # The broker's yuan fee: property in China.
    i = np.flatnonzero(live & (pk.path != CRYPTO))
    if len(i):
        fee_cny = np.array([ctx.convert(int(d), c * f, USD, CNY) for d, c, f in zip(pk.day[i], pk.cash[i], pk.fee[i])])
        dst = payees.draw("531110", "CN", len(i), rng)
        m = dst >= 0
        buf.add((pk.day[i] + lag(len(i)))[m], sec(int(m.sum())), src=net.cn[pk.network[i]][m], dst=dst[m],
                amount=np.round(lc.spend_share * fee_cny, 2)[m], cur=CNY, channel="WIRE", txn_type="transfer",
                typology="C1", case=pk.case[i][m])
    return buf.legs()


def _bulk(ctx, pk, ad, b, buf: _Buf, rng: np.random.Generator) -> None:  # noqa: ANN001
    """Bulk cash carried south and deposited in USD at Mexican branches into the cartel's
    depositors' accounts (F4). Under a USD cap each account takes at most the cap a month."""
    i = np.flatnonzero((pk.channel == BULK) & ~pk.lost)
    cases = sorted(set(pk.case[pk.channel == BULK].tolist()))
    if not cases:
        return
    first = len(b.parties["party_id"])
    b.add("cartel", "F4", "MX", "MX", np.repeat(cases, BULK_DEPOSITORS), ("MX",))
    pids = np.array(b.parties["party_id"][first:], np.int64)
    usd_accts = b.add_usd_accounts(pids, "MX").reshape(len(cases), BULK_DEPOSITORS)
    depo = dict(zip(cases, usd_accts))
    mx_cities = np.array([c.place_id for c in geo.places_of("city", "MX")], np.int32)
    room: dict[tuple[int, int], float] = {}
    own, acct, amount = [], [], []
    for p in i:
        accts, day = depo[int(pk.case[p])], int(pk.out_day[p])
        if ad.usd_cap is not None and day >= ad.usd_cap[0]:
            # Fill each depositor up to what the cap leaves of its month (months of 30 days).
            left = float(pk.cash[p])
            for a in accts:
                r = room.setdefault((int(a), day // 30), ad.usd_cap[1])
                put = min(r, left)
                if put > 0:
                    own.append(p), acct.append(int(a)), amount.append(put)
                    room[(int(a), day // 30)] = r - put
                    left -= put
            continue
        k = max(1, int(np.ceil(pk.cash[p] / rng.uniform(5_000, 15_000))))
        _, parts = split_total(pk.cash[p:p + 1], np.array([k]), 0.3, rng)
        own += [p] * k
        acct += [int(accts[q % BULK_DEPOSITORS]) for q in range(k)]
        amount += parts.tolist()
    own_a = np.array(own, np.int64)
    buf.add(pk.out_day[own_a], rng.integers(9 * _H, 17 * _H, len(own_a)), src=-1, dst=np.array(acct, np.int64),
            amount=np.array(amount), cur=USD, channel="CASH", txn_type="cash_deposit", typology="F4",
            case=pk.case[own_a], location=mx_cities[rng.integers(0, len(mx_cities), len(own_a))])


def _own(ctx, pk, b, buf: _Buf, rng: np.random.Generator) -> None:  # noqa: ANN001
    """The own channel: structured deposits into the organisation's funnel accounts in many states
    on the pick-up's day, then, within the lag, a wire to its account in Mexico or cash withdrawn
    near the border and carried south (all F4)."""
    lc = ctx.scenario.laundering
    i = np.flatnonzero((pk.channel == OWN) & ~pk.lost)
    cases = sorted(set(pk.case[pk.channel == OWN].tolist()))
    if not cases:
        return
    funnels = b.add("funnel_account", "F4", "US", "resident", np.repeat(cases, 3), ("US",))[0].reshape(len(cases), 3)
    mx = b.add("cartel", "F4", "MX", "MX", np.array(cases), ("MX",))[0]
    row = {c: k for k, c in enumerate(cases)}
    r = np.array([row[int(c)] for c in pk.case[i]], np.int64)
    funnel = funnels[r, rng.integers(0, 3, len(i))]
    k = deposit_count(pk.cash[i], lc.deposit_max_usd, rng)
    own, amt = split_total(pk.cash[i], k, 0.2, rng)
    us_cities = np.array([c.place_id for c in geo.places_of("city", "US")], np.int32)
    buf.add(pk.day[i][own], rng.integers(9 * _H, 18 * _H, len(own)), src=-1, dst=funnel[own], amount=amt, cur=USD,
            channel="CASH", txn_type="cash_deposit", typology="F4", case=pk.case[i][own],
            location=us_cities[rng.integers(0, len(us_cities), len(own))])
    wire = rng.random(len(i)) < 0.5
    w = np.flatnonzero(wire)
    out_day = pk.out_day[i]
    inside = out_day < ctx.scenario.days
    mxn = np.array([ctx.convert(int(d), c, USD, MXN) if ok else 0.0
                    for d, c, ok in zip(out_day[w], pk.cash[i][w], inside[w])])
    buf.add(out_day[w], rng.integers(10 * _H, 17 * _H, len(w)), src=funnel[w], dst=mx[r[w]], amount=pk.cash[i][w],
            cur=USD, received=mxn, cur_received=MXN, channel="WIRE", txn_type="transfer", typology="F4",
            case=pk.case[i][w])
    c = np.flatnonzero(~wire)
    own, amt = split_total(pk.cash[i][c], rng.integers(2, 6, len(c)), 0.3, rng)
    border = [p.place_id for p in geo.places_of("city", "US") if p.name in BORDER_CITIES]
    buf.add(out_day[c][own], rng.integers(8 * _H, 20 * _H, len(own)), src=funnel[c][own], dst=-1, amount=amt,
            cur=USD, channel="CASH", txn_type="cash_withdrawal", typology="F4", case=pk.case[i][c][own],
            location=np.array(border, np.int32)[rng.integers(0, len(border), len(own))])


class _Payees:
    """Legitimate businesses that receive later spends, by industry and country, none at a bank
    that a lever cuts off."""

    def __init__(self, ctx, cut: dict[int, int]) -> None:  # noqa: ANN001
        self.biz = ctx.pop.businesses
        self.ok = ~np.isin(bank_of(ctx.pop, self.biz.account), list(cut)) & (self.biz.account >= 0)

    def pool(self, code: str, country: str) -> np.ndarray:
        from counterflow.render.population import COUNTRY_INDEX  # noqa: PLC0415

        m = industry_mask((code,), self.biz.industry) & (self.biz.country == COUNTRY_INDEX[country]) & self.ok
        return self.biz.account[m]

    def draw(self, code: str, country: str, n: int, rng: np.random.Generator) -> np.ndarray:
        pool = self.pool(code, country)
        return pool[rng.integers(0, len(pool), n)] if len(pool) else np.full(n, -1, np.int64)

