"""The queue: ranking, filters, claims (also under concurrent claims), next, assignment, snooze, SLA."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from counterflow.app import queue as q
from counterflow.app.errors import AppError, Conflict
from counterflow.app.models import Alert


def _alerts(app):
    with app.state.ctx.db.read() as s:
        return list(s.query(Alert).order_by(Alert.id))


def test_alerts_loaded_once_per_file(app, app_alerts):
    import pyarrow.parquet as pq

    from counterflow.app.alerts_load import load_alerts

    n = pq.read_table(app_alerts).num_rows
    assert n > 5
    assert len(_alerts(app)) == n
    ctx = app.state.ctx
    assert load_alerts(ctx.db, ctx.store, app_alerts) == (ctx.source_id, 0)  # same file: nothing added
    assert len(_alerts(app)) == n


def test_queue_ranked_by_score_then_age(app):
    ctx = app.state.ctx
    with ctx.db.read() as s:
        rows, total = q.list_queue(s, ctx.source_id, q.Filters(status="open"), "analyst")
    keys = [(-a.score, a.alert_ts, a.id) for a in rows]
    assert keys == sorted(keys) and total == len(_alerts(app))


def test_filters(app):
    ctx = app.state.ctx
    every = _alerts(app)
    some = next(a for a in every if a.typologies.strip(","))
    code = some.typologies.strip(",").split(",")[0]
    with ctx.db.read() as s:
        by_code, n = q.list_queue(s, ctx.source_id, q.Filters(status="open", typology=code), "x")
        big, _ = q.list_queue(s, ctx.source_id, q.Filters(status="open", min_usd=50_000), "x")
    assert n == sum(1 for a in every if f",{code}," in a.typologies) and n >= 1
    assert {a.id for a in big} == {a.id for a in every if a.amount_usd >= 50_000}
    det = some.detectors.strip(",").split(",")[0]
    state = next(a.state for a in every if a.state)
    with ctx.db.write() as s:
        q.claim(s, some.id, "analyst")
    with ctx.db.read() as s:
        by_det, n_det = q.list_queue(s, ctx.source_id, q.Filters(status="all", detector=det), "x")
        by_state, n_state = q.list_queue(s, ctx.source_id, q.Filters(status="all", state=state), "x")
        mine, _ = q.list_queue(s, ctx.source_id, q.Filters(status="all", assignee="me"), "analyst")
        _, n_nobody = q.list_queue(s, ctx.source_id, q.Filters(status="all", assignee="none"), "analyst")
        in_review, _ = q.list_queue(s, ctx.source_id, q.Filters(status="in_review"), "x")
    want_det = {a.id for a in every if f",{det}," in a.detectors}
    want_state = {a.id for a in every if a.state == state}
    assert n_det == len(want_det) and {a.id for a in by_det} <= want_det  # a page of at most 50
    assert n_state == len(want_state) and {a.id for a in by_state} <= want_state
    assert [a.id for a in mine] == [a.id for a in in_review] == [some.id]
    assert n_nobody == len(every) - 1
    with pytest.raises(AppError, match="min_usd"):
        q.Filters.parse({"min_usd": "lots"})
    with pytest.raises(AppError, match="status"):
        q.Filters.parse({"status": "gone"})


def test_claim_is_exclusive(app):
    db = app.state.ctx.db
    with db.write() as s:
        q.claim(s, 1, "analyst")
    with pytest.raises(Conflict, match="claimed by analyst"), db.write() as s:
        q.claim(s, 1, "analyst2")
    with db.write() as s:  # claiming one's own alert again is a no-op
        assert q.claim(s, 1, "analyst").assignee == "analyst"


def test_concurrent_claims_of_one_alert_have_one_winner(app):
    from counterflow.app.models import User

    db = app.state.ctx.db
    with db.write() as s:  # accounts without hashing 20 passwords: these users never sign in
        for i in range(20):
            s.add(User(name=f"claimer{i}", role="analyst", pw_hash="x", active=True, created_at=dt.datetime.now()))
    won, lost = [], []
    barrier = threading.Barrier(20)

    def claim(i: int) -> None:
        barrier.wait()
        try:
            with db.write() as s:
                q.claim(s, 2, f"claimer{i}")
            won.append(i)
        except Conflict:
            lost.append(i)
    threads = [threading.Thread(target=claim, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 19
    with db.read() as s:
        claims = [e for e in s.query(q.Alert).filter_by(id=2)]
        from counterflow.app.models import AuditEntry
        logged = s.query(AuditEntry).filter_by(action="alert.claim", object_id="2").all()
    assert claims[0].assignee == f"claimer{won[0]}" and len(logged) == 1


def test_next_claims_the_top_unassigned(app):
    ctx = app.state.ctx
    with ctx.db.write() as s:
        first = q.next_alert(s, ctx.source_id, "analyst")
        second = q.next_alert(s, ctx.source_id, "analyst2")
    ranked = sorted(_alerts(app), key=lambda a: (-a.score, a.alert_ts, a.id))
    assert (first.id, second.id) == (ranked[0].id, ranked[1].id)


def test_bulk_assign_and_snooze(app):
    ctx = app.state.ctx
    with ctx.db.write() as s:
        assert q.bulk_assign(s, [3, 4], "analyst2", "approver") == 2
    with pytest.raises(AppError, match="not an active analyst"), ctx.db.write() as s:
        q.bulk_assign(s, [5], "viewer", "approver")
    until = dt.datetime.now() + dt.timedelta(days=3)
    with ctx.db.write() as s:
        q.snooze(s, 5, until, "waiting for KYC refresh", "analyst")
    with ctx.db.read() as s:
        open_ids = {a.id for a in q.list_queue(s, ctx.source_id, q.Filters(status="open"), "x")[0]}
        snoozed = {a.id for a in q.list_queue(s, ctx.source_id, q.Filters(status="snoozed"), "x")[0]}
    assert 5 not in open_ids and snoozed == {5}
    with pytest.raises(AppError, match="future"), ctx.db.write() as s:
        q.snooze(s, 6, dt.datetime(2000, 1, 1), "x", "analyst")


def test_sla():
    a = Alert(status="new", loaded_at=dt.datetime(2024, 1, 1))
    s = q.sla(a, 72, at=dt.datetime(2024, 1, 2))
    assert s["left_h"] == pytest.approx(48) and not s["overdue"]
    assert q.sla(a, 12, at=dt.datetime(2024, 1, 2))["overdue"]


def test_queue_page_and_next_key(clients):
    c = clients("analyst")
    r = c.get("/queue?status=open")
    assert r.status_code == 200 and 'id="next"' in r.text and "SLA" in r.text
    r = c.post("/queue/next", data={"csrf": c.csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/alerts/")
    page = c.get(r.headers["location"]).text
    assert "claimed by <b>analyst</b>" in page
    partial = c.get("/queue?status=in_review", headers={"HX-Request": "true"}).text
    assert "<html" not in partial and "in review" in partial
