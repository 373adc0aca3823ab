"""The investigation views' data: the counterparty graph, mirror-swap paths, flows on the map and
a case's timeline.

The graph is built hop by hop: from a set of accounts, one hop adds every account that paid or
was paid by them within the time and amount filters, as edges aggregated per (payer, payee)
pair. Mirror-swap paths come from the mirror-swap detector's evidence (its legs share a
``pair_id``): money in to one account, the equivalent out of a linked one, drawn as in-leg,
link, out-leg with the currencies on them. Flows group money by the places of the two holders
(country and state; for cash, the branch's) and goods by the shipments' ports.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from counterflow.app.store import Store

MAX_EDGES = 400


def _time_where(lo: dt.datetime | None, hi: dt.datetime | None, min_usd: float | None) -> tuple[str, list[Any]]:
    where, params = [], []
    if lo is not None:
        where.append("ts >= ?")
        params.append(lo)
    if hi is not None:
        where.append("ts < ?")
        params.append(hi)
    if min_usd is not None:
        where.append("amount_usd >= ?")
        params.append(min_usd)
    return (" AND " + " AND ".join(where)) if where else "", params


def expand(store: Store, roots: list[int], hops: int = 1, *, lo: dt.datetime | None = None,
           hi: dt.datetime | None = None, min_usd: float | None = None) -> dict[str, Any]:
    """Nodes (accounts with holders) and edges (payer to payee, count, dollars) ``hops`` out from ``roots``."""
    hops = max(0, min(hops, 4))
    extra, params = _time_where(lo, hi, min_usd)
    seen = set(roots)
    frontier = set(roots)
    edges: dict[tuple[int, int], dict[str, Any]] = {}
    level = {r: 0 for r in roots}
    for h in range(1, hops + 1):
        if not frontier or len(edges) >= MAX_EDGES:
            break
        rows = store.rows(f"""
SELECT src_account AS a, dst_account AS b, count(*) AS n, sum(amount_usd) AS usd,
       min(ts) AS first_ts, max(ts) AS last_ts, string_agg(DISTINCT currency_paid, ',') AS currencies
FROM cf_txn WHERE src_account IS NOT NULL AND dst_account IS NOT NULL AND src_account <> dst_account
  AND (src_account IN (SELECT unnest(?)) OR dst_account IN (SELECT unnest(?))){extra}
GROUP BY 1, 2 ORDER BY usd DESC NULLS LAST LIMIT {MAX_EDGES}""", [sorted(frontier), sorted(frontier), *params])
        nxt = set()
        for r in rows:
            edges.setdefault((r["a"], r["b"]), r)
            for x in (r["a"], r["b"]):
                if x not in seen:
                    seen.add(x)
                    level[x] = h
                    nxt.add(x)
        frontier = nxt
    # Cash has no account on one side: drawn as a node per state, for the roots only.
    cash = store.rows(f"""
SELECT CASE WHEN src_account IS NULL THEN dst_account ELSE src_account END AS acc,
       src_account IS NULL AS deposit, coalesce(loc_state, '?') AS state, count(*) AS n, sum(amount_usd) AS usd,
       min(ts) AS first_ts, max(ts) AS last_ts, string_agg(DISTINCT currency_paid, ',') AS currencies
FROM cf_txn WHERE channel = 'CASH' AND (src_account IS NULL OR dst_account IS NULL OR src_account = dst_account)
  AND coalesce(dst_account, src_account) IN (SELECT unnest(?)){extra}
GROUP BY 1, 2, 3""", [sorted(roots), *params])
    holders = store.holders(sorted(seen))
    nodes = []
    for acc in sorted(seen):
        hd = holders.get(acc, {})
        nodes.append({"id": f"a{acc}", "account": acc, "label": hd.get("name") or f"account {acc}",
                      "party_id": hd.get("party_id"), "country": hd.get("country") or hd.get("bank_country"),
                      "currency": hd.get("currency"), "hop": level.get(acc, 0), "root": acc in roots})
    out_edges = [{"id": f"e{a}_{b}", "source": f"a{a}", "target": f"a{b}", "n": r["n"], "usd": r["usd"] or 0.0,
                  "currencies": r["currencies"], "first_ts": str(r["first_ts"]), "last_ts": str(r["last_ts"])}
                 for (a, b), r in edges.items()]
    for st in sorted({r["state"] for r in cash}):
        nodes.append({"id": f"cash-{st}", "account": None, "label": f"cash in {st}", "party_id": None, "country": None,
                      "currency": None, "hop": 1, "root": False, "cash": True})
    for r in cash:
        a, b = (f"cash-{r['state']}", f"a{r['acc']}") if r["deposit"] else (f"a{r['acc']}", f"cash-{r['state']}")
        out_edges.append({"id": f"e{a}_{b}", "source": a, "target": b, "n": r["n"], "usd": r["usd"] or 0.0,
                          "currencies": r["currencies"], "first_ts": str(r["first_ts"]), "last_ts": str(r["last_ts"])})
    return {"nodes": nodes, "edges": out_edges, "truncated": len(edges) >= MAX_EDGES}


def mirror_paths(store: Store, accounts: list[int]) -> list[dict[str, Any]]:
    """Mirror-swap pairs in the evidence of these accounts: the in-leg, the linked out-leg, the link."""
    if not accounts:
        return []
    rows = store.rows("""
