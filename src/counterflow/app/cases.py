"""Cases: made from alerts, merged, split, linked by what they share; comments, attachments, and
dispositions with four-eyes approval.

A disposition of ``confirmed`` (close as suspicious) or one that files a report waits, as a
pending :class:`Decision`, for a second person; :func:`review` refuses the preparer (and anyone
who proposed a decision on the same case) whatever their role. The route layer checks roles; the
rules of the workflow live here, so every caller gets them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from counterflow.app.audit import now, record
from counterflow.app.errors import AppError, Conflict, Forbidden, NotFound
from counterflow.app.models import (
    NEEDS_APPROVAL,
    OUTCOMES,
    Alert,
    Attachment,
    Case,
    CaseLink,
    Comment,
    Decision,
)
from counterflow.app.queue import alert_lists, get_alert, snapshot
from counterflow.app.store import Store

LINK_KINDS = ("account", "party", "identifier", "document")


def get_case(s: Session, case_id: int) -> Case:
    c = s.get(Case, case_id)
    if c is None:
        raise NotFound(f"no case {case_id}")
    return c


def case_alerts(s: Session, case_id: int) -> list[Alert]:
    return list(s.scalars(select(Alert).where(Alert.case_id == case_id).order_by(Alert.score.desc(), Alert.id)))


def _editable(c: Case) -> None:
    if c.status != "open":
        raise Conflict(f"case {c.id} is {c.status.replace('_', ' ')}")


def create_case(s: Session, alert_ids: list[int], user: str, title: str = "") -> Case:
    if not alert_ids:
        raise AppError("choose the alerts to put in the case")
    alerts = [get_alert(s, i) for i in dict.fromkeys(alert_ids)]
    for a in alerts:
        if a.case_id is not None:
            raise Conflict(f"alert {a.id} is already in case {a.case_id}")
        if a.status == "closed":
            raise Conflict(f"alert {a.id} is closed")
        if a.assignee not in (None, user):
            raise Conflict(f"alert {a.id} is claimed by {a.assignee}")
    names = sorted({a.subject_name or f"account {a.subject_account}" for a in alerts})
    c = Case(title=(title.strip() or ", ".join(names)[:200]), status="open", created_by=user, created_at=now(),
             narrative="")
    s.add(c)
    s.flush()
    for a in alerts:
        before = snapshot(a)
        a.case_id, a.status, a.assignee = c.id, "in_case", a.assignee or user
        record(s, user, "alert.to_case", "alert", a.id, before=before, after=snapshot(a))
    record(s, user, "case.create", "case", c.id, after={"title": c.title, "alerts": [a.id for a in alerts]})
    return c


def merge_cases(s: Session, source_id: int, target_id: int, user: str, reason: str) -> Case:
    if source_id == target_id:
        raise AppError("a case cannot be merged into itself")
    src, dst = get_case(s, source_id), get_case(s, target_id)
    _editable(src)
    _editable(dst)
    moved = []
    for a in case_alerts(s, src.id):
        a.case_id = dst.id
        moved.append(a.id)
    src.status, src.merged_into = "merged", dst.id
    record(s, user, "case.merge", "case", src.id, before={"status": "open"},
           after={"status": "merged", "merged_into": dst.id, "alerts": moved}, reason=reason)
    return dst


def split_case(s: Session, case_id: int, alert_ids: list[int], user: str, title: str = "") -> Case:
    c = get_case(s, case_id)
    _editable(c)
    mine = {a.id: a for a in case_alerts(s, c.id)}
    chosen = list(dict.fromkeys(alert_ids))
    if not chosen or any(i not in mine for i in chosen):
        raise AppError(f"choose alerts of case {case_id} to split off")
    if len(chosen) == len(mine):
        raise AppError("a split leaves at least one alert in the case")
    new = Case(title=title.strip() or f"Split from case {c.id}", status="open", created_by=user, created_at=now(),
               narrative="")
    s.add(new)
    s.flush()
    for i in chosen:
        mine[i].case_id = new.id
    record(s, user, "case.split", "case", c.id, after={"new_case": new.id, "alerts": chosen})
    return new


def case_scope(s: Session, store: Store, case_id: int) -> dict[str, Any]:
    """Accounts, parties, transactions and shipments of a case's alerts."""
    accounts: set[int] = set()
    counterparties: set[int] = set()
    txns: set[int] = set()
    ships: set[int] = set()
    for a in case_alerts(s, case_id):
        lists = alert_lists(a)
        accounts |= set(lists["accounts"])
        counterparties |= set(lists["counterparties"])
        txns |= set(lists["txn_ids"])
        ships |= set(lists["shipment_ids"])
    holders = store.holders(sorted(accounts | counterparties))
    parties = sorted({h["party_id"] for a, h in holders.items() if a in accounts and h.get("party_id") is not None})
    return {"accounts": sorted(accounts), "counterparties": sorted(counterparties - accounts), "txn_ids": sorted(txns),
            "shipment_ids": sorted(ships), "parties": parties, "holders": holders}


