"""A run's laundering as an analyst reads it: value per typology, cases, fees, and one case traced.

Everything here comes from the dataset's ground truth (``transaction_labels``, ``party_labels``),
so it works on any dataset with labels, ours or an imported one. Amounts are in US dollars at the
day's rate (``fx_rates``; a fixed rate where a dataset has none, as in ``detect.base``).

The trace follows money, not labels alone: starting from one broker's peso payment to a cartel
account (for a case without one, another delivery to the cartel, else a typical leg), it walks
the illicit transactions of the same case that share a party with what has been reached (a
broker's or a buyer's accounts in several countries are one party), on that day and the next,
and lists them as steps in time order (cash deposits, mule hand-overs, the mirror legs, ...) with
a ledger: cash placed, what reached the cartel, and the broker's cut. The walk does not pass
through the cartel's own parties, which every network of the organisation pays into: what it
reaches is one broker network's business of the day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from counterflow.dataset import vocab
from counterflow.dataset.fx import fallback_rates_sql
from counterflow.dataset.reader import Dataset

ORG_CASE_BASE = 3001  # the trafficking twin's cash_proceeds.case_id of the first organisation
TRACE_DAYS_AFTER = 1  # the walk covers the start leg's day and this many days after
TRACE_MAX_ROWS = 400
TRACE_CANDIDATES = 12


def _usd(t: str = "t") -> str:
    return f"{t}.amount_paid * coalesce(fx.usd_per_unit, fb.usd_per_unit)"


def _fx_joins(t: str = "t") -> str:
    return (f"LEFT JOIN fx_rates fx ON fx.date = CAST({t}.ts AS DATE) "
            f"AND fx.currency = CAST({t}.currency_paid AS VARCHAR) "
            f"LEFT JOIN ({fallback_rates_sql()}) fb ON fb.currency = CAST({t}.currency_paid AS VARCHAR)")


# Illicit legs with dollar value and the roles of both sides ('cash' where there is no account).
_LEGS_SQL = f"""
SELECT t.txn_id, t.ts, t.src_account, t.dst_account, sa.party_id src_party, da.party_id dst_party,
       t.amount_paid, CAST(t.currency_paid AS VARCHAR) cur,
       CAST(t.txn_type AS VARCHAR) txn_type, CAST(t.channel AS VARCHAR) channel, t.location_id,
       CAST(l.typology AS VARCHAR) typology, l.case_id, {_usd()} usd,
       coalesce(CAST(sl.role AS VARCHAR), CASE WHEN t.src_account IS NULL THEN 'cash' ELSE 'unknown' END) src_role,
       coalesce(CAST(dl.role AS VARCHAR), CASE WHEN t.dst_account IS NULL THEN 'cash' ELSE 'unknown' END) dst_role,
       CAST(dl.typology AS VARCHAR) dst_party_typology,
       sp.name src_name, dp.name dst_name, sb.country src_country, db.country dst_country
FROM transactions t JOIN transaction_labels l USING (txn_id)
LEFT JOIN accounts sa ON sa.account_id = t.src_account
LEFT JOIN accounts da ON da.account_id = t.dst_account
LEFT JOIN party_labels sl ON sl.party_id = sa.party_id
LEFT JOIN party_labels dl ON dl.party_id = da.party_id
LEFT JOIN parties sp ON sp.party_id = sa.party_id
LEFT JOIN parties dp ON dp.party_id = da.party_id
LEFT JOIN banks sb ON sb.bank_id = sa.bank_id
LEFT JOIN banks db ON db.bank_id = da.bank_id
{_fx_joins()}
WHERE l.is_illicit"""


# Cash into an account; the broker path's placement (into mules' and couriers' accounts); what a
# broker pays the cartel (pesos, or USDT after a USD cap) for it.
_DEPOSIT = "txn_type = 'cash_deposit'"
# (Mules of the broker path carry C2; trade-based laundering's third parties are mules too, T5.)
_BROKER_CASH = f"{_DEPOSIT} AND (dst_role = 'broker_courier' OR dst_role = 'mule' AND dst_party_typology = 'C2')"
_BROKER_PAYOUT = "src_role = 'money_broker' AND dst_role = 'cartel'"


def _fee(broker_cash: float, payout_usd: float, payout_mxn: float) -> dict[str, float | None]:
    """The broker's cut: dollars placed through its mules and couriers less what it paid the cartel
    (at the day's rate); undefined until both sides exist."""
    fee = broker_cash - payout_usd if broker_cash and payout_usd else None
    return {"broker_cash_usd": _r(broker_cash), "broker_payout_usd": _r(payout_usd),
            "broker_payout_mxn": _r(payout_mxn), "broker_fee_usd": _r(fee),
            "broker_fee_rate": fee / broker_cash if fee is not None else None}


# The illicit legs are computed once per connection (a few per cent of the rows at most) and read
# by every figure and walk of the report.
_LEGS = "_cf_illicit_legs"


def _prepare(ds: Dataset) -> None:
    ds.con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_LEGS} AS {_LEGS_SQL}")


