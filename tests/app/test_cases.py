"""Cases: creation, merge, split, links by what cases share, comments, attachments, dispositions
with four-eyes, and the labels export that `counterflow train --labels` reads."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from counterflow.app import cases as cs
from counterflow.app import queue as q
from counterflow.app.errors import AppError, Conflict, Forbidden
from counterflow.app.models import Alert, Case


def _case(app, ids, user="analyst"):
    with app.state.ctx.db.write() as s:
        return cs.create_case(s, ids, user).id


def test_create_merge_split(app):
    db = app.state.ctx.db
    c1, c2 = _case(app, [1, 2]), _case(app, [3])
    with pytest.raises(Conflict, match="already in case"), db.write() as s:
        cs.create_case(s, [1], "analyst")
    with db.write() as s:
        cs.merge_cases(s, c2, c1, "analyst", "same network")
    with db.read() as s:
        assert sorted(a.id for a in cs.case_alerts(s, c1)) == [1, 2, 3]
        assert s.get(Case, c2).status == "merged" and s.get(Case, c2).merged_into == c1
    with db.write() as s:
        c3 = cs.split_case(s, c1, [3], "analyst").id
    with db.read() as s:
        assert [a.id for a in cs.case_alerts(s, c3)] == [3]
        assert sorted(a.id for a in cs.case_alerts(s, c1)) == [1, 2]
    with pytest.raises(AppError, match="at least one alert"), db.write() as s:
        cs.split_case(s, c1, [1, 2], "analyst")


def test_related_cases_share_an_account(app):
    """Two cases whose alerts share an account are related by it (known answer from the alerts)."""
    ctx = app.state.ctx
    with ctx.db.read() as s:
        alerts = list(s.query(Alert).order_by(Alert.id))
    pair = None
    for a in alerts:
        mine = set(json.loads(a.accounts)) | set(json.loads(a.counterparties))
        for b in alerts:
            if b.id != a.id and mine & set(json.loads(b.accounts)):
                pair = (a, b, sorted(mine & set(json.loads(b.accounts)))[0])
                break
        if pair:
            break
    assert pair is not None, "the tiny world's alerts share no account"
    a, b, shared = pair
    ca, cb = _case(app, [a.id]), _case(app, [b.id])
    with ctx.db.read() as s:
        rel = cs.related_cases(s, ctx.store, ca)
    assert {"case_id": cb, "kind": "account", "value": str(shared)} in [
        {k: r[k] for k in ("case_id", "kind", "value")} for r in rel]
    with ctx.db.write() as s:
        cs.link_cases(s, ca, cb, "account", str(shared), "analyst")
        cs.link_cases(s, ca, cb, "account", str(shared), "analyst")  # once only
    with ctx.db.read() as s:
        assert len(cs.links_of(s, cb)) == 1


def test_four_eyes(app):
    db = app.state.ctx.db
    c = _case(app, [1])
    with pytest.raises(AppError, match="reason"), db.write() as s:
        cs.propose(s, c, "confirmed", " ", "analyst")
    with db.write() as s:
        d = cs.propose(s, c, "confirmed", "mirror swap legs", "analyst", file_report=True).id
    with db.read() as s:
        assert s.get(Case, c).status == "pending_approval" and s.get(Alert, 1).status == "in_case"
    with pytest.raises(Forbidden, match="four-eyes"), db.write() as s:
        cs.review(s, d, True, "", "analyst")
    with db.write() as s:
        cs.review(s, d, False, "narrative too thin", "approver")
    with db.read() as s:
        assert s.get(Case, c).status == "open"
    with db.write() as s:
        d2 = cs.propose(s, c, "confirmed", "more detail", "analyst2").id
    # Anyone who prepared a decision on the case is out as approver, not only the latest preparer.
    with pytest.raises(Forbidden), db.write() as s:
        cs.review(s, d2, True, "", "analyst")
    with db.write() as s:
        cs.review(s, d2, True, "agree", "approver2")
    with db.read() as s:
        assert s.get(Case, c).status == "closed" and s.get(Alert, 1).outcome == "confirmed"


def test_false_positive_needs_one_person(app):
    db = app.state.ctx.db
    c = _case(app, [2])
    with db.write() as s:
        d = cs.propose(s, c, "false_positive", "payroll", "analyst")
    assert d.status == "final"
    with db.read() as s:
        assert s.get(Alert, 2).status == "closed" and s.get(Alert, 2).outcome == "false_positive"
    with pytest.raises(AppError, match="only for a case confirmed"), db.write() as s:
        cs.propose(s, _case(app, [3]), "inconclusive", "x", "analyst", file_report=True)


def test_alert_closed_on_its_own(app):
    db = app.state.ctx.db
    with pytest.raises(Conflict, match="claim"), db.write() as s:
        q.close_alert(s, 4, "false_positive", "known payroll", "analyst")
    with db.write() as s:
        q.claim(s, 4, "analyst")
    with pytest.raises(AppError, match="goes into a case"), db.write() as s:
        q.close_alert(s, 4, "confirmed", "x", "analyst")
    with db.write() as s:
        q.close_alert(s, 4, "false_positive", "known payroll", "analyst")


def test_labels_export(app, clients):
    db = app.state.ctx.db
    c1, c2 = _case(app, [1]), _case(app, [2])
    with db.write() as s:
        d = cs.propose(s, c1, "confirmed", "swap", "analyst").id
        cs.review(s, d, True, "ok", "approver")
        cs.propose(s, c2, "false_positive", "payroll", "analyst")
        a1, a2 = s.get(Alert, 1), s.get(Alert, 2)
        bad, good = set(json.loads(a1.txn_ids)), set(json.loads(a2.txn_ids)) - set(json.loads(a1.txn_ids))
    r = clients("approver").get("/labels/export")
    assert r.status_code == 200
    t = pq.read_table(io.BytesIO(r.content)).to_pylist()
    assert {x["txn_id"] for x in t if x["is_illicit"]} == bad
    assert {x["txn_id"] for x in t if not x["is_illicit"]} == good
    assert clients("analyst").get("/labels/export").status_code == 403


def test_train_takes_the_labels(tiny):
    """labels_for: an override replaces the dataset's ground truth where it names a transaction."""
    import pyarrow as pa

    from counterflow.detect.api import labels_for

    ids = tiny.fetchall("SELECT txn_id FROM transaction_labels ORDER BY txn_id LIMIT 4")
    ids = [r[0] for r in ids]
    truth = labels_for(tiny, pa.array(ids, pa.int64()))
    flip = pa.table({"txn_id": pa.array(ids[:2], pa.int64()), "is_illicit": pa.array([not truth[0], not truth[1]])})
    got = labels_for(tiny, pa.array(ids, pa.int64()), override=flip)
    assert list(got) == [not truth[0], not truth[1], truth[2], truth[3]]