def related_cases(s: Session, store: Store, case_id: int) -> list[dict[str, Any]]:
    """Other cases sharing an account, a subject party, an identifier or a document with this one.

    One pass over the alerts in cases (the case database) and three dataset queries for all cases
    together, so the case page costs the same with ten cases or a thousand."""
    by_case: dict[int, dict[str, set]] = defaultdict(lambda: {"accounts": set(), "touch": set(), "ships": set()})
    for a in s.scalars(select(Alert).where(Alert.case_id.is_not(None))):
        lists = alert_lists(a)
        c = by_case[a.case_id]
        c["accounts"] |= set(lists["accounts"])
        c["touch"] |= set(lists["accounts"]) | set(lists["counterparties"])
        c["ships"] |= set(lists["shipment_ids"])
    if case_id not in by_case:
        return []
    live = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(list(by_case)), Case.status != "merged"))}
    every_account = sorted(set().union(*(c["accounts"] for c in by_case.values())))
    holders = store.holders(every_account)
    parties = {cid: {holders[x]["party_id"] for x in c["accounts"] if x in holders} - {None}
               for cid, c in by_case.items()}
    idents: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for i in store.shared_identifiers(sorted(set().union(*parties.values()))):
        idents[i["party_id"]].add((i["kind"], i["value"]))
    docs: dict[int, set[str]] = defaultdict(set)
    for d in store.shipment_documents(sorted(set().union(*(c["ships"] for c in by_case.values())))):
        docs[d["shipment_id"]].add(d["doc_number"])
    mine = by_case[case_id]
    my_ids = set().union(*(idents[p] for p in parties[case_id])) if parties[case_id] else set()
    my_docs = set().union(*(docs[x] for x in mine["ships"])) if mine["ships"] else set()
    out = []
    for other, theirs in sorted(by_case.items()):
        if other == case_id or other not in live:
            continue
        their_ids = set().union(*(idents[p] for p in parties[other])) if parties[other] else set()
        their_docs = set().union(*(docs[x] for x in theirs["ships"])) if theirs["ships"] else set()
        found = [("account", str(x)) for x in sorted(mine["touch"] & theirs["accounts"])]
        found += [("party", str(x)) for x in sorted(parties[case_id] & parties[other])]
        found += [("identifier", f"{k}: {v}") for k, v in sorted(my_ids & their_ids)]
        found += [("document", d) for d in sorted(my_docs & their_docs)]
        out += [{"case_id": other, "title": live[other].title, "kind": k, "value": v} for k, v in found]
    return out


def link_cases(s: Session, a: int, b: int, kind: str, value: str, user: str) -> CaseLink:
    if kind not in LINK_KINDS:
        raise AppError(f"unknown link kind {kind!r}")
    if a == b:
        raise AppError("a case is not linked to itself")
    get_case(s, a)
    get_case(s, b)
    lo, hi = sorted((a, b))
    exists = s.scalar(select(CaseLink).where(CaseLink.case_a == lo, CaseLink.case_b == hi, CaseLink.kind == kind,
                                             CaseLink.value == value))
    if exists is not None:
        return exists
    link = CaseLink(case_a=lo, case_b=hi, kind=kind, value=value[:500], created_by=user, ts=now())
    s.add(link)
    record(s, user, "case.link", "case", a, after={"case": b, "kind": kind, "value": value})
    return link


def links_of(s: Session, case_id: int) -> list[CaseLink]:
    return list(s.scalars(select(CaseLink).where(or_(CaseLink.case_a == case_id, CaseLink.case_b == case_id))))


def add_comment(s: Session, case_id: int, body: str, user: str) -> Comment:
    get_case(s, case_id)
    body = body.strip()
    if not body or len(body) > 20_000:
        raise AppError("a comment has 1 to 20,000 characters")
    c = Comment(case_id=case_id, author=user, ts=now(), body=body)
    s.add(c)
    s.flush()
    record(s, user, "case.comment", "case", case_id, after={"comment": c.id, "body": body})
    return c


def add_attachment(s: Session, case_id: int, filename: str, content_type: str, data: bytes, user: str,
                   max_bytes: int) -> Attachment:
    get_case(s, case_id)
    name = "".join(ch for ch in filename.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable())[:200]
    if not name or not data:
        raise AppError("choose a non-empty file")
    if len(data) > max_bytes:
        raise AppError(f"an attachment is at most {max_bytes:,} bytes")
    digest = hashlib.sha256(data).hexdigest()
    att = Attachment(case_id=case_id, filename=name, content_type=(content_type or "application/octet-stream")[:100],
                     size=len(data), sha256=digest, data=data, uploaded_by=user, ts=now())
    s.add(att)
    s.flush()
    record(s, user, "case.attach", "case", case_id, after={"attachment": att.id, "file": name, "sha256": digest,
                                                          "bytes": len(data)})
    return att


