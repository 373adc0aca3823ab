"""Trade-based laundering (TBML): street cash turned into goods shipped to Mexico and sold for pesos.

Option 2 of the Reuters factbox (seed 003), with the FATF/Egmont and FinCEN red flags (see
docs/laundering.md). A share ``laundering.trade.share`` of the cartels' US cash is cut into orders
(the mirror's pick-up cut, :func:`network._pickups`). For each order:

1. Placement into a broker-run US front company with shell traits (F5): the front deposits part of
   the cash itself (C6: receipts with no inventory of its own), third parties deposit the rest
   in their own accounts below $10,000 (F3) and wire it to the front (T5).
2. Purchase: the front pays a real-looking supplier (a US wholesaler, a Chinese maker, or a Hong
   Kong trading company that invoices for the maker) by trade wire. Invoices may be over- or
   under-invoiced against the good's typical price (T1); an under-invoiced order pays the rest off
   the invoice (T5). The Hong Kong company (shell traits) passes the maker its due and sends the
   rest to individuals (C8) or back to the US front (C7).
3. The goods (electronics or clothing) go to a Mexican importer, sometimes outside its line (T2),
   through Hong Kong for the Hong Kong orders (T4), with papers that may contradict each other (T3).
4. The importer sells them below market for cash pesos (T5) and wires the pesos, less its margin,
   to the cartel's account.

Ledger of an order (checked in tests): cash = lost + goods value + excess kept by the supplier
+ Hong Kong outflows; goods value = discount + importer margin + pesos to the cartel (USD at the
day's rates).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from counterflow.dataset import vocab
from counterflow.render.batch import CHAN, CUR, TYPE, TYPOLOGY, TxnRows
from counterflow.render.calendar import Day
from counterflow.render.economy.context import Context
from counterflow.render.ids import TRADE_DOCUMENTS, TRADE_SHIPMENTS, opaque_ids, rng_for
from counterflow.render.laundering import mirror
from counterflow.render.laundering.legs import Legs, business_day
from counterflow.render.laundering.network import MULE_OCCUPATIONS, ORG_CASE_BASE, cut_stash, split_total
from counterflow.render.laundering.parties import PartyBuilder
from counterflow.render.population import IND_INDEX
from counterflow.world import geography as geo
from counterflow.world.goods import GOODS, customs_uplift

USD, MXN = CUR["USD"], CUR["MXN"]
_H = 3600
_SECTORS = ("electronics", "apparel")
_GOODS_OF = {s: [i for i, g in enumerate(GOODS) if g.sector == s] for s in _SECTORS}
# What the front's name says it does (electronics or clothing trading) and the unrelated industry it
# registered (F5: the code does not match the name).
_FRONT_NAME = ("423690", "424350")
_FRONT_CODE = ("541211", "812111", "236118", "541511")
# Mexican importers and the goods sector each one deals in.
IMPORTER_LINE = (("424350", "apparel"), ("448140", "apparel"), ("423690", "electronics"), ("443142", "electronics"))
_CN_ORIGIN = ("Port of Shanghai", "Port of Shenzhen (Yantian)", "Port of Ningbo-Zhoushan", "Port of Guangzhou (Nansha)")
_MX_PORTS = ("Port of Manzanillo", "Port of Lázaro Cárdenas")
_LAND = ("Laredo (Laredo–Nuevo Laredo)", "Otay Mesa (San Diego–Tijuana)", "El Paso (El Paso–Ciudad Juárez)")
_PLACE = {p.name: p.place_id for p in geo.places()}


@dataclass
class TradePlan:
    """The whole window's TBML: parties, shipments and documents, legs, and each order's ledger."""

    orders: dict[str, np.ndarray]
    legs: Legs
    parties: pa.Table
    labels: pa.Table
    accounts: pa.Table
    shipments: pa.Table
    shipment_labels: pa.Table
    documents: pa.Table


def plan(ctx: Context) -> TradePlan:
    """The run's trade-based laundering, built once."""
    return ctx.prepared("laundering_trade", build_plan)


