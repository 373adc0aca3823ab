"""Alerts per case subgraph: flagged accounts that are connected, merged into one alert.

Two per-account alerts belong to the same case when their evidence ties them together — one
account is the other's counterparty or linked account in its evidence, or both alerts hold the
same transaction or shipment — and their evidence spans lie within ``window_s`` of each other.
Cases are the connected components of that graph (union-find over the alerts). A case alert has
the union of its members' evidence: every transaction, shipment, typology and detector, the
highest score, the span from the first to the last piece of evidence, and a reason made of each
member's own reason prefixed with its account, so every sentence still rests on its own rows.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from counterflow.detect.alerts import ALERT_SCHEMA


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def group_cases(alerts: pa.Table, evidence: pa.Table, window_s: int = 7 * 86_400) -> pa.Table:
    """One alert per connected group of flagged accounts (see the module docstring), ranked by score."""
    rows = alerts.to_pylist()
    index = {a["subject_account"]: i for i, a in enumerate(rows)}
    parent = list(range(len(rows)))

    def near(i: int, j: int) -> bool:
        a, b = rows[i], rows[j]
        return (a["first_ts"] - b["alert_ts"]).total_seconds() <= window_s and \
            (b["first_ts"] - a["alert_ts"]).total_seconds() <= window_s

    def union(i: int, j: int) -> None:
        if i != j and near(i, j):
            parent[_find(parent, i)] = _find(parent, j)

    holders: dict[tuple[str, int], list[int]] = defaultdict(list)
    cols = [c for c in ("subject_account", "txn_id", "shipment_id", "counterparty", "related_account", "amount_usd")
            if c in evidence.column_names]
    usd: dict[int, float] = {}
    for r in evidence.select(cols).to_pylist():
        if r.get("txn_id") is not None:
            usd[r["txn_id"]] = r.get("amount_usd") or 0.0
        i = index.get(r["subject_account"])
        if i is None:  # evidence of an alert left out (a budget): it ties nothing
            continue
        for key in ("counterparty", "related_account"):
            j = index.get(r.get(key))
            if j is not None:
                union(i, j)
        for key in ("txn_id", "shipment_id"):
            if r.get(key) is not None:
                holders[(key, r[key])].append(i)
    for members in holders.values():
        for j in members[1:]:
            union(members[0], j)
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for i, a in enumerate(rows):
        groups[_find(parent, i)].append(a)
    cases = [_merge(sorted(m, key=lambda a: (-a["score"], a["alert_ts"], a["subject_account"])), usd)
             for m in groups.values()]
    cases.sort(key=lambda a: (-a["score"], a["alert_ts"], a["subject_account"]))
    for k, a in enumerate(cases, start=1):
        a["alert_id"] = k
    return pa.Table.from_pylist(cases, schema=ALERT_SCHEMA)


def _merge(members: list[dict[str, Any]], usd: dict[int, float]) -> dict[str, Any]:
    if len(members) == 1:
        return dict(members[0])
    lead = members[0]

    def union(key: str) -> list:
        return sorted({x for a in members for x in (a[key] or [])})

    accounts = sorted({x for a in members for x in a["accounts"]})
    reason = f"case of {len(accounts)} connected accounts: " + "; ".join(
        f"account {a['subject_account']} {a['reason']}" for a in members)
    txn_ids = union("txn_ids")
    return {
        "subject_account": lead["subject_account"], "score": lead["score"],
        "alert_ts": max(a["alert_ts"] for a in members), "first_ts": min(a["first_ts"] for a in members),
        "typologies": union("typologies"), "detectors": union("detectors"), "reason": reason,
        # The same transaction can be evidence for two members; its amount counts once.
        "txn_ids": txn_ids, "counterparties": union("counterparties"),
        "amount_usd": sum(usd.get(t, 0.0) for t in txn_ids), "accounts": accounts,
        "shipment_ids": union("shipment_ids"),
    }

