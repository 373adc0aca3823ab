"""Sign-in, sessions, cookies, throttling, escaping of hostile names, and the page headers."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from counterflow.app.models import LoginAttempt
from tests.app.conftest import HOSTILE, PASSWORD, login


def _form_token(c: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)


def test_login_sets_httponly_samesite_session(app):
    c = TestClient(app)
    r = c.post("/login", data={"name": "analyst", "password": PASSWORD, "csrf": _form_token(c)},
               follow_redirects=False)
    assert r.status_code == 303
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("cf_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    with app.state.ctx.db.read() as s:
        from counterflow.app.models import WebSession

        stored = s.query(WebSession).one()
    token = re.match(r"cf_session=([^;]+)", cookie).group(1)
    assert stored.token_hash != token and len(stored.token_hash) == 64  # only the hash is kept


def test_wrong_password_and_login_csrf(app):
    c = TestClient(app)
    r = c.post("/login", data={"name": "analyst", "password": "nope", "csrf": _form_token(c)})
    assert r.status_code == 401 and "Wrong name or password" in r.text
    r = c.post("/login", data={"name": "nobody", "password": "nope", "csrf": _form_token(c)})
    assert r.status_code == 401
    c2 = TestClient(app)
    c2.get("/login")
    r = c2.post("/login", data={"name": "analyst", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403


def test_throttling_after_repeated_failures(make_app):
    app = make_app(login_max_failures=3)
    c = TestClient(app)
    for _ in range(3):
        assert c.post("/login", data={"name": "analyst", "password": "x", "csrf": _form_token(c)}).status_code == 401
    # Now even the right password is refused until the window passes.
    r = c.post("/login", data={"name": "analyst", "password": PASSWORD, "csrf": _form_token(c)})
    assert r.status_code == 429
    with app.state.ctx.db.read() as s:
        assert s.query(LoginAttempt).filter_by(ok=False).count() == 3


def test_logout_ends_the_session(app):
    c = login(app, "analyst")
    assert c.post("/logout", data={"csrf": c.csrf}, follow_redirects=False).status_code == 303
    assert c.get("/queue", follow_redirects=False).status_code == 303


def test_expired_session_is_refused(app):
    import datetime as dt

    from counterflow.app.models import WebSession

    c = login(app, "analyst")
    with app.state.ctx.db.write() as s:
        for ws in s.query(WebSession):
            ws.expires_at = dt.datetime(2000, 1, 1)
    assert c.get("/queue", follow_redirects=False).status_code == 303


def test_headers(app):
    c = login(app, "viewer")
    r = c.get("/queue")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"


def test_hostile_names_are_escaped_everywhere(app, clients, hostile_party):
    a = clients("analyst")
    a.post("/alerts/1/claim", data={"csrf": a.csrf})
    a.post("/cases", data={"csrf": a.csrf, "alert_id": "1", "title": "<img src=x onerror=alert(2)>"})
    a.post("/cases/1/comments", data={"csrf": a.csrf, "body": "<script>evil()</script>"})
    pages = ["/queue?status=all", "/alerts/1", "/cases/1", "/cases", f"/entities/{hostile_party}", "/cases/1/timeline",
             "/cases/1/report/sar", "/cases/1/report/goaml", "/cases/1/casefile"]
    for url in pages:
        html = a.get(url).text
        assert "<script>alert" not in html and "<b onmouseover" not in html and "<script>evil" not in html, url
        assert "<img src=x" not in html, url
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in a.get(f"/entities/{hostile_party}").text
    queue = a.get("/queue?status=all").text
    assert HOSTILE not in queue and "&lt;script&gt;alert" in queue
    # JSON for the graph carries the name as data, for the script to set as text.
    with app.state.ctx.db.read() as s:
        from counterflow.app.models import Alert

        acc = s.get(Alert, 1).subject_account
    nodes = a.get(f"/api/graph?accounts={acc}").json()["nodes"]
    assert any(n["label"] == HOSTILE for n in nodes)


def test_attachment_is_a_download(app, clients):
    a = clients("analyst")
    a.post("/alerts/1/claim", data={"csrf": a.csrf})
    a.post("/cases", data={"csrf": a.csrf, "alert_id": "1"})
    a.post("/cases/1/attachments", data={"csrf": a.csrf},
           files={"file": ("../../evil.html", b"<script>x()</script>", "text/html")})
    r = a.get("/attachments/1")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == 'attachment; filename="evil.html"'
    assert r.content == b"<script>x()</script>"
