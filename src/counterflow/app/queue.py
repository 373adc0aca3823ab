"""The alert queue: ranking, filters, claims with a lock, next, bulk assignment, snooze and SLA.

A claim is one conditional UPDATE (``... WHERE id = ? AND assignee IS NULL AND status IN (new,
snoozed)``): of two analysts claiming the same alert at once exactly one changes a row, the other
is told who holds it. Write transactions are serialized anyway (:mod:`counterflow.app.db`), but the
condition is what makes the claim safe on any database. The queue ranks by score, then age (older
first); the SLA clock of an alert starts when it is loaded.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from counterflow.app.audit import now, record
from counterflow.app.errors import AppError, Conflict, NotFound
from counterflow.app.models import OUTCOMES, Alert, User

OPEN = ("new", "in_review", "snoozed")
CLAIMABLE = ("new", "snoozed")
PAGE = 50


@dataclass(frozen=True)
class Filters:
    typology: str | None = None
    detector: str | None = None
    min_usd: float | None = None
    max_usd: float | None = None
    state: str | None = None
    status: str | None = None      # one of the statuses, "open" (default) or "all"
    assignee: str | None = None    # a name, "me" or "none"
    page: int = 1

    @classmethod
    def parse(cls, q: dict[str, str]) -> Filters:
        def num(k: str) -> float | None:
            v = (q.get(k) or "").strip()
            if not v:
                return None
            try:
                return float(v)
            except ValueError:
                raise AppError(f"filter {k}: {v!r} is not a number") from None
        status = (q.get("status") or "open").strip()
        if status not in ("open", "all", "new", "in_review", "snoozed", "in_case", "closed"):
            raise AppError(f"filter status: unknown status {status!r}")
        try:
            page = max(1, int(q.get("page") or 1))
        except ValueError:
            raise AppError("filter page: not a number") from None
        clean = {k: (q.get(k) or "").strip() or None for k in ("typology", "detector", "state", "assignee")}
        return cls(min_usd=num("min_usd"), max_usd=num("max_usd"), status=status, page=page, **clean)


def _where(source_id: int, f: Filters, user: str) -> list[Any]:
    w: list[Any] = [Alert.source_id == source_id]
    t = now()
    if f.status == "open":
        # A snoozed alert is back in the queue once its date has passed.
        w.append(or_(Alert.status.in_(("new", "in_review")),
                     (Alert.status == "snoozed") & (Alert.snoozed_until <= t)))
    elif f.status != "all":
        w.append(Alert.status == f.status)
    if f.typology:
        w.append(Alert.typologies.like(f"%,{f.typology},%"))
    if f.detector:
        w.append(Alert.detectors.like(f"%,{f.detector},%"))
    if f.min_usd is not None:
        w.append(Alert.amount_usd >= f.min_usd)
    if f.max_usd is not None:
        w.append(Alert.amount_usd <= f.max_usd)
    if f.state:
        w.append(Alert.state == f.state)
    if f.assignee == "none":
        w.append(Alert.assignee.is_(None))
    elif f.assignee:
        w.append(Alert.assignee == (user if f.assignee == "me" else f.assignee))
    return w


def list_queue(s: Session, source_id: int, f: Filters, user: str) -> tuple[list[Alert], int]:
    w = _where(source_id, f, user)
    total = s.scalar(select(func.count()).select_from(Alert).where(*w)) or 0
    rows = s.scalars(select(Alert).where(*w).order_by(Alert.score.desc(), Alert.alert_ts, Alert.id)
                     .offset((f.page - 1) * PAGE).limit(PAGE)).all()
    return list(rows), total


def sla(alert: Alert, hours: int, at: dt.datetime | None = None) -> dict[str, Any]:
    """Due time and what is left (negative: overdue) of the alert's SLA; None once closed."""
    if alert.status == "closed":
        return {"due": None, "left_h": None, "overdue": False}
    due = alert.loaded_at + dt.timedelta(hours=hours)
    left = (due - (at or now())).total_seconds() / 3600
    return {"due": due, "left_h": left, "overdue": left < 0}


def get_alert(s: Session, alert_id: int) -> Alert:
    a = s.get(Alert, alert_id)
    if a is None:
        raise NotFound(f"no alert {alert_id}")
    return a


def snapshot(a: Alert) -> dict[str, Any]:
    return {"status": a.status, "assignee": a.assignee, "snoozed_until": a.snoozed_until,
            "case_id": a.case_id, "outcome": a.outcome}