SELECT e.pair_id, e.role, e.subject_account, e.related_account, e.txn_id, e.ts, e.amount, e.currency, e.amount_usd,
       e.counterparty, e.link, t.src_account, t.dst_account
FROM cf_evidence e LEFT JOIN cf_txn t ON t.txn_id = e.txn_id
WHERE e.detector = 'mirror_swap' AND e.subject_account IN (SELECT unnest(?)) AND e.pair_id IS NOT NULL
ORDER BY e.pair_id, e.ts""", [list(accounts)])
    pairs: dict[int, dict[str, Any]] = {}
    for r in rows:
        p = pairs.setdefault(r["pair_id"], {"pair_id": r["pair_id"], "legs": [], "link": r["link"]})
        p["legs"].append({k: (str(v) if isinstance(v, dt.datetime) else v) for k, v in r.items()})
        p["link"] = p["link"] or r["link"]
    return list(pairs.values())


def flows(store: Store, txn_ids: list[int] | None = None, *, lo: dt.datetime | None = None,
          hi: dt.datetime | None = None, min_usd: float | None = None, shipment_ids: list[int] | None = None,
          limit: int = 300) -> dict[str, Any]:
    """Money (and goods) between places, largest first: (country, state) to (country, state)."""
    if txn_ids is not None:
        where, params = "txn_id IN (SELECT unnest(?))", [list(txn_ids) or [-1]]
    else:
        extra, params = _time_where(lo, hi, min_usd)
        where = "TRUE" + extra
    money = store.rows(f"""
SELECT CASE WHEN src_account IS NULL THEN coalesce(loc_country, dst_pcountry) ELSE src_pcountry END AS from_country,
       CASE WHEN src_account IS NULL THEN loc_state ELSE src_state END AS from_state,
       CASE WHEN dst_account IS NULL THEN coalesce(loc_country, src_pcountry) ELSE dst_pcountry END AS to_country,
       CASE WHEN dst_account IS NULL THEN loc_state ELSE dst_state END AS to_state,
       count(*) AS n, sum(amount_usd) AS usd
FROM cf_txn WHERE {where}
GROUP BY 1, 2, 3, 4 ORDER BY usd DESC NULLS LAST LIMIT {int(limit)}""", params)
    goods: list[dict[str, Any]] = []
    if shipment_ids:
        goods = store.rows("""
SELECT s.origin_country AS from_country, op.state AS from_state, s.dest_country AS to_country, dp.state AS to_state,
       count(*) AS n, sum(s.declared_value) AS usd
FROM shipments s LEFT JOIN places op ON op.place_id = s.origin_port_id
LEFT JOIN places dp ON dp.place_id = s.dest_port_id
WHERE s.shipment_id IN (SELECT unnest(?)) GROUP BY 1, 2, 3, 4 ORDER BY usd DESC""", [list(shipment_ids)])
    return {"money": money, "goods": goods}


def timeline(store: Store, scope: dict[str, Any], alerts: list[Any],
             notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every dated event of a case, oldest first: its transactions, shipments, alerts and the team's work."""
    events: list[dict[str, Any]] = []
    for t in store.txns(scope["txn_ids"]):
        events.append({"ts": t["ts"], "kind": "transaction",
                       "text": f"{t['amount_paid']:,.2f} {t['currency_paid']} {t['channel']} "
                               f"{t['src_account'] or 'cash'} → {t['dst_account'] or 'cash'}",
                       "usd": t["amount_usd"], "ref": t["txn_id"]})
    for s in store.shipments(scope["shipment_ids"]):
        events.append({"ts": dt.datetime.combine(s["departure_date"], dt.time()), "kind": "shipment",
                       "text": f"{s['goods_description']} {s['origin_country']} → {s['dest_country']}",
                       "usd": s["declared_value"], "ref": s["shipment_id"]})
    for a in alerts:
        events.append({"ts": a.alert_ts, "kind": "alert", "text": a.reason[:200], "usd": a.amount_usd, "ref": a.id})
    events.extend(notes)
    events.sort(key=lambda e: (e["ts"], e["kind"]))
    return events


def span_label(events: list[dict[str, Any]]) -> str:
    if len(events) < 2:
        return ""
    secs = (events[-1]["ts"] - events[0]["ts"]).total_seconds()
    for unit, n in (("years", 365 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if secs >= n:
            return f"{secs / n:,.1f} {unit}"
    return f"{secs:.0f} seconds"


ZOOM = ("minute", "hour", "day", "month", "year")


def bucket(events: list[dict[str, Any]], unit: str) -> list[dict[str, Any]]:
    """The timeline at one zoom: events counted per minute, hour, day, month or year, by kind."""
    if unit not in ZOOM:
        raise ValueError(f"zoom is one of {', '.join(ZOOM)}")
    keep = {"minute": 5, "hour": 4, "day": 3, "month": 2, "year": 1}[unit]
    out: dict[dt.datetime, dict[str, Any]] = {}
    for e in events:
        parts = list(e["ts"].timetuple()[:keep]) + [1] * max(0, 3 - keep)
        start = dt.datetime(*parts)
        b = out.setdefault(start, {"start": start, "n": 0, "usd": 0.0, "kinds": {}})
        b["n"] += 1
        if e["kind"] in ("transaction", "shipment"):  # money moved; an alert's total would count it twice
            b["usd"] += e["usd"] or 0.0
        b["kinds"][e["kind"]] = b["kinds"].get(e["kind"], 0) + 1
    return [out[k] for k in sorted(out)]
