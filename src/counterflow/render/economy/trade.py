"""Legitimate international trade: orders, shipments, their documents and payments.

Importers in Mexico and the US buy chemicals, pharmaceuticals, electronics and clothing from
makers and traders in China, Hong Kong and India (and Mexican importers buy US electronics).
The whole horizon's trade is planned up front (shipments are few next to payments); payments
are then emitted on their days: a 30% deposit at order, the balance after arrival.

Honest papers still disagree in the ways real ones do, so that no single trade-document rule
separates laundering from commerce (the look-alikes of T1, T2 and T3):
- customs outside the US value imports CIF (cost, insurance and freight), so a Mexican customs
  declaration states the invoice plus 1-3% (road), 4-9% (sea) or 8-15% (air);
- a few loads ship short: the bill of lading and customs declaration count 2-10% less than the
  invoice (``SHORT_SHIPPED``);
- a few lots sell far from the usual price: closeouts and samples below, premium lots above, 2.2 to
  3.2 price spreads away (``OFF_PRICE``);
- a few orders fall outside the importer's usual line of goods (``OFF_LINE``).
Those draws come from a stream of their own, so the orders themselves do not change with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from counterflow.render.batch import CHAN, CUR, TYPE, TxnRows
from counterflow.render.calendar import Day, times
from counterflow.render.economy.context import COUNTRY_CUR, Context, weighted_pick
from counterflow.render.ids import DOCUMENTS, SHIPMENTS, opaque_ids, rng_for
from counterflow.render.population import IND_INDEX
from counterflow.world import geography as geo
from counterflow.world.goods import GOODS, SECTOR_OF_INDUSTRY, customs_uplift

USD = CUR["USD"]
SHORT_SHIPPED = 0.03
OFF_PRICE = 0.02
OFF_LINE = 0.03
_SECTORS = ("chemical", "pharma", "electronics", "apparel", "equipment")
# Mexican destination ports weighted after their share of container traffic (seeds: Manzanillo
# and Lázaro Cárdenas dominate the Pacific, Veracruz the Gulf).
_DEST_PORTS = {
    "MX": (
        ("Port of Manzanillo", 0.45),
        ("Port of Lázaro Cárdenas", 0.28),
        ("Port of Veracruz", 0.17),
        ("Port of Ensenada", 0.07),
        ("Port of Mazatlán", 0.03),
    ),
    "US": (
        ("Port of Los Angeles", 0.35),
        ("Port of Long Beach", 0.3),
        ("Port of Houston", 0.2),
        ("Port of Philadelphia", 0.15),
    ),
}
_ORIGIN_PORTS = {
    "CN": (
        "Port of Shanghai",
        "Port of Shenzhen (Yantian)",
        "Port of Ningbo-Zhoushan",
        "Port of Guangzhou (Nansha)",
        "Port of Tianjin",
        "Port of Qingdao",
    ),
    "HK": ("Port of Hong Kong",),
    "IN": ("Port of Nhava Sheva", "Port of Chennai"),
    "US": ("Port of Los Angeles", "Port of Houston"),
}
_LAND = ("El Paso (El Paso–Ciudad Juárez)", "Laredo (Laredo–Nuevo Laredo)", "Otay Mesa (San Diego–Tijuana)")


def _place_id(name: str) -> int:
    for pl in geo.places():
        if pl.name == name:
            return pl.place_id
    raise KeyError(name)


@dataclass
class TradePlan:
    shipments: pa.Table
    documents: pa.Table
    pay_day: np.ndarray  # sorted day index of each scheduled payment
    pay_src: np.ndarray
    pay_dst: np.ndarray
    pay_usd: np.ndarray
    pay_cur_to: np.ndarray
    pay_shipment: np.ndarray


def _sectors_of(industry: np.ndarray) -> np.ndarray:
    """(n, len(_SECTORS)) bool: which goods sectors each business trades."""
    out = np.zeros((len(industry), len(_SECTORS)), dtype=bool)
    for code, sectors in SECTOR_OF_INDUSTRY.items():
        m = industry == IND_INDEX[code]
        for s in sectors:
            out[m, _SECTORS.index(s)] = True
    return out


def plan_trade(ctx: Context) -> TradePlan:
    sc = ctx.scenario
    rng = rng_for(ctx.seed, "trade-plan")
    look = rng_for(ctx.seed, "trade-lookalikes")
    b = ctx.pop.businesses
    sectors = _sectors_of(b.industry)
    trades = sectors.any(axis=1)
    country = np.array(geo.COUNTRY_CODES)[b.country]
    importer = trades & np.isin(country, ["MX", "US"]) & ~np.isin(b.industry, [IND_INDEX["325199"]])
    exporter_asia = trades & np.isin(country, ["CN", "HK", "IN"])
    exporter_us = trades & (country == "US") & (sectors[:, _SECTORS.index("electronics")])
    forwarders = {c: np.flatnonzero((b.industry == IND_INDEX["488510"]) & (country == c)) for c in geo.COUNTRY_CODES}

    imp = np.flatnonzero(importer)
    months = sc.days / 30.4
    n_orders = rng.poisson(sc.behaviour.shipments_per_trader_per_month * months * np.minimum(b.size[imp] ** 0.3, 4))
    buyer = np.repeat(imp, n_orders)
    order_day = rng.integers(0, sc.days, len(buyer))
    cols: dict[str, list] = {
        k: []
        for k in (
            "order",
            "exporter",
            "importer",
            "good",
            "qty",
            "value",
            "mode",
            "origin",
            "transship",
            "dest",
            "depart",
            "arrive",
            "forwarders",
            "dest_country",
            "origin_country",
        )
    }
    good_sector = np.array([_SECTORS.index(g.sector) for g in GOODS])
    for who, od in zip(buyer, order_day):
        off_line, off_price = look.random() < OFF_LINE, look.random() < OFF_PRICE
        spread = look.uniform(2.2, 3.2) * (1 if look.random() < 0.5 else -1)
        wanted = np.flatnonzero(sectors[who]) if not off_line else np.arange(len(_SECTORS))
        sector = wanted[rng.integers(0, len(wanted))]
        pool = exporter_asia if country[who] == "US" or rng.random() < 0.85 else exporter_us
        cands = np.flatnonzero(pool & sectors[:, sector] & (b.country != b.country[who]))
        if len(cands) == 0:
            continue
        seller = cands[weighted_pick(np.cumsum(b.size[cands]), 1, rng)[0]]
        goods = np.flatnonzero(good_sector == sector)
        g = goods[rng.integers(0, len(goods))]
        good = GOODS[g]
        qty = max(1.0, float(np.round(good.lot_median * rng.lognormal(0, 0.6), 0)))
        price = good.price_usd * rng.lognormal(0, good.price_sigma / 2)
        if off_price:  # a closeout or sample lot (below) or a premium one (above)
            price *= float(np.exp(spread * good.price_sigma))
        o_c, d_c = country[seller], country[who]
        land = o_c == "US" and d_c == "MX"
        air = not land and good.sector == "pharma" and rng.random() < 0.25
        mode = "road" if land else ("air" if air else "sea")
        depart = int(od + rng.integers(7, 30))
        transit = int(rng.integers(1, 4)) if land else int(rng.integers(2, 6)) if air else int(rng.integers(18, 36))
        if depart >= sc.days:
            continue
        fw = [forwarders[o_c], forwarders[d_c]]
        chain = [int(f[rng.integers(0, len(f))]) for f in fw if len(f)][: 1 + int(rng.random() < 0.3)]
        cols["order"].append(int(od))
        cols["exporter"].append(int(seller))
        cols["importer"].append(int(who))
        cols["good"].append(int(g))
        cols["qty"].append(qty)
        cols["value"].append(round(qty * price, 2))
        cols["mode"].append(mode)
        cols["origin_country"].append(o_c)
        cols["dest_country"].append(d_c)
        cols["origin"].append(
            None if land or air else _place_id(_ORIGIN_PORTS[o_c][rng.integers(0, len(_ORIGIN_PORTS[o_c]))])
        )
        cols["transship"].append(
            _place_id("Port of Hong Kong") if o_c == "CN" and mode == "sea" and rng.random() < 0.15 else None
        )
        if land:
            cols["dest"].append(_place_id(_LAND[rng.integers(0, len(_LAND))]))
        elif air:
            cols["dest"].append(None)
        else:
            names, w = zip(*_DEST_PORTS[d_c])
            cols["dest"].append(_place_id(names[rng.choice(len(names), p=np.array(w) / sum(w))]))
        cols["depart"].append(depart)
        cols["arrive"].append(depart + transit)
        cols["forwarders"].append(chain)
    return _assemble(ctx, cols, rng, look)


def _assemble(ctx: Context, cols: dict[str, list], rng: np.random.Generator, look: np.random.Generator) -> TradePlan:
    b = ctx.pop.businesses
    start = ctx.scenario.start_date
    n = len(cols["order"])
    order = np.argsort(np.array(cols["order"], dtype=np.int64), kind="stable")
    pick = {k: [v[i] for i in order] for k, v in cols.items()}
    sid = opaque_ids(SHIPMENTS, np.arange(n))
    exporter = b.party_id[np.array(pick["exporter"], dtype=np.int64)] if n else np.empty(0, np.int64)
    importer = b.party_id[np.array(pick["importer"], dtype=np.int64)] if n else np.empty(0, np.int64)
    goods = [GOODS[g] for g in pick["good"]]

    def date(x: int) -> dt.date:
        return start + dt.timedelta(days=int(x))

    shipments = pa.table(
        {
            "shipment_id": sid,
            "exporter_id": exporter,
            "importer_id": importer,
            "consignee_id": importer,
            "hs_code": [g.hs_code for g in goods],
            "goods_description": [g.description for g in goods],
            "quantity": pick["qty"],
            "unit": [g.unit for g in goods],
            "declared_value": pick["value"],
            "currency": ["USD"] * n,
            "mode": pick["mode"],
            "origin_country": pick["origin_country"],
            "origin_port_id": pa.array(pick["origin"], pa.int32()),
            "transship_port_id": pa.array(pick["transship"], pa.int32()),
            "dest_country": pick["dest_country"],
            "dest_port_id": pa.array(pick["dest"], pa.int32()),
            "departure_date": [date(x) for x in pick["depart"]],
            "arrival_date": [date(x) for x in pick["arrive"]],
            "forwarder_ids": pa.array(
                [[int(b.party_id[f]) for f in ch] for ch in pick["forwarders"]], pa.list_(pa.int64())
            ),
        }
    )
    docs: dict[str, list] = {
        k: []
        for k in (
            "shipment_id",
            "doc_type",
            "doc_number",
            "issue_date",
            "issuer_id",
            "hs_code",
            "goods_description",
            "quantity",
            "declared_value",
            "currency",
        )
    }
    end = ctx.scenario.days - 1
    for i in range(n):
        g = goods[i]
        qty, value = pick["qty"][i], pick["value"][i]
        shipped = qty * look.uniform(0.90, 0.98) if look.random() < SHORT_SHIPPED else qty
        shipped = max(1.0, float(np.round(shipped))) if g.unit == "unit" else round(shipped, 1)
        cif = customs_uplift(pick["mode"][i], pick["dest_country"][i], look.random())
        customs_value = round(value * shipped / qty * (1 + cif), 2)
        issued = [
            ("invoice", max(pick["depart"][i] - 2, pick["order"][i]), exporter[i], "INV", qty, value),
            (
                "bill_of_lading",
                pick["depart"][i],
                b.party_id[pick["forwarders"][i][0]] if pick["forwarders"][i] else exporter[i],
                "BL",
                shipped,
                value,
            ),
            ("customs_declaration", pick["arrive"][i], importer[i], "CD", shipped, customs_value),
        ]
        for kind, day_i, issuer, prefix, doc_qty, doc_value in issued:
            if day_i > end:  # not issued yet when the data ends
                continue
            docs["shipment_id"].append(int(sid[i]))
            docs["doc_type"].append(kind)
            docs["doc_number"].append(f"{prefix}-{date(day_i).year}-{int(sid[i]) % 10**7:07d}")
            docs["issue_date"].append(date(day_i))
            docs["issuer_id"].append(int(issuer))
            docs["hs_code"].append(g.hs_code)
            docs["goods_description"].append(g.description)
            docs["quantity"].append(doc_qty)
            docs["declared_value"].append(doc_value)
            docs["currency"].append("USD")
    documents = pa.table({"document_id": opaque_ids(DOCUMENTS, np.arange(len(docs["shipment_id"]))), **docs})

    # Payments: 30% deposit at order, 70% 0-30 days after arrival, importer USD -> exporter.
    imp_i = np.array(pick["importer"], dtype=np.int64)
    exp_i = np.array(pick["exporter"], dtype=np.int64)
    value = np.array(pick["value"], dtype=float)
    balance_day = np.array(pick["arrive"], dtype=np.int64) + rng.integers(0, 31, n)
    day = np.concatenate([np.array(pick["order"], dtype=np.int64), balance_day])
    weekday = (start.weekday() + day) % 7
    day = day + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))  # wires wait for Monday
    usd = np.concatenate([np.round(value * 0.3, 2), np.round(value - np.round(value * 0.3, 2), 2)])
    src = np.tile(b.usd_account[imp_i], 2)
    dst = np.tile(b.usd_account[exp_i], 2)
    exp_usd = b.usd_account[exp_i] != b.account[exp_i]
    cur_to = np.tile(
        np.where(exp_usd | (np.array(geo.COUNTRY_CODES)[b.country[exp_i]] == "US"), USD, COUNTRY_CUR[b.country[exp_i]]),
        2,
    )
    ship = np.tile(sid, 2)
    keep = day <= end
    o = np.argsort(day[keep], kind="stable")
    return TradePlan(
        shipments, documents, day[keep][o], src[keep][o], dst[keep][o], usd[keep][o], cur_to[keep][o], ship[keep][o]
    )


def payments(ctx: Context, d: Day, rng: np.random.Generator, rows: TxnRows) -> None:
    plan: TradePlan = ctx.prepared("trade", plan_trade)
    lo, hi = np.searchsorted(plan.pay_day, [d.index, d.index + 1])
    if hi <= lo:
        return
    sl = slice(lo, hi)
    usd = plan.pay_usd[sl]
    received = np.where(plan.pay_cur_to[sl] == USD, usd, ctx.convert(d.index, usd, USD, plan.pay_cur_to[sl], 0.003))
    rows.add(
        ts=times(d, "office", hi - lo, rng),
        src=plan.pay_src[sl],
        dst=plan.pay_dst[sl],
        amount_paid=usd,
        cur_paid=USD,
        amount_received=received,
        cur_received=plan.pay_cur_to[sl],
        channel=CHAN["WIRE"],
        txn_type=TYPE["trade_payment"],
        shipment=plan.pay_shipment[sl],
    )