def set_narrative(s: Session, case_id: int, text: str, user: str) -> None:
    c = get_case(s, case_id)
    if c.status not in ("open", "pending_approval"):
        raise Conflict(f"case {case_id} is {c.status}")
    before = c.narrative
    c.narrative = text.strip()[:50_000]
    record(s, user, "case.narrative", "case", case_id, before={"narrative": before}, after={"narrative": c.narrative})


# -- dispositions --------------------------------------------------------------------------
def _finish(s: Session, c: Case, outcome: str, user: str, reason: str) -> None:
    t = now()
    c.status, c.outcome, c.closed_at = "closed", outcome, t
    for a in case_alerts(s, c.id):
        before = snapshot(a)
        a.status, a.outcome, a.closed_at = "closed", outcome, t
        record(s, user, "alert.close", "alert", a.id, before=before, after=snapshot(a), reason=reason)


def pending_decision(s: Session, case_id: int) -> Decision | None:
    return s.scalar(select(Decision).where(Decision.case_id == case_id, Decision.status == "pending"))


def propose(s: Session, case_id: int, outcome: str, reason: str, user: str, *, file_report: bool = False) -> Decision:
    c = get_case(s, case_id)
    _editable(c)
    if outcome not in OUTCOMES:
        raise AppError(f"unknown outcome {outcome!r}; choose one of {', '.join(OUTCOMES)}")
    if file_report and outcome != "confirmed":
        raise AppError("a report is filed only for a case confirmed as suspicious")
    if not reason.strip():
        raise AppError("give a reason for the disposition")
    if not case_alerts(s, case_id):
        raise AppError("the case has no alerts")
    needs = outcome in NEEDS_APPROVAL or file_report
    d = Decision(case_id=case_id, outcome=outcome, file_report=file_report, reason=reason.strip(), prepared_by=user,
                 prepared_at=now(), status="pending" if needs else "final")
    s.add(d)
    s.flush()
    record(s, user, "decision.propose", "case", case_id,
           after={"decision": d.id, "outcome": outcome, "file_report": file_report, "status": d.status}, reason=reason)
    if needs:
        c.status = "pending_approval"
    else:
        _finish(s, c, outcome, user, reason)
    return d


def review(s: Session, decision_id: int, approve: bool, reason: str, user: str) -> Decision:
    d = s.get(Decision, decision_id)
    if d is None:
        raise NotFound(f"no decision {decision_id}")
    if d.status != "pending":
        raise Conflict(f"decision {decision_id} is {d.status}")
    preparers = set(s.scalars(select(Decision.prepared_by).where(Decision.case_id == d.case_id)))
    if user in preparers:
        raise Forbidden("four-eyes: the approver cannot be the person who prepared the decision")
    if not approve and not reason.strip():
        raise AppError("give a reason to send the decision back")
    c = get_case(s, d.case_id)
    d.status = "approved" if approve else "rejected"
    d.reviewed_by, d.reviewed_at, d.review_reason = user, now(), reason
    record(s, user, "decision.approve" if approve else "decision.reject", "case", c.id,
           before={"decision": d.id, "status": "pending"}, after={"decision": d.id, "status": d.status}, reason=reason)
    if approve:
        _finish(s, c, d.outcome, user, d.reason)
    else:
        c.status = "open"
    return d


def decisions_of(s: Session, case_id: int) -> list[Decision]:
    return list(s.scalars(select(Decision).where(Decision.case_id == case_id).order_by(Decision.id)))


def labels_rows(s: Session) -> list[dict[str, Any]]:
    """Transaction labels from closed alerts: confirmed ones illicit, false positives not; inconclusive
    ones say nothing and are left out. A transaction in both kinds counts as illicit."""
    best: dict[int, dict[str, Any]] = {}
    decided = select(Alert).where(Alert.status == "closed", Alert.outcome.in_(("confirmed", "false_positive")))
    for a in s.scalars(decided):
        bad = a.outcome == "confirmed"
        code = next((c for c in a.typologies.split(",") if c), None) if bad else None
        for t in json.loads(a.txn_ids):
            if t in best and best[t]["is_illicit"]:
                continue
            best[t] = {"txn_id": t, "is_illicit": bad, "typology": code, "case_id": a.case_id if bad else None,
                       "alert_id": a.id}
    return [best[k] for k in sorted(best)]
