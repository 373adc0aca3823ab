"""What is in a dataset, as one dictionary: the content of ``counterflow inspect``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from counterflow.dataset import schema as sch
from counterflow.dataset.reader import Dataset
from counterflow.dataset.validate import validate


def summarize(
    ds: Dataset,
    *,
    checksums: bool = True,
    deep: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    m = ds.manifest
    rep = validate(ds, checksums=checksums, deep=deep, progress=progress)
    out: dict[str, Any] = {
        "path": str(ds.path),
        "schema_version": m.get("schema_version"),
        "counterflow_version": m.get("counterflow_version"),
        "source": m.get("source"),
        "scenario": m.get("scenario"),
        "seed": m.get("seed"),
        "tables": {name: {"rows": e["rows"], "files": len(e["files"])} for name, e in m["tables"].items()},
        "valid": rep.ok,
        "problems": rep.problems,
        "checks": rep.checks,
    }
    if not rep.ok:
        return out
    first, last = ds.fetchone("SELECT min(ts), max(ts) FROM transactions")
    out["date_range"] = {"first": first.isoformat() if first else None, "last": last.isoformat() if last else None}
    labels = {}
    for lt in sch.LABEL_TABLES:
        n, illicit = ds.fetchone(f"SELECT count(*), count(*) FILTER (WHERE is_illicit) FROM {lt}")
        labels[lt] = {"rows": n, "illicit": illicit, "rate": (illicit / n) if n else 0.0}
    out["labels"] = labels
    out["typologies"] = {
        t: n
        for t, n in ds.fetchall(
            "SELECT CAST(typology AS VARCHAR) t, count(*) FROM transaction_labels "
            "WHERE typology IS NOT NULL GROUP BY t ORDER BY t"
        )
    }
    out["transaction_types"] = {
        t: {"count": n, "amount_usd": round(v, 2) if v is not None else None}
        for t, n, v in ds.fetchall(
            "SELECT CAST(t.txn_type AS VARCHAR) k, count(*), sum(t.amount_paid * f.usd_per_unit) "
            "FROM transactions t LEFT JOIN fx_rates f ON f.date = CAST(t.ts AS DATE) "
            "AND f.currency = CAST(t.currency_paid AS VARCHAR) GROUP BY k ORDER BY count(*) DESC"
        )
    }
    return out
