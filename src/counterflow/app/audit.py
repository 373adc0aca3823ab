"""The append-only, hash-chained audit log.

Every change the app makes calls :func:`record` inside the same database transaction as the change
(:meth:`counterflow.app.db.Database.write`), so the entry and the change commit or fail together.
Entry n stores ``hash = sha256(prev_hash || canonical JSON of its fields)`` with ``prev_hash`` the
hash of entry n-1 (entry 1 follows :data:`GENESIS`), and the one-row ``audit_head`` holds the last
number and hash. :func:`verify` recomputes the chain: an edited entry breaks its own hash, a deleted
one leaves a gap in the numbers or a chain that no longer links, and a deleted tail no longer
reaches the head. Triggers refuse UPDATE and DELETE on the table (see the migration).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterflow.app.models import AuditEntry, AuditHead

GENESIS = "0" * 64
FIELDS = ("seq", "ts", "actor", "action", "object_type", "object_id", "before", "after", "reason")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = canonical({k: fields[k] for k in FIELDS})
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def now() -> dt.datetime:
    # Naive UTC throughout the database: SQLite keeps no zone.
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def record(s: Session, actor: str, action: str, object_type: str, object_id: Any, *,
           before: Any = None, after: Any = None, reason: str = "") -> AuditEntry:
    head = s.get(AuditHead, 1)
    if head is None:
        raise RuntimeError("the audit chain has no head row: the database was not migrated")
    fields = {"seq": head.seq + 1, "ts": now().isoformat(timespec="microseconds"), "actor": actor,
              "action": action, "object_type": object_type, "object_id": str(object_id),
              "before": canonical(before), "after": canonical(after), "reason": reason or ""}
    h = entry_hash(head.hash, fields)
    entry = AuditEntry(**fields, prev_hash=head.hash, hash=h)
    s.add(entry)
    head.seq, head.hash = fields["seq"], h
    s.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    head_hash: str
    problems: tuple[str, ...]


def verify(s: Session) -> Verdict:
    problems: list[str] = []
    prev, expected, n = GENESIS, 1, 0
    for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        n += 1
        if e.seq != expected:
            problems.append(f"entries {expected}..{e.seq - 1} are missing (deleted)")
        if e.prev_hash != prev:
            problems.append(f"entry {e.seq} does not link to the entry before it")
        fields = {k: getattr(e, k) for k in FIELDS}
        if entry_hash(e.prev_hash, fields) != e.hash:
            problems.append(f"entry {e.seq} was edited: its hash does not match its content")
        prev, expected = e.hash, e.seq + 1
    head = s.get(AuditHead, 1)
    if head is not None and (head.seq != expected - 1 or head.hash != prev):
        problems.append(f"the chain ends at entry {expected - 1} but its head says {head.seq}: "
                        "entries at the end were deleted")
    return Verdict(not problems, n, prev, tuple(problems))


def export_rows(s: Session) -> Iterator[dict[str, Any]]:
    for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        row = {k: getattr(e, k) for k in FIELDS}
        row["before"], row["after"] = json.loads(e.before), json.loads(e.after)
        yield {**row, "prev_hash": e.prev_hash, "hash": e.hash}