def organisation(case_id: int | None) -> str | None:
    """The trafficking organisation behind a case id, where the case is one of the twin's."""
    if case_id is None:
        return None
    i = case_id - ORG_CASE_BASE
    return vocab.ORGANISATIONS[i] if 0 <= i < len(vocab.ORGANISATIONS) else None


def laundering_report(ds: Dataset, *, case: int | None = None, trace: bool = True) -> dict[str, Any]:
    """Totals, per-typology and per-case figures, and (``trace``) one case traced end to end.

    ``case`` picks the case to trace (default: the case with the most laundered value); a case id
    the data does not have raises ``ValueError``.
    """
    _prepare(ds)
    total_n, total_usd = ds.fetchone(f"SELECT count(*), sum({_usd()}) FROM transactions t {_fx_joins()}")
    ill_n, ill_usd = ds.fetchone(f"SELECT count(*), coalesce(sum(usd), 0) FROM {_LEGS}")
    out: dict[str, Any] = {
        "transactions": {"rows": total_n, "illicit": ill_n, "rate": ill_n / total_n if total_n else 0.0,
                         "usd": _r(total_usd), "illicit_usd": _r(ill_usd),
                         "illicit_value_rate": (ill_usd / total_usd) if total_usd else 0.0},
        "typologies": {
            t: {"rows": n, "usd": _r(v), "cases": c}
            for t, n, v, c in ds.fetchall(
                f"SELECT coalesce(typology, '?') t, count(*), sum(usd), count(DISTINCT case_id) FROM {_LEGS} "
                "GROUP BY 1 ORDER BY 3 DESC")
        },
        "roles": {
            r: n for r, n in ds.fetchall(
                "SELECT CAST(role AS VARCHAR) r, count(*) FROM party_labels WHERE is_illicit "
                "GROUP BY 1 ORDER BY 2 DESC")
        },
    }
    cases = []
    for row in ds.fetchall(f"""
        SELECT case_id, count(*), sum(usd),
               sum(usd) FILTER (WHERE {_DEPOSIT} AND dst_country = 'US'),
               sum(usd) FILTER (WHERE {_DEPOSIT} AND dst_country <> 'US'),
               sum(usd) FILTER (WHERE dst_role = 'cartel' AND src_role <> 'cartel'),
               sum(usd) FILTER (WHERE {_BROKER_CASH}),
               sum(usd) FILTER (WHERE {_BROKER_PAYOUT}),
               sum(amount_paid) FILTER (WHERE {_BROKER_PAYOUT} AND cur = 'MXN'),
               count(DISTINCT src_account) + count(DISTINCT dst_account),
               list(DISTINCT typology ORDER BY typology), min(ts), max(ts)
        FROM {_LEGS} GROUP BY case_id ORDER BY 3 DESC"""):
        cid, n, usd, placed, abroad, delivered, b_cash, b_out, b_mxn, accts, typs, first, last = row
        cases.append({
            "case_id": cid, "organisation": organisation(cid), "rows": n, "usd": _r(usd),
            "cash_placed_us_usd": _r(placed or 0.0), "cash_banked_abroad_usd": _r(abroad or 0.0),
            "delivered_to_cartel_usd": _r(delivered or 0.0),
            **_fee(b_cash or 0.0, b_out or 0.0, b_mxn or 0.0),
            "accounts": accts, "typologies": [t for t in typs if t is not None],
            "first": _iso(first), "last": _iso(last),
        })
    out["cases"] = cases
    out["weekly"] = [
        {"week": _iso(w)[:10], "typology": t, "rows": n, "usd": _r(v)}
        for w, t, n, v in ds.fetchall(
            f"SELECT date_trunc('week', ts) w, coalesce(typology, '?'), count(*), sum(usd) FROM {_LEGS} "
            "GROUP BY 1, 2 ORDER BY 1, 2")
    ]
    out["cash_proceeds"] = _cash_proceeds(ds)
    if trace and cases:
        chosen = case if case is not None else cases[0]["case_id"]
        if chosen not in {c["case_id"] for c in cases}:
            raise ValueError(f"case {chosen} has no illicit transactions in {ds.path} "
                             f"(cases: {', '.join(str(c['case_id']) for c in cases)})")
        out["trace"] = trace_case(ds, chosen)
    elif case is not None:
        raise ValueError(f"case {case} has no illicit transactions in {ds.path}")
    return out