def generate(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    """The day's legs of every order (all drawn in the plan; ``rng`` is unused but keeps the
    generator signature)."""
    if ctx.cash_proceeds is None or not ctx.scenario.laundering.enabled or not ctx.scenario.laundering.trade.enabled:
        return
    plan(ctx).legs.emit(d, rows)


def _cases(ctx: Context) -> np.ndarray:
    lc = ctx.scenario.laundering
    return np.array([ORG_CASE_BASE + vocab.ORGANISATIONS.index(o) for o in lc.organisations], np.int64)


@dataclass
class _Cast:
    """Account ids of one case's parties."""

    front: list[int]  # US front per slot
    front_city: list[int]
    third: list[list[int]]  # third parties' accounts per front
    importer: list[int]
    importer_sector: list[str]
    importer_party: list[int]
    maker: dict[str, tuple[int, int]]  # sector -> (party, account) of a Chinese maker
    us_seller: tuple[int, int]
    hk: tuple[int, int]
    hk_people: list[int]
    front_party: list[int]


def _cast(b: PartyBuilder, case: int, fronts: int, tc, rng: np.random.Generator) -> _Cast:  # noqa: ANN001
    c = _Cast([], [], [], [], [], [], {}, (0, 0), (0, 0), [], [])
    for _ in range(fronts):
        p = b.business("US", _FRONT_NAME[int(rng.integers(0, 2))], "front_company", "F5", case,
                       industry=_FRONT_CODE[int(rng.integers(0, len(_FRONT_CODE)))], shell=True)
        c.front_party.append(p)
        c.front.append(b.account(p, "US", "business"))
        c.front_city.append(int(b.cols["city_id"][-1]))
        # Third parties are recruited like the mirror's mules: students, homemakers, retirees, laborers.
        c.third.append([b.account(b.person("US", "US", "mule", "T5", case,
                                           occupation=MULE_OCCUPATIONS[int(rng.integers(0, 4))]), "US")
                        for _ in range(tc.third_parties_per_front)])
        code, sector = IMPORTER_LINE[int(rng.integers(0, len(IMPORTER_LINE)))]
        ip = b.business("MX", code, "importer", "T2", case)
        c.importer_party.append(ip)
        c.importer.append(b.account(ip, "MX", "business"))
        c.importer_sector.append(sector)
    for sector, code in (("electronics", "334220"), ("apparel", "424350")):
        p = b.business("CN", code, "goods_supplier", "T1", case)
        c.maker[sector] = (p, b.account(p, "CN", "business"))
    p = b.business("US", "423690", "goods_supplier", "T1", case)
    c.us_seller = (p, b.account(p, "US", "business"))
    p = b.business("HK", _FRONT_NAME[int(rng.integers(0, 2))], "shell_company", "C8", case,
                   industry=_FRONT_CODE[int(rng.integers(0, len(_FRONT_CODE)))], shell=True)
    c.hk = (p, b.account(p, "HK", "business"))
    c.hk_people = [b.account(b.person(cc, cc, "money_broker", "C8", case), cc) for cc in ("CN", "HK", "CN")]
    return c


def build_plan(ctx: Context) -> TradePlan:
    sc, seed = ctx.scenario, ctx.seed
    tc = sc.laundering.trade
    rng = rng_for(seed, "laundering-trade-plan")
    cases = _cases(ctx)
    J = tc.fronts_per_case * len(cases)
    net_case = cases[np.arange(J) % len(cases)]
    b = PartyBuilder(rng, sc.start_date, ctx.pop.banks)
    casts = {int(c): _cast(b, int(c), tc.fronts_per_case, tc, rng) for c in cases}
    pk = _orders(ctx, cases, net_case, rng)
    cartel = mirror.plan(ctx).network.cartel if len(pk.day) else {}
    fwd = _forwarders(ctx)
    o = _Orders(ctx, b, rng, fwd)
    for i in range(len(pk.day)):
        case = int(pk.case[i])
        slot = int(pk.network[i]) // len(cases)
        o.order(casts[case], slot, case, int(pk.day[i]), float(pk.cash[i]), bool(pk.lost[i]), int(pk.city[i]),
                cartel.get(case, -1))
    if tc.lookalike_exporters:
        # Own stream, so the look-alikes never shift the laundering's draws.
        o.rng = rng_for(seed, "laundering-trade-lookalikes")
        _lookalikes(o, tc.lookalike_exporters, tc.lookalike_orders_per_month)
    parties, labels, accounts = b.tables()
    shipments, ship_labels, documents = o.tables()
    return TradePlan({k: np.array(v) for k, v in o.ledger.items()}, o.legs.freeze(sc.days), parties, labels,
                     accounts, shipments, ship_labels, documents)


@dataclass
class _Cash:
    """The trade share of the cartels' cash, cut into orders (one row each, sorted by day)."""

    day: np.ndarray
    city: np.ndarray
    case: np.ndarray
    network: np.ndarray  # which front of the case (its position among the case's fronts)
    cash: np.ndarray
    lost: np.ndarray


def _orders(ctx: Context, cases: np.ndarray, net_case: np.ndarray, rng: np.random.Generator) -> _Cash:
    """``trade.share`` of each case's street cash, cut into orders of about ``trade.order_usd`` as
    the mirror cuts its pick-ups (:func:`network.cut_stash`)."""
    sc, lc = ctx.scenario, ctx.scenario.laundering
    t = ctx.cash_proceeds
    if t is None or t.num_rows == 0 or not lc.enabled:
        return _Cash(*(np.empty(0, np.int64),) * 5, np.empty(0, bool))
    case = t["case_id"].to_numpy()
    keep = np.isin(case, cases)
    day = (t["date"].to_numpy()[keep] - np.datetime64(sc.start_date, "D")).astype(np.int64)
    usd = t["amount_usd"].to_numpy()[keep] * lc.trade.share * lc.scale(sc.population.persons)
    day, city, pc, cash = cut_stash(day, t["city_id"].to_numpy()[keep].astype(np.int64), case[keep], usd,
                                    lc.trade.order_usd, rng)
    n = len(day)
    # An order goes to one of the fronts serving its case.
    slot = {int(c): np.flatnonzero(net_case == c) for c in cases}
    network = np.array([slot[int(c)][int(rng.integers(0, len(slot[int(c)])))] for c in pc], np.int64)
    lost = rng.random(n) < lc.loss_rate
    o = np.argsort(day, kind="stable")
    return _Cash(day[o], city[o].astype(np.int32), pc[o], network[o], cash[o], lost[o])


def _forwarders(ctx: Context) -> dict[str, np.ndarray]:
    """Party ids of the population's freight forwarders by country (they issue bills of lading)."""
    bz = ctx.pop.businesses
    country = np.array(geo.COUNTRY_CODES)[bz.country]
    m = bz.industry == IND_INDEX["488510"]
    return {c: bz.party_id[m & (country == c)] for c in ("US", "CN", "HK", "MX")}


def _lookalikes(o: _Orders, n: int, per_month: float) -> None:
    """Legitimate home-based US traders that look like the fronts (three or four trade names, an
    apartment address, no website, an industry code that does not match the name) and do honest
    triangular trade: they buy electronics or clothing from a real Chinese maker, have it shipped
    straight to a real Mexican importer (through Hong Kong for some), and are paid by the importer a
    markup on invoices at typical prices. They receive wires from Mexico (like C7) and hold no
    inventory (like C6)."""
    ctx, b, rng = o.ctx, o.b, o.rng
    bz = ctx.pop.businesses
    country = np.array(geo.COUNTRY_CODES)[bz.country]
    makers = {"electronics": np.flatnonzero((country == "CN") & (bz.industry == IND_INDEX["334220"])),
              "apparel": np.flatnonzero((country == "CN") & (bz.industry == IND_INDEX["424350"]))}
    # Importers with a dollar account of their own pay in dollars.
    buyers = {sec: np.flatnonzero((country == "MX") & (bz.usd_account != bz.account)
                                  & np.isin(bz.industry, [IND_INDEX[c] for c, s in IMPORTER_LINE if s == sec]))
              for sec in _SECTORS}
    sectors = [sec for sec in _SECTORS if len(makers[sec]) and len(buyers[sec])]
    if not sectors or not len(o.fwd["CN"]):  # honest loads always pass a forwarder
        return
    for _ in range(n):
        sector = sectors[int(rng.integers(0, len(sectors)))]
        name = "423690" if sector == "electronics" else "424350"
        p = b.business("US", name, "legitimate", None, None, industry=_FRONT_CODE[int(rng.integers(0, 4))],
                       shell=True)
        acct = b.account(p, "US", "business")
        for d1 in np.sort(rng.integers(0, o.days, rng.poisson(per_month * o.days / 30.4))):
            d1 = int(d1)
            m = int(makers[sector][int(rng.integers(0, len(makers[sector])))])
            imp = int(buyers[sector][int(rng.integers(0, len(buyers[sector])))])
            g = _GOODS_OF[sector][int(rng.integers(0, len(_GOODS_OF[sector])))]
            good = GOODS[g]
            qty = max(1.0, float(np.round(good.lot_median * rng.lognormal(0, 0.5))))
            cost = float(np.round(qty * good.price_usd * np.exp(rng.uniform(-1, 1) * good.price_sigma / 2), 2))
            sale = float(np.round(cost * rng.uniform(1.08, 1.25), 2))
            via_hk = rng.random() < 0.2
            depart = d1 + int(rng.integers(7, 20))
            arrive = depart + int(rng.integers(18, 36)) + (4 if via_hk else 0)
            in_window = depart < o.days
            sid = int(opaque_ids(TRADE_SHIPMENTS, len(o.ship["shipment_id"]))) if in_window else -1
            o._pay(d1, acct, int(bz.usd_account[m]), cost, None, -1, txn="trade_payment")
            o._pay(arrive + int(rng.integers(0, 20)), int(bz.usd_account[imp]), acct, sale, None, -1,
                   txn="trade_payment", shipment=sid)
            if in_window:
                o._shipment(sid, p, int(bz.party_id[imp]), g, qty, sale, "sea", "CN",
                            _PLACE[_CN_ORIGIN[int(rng.integers(0, len(_CN_ORIGIN)))]],
                            _PLACE["Port of Hong Kong"] if via_hk else None,
                            _PLACE[_MX_PORTS[int(rng.integers(0, len(_MX_PORTS)))]], depart, arrive, False, None,
                            None, d1)


class _Orders:
    """Turns orders into legs, shipments, documents and ledger rows."""

    def __init__(self, ctx: Context, b: PartyBuilder, rng: np.random.Generator, fwd: dict[str, np.ndarray]) -> None:
        self.ctx, self.b, self.rng, self.fwd = ctx, b, rng, fwd
        self.tc = ctx.scenario.laundering.trade
        self.cap = ctx.scenario.laundering.deposit_max_usd
        self.days = ctx.scenario.days
        self.legs = Legs()
        self._order: np.ndarray | None = None
        self.ledger: dict[str, list] = {k: [] for k in (
            "case", "day", "cash", "lost", "goods", "kept", "hk_people", "hk_front", "discount", "margin", "pesos",
            "done_day", "shipment", "typology", "invoice")}
        self.ship: dict[str, list] = {k: [] for k in (
            "shipment_id", "exporter_id", "importer_id", "hs_code", "quantity", "declared_value", "mode",
            "origin_country", "origin_port_id", "transship_port_id", "dest_port_id", "depart", "arrive",
            "forwarder_ids", "typology", "case")}
        self.docs: dict[str, list] = {k: [] for k in (
            "shipment_id", "doc_type", "doc_number", "issue_date", "issuer_id", "hs_code", "goods_description",
            "quantity", "declared_value")}

    def _conv(self, day: int, usd: float, cur: int) -> float:
        return float(self.ctx.convert(min(max(day, 0), self.days - 1), np.array([usd]), USD, cur)[0])

    def _cur(self, account: int) -> int:
        if account in self.b.currency:
            return CUR[self.b.currency_of(account)]
        a = self.ctx.pop.accounts  # a legitimate account of the population (look-alikes)
        if self._order is None:
            self._order = np.argsort(a.account_id)
        i = self._order[np.searchsorted(a.account_id, account, sorter=self._order)]
        return CUR[str(a.currency[i])]

    def _pay(self, day: int, src: int, dst: int, usd: float, typ: str | None, case: int, *, txn: str = "b2b_payment",
             channel: str = "WIRE", shipment: int = -1, sec: int | None = None) -> None:
        """A wire of ``usd`` dollars' worth from ``src`` (paid in its currency) to ``dst``; business
        payments wait for a business day. ``typ`` None: a legitimate payment."""
        if txn in ("b2b_payment", "trade_payment"):
            day = business_day(self.ctx.scenario.start_date, day)
        cp, cr = self._cur(src), self._cur(dst)
        sec = int(self.rng.integers(9 * _H, 17 * _H)) if sec is None else sec
        self.legs.add(day, sec, src, dst, self._conv(day, usd, cp), cp, self._conv(day, usd, cr), cr, CHAN[channel],
                      TYPE[txn], shipment=shipment, illicit=typ is not None,
                      typology=-1 if typ is None else TYPOLOGY[typ], case=case)

    def _deposits(self, day: int, dst: int, usd: float, typ: str, case: int, city: int) -> None:
        """Cash deposits below the reporting threshold that add up to ``usd`` (whole dollars)."""
        rng = self.rng
        mean = min(rng.uniform(0.45, 0.68) * self.cap, self.cap / 1.45 - 1)
        k = max(1, int(np.ceil(usd / mean)))
        _, parts = split_total(np.array([usd]), np.array([k]), 0.2, rng)
        cur = self._cur(dst)
        for a in parts:
            amt = self._conv(day, float(a), cur)
            self.legs.add(day, int(rng.integers(9 * _H, 16 * _H)), -1, dst, amt, cur, amt, cur, CHAN["CASH"],
                          TYPE["cash_deposit"], location=city, typology=TYPOLOGY[typ], case=case)

    def order(self, c: _Cast, slot: int, case: int, d0: int, cash: float, lost: bool, city: int,
              cartel: int) -> None:
        rng, tc, L = self.rng, self.tc, self.ledger
        row = dict(case=case, day=d0, cash=cash, lost=cash if lost else 0.0, goods=0.0, kept=0.0, hk_people=0.0,
                   hk_front=0.0, discount=0.0, margin=0.0, pesos=0.0, done_day=d0, shipment=-1, typology=None,
                   invoice=None)
        if lost:
            for k, v in row.items():
                L[k].append(v)
            return
        front = c.front[slot]
        # 1. Placement: third parties' share through their own accounts, the rest by the front.
        third = float(np.round(cash * min(1.0, tc.third_party_share * rng.uniform(0.7, 1.3))))
        payers = rng.choice(len(c.third[slot]), size=min(2, len(c.third[slot])), replace=False)
        _, shares = split_total(np.array([third]), np.array([len(payers)]), 0.3, rng)
        for p, s in zip(payers, shares):
            if s <= 0:
                continue
            acct = c.third[slot][int(p)]
            self._deposits(d0, acct, float(s), "F3", case, city)
            self._pay(d0 + 1, acct, front, float(s), "T5", case)
        if cash - third > 0:
            self._deposits(d0, front, cash - third, "C6", case, c.front_city[slot])
        # 2. Purchase.
        d1 = d0 + int(rng.integers(2, 5))
        sector = c.importer_sector[slot]
        off_line = rng.random() < tc.off_line_rate
        if off_line:
            sector = _SECTORS[1 - _SECTORS.index(sector)]
        g = _GOODS_OF[sector][int(rng.integers(0, len(_GOODS_OF[sector])))]
        good = GOODS[g]
        from_us = good.sector == "electronics" and rng.random() < tc.us_supplier_share
        via_hk = not from_us and rng.random() < tc.via_hong_kong
        u = rng.random()
        kind = "over" if u < tc.over_invoice_rate else "under" if u < tc.over_invoice_rate + tc.under_invoice_rate \
            else "honest"
        f = float(np.exp(rng.uniform(tc.misinvoice_sigmas_min, tc.misinvoice_sigmas_max) * good.price_sigma))
        pay = cash
        if via_hk:
            out = pay - pay / f if kind == "over" else pay * rng.uniform(tc.hk_cut_min, tc.hk_cut_max)
            out = float(np.round(out, 2))
            goods = pay - out
            kept = 0.0
        else:
            goods = float(np.round(pay / f, 2)) if kind == "over" else pay
            kept, out = pay - goods, 0.0
        invoice = float(np.round(pay / f, 2)) if kind == "under" else pay
        # Real unit price within 0.3 sigma of the typical one; the invoice moves it by f.
        unit = good.price_usd * float(np.exp(rng.uniform(-0.3, 0.3) * good.price_sigma))
        qty = max(1.0, float(np.round(goods / unit)))
        seller = c.us_seller if from_us else c.hk if via_hk else c.maker[good.sector]
        # Shipment and route.
        n_ship = len(self.ship["shipment_id"])
        sid = int(opaque_ids(TRADE_SHIPMENTS, n_ship))
        if from_us:
            depart = d1 + int(rng.integers(2, 8))
            arrive = depart + int(rng.integers(1, 4))
            mode, origin, o_port, t_port = "road", "US", None, None
            d_port = _PLACE[_LAND[int(rng.integers(0, len(_LAND)))]]
        else:
            depart = d1 + int(rng.integers(7, 20))
            arrive = depart + int(rng.integers(18, 36)) + (4 if via_hk else 0)
            mode, origin = "sea", "CN"
            o_port = _PLACE[_CN_ORIGIN[int(rng.integers(0, len(_CN_ORIGIN)))]]
            t_port = _PLACE["Port of Hong Kong"] if via_hk else None
            d_port = _PLACE[_MX_PORTS[int(rng.integers(0, len(_MX_PORTS)))]]
        contradict = rng.random() < tc.contradict_rate
        typ = "T3" if contradict else "T1" if kind != "honest" else "T2" if off_line else "T4" if via_hk else "T5"
        in_window = depart < self.days
        ship_ref = sid if in_window else -1
        # Payment: the invoice by trade wire; an under-invoiced order pays the rest off the invoice.
        self._pay(d1, front, seller[1], invoice, typ, case, txn="trade_payment", shipment=ship_ref)
        if pay - invoice > 0:
            self._pay(d1, front, seller[1], float(np.round(pay - invoice, 2)), "T5", case)
        hk_people = hk_front = 0.0
        if via_hk:
            maker = c.maker[good.sector]
            self._pay(d1 + 1, c.hk[1], maker[1], goods, "C8", case, txn="trade_payment", shipment=ship_ref)
            k = int(rng.integers(1, 4))
            _, parts = split_total(np.array([out]), np.array([k]), 0.3, rng, decimals=2)
            for a in parts:
                if rng.random() < 0.7:
                    hk_people += float(a)
                    self._pay(d1 + int(rng.integers(1, 4)), c.hk[1], c.hk_people[int(rng.integers(0, 3))], float(a),
                              "C8", case, txn="p2p")
                else:
                    hk_front += float(a)
                    self._pay(d1 + int(rng.integers(1, 4)), c.hk[1], front, float(a), "C7", case)
        if in_window:
            self._shipment(sid, seller[0], c.importer_party[slot], g, qty, invoice, mode, origin, o_port, t_port,
                           d_port, depart, arrive, contradict, typ, case, d1)
        # 4. Sales for cash pesos after arrival, then the pesos (less the margin) to the cartel.
        discount = float(np.round(goods * rng.uniform(tc.discount_min, tc.discount_max), 2))
        sales = goods - discount
        margin = float(np.round(sales * rng.uniform(tc.margin_min, tc.margin_max), 2))
        pesos = sales - margin
        k = int(rng.integers(3, 7))
        sale_days = arrive + 1 + np.sort(rng.integers(0, 12, k))
        _, parts = split_total(np.array([sales]), np.array([k]), 0.3, rng, decimals=2)
        imp = c.importer[slot]
        mx_city = int(self.b.cols["city_id"][self.b.pid.index(c.importer_party[slot])])
        for day, a in zip(sale_days, parts):
            amt = self._conv(int(day), float(a), MXN)
            self.legs.add(int(day), int(rng.integers(10 * _H, 18 * _H)), -1, imp, amt, MXN, amt, MXN, CHAN["CASH"],
                          TYPE["cash_deposit"], location=mx_city, typology=TYPOLOGY["T5"], case=case)
        done = int(sale_days[-1]) + int(rng.integers(1, 4))
        if cartel >= 0:
            mxn = self._conv(done, pesos, MXN)
            self.legs.add(done, int(rng.integers(9 * _H, 17 * _H)), imp, cartel, mxn, MXN, mxn, MXN, CHAN["WIRE"],
                          TYPE["p2p"], typology=TYPOLOGY["T5"], case=case)
        row.update(goods=goods, kept=kept, hk_people=hk_people, hk_front=hk_front, discount=discount, margin=margin,
                   pesos=pesos, done_day=done, shipment=ship_ref, typology=typ, invoice=kind)
        for k_, v in row.items():
            L[k_].append(v)

    def _shipment(self, sid: int, exporter: int, importer: int, g: int, qty: float, value: float, mode: str,
                  origin: str, o_port: int | None, t_port: int | None, d_port: int, depart: int, arrive: int,
                  contradict: bool, typ: str | None, case: int | None, d1: int) -> None:
        rng, s = self.rng, self.ship
        fw = self.fwd.get(origin, np.empty(0, np.int64))
        chain = [int(fw[int(rng.integers(0, len(fw)))])] if len(fw) else []
        for k, v in (("shipment_id", sid), ("exporter_id", exporter), ("importer_id", importer),
                     ("hs_code", GOODS[g].hs_code), ("quantity", qty), ("declared_value", value), ("mode", mode),
                     ("origin_country", origin), ("origin_port_id", o_port), ("transship_port_id", t_port),
                     ("dest_port_id", d_port), ("depart", depart), ("arrive", arrive), ("forwarder_ids", chain),
                     ("typology", typ), ("case", case)):
            s[k].append(v)
        # T3: one document disagrees with the invoice on quantity, value or goods.
        what = int(rng.integers(0, 3)) if contradict else -1
        other = [i for i in _GOODS_OF[GOODS[g].sector] if i != g]
        # Customs in Mexico values CIF, as for honest loads (world.goods.CIF_UPLIFT).
        cif = customs_uplift(mode, "MX", rng.random())  # every load here goes to Mexico
        start = self.ctx.scenario.start_date
        for kind, day, issuer, prefix in (("invoice", max(depart - 2, d1), exporter, "INV"),
                                          ("bill_of_lading", depart, chain[0] if chain else exporter, "BL"),
                                          ("customs_declaration", arrive, importer, "CD")):
            if day >= self.days:
                continue
            hs, q, v = GOODS[g].hs_code, qty, value
            if kind == "customs_declaration":
                v = round(value * (1 + cif), 2)
            if kind == "bill_of_lading" and what == 0:
                q = float(np.round(qty * rng.uniform(0.5, 0.8)))
            elif kind == "customs_declaration" and what == 1:
                v = float(np.round(value / rng.uniform(1.5, 3.0), 2))
            elif kind == "customs_declaration" and what == 2:
                hs = GOODS[other[int(rng.integers(0, len(other)))]].hs_code
            date = _date(start, day)
            d = self.docs
            d["shipment_id"].append(sid)
            d["doc_type"].append(kind)
            d["doc_number"].append(f"{prefix}-{date.year}-{sid % 10**7:07d}")
            d["issue_date"].append(date)
            d["issuer_id"].append(int(issuer))
            d["hs_code"].append(hs)
            d["goods_description"].append(next(x.description for x in GOODS if x.hs_code == hs))
            d["quantity"].append(q)
            d["declared_value"].append(v)

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        s, start = self.ship, self.ctx.scenario.start_date
        n = len(s["shipment_id"])
        hs = s["hs_code"]
        good = {x.hs_code: x for x in GOODS}
        shipments = pa.table({
            "shipment_id": pa.array(s["shipment_id"], pa.int64()),
            "exporter_id": pa.array(s["exporter_id"], pa.int64()),
            "importer_id": pa.array(s["importer_id"], pa.int64()),
            "consignee_id": pa.array(s["importer_id"], pa.int64()),
            "hs_code": pa.array(hs, pa.string()),
            "goods_description": pa.array([good[h].description for h in hs], pa.string()),
            "quantity": pa.array(s["quantity"], pa.float64()),
            "unit": pa.array([good[h].unit for h in hs], pa.string()),
            "declared_value": pa.array(s["declared_value"], pa.float64()),
            "currency": pa.array(["USD"] * n, pa.string()),
            "mode": pa.array(s["mode"], pa.string()),
            "origin_country": pa.array(s["origin_country"], pa.string()),
            "origin_port_id": pa.array(s["origin_port_id"], pa.int32()),
            "transship_port_id": pa.array(s["transship_port_id"], pa.int32()),
            "dest_country": pa.array(["MX"] * n, pa.string()),
            "dest_port_id": pa.array(s["dest_port_id"], pa.int32()),
            "departure_date": pa.array([_date(start, x) for x in s["depart"]], pa.date32()),
            "arrival_date": pa.array([_date(start, x) for x in s["arrive"]], pa.date32()),
            "forwarder_ids": pa.array(s["forwarder_ids"], pa.list_(pa.int64())),
        })
        labels = pa.table({
            "shipment_id": pa.array(s["shipment_id"], pa.int64()),
            "is_illicit": np.array([t is not None for t in s["typology"]], bool).reshape(n),
            "actual_hs_code": pa.array(hs, pa.string()),
            "typology": vocab.encode(s["typology"], vocab.TYPOLOGIES),
            "case_id": pa.array(s["case"], pa.int64()),
        })
        d = self.docs
        m = len(d["shipment_id"])
        documents = pa.table({
            "document_id": opaque_ids(TRADE_DOCUMENTS, np.arange(m)),
            "shipment_id": pa.array(d["shipment_id"], pa.int64()),
            "doc_type": pa.array(d["doc_type"], pa.string()),
            "doc_number": pa.array(d["doc_number"], pa.string()),
            "issue_date": pa.array(d["issue_date"], pa.date32()),
            "issuer_id": pa.array(d["issuer_id"], pa.int64()),
            "hs_code": pa.array(d["hs_code"], pa.string()),
            "goods_description": pa.array(d["goods_description"], pa.string()),
            "quantity": pa.array(d["quantity"], pa.float64()),
            "declared_value": pa.array(d["declared_value"], pa.float64()),
            "currency": pa.array(["USD"] * m, pa.string()),
        })
        return shipments, labels, documents


def _date(start: dt.date, day: int) -> dt.date:
    return start + dt.timedelta(days=int(day))