def test_case_page_workflow(clients):
    a, ap = clients("analyst"), clients("approver")
    a.post("/alerts/1/claim", data={"csrf": a.csrf})
    r = a.post("/cases", data={"csrf": a.csrf, "alert_id": "1", "title": "Broker ring"})
    assert r.status_code == 200 and "Broker ring" in r.text
    r = a.post("/cases/1/comments", data={"csrf": a.csrf, "body": "Calls with the broker"})
    assert "Calls with the broker" in r.text
    r = a.post("/cases/1/attachments", data={"csrf": a.csrf},
               files={"file": ("kyc.pdf", b"%PDF-1.4", "application/pdf")})
    assert "kyc.pdf" in r.text
    r = a.post("/cases/1/decision", data={"csrf": a.csrf, "outcome": "confirmed", "reason": "swap", "file_report": "1"})
    assert "pending approval" in r.text and 'id="approve"' not in r.text  # the preparer sees no approve button
    assert 'id="approve"' in ap.get("/cases/1").text
    r = ap.post("/decisions/1/review", data={"csrf": ap.csrf, "verdict": "approve", "reason": "agree"})
    assert r.status_code == 200 and "<b id=\"case-status\">closed</b>" in r.text


def test_related_cases_share_an_identifier(app, app_store):
    """Two subjects given the same phone number: their cases are related by it."""
    ctx = app.state.ctx
    with ctx.db.read() as s:
        alerts = [a for a in s.query(Alert).order_by(Alert.id) if a.subject_party is not None]
    a = alerts[0]
    b = next(x for x in alerts if x.subject_party != a.subject_party
             and not set(json.loads(x.accounts)) & (set(json.loads(a.accounts)) | set(json.loads(a.counterparties))))
    con = app_store.ds.con
    old = {p: con.execute("SELECT phone FROM cf_parties WHERE party_id = ?", [p]).fetchone()[0]
           for p in (a.subject_party, b.subject_party)}
    try:
        con.execute("UPDATE cf_parties SET phone = '+1 555 0100' WHERE party_id IN (?, ?)",
                    [a.subject_party, b.subject_party])
        app_store._cache.clear()
        ca, cb = _case(app, [a.id]), _case(app, [b.id])
        with ctx.db.read() as s:
            rel = cs.related_cases(s, ctx.store, ca)
    finally:
        for p, v in old.items():
            con.execute("UPDATE cf_parties SET phone = ? WHERE party_id = ?", [v, p])
        app_store._cache.clear()
    assert {"case_id": cb, "kind": "identifier", "value": "phone: +1 555 0100"} in [
        {k: r[k] for k in ("case_id", "kind", "value")} for r in rel]


def test_attachment_size_limits(make_app):
    from tests.app.conftest import login

    app = make_app(max_attachment_bytes=3 * 1024 * 1024)
    a = login(app, "analyst")
    a.post("/alerts/1/claim", data={"csrf": a.csrf})
    a.post("/cases", data={"csrf": a.csrf, "alert_id": "1"})
    two_mb = b"x" * (2 * 1024 * 1024)  # above Starlette's default part size, within the app's limit
    r = a.post("/cases/1/attachments", data={"csrf": a.csrf}, files={"file": ("scan.bin", two_mb, "application/x")})
    assert r.status_code == 200 and "scan.bin" in r.text
    r = a.post("/cases/1/attachments", data={"csrf": a.csrf},
               files={"file": ("big.bin", two_mb * 2, "application/x")})
    assert r.status_code == 400 and "at most" in r.text
