"""What a report says about a case, gathered once for every format: subjects, accounts,
transactions, amounts, dates, typologies and a narrative drafted from the alert reasons."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from counterflow.app.cases import case_alerts, case_scope, get_case
from counterflow.app.queue import codes
from counterflow.app.store import Store

MAX_TRANSACTIONS = 500


def typology_names() -> dict[str, str]:
    """Red-flag code to the name of the detector that raises it (e.g. F3: structuring)."""
    from counterflow.detect.detectors import DEFAULT_DETECTORS

    return {code: d.name.replace("_", " ") for d in DEFAULT_DETECTORS for code in d.typologies}


def draft_narrative(c: Any, alerts: list[Any], txns: list[dict[str, Any]]) -> str:
    usd = sum(t["amount_usd"] or 0.0 for t in txns)
    names_of = typology_names()
    lines = [f"Case {c.id} ({c.title}). "]
    if txns:
        lo, hi = min(t["ts"] for t in txns), max(t["ts"] for t in txns)
        lines.append(f"Between {lo:%B %d, %Y} and {hi:%B %d, %Y} the subjects conducted {len(txns):,} transactions "
                     f"totalling {usd:,.0f} US dollars that match known laundering typologies. ")
    for a in alerts:
        names = ", ".join(names_of.get(x, x) for x in codes(a))
        lines.append(f"Alert {a.id} (account {a.subject_account}{'; ' + names if names else ''}): {a.reason}. ")
    return "".join(lines).strip()


def gather(s: Session, store: Store, case_id: int) -> dict[str, Any]:
    c = get_case(s, case_id)
    alerts = case_alerts(s, case_id)
    scope = case_scope(s, store, case_id)
    txns = store.txns(scope["txn_ids"])[:MAX_TRANSACTIONS]
    subjects = []
    for p in store.parties(scope["parties"]):
        accts = [a for a in scope["accounts"] if scope["holders"].get(a, {}).get("party_id") == p["party_id"]]
        subjects.append({**p, "accounts": [scope["holders"][a] for a in accts]})
    typ = sorted({x for a in alerts for x in codes(a)})
    dates = [t["ts"] for t in txns] or [a.alert_ts for a in alerts] or [dt.datetime.now()]
    return {"case": c, "alerts": alerts, "subjects": subjects, "transactions": txns, "typologies": typ,
            "holders": scope["holders"], "accounts": scope["accounts"],
            "total_usd": sum(t["amount_usd"] or 0.0 for t in txns), "from": min(dates), "to": max(dates),
            "narrative": c.narrative or draft_narrative(c, alerts, txns)}