def _cash_proceeds(ds: Dataset) -> dict[str, float] | None:
    """Street cash the trafficking twin handed to the money side in the window, per organisation
    (whole-market dollars: the dataset's banks see a scaled share of it)."""
    if "cash_proceeds" not in ds.tables or ds.rows("cash_proceeds") == 0:
        return None
    return {organisation(c) or str(c): _r(v) for c, v in ds.fetchall(
        "SELECT case_id, sum(amount_usd) FROM cash_proceeds GROUP BY 1 ORDER BY 1")}


def trace_case(ds: Dataset, case_id: int) -> dict[str, Any]:
    """One episode of a case followed from cash to the cartel: the steps and the ledger."""
    _prepare(ds)
    # Candidate starts: a broker's payments to the cartel show the whole mirror; else any delivery
    # to the cartel (bulk cash banked in Mexico, an own channel's wire); else any leg. Up to
    # TRACE_CANDIDATES of them spread over the value range are walked, and the walk that reaches
    # the most kinds of step (cash deposits and a delivery first) is shown: some routes (card
    # pay-offs) leave no account-to-account path from the dollars to the yuan.
    starts: list[tuple[int, dt.datetime]] = []
    for cond in (_BROKER_PAYOUT, "dst_role = 'cartel' AND src_role <> 'cartel'", "true"):
        starts = ds.fetchall(f"""
            WITH c AS (SELECT txn_id, ts, row_number() OVER (ORDER BY usd, txn_id) - 1 AS i, count(*) OVER () AS n
                       FROM {_LEGS} WHERE case_id = ? AND {cond})
            SELECT txn_id, ts FROM c WHERE n <= {TRACE_CANDIDATES}
               OR i IN (SELECT CAST(floor((k + 0.5) * n / {TRACE_CANDIDATES}) AS BIGINT) FROM range({TRACE_CANDIDATES})
                        t(k)) ORDER BY abs(i - n // 2), txn_id""", [case_id])
        if starts:
            break
    best: tuple | None = None
    for txn0, t0 in starts:
        traced = _walk(ds, case_id, txn0, t0)
        legs = traced[2]
        kinds = {(r["typology"], r["txn_type"], r["src_role"], r["dst_role"]) for r in legs}
        score = (any(r["txn_type"] == "cash_deposit" for r in legs), any(r["dst_role"] == "cartel" for r in legs),
                 len(kinds))
        if best is None or score > best[0]:
            best = (score, txn0, traced)
    _, txn0, (lo, hi, legs, truncated) = best
    return {
        "case_id": case_id, "organisation": organisation(case_id), "start_txn": txn0,
        "window": [_iso(lo), _iso(hi)], "legs": len(legs), "truncated": truncated,
        "steps": _steps(legs, ds), "ledger": _ledger(legs),
    }


def _walk(ds: Dataset, case_id: int, txn0: int, t0: dt.datetime) -> tuple[dt.datetime, dt.datetime, list[dict], bool]:
    lo = dt.datetime.combine(t0.date(), dt.time())
    hi = lo + dt.timedelta(days=TRACE_DAYS_AFTER + 1)
    cols = ("txn_id", "ts", "src_account", "dst_account", "src_party", "dst_party", "amount_paid", "cur",
            "txn_type", "channel", "typology", "usd", "src_role", "dst_role", "dst_party_typology", "src_name",
            "dst_name", "src_country", "dst_country", "location_id")
    rows = [dict(zip(cols, r)) for r in ds.fetchall(
        f"SELECT {', '.join(cols)} FROM {_LEGS} WHERE case_id = ? AND ts >= ? AND ts < ? ORDER BY ts, txn_id",
        [case_id, lo, hi])]
    chosen = _component(rows, txn0)
    return lo, hi, [r for r in rows if r["txn_id"] in chosen], len(chosen) >= TRACE_MAX_ROWS


