"""Screening review: sanctions hits for the alerts' parties, per-hit decisions and an expiring whitelist.

Hits come from :mod:`counterflow.screen` (the shipped OFAC and UN lists, the project's matcher).
An analyst decides each hit (match or no match, with a reason); a no-match can put the (party,
list entry) pair on the whitelist until a date, after which the hit comes back for review. A
whitelisted pair is not raised again by a new screening run while its entry is in force.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counterflow.app.audit import now, record
from counterflow.app.errors import AppError, NotFound
from counterflow.app.models import ScreeningHit, WhitelistEntry
from counterflow.app.store import Store

_SCREENER: list[Any] = []
_LOCK = threading.Lock()


def screener() -> Any:
    with _LOCK:
        if not _SCREENER:
            from counterflow.detect.api import resolve_list
            from counterflow.screen.index import ScreeningIndex
            from counterflow.screen.lists import load_list
            from counterflow.screen.match import Screener

            _SCREENER.append(Screener(ScreeningIndex([load_list(resolve_list(x)) for x in ("ofac-sdn", "un")])))
        return _SCREENER[0]


def whitelisted(s: Session, party_id: int, list_id: str, entry_id: str, at: dt.datetime | None = None) -> bool:
    t = at or now()
    return s.scalar(select(WhitelistEntry.id).where(
        WhitelistEntry.party_id == party_id, WhitelistEntry.list_id == list_id, WhitelistEntry.entry_id == entry_id,
        WhitelistEntry.expires_at > t).limit(1)) is not None


def run_screening(s: Session, store: Store, party_ids: list[int], user: str, match: Any = None) -> int:
    """Screen these parties; new hits are stored for review. ``match`` replaces the screener (tests)."""
    import pyarrow as pa

    from counterflow.screen.parties import parties_from_table

    rows = store.parties(party_ids)
    if not rows:
        return 0
    table = pa.Table.from_pylist([{k: r.get(k) for k in ("party_id", "kind", "name", "birth_date", "country",
                                                         "nationality", "tax_id")} for r in rows])
    scr = match or screener()
    added = 0
    for party in parties_from_table(table):
        pid = int(party.party_id)
        for h in scr.screen(party):
            if whitelisted(s, pid, h.list_id, h.entry_id):
                continue
            exists = s.scalar(select(ScreeningHit).where(ScreeningHit.party_id == pid,
                                                         ScreeningHit.list_id == h.list_id,
                                                         ScreeningHit.entry_id == h.entry_id))
            if exists is not None:
                continue
            s.add(ScreeningHit(party_id=pid, party_name=party.name, list_id=h.list_id, entry_id=h.entry_id,
                               entry_name=h.entry_name, score=float(h.score), verdict=h.verdict))
            added += 1
    record(s, user, "screening.run", "screening", "parties", after={"parties": len(rows), "new_hits": added})
    return added


def hits(s: Session, pending_only: bool = False) -> list[dict[str, Any]]:
    """Hits to show: a no-match whose whitelisting has expired is pending again (the stored decision
    stays for the record)."""
    out = []
    for h in s.scalars(select(ScreeningHit).order_by(ScreeningHit.score.desc(), ScreeningHit.id)):
        row = {c: getattr(h, c) for c in ("id", "party_id", "party_name", "list_id", "entry_id", "entry_name",
                                          "score", "verdict", "decision", "reason", "decided_by", "decided_at")}
        listed = s.scalar(select(WhitelistEntry.expires_at).where(
            WhitelistEntry.party_id == h.party_id, WhitelistEntry.list_id == h.list_id,
            WhitelistEntry.entry_id == h.entry_id).order_by(WhitelistEntry.expires_at.desc()).limit(1))
        row["whitelisted_until"] = listed
        if h.decision == "no_match" and listed is not None and listed <= now():
            row["decision"], row["reason"] = None, f"whitelisting expired {listed:%Y-%m-%d} (was: {h.reason})"
        if pending_only and row["decision"] is not None:
            continue
        out.append(row)
    out.sort(key=lambda r: (r["decision"] is not None, -r["score"], r["id"]))
    return out


def decide(s: Session, hit_id: int, decision: str, reason: str, user: str,
           whitelist_until: dt.datetime | None = None) -> ScreeningHit:
    h = s.get(ScreeningHit, hit_id)
    if h is None:
        raise NotFound(f"no screening hit {hit_id}")
    if decision not in ("match", "no_match"):
        raise AppError("decide match or no_match")
    if not reason.strip():
        raise AppError("give a reason for the screening decision")
    if whitelist_until is not None:
        if decision != "no_match":
            raise AppError("only a no-match is whitelisted")
        if whitelist_until <= now():
            raise AppError("a whitelisting expires in the future")
    before = {"decision": h.decision, "reason": h.reason}
    h.decision, h.reason, h.decided_by, h.decided_at = decision, reason.strip(), user, now()
    if whitelist_until is not None:
        s.add(WhitelistEntry(party_id=h.party_id, list_id=h.list_id, entry_id=h.entry_id, reason=reason.strip(),
                             created_by=user, created_at=now(), expires_at=whitelist_until))
    record(s, user, "screening.decide", "screening_hit", hit_id, before=before,
           after={"decision": decision, "whitelist_until": whitelist_until}, reason=reason)
    return h
