"""Concurrent analysts over HTTP on loopback: no claim is lost or duplicated (the timed figures are
in bench/app_bench.py)."""

from __future__ import annotations

import datetime as dt

from counterflow.app.loadtest import next_for_all, race, sign_in
from counterflow.app.models import Alert, AuditEntry, User
from tests.app.conftest import PASSWORD


def test_twenty_analysts_race_for_alerts(app, live):
    from counterflow.app.security import _HASHER

    with app.state.ctx.db.write() as s:
        for i in range(20):
            s.add(User(name=f"load{i}", role="analyst", pw_hash=_HASHER.hash(PASSWORD), active=True,
                       created_at=dt.datetime.now()))
    clients = [sign_in(live, f"load{i}", PASSWORD) for i in range(20)]
    try:
        codes = race(clients, "/alerts/3/claim")
        assert sorted(codes) == [303] + [409] * 19
        got = next_for_all(clients)
    finally:
        for c in clients:
            c.close()
    with app.state.ctx.db.read() as s:
        winner = s.get(Alert, 3).assignee
        claims = s.query(AuditEntry).filter_by(action="alert.claim").all()
        held = {a.id: a.assignee for a in s.query(Alert).filter(Alert.status == "in_review")}
        n_alerts = s.query(Alert).count()
    assert winner == f"load{codes.index(303)}"
    taken = [int(g.rsplit("/", 1)[1]) for g in got if g]
    assert len(taken) == len(set(taken)) == min(20, n_alerts - 1)  # one alert each, never one twice
    assert sorted(held) == sorted({3, *taken})  # every claim held, none lost
    assert len(claims) == 1 + len(taken)  # and logged once