def _component(rows: list[dict], txn0: int) -> set[int]:
    """Transactions connected to ``txn0`` through shared parties (an account without a known party
    counts as its own node), breadth first, up to ``TRACE_MAX_ROWS``; cartel parties and legitimate
    payees are reached but not walked through."""
    def nodes(r: dict) -> list[tuple[str, int]]:
        out = []
        for side in ("src", "dst"):
            # The cartel ends a walk; a legitimate payee (a shop, a property firm) is no link between
            # two networks that happen to pay it.
            if r[f"{side}_role"] in ("cartel", "legitimate"):
                continue
            if r[f"{side}_party"] is not None:
                out.append(("party", r[f"{side}_party"]))
            elif r[f"{side}_account"] is not None:
                out.append(("account", r[f"{side}_account"]))
        return out

    by_node: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        for nd in nodes(r):
            by_node[nd].append(i)
    idx = next(i for i, r in enumerate(rows) if r["txn_id"] == txn0)
    seen_rows, seen_nodes, queue = {idx}, set(), deque([idx])
    while queue and len(seen_rows) < TRACE_MAX_ROWS:
        for nd in nodes(rows[queue.popleft()]):
            if nd in seen_nodes:
                continue
            seen_nodes.add(nd)
            for j in by_node[nd]:
                if j not in seen_rows and len(seen_rows) < TRACE_MAX_ROWS:
                    seen_rows.add(j)
                    queue.append(j)
    return {rows[i]["txn_id"] for i in seen_rows}


