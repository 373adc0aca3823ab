"""Authorization: every route of the app, for every role, checked on the server.

The table of routes comes from the app itself (:data:`counterflow.app.web.access.RULES`), so a new
route must declare its roles or :func:`test_every_route_declares_its_roles` fails; then each role
calls each route and gets 403 exactly when the route's rule leaves that role out.
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from counterflow.app.models import ROLES, Alert, ScreeningHit
from counterflow.app.web.access import RULES
from tests.app.conftest import login

# Routes whose work is heavy and covered elsewhere: checked for 403 against every role left out,
# and for the roles let in, with input the handler refuses at once (so nothing heavy runs).
PARAMS = {"alert_id": "1", "case_id": "1", "decision_id": "1", "attachment_id": "1", "hit_id": "1", "kind": "sar"}


def _routes(app):
    return [r for r in app.routes if isinstance(r, APIRoute)]


def test_every_route_declares_its_roles(app):
    for r in _routes(app):
        assert hasattr(r.endpoint, "__cf_roles__"), f"{r.path} has no role rule"
        for m in r.methods:
            assert (m, r.path) in RULES, f"{m} {r.path} is not in the route table"
    assert len(RULES) >= 40


@pytest.fixture()
def seeded(app, clients, hostile_party):
    """A case with a pending decision, an attachment and a screening hit, so every route has its object."""
    a = clients("analyst")
    assert a.post("/alerts/1/claim", data={"csrf": a.csrf}).status_code == 200
    assert a.post("/cases", data={"csrf": a.csrf, "alert_id": "1"}).status_code == 200
    assert a.post("/cases/1/attachments", data={"csrf": a.csrf},
                  files={"file": ("note.txt", b"hello", "text/plain")}).status_code == 200
    assert a.post("/cases/1/decision", data={"csrf": a.csrf, "outcome": "confirmed", "reason": "mirror swap",
                                             "file_report": "1"}).status_code == 200
    with app.state.ctx.db.write() as s:
        s.add(ScreeningHit(party_id=hostile_party, party_name="x", list_id="ofac-sdn", entry_id="1", entry_name="y",
                           score=0.9, verdict="match"))
    return app


def _url(path: str, party: int, account: int = 0) -> str:
    out = path.replace("{party_id}", str(party)) + (f"?accounts={account}" if path == "/api/graph" else "")
    for k, v in PARAMS.items():
        out = out.replace("{" + k + "}", v)
    return out


# Input each heavy or destructive route refuses before doing its work (for the roles let in).
REFUSED = {("POST", "/rules/backtest"): {"p:structuring:min_deposits": "many"},
           ("POST", "/screening/run"): None, ("POST", "/logout"): None}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_route(seeded, role, hostile_party):
    app = seeded
    c = login(app, role)
    with app.state.ctx.db.read() as s:
        account = s.get(Alert, 1).subject_account
    checked = 0
    for (method, path), roles in sorted(RULES.items(), key=lambda kv: kv[0][1] == "/logout"):
        if roles is None:
            continue
        url = _url(path, hostile_party, account)
        allowed = role in roles
        if (method, path) in REFUSED and allowed:
            if REFUSED[(method, path)] is None:
                continue  # allowed and would do real work (screen every party, sign out): tested on its own
        data = {"csrf": c.csrf, **(REFUSED.get((method, path)) or {})}
        r = c.request(method, url, data=data if method == "POST" else None, follow_redirects=False)
        if allowed:
            assert r.status_code != 403 or "four-eyes" in r.text, f"{role} refused {method} {path}"
            assert r.status_code < 500, f"{method} {path} as {role}: {r.status_code} {r.text[:300]}"
            if method == "GET" and "download" not in path and "attachments" not in path:
                assert r.status_code in (200, 303), f"{method} {path} as {role}: {r.status_code}"
        else:
            assert r.status_code == 403, f"{role} was let into {method} {path} ({r.status_code})"
        checked += 1
    assert checked >= 35


def test_signed_out_requests_go_to_login(app):
    from fastapi.testclient import TestClient

    c = TestClient(app)
    for (method, path), roles in RULES.items():
        if roles is None:
            continue
        r = c.request(method, _url(path, 1), follow_redirects=False)
        assert r.status_code in (303, 401), f"{method} {path} answered {r.status_code} without a session"
    assert c.get("/healthz").status_code == 200


def test_rules_of_the_workflow(seeded, clients):
    """A viewer cannot decide, the preparer cannot approve his own decision, an auditor changes nothing."""
    v, a, aud, ap = clients("viewer"), clients("analyst"), clients("auditor"), clients("approver")
    r = v.post("/cases/1/decision", data={"csrf": v.csrf, "outcome": "false_positive", "reason": "x"})
    assert r.status_code == 403
    assert aud.post("/cases/1/comments", data={"csrf": aud.csrf, "body": "x"}).status_code == 403
    assert aud.post("/decisions/1/review", data={"csrf": aud.csrf, "verdict": "approve"}).status_code == 403
    assert aud.get("/audit").status_code == 200 and v.get("/audit").status_code == 403
    # An analyst who prepared it cannot approve (no approver role); promote him and he still cannot.
    assert a.post("/decisions/1/review", data={"csrf": a.csrf, "verdict": "approve"}).status_code == 403
    from counterflow.app.models import User

    with seeded.state.ctx.db.write() as s:
        s.get(User, "analyst").role = "approver"
    r = a.post("/decisions/1/review", data={"csrf": a.csrf, "verdict": "approve", "reason": ""})
    assert r.status_code == 403 and "four-eyes" in r.text
    r = ap.post("/decisions/1/review", data={"csrf": ap.csrf, "verdict": "approve", "reason": "agree"},
                follow_redirects=False)
    assert r.status_code == 303
    assert "closed" in ap.get("/cases/1").text


def test_csrf_required_on_every_change(seeded, clients):
    a = clients("analyst")
    for (method, path), roles in RULES.items():
        if method != "POST" or roles is None:
            continue
        r = a.post(_url(path, 1), data={"csrf": "wrong"}, follow_redirects=False)
        assert r.status_code == 403, f"{path} took a wrong CSRF token"
    r = a.post("/cases/1/comments", data={"body": "no token"})
    assert r.status_code == 403
    r = a.post("/cases/1/comments", data={"body": "by header"}, headers={"X-CSRF-Token": a.csrf})
    assert r.status_code == 200 and "by header" in r.text
