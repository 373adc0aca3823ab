"""Two runs of the twin side by side: where the flows went, not only how much they shrank.

Measures are taken over the period from ``since`` to the end of both runs: shares of cartel
imports by Mexican port, by chemical and by source country, of parcels by route, of loads by
crossing, plus totals (supply sold, seizures, deaths, revenue, prices).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from counterflow.twin import params as P
from counterflow.twin.model import TwinResult


def _share(x: np.ndarray) -> np.ndarray:
    total = x.sum()
    return x / total if total > 0 else np.zeros_like(x)


def measures(r: TwinResult, since: dt.date) -> dict[str, float]:
    a = max(0, (since - r.start).days)
    s, sh = r.series, r.shipments
    out: dict[str, float] = {}
    sea = (sh["mode"] == 0) & (sh["order_day"] >= a)
    by_port = np.bincount(sh["port"][sea].astype(int), weights=sh["eq_kg"][sea], minlength=len(P.MX_PORTS))
    for p, v in zip(P.MX_PORTS, _share(by_port)):
        out[f"import share via {p.key}"] = float(v)
    by_chem = s["route_eq_kg"][a:].sum(axis=0)
    for name, v in zip(P.CHEM_NAMES, _share(by_chem)):
        if name != "methylamine":
            out[f"import share of {name}"] = float(v)
    src = s["cartel_source_share"][a:].sum(axis=(0, 1))
    out["import share from India"] = float(_share(src)[1])
    mail = s["mail_sent_kg"][a:].sum(axis=0)
    out["parcel share via Canada"] = float(_share(mail)[1])
    loads = s["loads"][a:].sum(axis=(0, 2))
    for c, v in zip(P.CROSSINGS, _share(loads)):
        out[f"load share at {c.key}"] = float(v)
    out["cartel imports (kg fentanyl equivalent)"] = float(by_chem.sum())
    out["seized at Mexican ports (kg)"] = float(s["port_seized_kg"][a:].sum())
    out["seized at the border (kg pure)"] = float(s["crossing_seized_kg"][a:].sum())
    out["sold in the US (kg pure)"] = float(s["sold_kg"][a:].sum())
    out["street revenue (USD)"] = float(s["revenue_usd"][a:].sum())
    out["deaths"] = float(s["deaths"][a:].sum())
    out["mean Mexican price (USD/kg)"] = float(s["price_mexico"][a:].mean())
    out["mean pill price (USD)"] = float(s["pill_price"][a:].mean())
    return out


def compare(a: TwinResult, b: TwinResult, since: dt.date) -> list[dict]:
    ma, mb = measures(a, since), measures(b, since)
    rows = []
    for k in ma:
        x, y = ma[k], mb[k]
        rows.append({"measure": k, "a": round(x, 6), "b": round(y, 6),
                     "change": round(y - x, 6) if "share" in k else (round(y / x - 1, 6) if x else None),
                     "kind": "share" if "share" in k else "total"})
    return rows