def _steps(legs: list[dict], ds: Dataset) -> list[dict[str, Any]]:
    """Legs grouped by what they do (typology, type, currency, who pays whom), in time order."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in legs:
        groups[(r["typology"], r["txn_type"], r["channel"], r["cur"], r["src_role"], r["dst_role"])].append(r)
    places = {p: (n, s) for p, n, s in ds.fetchall("SELECT place_id, name, state FROM places")}
    steps = []
    for (typ, ttype, chan, cur, src_role, dst_role), rs in groups.items():
        amounts = [r["amount_paid"] for r in rs]
        cities = sorted({places[r["location_id"]][0] for r in rs if r["location_id"] in places})
        states = sorted({places[r["location_id"]][1] for r in rs if r["location_id"] in places} - {None})
        step = {
            "first": _iso(min(r["ts"] for r in rs)), "last": _iso(max(r["ts"] for r in rs)),
            "typology": typ, "txn_type": ttype, "channel": chan, "from_role": src_role, "to_role": dst_role,
            "count": len(rs), "currency": cur, "amount": _r(sum(amounts)), "min": _r(min(amounts)),
            "max": _r(max(amounts)), "usd": _r(sum(r["usd"] or 0.0 for r in rs)),
            "from_accounts": len({r["src_account"] for r in rs} - {None}),
            "to_accounts": len({r["dst_account"] for r in rs} - {None}),
            "from_countries": sorted({r["src_country"] for r in rs} - {None}),
            "to_countries": sorted({r["dst_country"] for r in rs} - {None}),
            "cities": cities, "states": states,
            "from_names": sorted({r["src_name"] for r in rs} - {None})[:3],
            "to_names": sorted({r["dst_name"] for r in rs} - {None})[:3],
        }
        step["text"] = _step_text(step)
        steps.append(step)
    steps.sort(key=lambda s: (s["first"], s["last"]))
    return steps


def _step_text(s: dict[str, Any]) -> str:
    what = _NOUNS.get(s["txn_type"], s["txn_type"].replace("_", " "))
    plural = "s" if s["count"] > 1 else ""
    rng = (f"{s['min']:,.2f}" if s["count"] == 1 else f"{s['min']:,.0f}–{s['max']:,.0f}")
    src = "cash" if s["from_role"] == "cash" else f"{s['from_role'].replace('_', ' ')} ({_who(s, 'from')})"
    dst = f"{s['to_role'].replace('_', ' ')} ({_who(s, 'to')})"
    where = ""
    if s["cities"]:
        where = f" at branches in {len(s['cities'])} cit{'ies' if len(s['cities']) > 1 else 'y'}"
        where += f" of {len(s['states'])} state{'s' if len(s['states']) > 1 else ''}" if s["states"] else ""
    usd = "" if s["currency"] == "USD" else f", ≈{s['usd']:,.0f} USD"
    return (f"{s['count']} {what}{plural} of {rng} {s['currency']} (total {s['amount']:,.2f} {s['currency']}{usd}) "
            f"from {src} to {dst}{where} [{s['typology']}]")


_NOUNS = {"p2p": "transfer", "b2b_payment": "business payment", "crypto_purchase": "crypto purchase",
          "cash_withdrawal": "cash withdrawal"}


def _who(s: dict[str, Any], side: str) -> str:
    names, n = s[f"{side}_names"], s[f"{side}_accounts"]
    countries = "/".join(s[f"{side}_countries"])
    label = ", ".join(names[:2]) + (f" +{n - 2}" if n > 2 else "")
    return f"{label}; {countries}" if countries else label


def _ledger(legs: list[dict]) -> dict[str, Any]:
    def total(rows: list[dict], key: str = "usd") -> float:
        return sum(r[key] or 0.0 for r in rows)

    deposits = [r for r in legs if r["txn_type"] == "cash_deposit"]
    b_cash = [r for r in deposits if r["dst_role"] == "broker_courier"
              or r["dst_role"] == "mule" and r["dst_party_typology"] == "C2"]
    payout = [r for r in legs if r["src_role"] == "money_broker" and r["dst_role"] == "cartel"]
    delivered = [r for r in legs if r["dst_role"] == "cartel" and r["src_role"] != "cartel"]
    return {"cash_placed_usd": _r(total(deposits)), "delivered_to_cartel_usd": _r(total(delivered)),
            **_fee(total(b_cash), total(payout), total([r for r in payout if r["cur"] == "MXN"], "amount_paid"))}


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 2)


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat(sep=" ") if t is not None else None


def plot_laundering(rep: dict[str, Any], path: str | Path) -> Path:
    """Weekly illicit dollars by typology (stacked) and, per case, cash placed in the US against
    what reached the cartel, as one PNG written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from counterflow.files import atomic_file

    weeks = sorted({w["week"] for w in rep["weekly"]})
    typs = sorted({w["typology"] for w in rep["weekly"]})
    val = {(w["week"], w["typology"]): w["usd"] or 0.0 for w in rep["weekly"]}
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [3, 1.3]})
    bottom = [0.0] * len(weeks)
    x = range(len(weeks))
    colours = plt.get_cmap("tab20")
    for i, t in enumerate(typs):
        ys = [val.get((w, t), 0.0) / 1e6 for w in weeks]
        a1.bar(x, ys, bottom=bottom, label=t, width=0.85, color=colours(i % 20))
        bottom = [b + y for b, y in zip(bottom, ys)]
    step = max(1, len(weeks) // 8)
    a1.set_xticks(list(x)[::step], weeks[::step], rotation=30, fontsize=7)
    a1.set_ylabel("million USD (each leg counts)")
    a1.set_title("Illicit value by week and typology")
    a1.legend(fontsize=7, ncol=2)
    cases = rep["cases"]
    names = [f"{c['case_id']}\n{c['organisation'] or ''}" for c in cases]
    xs = range(len(cases))
    a2.bar([i - 0.2 for i in xs], [c["cash_placed_us_usd"] / 1e6 for c in cases], width=0.4,
           label="cash placed in the US")
    a2.bar([i + 0.2 for i in xs], [c["delivered_to_cartel_usd"] / 1e6 for c in cases], width=0.4,
           label="delivered to the cartel")
    a2.set_xticks(list(xs), names, fontsize=7)
    a2.set_ylabel("million USD")
    a2.set_title("Per case: in and out")
    a2.legend(fontsize=7)
    fig.tight_layout()
    path = Path(path)
    with atomic_file(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path
