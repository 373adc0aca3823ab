"""Fixtures of the web app's tests: the tiny dataset's alerts (detected once), an app over a fresh
case database per test, and signed-in clients for each role."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web app's tests need the app extra")  # noqa: E402 - CI installs it

from fastapi.testclient import TestClient  # noqa: E402

from counterflow.app.config import AppConfig  # noqa: E402
from counterflow.app.models import ROLES  # noqa: E402
from counterflow.app.security import add_user  # noqa: E402
from counterflow.app.server import create_app  # noqa: E402
from counterflow.app.store import Store  # noqa: E402

PASSWORD = "correct horse battery"
HOSTILE = '<script>alert("x")</script><b onmouseover=alert(1)>Evil & Co</b>'


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> None:
    """argon2 at its lowest cost in tests: each sign-in would otherwise take tens of milliseconds of
    hashing on purpose. The hash records its parameters, so verification follows them."""
    from argon2 import PasswordHasher

    from counterflow.app import security

    security._HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    security._DUMMY = security._HASHER.hash("counterflow-no-such-user")


@pytest.fixture(scope="session")
def app_alerts(tiny_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Alerts of the tiny dataset, by the typology detectors and the built-in model."""
    from counterflow.detect.alerts import write_alerts
    from counterflow.detect.api import detect, open_data
    from counterflow.detect.model import load_builtin

    out = tmp_path_factory.mktemp("app-alerts") / "alerts.parquet"
    with open_data(tiny_path) as ds:
        alerts, evidence = detect(ds, scorer=load_builtin())
    write_alerts(alerts, evidence, out)
    return out


@pytest.fixture(scope="session")
def app_store(tiny_path: Path, app_alerts: Path) -> Store:
    """One dataset store for the session, with the holder of the top alert's account renamed to
    hostile markup: names from data are untrusted input, and every page must show them as text."""
    import pyarrow.parquet as pq

    import counterflow

    store = Store(counterflow.open_dataset(tiny_path))
    top = pq.read_table(app_alerts).column("subject_account")[0].as_py()
    store.ds.con.execute("UPDATE cf_parties SET name = ?, "
                         "family_name = CASE WHEN family_name IS NULL THEN NULL ELSE ? END "
                         "WHERE party_id = (SELECT party_id FROM cf_accounts "
                         "WHERE account_id = ?)", [HOSTILE, HOSTILE, top])
    return store


@pytest.fixture(scope="session")
def hostile_party(app_store: Store) -> int:
    return app_store.one("SELECT party_id FROM cf_parties WHERE name = ?", [HOSTILE])["party_id"]


@pytest.fixture(scope="session")
def template_db(tiny_path: Path, app_alerts: Path, app_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated case database with the alerts loaded and one user per role (plus a second analyst
    and approver), made once; each test gets a copy."""
    path = tmp_path_factory.mktemp("app-db") / "cases.sqlite"
    app = create_app(AppConfig(data=tiny_path, alerts=app_alerts, db_url=f"sqlite:///{path}"), store=app_store)
    with app.state.ctx.db.write() as s:
        for role in ROLES:
            add_user(s, role, role, PASSWORD)
        add_user(s, "analyst2", "analyst", PASSWORD)
        add_user(s, "approver2", "approver", PASSWORD)
    app.state.ctx.db.engine.dispose()  # checkpoints the WAL into the file
    return path


@pytest.fixture()
def make_app(tiny_path: Path, app_alerts: Path, app_store: Store, template_db: Path, tmp_path: Path) -> Callable:
    def make(**cfg):
        import shutil

        from counterflow.detect.alerts import read_evidence

        app_store.set_evidence(read_evidence(app_alerts))
        db = tmp_path / "cases.sqlite"
        if not db.exists():
            shutil.copy(template_db, db)
        config = AppConfig(data=tiny_path, alerts=app_alerts, db_url=f"sqlite:///{db}", **cfg)
        return create_app(config, store=app_store)
    return make


@pytest.fixture()
def app(make_app: Callable):
    return make_app()


def login(app, name: str, password: str = PASSWORD) -> TestClient:
    c = TestClient(app)
    r = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    r = c.post("/login", data={"name": name, "password": password, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    c.csrf = csrf_of(c.get("/queue").text)  # type: ignore[attr-defined]
    return c


def csrf_of(html: str) -> str:
    return re.search(r'data-csrf="([^"]*)"', html).group(1)


@pytest.fixture()
def clients(app) -> Callable[[str], TestClient]:
    cache: dict[str, TestClient] = {}

    def get(name: str) -> TestClient:
        if name not in cache:
            cache[name] = login(app, name)
        return cache[name]
    return get


@pytest.fixture()
def live(app):
    """The app served by uvicorn on a free loopback port, for the length of a test."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the app did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)
    sock.close()