def claim(s: Session, alert_id: int, user: str) -> Alert:
    t = now()
    res = s.execute(update(Alert).where(
        Alert.id == alert_id, Alert.assignee.is_(None), Alert.status.in_(CLAIMABLE),
    ).values(status="in_review", assignee=user, claimed_at=t, snoozed_until=None))
    a = get_alert(s, alert_id)
    s.refresh(a)
    if res.rowcount != 1:
        if a.assignee == user and a.status == "in_review":
            return a
        who = f"claimed by {a.assignee}" if a.assignee else f"{a.status.replace('_', ' ')}"
        raise Conflict(f"alert {alert_id} is {who}")
    record(s, user, "alert.claim", "alert", alert_id, before={"status": "new", "assignee": None},
           after=snapshot(a))
    return a


def release(s: Session, alert_id: int, user: str, *, force: bool = False) -> Alert:
    a = get_alert(s, alert_id)
    if a.status != "in_review" or (a.assignee != user and not force):
        raise Conflict(f"alert {alert_id} is not claimed by {user}")
    before = snapshot(a)
    a.status, a.assignee, a.claimed_at = "new", None, None
    record(s, user, "alert.release", "alert", alert_id, before=before, after=snapshot(a))
    return a


def next_alert(s: Session, source_id: int, user: str, f: Filters | None = None) -> Alert | None:
    """Claim the highest-ranked unassigned open alert (within the filters); None when none is left."""
    f = f or Filters(status="open")
    w = _where(source_id, Filters(**{**f.__dict__, "status": "open", "assignee": "none", "page": 1}), user)
    for _ in range(5):  # another analyst may take the top one between the read and the claim
        aid = s.scalar(select(Alert.id).where(*w).order_by(Alert.score.desc(), Alert.alert_ts, Alert.id).limit(1))
        if aid is None:
            return None
        try:
            return claim(s, aid, user)
        except Conflict:
            continue
    return None


def bulk_assign(s: Session, ids: list[int], assignee: str, actor: str) -> int:
    target = s.get(User, assignee)
    if target is None or not target.active or target.role not in ("analyst", "approver", "admin"):
        raise AppError(f"{assignee!r} is not an active analyst")
    n = 0
    for aid in ids:
        a = get_alert(s, aid)
        if a.status not in OPEN:
            raise Conflict(f"alert {aid} is {a.status.replace('_', ' ')}; only open alerts are assigned")
        before = snapshot(a)
        a.assignee, a.status, a.claimed_at, a.snoozed_until = assignee, "in_review", now(), None
        record(s, actor, "alert.assign", "alert", aid, before=before, after=snapshot(a))
        n += 1
    return n


def snooze(s: Session, alert_id: int, until: dt.datetime, reason: str, user: str) -> Alert:
    a = get_alert(s, alert_id)
    if a.status not in OPEN:
        raise Conflict(f"alert {alert_id} is {a.status.replace('_', ' ')}")
    if a.assignee not in (None, user):
        raise Conflict(f"alert {alert_id} is claimed by {a.assignee}")
    if until <= now():
        raise AppError("snooze until a date in the future")
    if not reason.strip():
        raise AppError("give a reason to snooze")
    before = snapshot(a)
    a.status, a.snoozed_until, a.assignee, a.claimed_at = "snoozed", until, None, None
    record(s, user, "alert.snooze", "alert", alert_id, before=before, after=snapshot(a), reason=reason)
    return a


def close_alert(s: Session, alert_id: int, outcome: str, reason: str, user: str) -> Alert:
    """Close an alert on its own: false positive or inconclusive (a confirmed one goes to a case)."""
    a = get_alert(s, alert_id)
    if outcome not in OUTCOMES:
        raise AppError(f"unknown outcome {outcome!r}")
    if outcome == "confirmed":
        raise AppError("a confirmed alert goes into a case, whose closing needs a second person")
    if a.status != "in_review" or a.assignee != user:
        raise Conflict(f"claim alert {alert_id} before deciding it")
    if not reason.strip():
        raise AppError("give a reason for the disposition")
    before = snapshot(a)
    a.status, a.outcome, a.closed_at = "closed", outcome, now()
    record(s, user, "alert.close", "alert", alert_id, before=before, after=snapshot(a), reason=reason)
    return a


def alert_lists(a: Alert) -> dict[str, list[int]]:
    return {k: json.loads(getattr(a, k)) for k in ("txn_ids", "accounts", "counterparties", "shipment_ids")}


def codes(a: Alert) -> list[str]:
    return [c for c in a.typologies.split(",") if c]


def detector_names(a: Alert) -> list[str]:
    return [c for c in a.detectors.split(",") if c]
