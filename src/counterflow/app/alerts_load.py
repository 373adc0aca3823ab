"""Alerts into the case database, from a ``counterflow detect`` output or a run of detect.

``--alerts FILE`` reads FILE and its evidence beside it (``FILE.evidence.parquet``,
:func:`counterflow.detect.alerts.read_evidence`). Without it, the app runs detect itself with the
built-in model and keeps the result beside a SQLite case database (``cases.alerts.parquet``), so a
restart finds the same alerts; with a PostgreSQL URL there is no such place and ``--alerts`` is
required. An alerts file is identified by its SHA-256: loading the same file again adds nothing,
a new one adds its alerts as a new source, and the queue shows the newest source.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sqlalchemy import select

from counterflow.app.audit import now, record
from counterflow.app.db import Database
from counterflow.app.models import Alert, AlertSource
from counterflow.app.store import Store
from counterflow.dataset.writer import sha256_file
from counterflow.errors import InputError

log = logging.getLogger(__name__)


def alerts_cache(db_url: str) -> Path | None:
    if not db_url.startswith("sqlite:///"):
        return None
    db_file = Path(db_url.removeprefix("sqlite:///"))
    return db_file.with_name(db_file.stem + ".alerts.parquet")


def resolve_alerts(data: Path, alerts: Path | None, db_url: str) -> Path:
    """The alerts file to load: the one given, or detect's built-in run, made once."""
    if alerts is not None:
        return alerts
    cache = alerts_cache(db_url)
    if cache is None:
        raise InputError("with a database URL, give the alerts to load (--alerts FILE from counterflow detect)",
                         field="--alerts")
    if not cache.is_file():
        from counterflow.detect.alerts import write_alerts
        from counterflow.detect.api import detect, open_data
        from counterflow.detect.model import load_builtin

        log.info("no --alerts: running detect with the built-in model on %s", data)
        with open_data(data) as ds:
            a, ev = detect(ds, scorer=load_builtin())
        write_alerts(a, ev, cache, overwrite=True)
    return cache


def load_alerts(db: Database, store: Store, path: Path) -> tuple[int, int]:
    """(source id, alerts added) after loading ``path`` and putting its evidence in the store."""
    from counterflow.detect.alerts import read_alerts, read_evidence

    table = read_alerts(path)
    store.set_evidence(read_evidence(path))
    fp = sha256_file(path)
    with db.write() as s:
        src = s.scalar(select(AlertSource).where(AlertSource.fingerprint == fp))
        if src is not None:
            return src.id, 0
        src = AlertSource(fingerprint=fp, description=path.name, loaded_at=now())
        s.add(src)
        s.flush()
        rows = table.to_pylist()
        holders = store.holders([r["subject_account"] for r in rows])
        t = now()
        for r in rows:
            h = holders.get(r["subject_account"], {})
            s.add(Alert(
                source_id=src.id, ext_id=r["alert_id"], subject_account=r["subject_account"],
                subject_party=h.get("party_id"), subject_name=h.get("name"), state=h.get("state"),
                score=float(r["score"]), alert_ts=r["alert_ts"], first_ts=r["first_ts"],
                typologies="," + ",".join(r["typologies"] or []) + ",",
                detectors="," + ",".join(r["detectors"] or []) + ",", reason=r["reason"] or "",
                amount_usd=float(r["amount_usd"] or 0.0), txn_ids=json.dumps(r["txn_ids"] or []),
                accounts=json.dumps(r["accounts"] or [r["subject_account"]]),
                counterparties=json.dumps(r["counterparties"] or []),
                shipment_ids=json.dumps(r["shipment_ids"] or []), status="new", loaded_at=t))
        record(s, "system", "alerts.load", "alert_source", src.id,
               after={"file": path.name, "sha256": fp, "alerts": len(rows)})
    return src.id, len(rows)


def current_source(db: Database) -> int | None:
    with db.read() as s:
        return s.scalar(select(AlertSource.id).order_by(AlertSource.id.desc()).limit(1))

