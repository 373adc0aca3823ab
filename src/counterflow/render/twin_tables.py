"""Seizures, daily flows and the cash hand-off of the trafficking twin, as dataset tables.

Only days inside the dataset window are written (the twin's earlier history shapes the network
but is not part of the records). ``cash_proceeds`` is the contract with the laundering twin:
one row per day, city and organisation holding street-sale cash (docs/trafficking.md).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from counterflow.dataset import vocab
from counterflow.render.ids import SEIZURES, opaque_ids
from counterflow.render.trafficking import IllicitParties, IllicitTrade
from counterflow.twin import params as P
from counterflow.twin.model import TwinResult
from counterflow.twin.records import AGENCIES, SEIZURE_FORMS, SEIZURE_METHODS
from counterflow.world import geography as geo

_COUNTRY_OF_PLACE = {p.place_id: p.country for p in geo.places()}
_SUBSTANCE = tuple(P.CHEM_NAMES) + ("pill press",)


def _dict(idx: np.ndarray, labels: tuple[str, ...], vocabulary: tuple[str, ...]) -> pa.DictionaryArray:
    remap = np.array([vocabulary.index(x) for x in labels], np.int8)
    return pa.DictionaryArray.from_arrays(pa.array(remap[idx.astype(np.int64)]), pa.array(vocabulary))


def _window(r: TwinResult, start: dt.date, end: dt.date) -> tuple[int, int]:
    return (start - r.start).days, (end - r.start).days


def seizure_tables(r: TwinResult, ip: IllicitParties, trade: IllicitTrade, start: dt.date,
                   end: dt.date) -> tuple[pa.Table, pa.Table]:
    s = r.seizures
    lo, hi = _window(r, start, end)
    keep = np.flatnonzero((s["day"] >= lo) & (s["day"] <= hi)) if len(s["day"]) else np.array([], int)
    keep = keep[np.lexsort((keep, s["day"][keep]))]
    n = len(keep)
    sid = opaque_ids(SEIZURES, np.arange(n))
    form = s["form"][keep].astype(int)
    chem = s["chemical"][keep].astype(int)
    place = s["place_id"][keep].astype(np.int64)
    ship = s["shipment"][keep].astype(int)
    ship_id = np.where(ship >= 0, trade.shipment_id[np.maximum(ship, 0)], -1)
    courier, lab = s["courier"][keep].astype(int), s["lab"][keep].astype(int)
    front = r.shipments["front"][np.maximum(ship, 0)].astype(int) if len(r.shipments["front"]) else np.zeros(n, int)
    party = np.where(courier >= 0, ip.courier[np.maximum(courier, 0)],
                     np.where(lab >= 0, ip.lab_operator[np.maximum(lab, 0)],
                              np.where((ship >= 0) & (front >= 0), ip.front[np.maximum(front, 0)], -1)))
    unit = np.where(np.isin(form, [1, 3]), "unit", "kg")
    seizures = pa.table({
        "seizure_id": sid,
        "date": pa.array(np.datetime64(r.start, "D") + s["day"][keep].astype("timedelta64[D]")),
        "place_id": pa.array(place, pa.int32()),
        "country": [_COUNTRY_OF_PLACE[int(p)] for p in place],
        "agency": _dict(s["agency"][keep], AGENCIES, vocab.AGENCIES),
        "substance": _dict(np.where(chem < 0, len(P.CHEM_NAMES), chem), _SUBSTANCE, vocab.SUBSTANCES),
        "form": _dict(form, SEIZURE_FORMS, vocab.SEIZURE_FORMS),
        "quantity": np.round(s["quantity"][keep].astype(float), 3),
        "unit": unit.tolist(),
        "fentanyl_kg": np.round(s["pure_kg"][keep].astype(float), 4),
        "method": _dict(s["method"][keep], SEIZURE_METHODS, vocab.SEIZURE_METHODS),
        "shipment_id": pa.array(np.where(ship_id >= 0, ship_id, 0), pa.int64(), mask=ship_id < 0),
        "party_id": pa.array(np.where(party >= 0, party, 0), pa.int64(), mask=party < 0),
    })
    org = s["org"][keep].astype(int)
    labels = pa.table({
        "seizure_id": sid,
        "is_illicit": np.ones(n, bool),
        "organisation": _dict(org, P.ORGS, vocab.ORGANISATIONS),
        "typology": pa.DictionaryArray.from_arrays(pa.nulls(n, pa.int8()), pa.array(vocab.TYPOLOGIES)),
        "case_id": pa.array(P.CASE_BASE + org, pa.int64()),
    })
    return seizures, labels


def flows_table(r: TwinResult, start: dt.date, end: dt.date) -> pa.Table:
    lo, hi = _window(r, start, end)
    days = np.arange(lo, hi + 1)
    a = r.series
    port_place = np.array([P.place_id(p.place, "sea_port") for p in P.MX_PORTS])
    crossing_place = np.array([P.place_id(c.place, "land_crossing") for c in P.CROSSINGS])
    parts: list[tuple] = []  # (day, place, org, region, measure, value)

    def add(measure: str, values: np.ndarray, place=None, org=None, region=None, keep_zero: bool = False) -> None:
        """``values`` is (days, k): one column per node given by place/org/region arrays of length k."""
        v = values.reshape(len(days), -1)
        k = v.shape[1]
        d = np.repeat(days, k)
        col = np.tile(np.arange(k), len(days))
        flat = v.ravel()
        m = np.ones(len(flat), bool) if keep_zero else flat != 0

        def node(x):
            return np.full(len(flat), -1) if x is None else np.asarray(x)[col]
        parts.append((d[m], node(place)[m], node(org)[m], node(region)[m],
                      np.full(int(m.sum()), vocab.FLOW_MEASURES.index(measure)), flat[m]))

    sl = slice(lo, hi + 1)
    add("port_arrived_kg", a["port_arrived_kg"][sl], place=port_place)
    add("port_seized_kg", a["port_seized_kg"][sl], place=port_place)
    add("crossed_pure_kg", a["crossed_kg"][sl], place=crossing_place)
    add("crossing_seized_pure_kg", a["crossing_seized_kg"][sl], place=crossing_place)
    cartels = np.array(P.CARTELS)
    for measure, key in (("synthesized_kg", "synthesized_kg"), ("lab_precursor_stock_kg", "lab_precursor_kg"),
                         ("lab_fentanyl_stock_kg", "lab_fentanyl_kg"), ("pills_pressed", "pills_pressed")):
        add(measure, a[key][sl], org=cartels)
    orgs = np.arange(len(P.ORGS))
    add("us_stock_pure_kg", a["us_stock_kg"][sl], org=orgs)
    add("wholesale_usd", a["wholesale_usd"][sl], org=orgs)
    n_reg, n_org = len(P.REGIONS), len(P.ORGS)
    reg_of, org_of = np.repeat(np.arange(n_reg), n_org), np.tile(orgs, n_reg)
    add("sold_pure_kg", a["sold_kg"][sl], org=org_of, region=reg_of)
    add("revenue_usd", a["revenue_usd"][sl], org=org_of, region=reg_of)
    regions = np.arange(n_reg)
    add("demand_pure_kg", a["demand_kg"][sl], region=regions)
    add("deaths", a["deaths"][sl], region=regions)
    add("exhibits", a["exhibits"][sl], region=regions)
    add("pill_price_usd", a["pill_price"][sl], region=regions, keep_zero=True)
    for measure, key in (("price_china_usd_kg", "price_china"), ("price_mexico_usd_kg", "price_mexico"),
                         ("price_us_wholesale_usd_kg", "price_us_wholesale")):
        add(measure, a[key][sl][:, None], keep_zero=True)
    add("mail_sent_kg", a["mail_sent_kg"][sl].sum(axis=1)[:, None])
    add("mail_seized_kg", a["mail_seized_kg"][sl].sum(axis=1)[:, None])
    add("interior_seized_pure_kg", a["interior_seized_kg"][sl][:, None])
    d, place, org, region, measure, value = (np.concatenate(x) for x in zip(*parts))
    o = np.lexsort((measure, d))
    d, place, org, region, measure, value = d[o], place[o], org[o], region[o], measure[o], value[o]

    def nullable_dict(idx: np.ndarray, vocabulary: tuple[str, ...]) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(
            pa.array(np.maximum(idx, 0).astype(np.int8), mask=idx < 0), pa.array(vocabulary))

    return pa.table({
        "date": pa.array(np.datetime64(r.start, "D") + d.astype("timedelta64[D]")),
        "place_id": pa.array(np.maximum(place, 0), pa.int32(), mask=place < 0),
        "organisation": nullable_dict(org, vocab.ORGANISATIONS),
        "region": nullable_dict(region, vocab.US_REGIONS),
        "measure": pa.DictionaryArray.from_arrays(pa.array(measure.astype(np.int8)), pa.array(vocab.FLOW_MEASURES)),
        "value": np.round(value.astype(float), 6),
    })


def cash_table(r: TwinResult, start: dt.date, end: dt.date) -> pa.Table:
    """Street revenue of each region and organisation, split over the region's cities by population."""
    lo, hi = _window(r, start, end)
    rev = r.series["revenue_usd"][lo:hi + 1]  # (days, regions, orgs)
    pop = {p.place_id: p.population_k for p in geo.places_of("city", "US")}
    cols: list[tuple] = []
    for ri, region in enumerate(P.REGIONS):
        cities = np.array([P.city_id(n, "US") for n in P.REGION_CITIES[region]])
        w = np.array([pop[int(c)] for c in cities], float)
        w /= w.sum()
        for o in range(len(P.ORGS)):
            amount = np.round(rev[:, ri, o][:, None] * w[None, :])  # (days, cities)
            d, c = np.nonzero(amount > 0)
            cols.append((d + lo, cities[c], np.full(len(d), o), amount[d, c]))
    d, city, org, amount = (np.concatenate(x) for x in zip(*cols))
    o = np.lexsort((org, city, d))
    return pa.table({
        "date": pa.array(np.datetime64(r.start, "D") + d[o].astype("timedelta64[D]")),
        "city_id": pa.array(city[o], pa.int32()),
        "organisation": _dict(org[o], P.ORGS, vocab.ORGANISATIONS),
        "amount_usd": amount[o].astype(float),
        "case_id": pa.array(P.CASE_BASE + org[o], pa.int64()),
    })
