"""Investigation views: the graph hop by hop, mirror-swap paths, flows, the timeline, entity 360,
screening review with an expiring whitelist, rules and backtesting."""

from __future__ import annotations

import datetime as dt

import pytest

from counterflow.app import graph as gr
from counterflow.app import screening as sc
from counterflow.app.errors import AppError
from counterflow.app.rules import backtest, changed_detectors, detector_rules


def test_expand_hop_by_hop_known_answer(app_store):
    st = app_store
    root = st.one("SELECT src_account AS a FROM cf_txn WHERE src_account IS NOT NULL AND dst_account IS NOT NULL "
                  "AND src_account <> dst_account GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")["a"]
    direct = {r["o"] for r in st.rows("SELECT CASE WHEN src_account = ? THEN dst_account ELSE src_account END AS o "
                                      "FROM cf_txn WHERE (src_account = ? OR dst_account = ?) "
                                      "AND src_account IS NOT NULL "
                                      "AND dst_account IS NOT NULL AND src_account <> dst_account", [root] * 3)}
    g0 = gr.expand(st, [root], 0)
    g1 = gr.expand(st, [root], 1)
    g2 = gr.expand(st, [root], 2)
    assert [n["account"] for n in g0["nodes"]] == [root] and g0["edges"] == []
    assert {n["account"] for n in g1["nodes"]} == direct | {root}
    assert {n["account"] for n in g2["nodes"]} >= {n["account"] for n in g1["nodes"]}
    assert all(n["hop"] <= 2 for n in g2["nodes"])
    big = gr.expand(st, [root], 1, min_usd=1e12)
    assert big["edges"] == []
    later = gr.expand(st, [root], 1, lo=dt.datetime(2100, 1, 1))
    assert later["edges"] == []


def test_mirror_paths_pair_the_legs(app_store, app_alerts):
    """Hand-built mirror-swap evidence (the tiny world has none): dollars in to one account, pesos
    out of a linked one, one pair; a leg of another detector is left out."""
    import pyarrow as pa

    from counterflow.detect.alerts import read_evidence
    from counterflow.detect.detectors.base import EVIDENCE_SCHEMA

    t = app_store.rows("SELECT txn_id, ts, src_account, dst_account FROM cf_txn WHERE src_account IS NOT NULL "
                       "AND dst_account IS NOT NULL ORDER BY txn_id LIMIT 3")
    def leg(row, role, amount, cur, pair, det="mirror_swap"):
        return {"detector": det, "typologies": "C1", "subject_account": t[0]["dst_account"], "txn_id": row["txn_id"],
                "ts": row["ts"], "role": role, "amount": amount, "currency": cur, "amount_usd": 1000.0,
                "counterparty": None, "link": "shared phone", "pair_id": pair, "related_account": t[1]["src_account"]}
    rows = [leg(t[0], "money in", 1000.0, "USD", 7), leg(t[1], "money out (linked account)", 17_000.0, "MXN", 7),
            leg(t[2], "deposit", 5.0, "USD", 8, det="structuring")]
    full = [{f: r.get(f) for f in EVIDENCE_SCHEMA.names} for r in rows]
    app_store.set_evidence(pa.Table.from_pylist(full, schema=EVIDENCE_SCHEMA))
    try:
        (p,) = gr.mirror_paths(app_store, [t[0]["dst_account"]])
    finally:
        app_store.set_evidence(read_evidence(app_alerts))
    assert p["pair_id"] == 7 and p["link"] == "shared phone"
    assert [(x["currency"], x["amount"]) for x in p["legs"]] == [("USD", 1000.0), ("MXN", 17_000.0)]
    assert p["legs"][1]["src_account"] == t[1]["src_account"]


def test_flows_add_up(app_store):
    ids = [r["txn_id"] for r in app_store.rows("SELECT txn_id FROM cf_txn ORDER BY txn_id LIMIT 200")]
    f = gr.flows(app_store, ids)
    assert sum(r["n"] for r in f["money"]) == 200
    usd = app_store.one("SELECT sum(amount_usd) AS u FROM cf_txn WHERE txn_id IN (SELECT unnest(?))", [ids])["u"]
    assert sum(r["usd"] for r in f["money"]) == pytest.approx(usd)


def test_pages(clients, hostile_party):
    a = clients("analyst")
    a.post("/alerts/1/claim", data={"csrf": a.csrf})
    a.post("/cases", data={"csrf": a.csrf, "alert_id": "1"})
    assert 'id="cy"' in a.get("/graph?case=1").text
    assert 'id="map"' in a.get("/map?case=1").text
    flows = a.get("/api/flows?case=1").json()
    assert flows["money"] and all(r["usd"] is not None for r in flows["money"])
    tl = a.get("/cases/1/timeline").text
    assert "transaction" in tl and "alert" in tl and "audit" in tl
    e = a.get(f"/entities/{hostile_party}").text
    assert "Accounts" in e and "Counterparties" in e and "Trade documents" in e
    feats = a.get("/alerts/1/features").text
    assert 'id="feature-table"' in feats


def test_graph_picture_saved_to_case(clients):
    import base64

    a = clients("analyst")
    a.post("/alerts/1/claim", data={"csrf": a.csrf})
    a.post("/cases", data={"csrf": a.csrf, "alert_id": "1"})
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
    r = a.post("/cases/1/graph-picture", data={"csrf": a.csrf, "png": "data:image/png;base64," +
                                                base64.b64encode(png).decode()})
    assert r.status_code == 200 and r.json()["bytes"] == len(png)
    r = a.post("/cases/1/graph-picture", data={"csrf": a.csrf, "png": "data:image/png;base64,PHN2Zz4="})
    assert r.status_code == 400


class _Hit:
    def __init__(self, entry_id: str) -> None:
        self.list_id, self.entry_id, self.entry_name = "ofac-sdn", entry_id, "LISTED ONE"
        self.score, self.verdict = 0.93, "match"


class _Matcher:
    """Stands in for the screener: every party hits one entry."""

    def screen(self, party):  # noqa: ANN001, ANN201
        return [_Hit("42")]


def test_screening_review_and_expiring_whitelist(app, hostile_party):
    db, st = app.state.ctx.db, app.state.ctx.store
    with db.write() as s:
        assert sc.run_screening(s, st, [hostile_party], "analyst", match=_Matcher()) == 1
        assert sc.run_screening(s, st, [hostile_party], "analyst", match=_Matcher()) == 0  # stored once
    with db.read() as s:
        (hit,) = sc.hits(s)
    with pytest.raises(AppError, match="only a no-match"), db.write() as s:
        sc.decide(s, hit["id"], "match", "same dob", "analyst", whitelist_until=dt.datetime(2999, 1, 1))
    until = dt.datetime.now() + dt.timedelta(days=30)
    with db.write() as s:
        sc.decide(s, hit["id"], "no_match", "different birth date", "analyst", whitelist_until=until)
    with db.read() as s:
        assert sc.hits(s, pending_only=True) == []
        assert sc.whitelisted(s, hostile_party, "ofac-sdn", "42")
        # After the whitelisting expires the hit is back for review.
        assert not sc.whitelisted(s, hostile_party, "ofac-sdn", "42", at=until + dt.timedelta(seconds=1))
    from counterflow.app.models import WhitelistEntry

    with db.write() as s:
        s.query(WhitelistEntry).update({"expires_at": dt.datetime(2000, 1, 1)})
    with db.read() as s:
        (back,) = sc.hits(s, pending_only=True)
    assert back["decision"] is None and "expired" in back["reason"]


def test_rules_and_backtest(app_store):
    rules = {r["name"]: r for r in detector_rules()}
    assert rules["structuring"]["params"]["min_deposits"] == 3 and rules["mirror_swap"]["params"]["max_fee"] == 0.05
    with pytest.raises(AppError, match="not a int"):
        changed_detectors({"structuring": {"min_deposits": "many"}})
    with pytest.raises(AppError, match="no parameter"):
        changed_detectors({"structuring": {"nope": "1"}})
    # A structuring rule that needs 1,000 deposits finds nothing: fewer alerts, recall no higher.
    out = backtest(app_store, {"structuring": {"min_deposits": "1000"}})
    assert out["changes"] == [{"detector": "structuring", "param": "min_deposits", "current": 3, "proposed": 1000}]
    cur, new = out["current"], out["proposed"]
    assert new["alerts"] <= cur["alerts"] and new["recall"] <= cur["recall"]
    lo, hi = app_store.date_range()
    assert cur["alerts_per_day"] == pytest.approx(cur["alerts"] / ((hi - lo).total_seconds() / 86_400))


def test_screening_with_the_project_matcher(app, app_store):
    """The real matcher over a one-entry list naming a subject of the alerts: one hit, a match."""
    from counterflow.app.models import Alert
    from counterflow.screen.index import ScreeningIndex
    from counterflow.screen.match import Screener
    from counterflow.screen.model import Entry, Name, SanctionsList
    from tests.app.conftest import HOSTILE

    with app.state.ctx.db.read() as s:
        subjects = [a.subject_party for a in s.query(Alert).order_by(Alert.id) if a.subject_party is not None]
    party = next(p for p in app_store.parties(subjects) if p["name"] != HOSTILE and p["kind"] == "person")
    listed = SanctionsList("test-list", "OFAC", "test", None, "test",
                           entries={"1": Entry("test-list", "1", (Name(party["name"]),), entry_type="individual")})
    with app.state.ctx.db.write() as s:
        added = sc.run_screening(s, app_store, subjects[:20], "analyst", match=Screener(ScreeningIndex([listed])))
    with app.state.ctx.db.read() as s:
        hits = sc.hits(s)
    assert added >= 1 and party["party_id"] in {h["party_id"] for h in hits}
    assert all(h["entry_id"] == "1" for h in hits)


def test_timeline_zoom():
    ev = [{"ts": dt.datetime(2024, 1, 1, 9, 0, 10), "kind": "transaction", "usd": 10.0},
          {"ts": dt.datetime(2024, 1, 1, 9, 0, 50), "kind": "transaction", "usd": 5.0},
          {"ts": dt.datetime(2024, 1, 1, 11, 30), "kind": "alert", "usd": 99.0},
          {"ts": dt.datetime(2025, 3, 2, 8, 0), "kind": "comment", "usd": None}]
    assert [b["n"] for b in gr.bucket(ev, "minute")] == [2, 1, 1]
    assert [(b["start"], b["n"]) for b in gr.bucket(ev, "day")] == [(dt.datetime(2024, 1, 1), 3),
                                                                    (dt.datetime(2025, 3, 2), 1)]
    year = gr.bucket(ev, "year")
    assert [b["usd"] for b in year] == [15.0, 0.0] and year[0]["kinds"] == {"transaction": 2, "alert": 1}
    assert gr.span_label(ev) == "1.2 years"
    with pytest.raises(ValueError):
        gr.bucket(ev, "week")


def test_timeline_page_zooms(clients):
    a = clients("analyst")
    a.post("/alerts/1/claim", data={"csrf": a.csrf})
    a.post("/cases", data={"csrf": a.csrf, "alert_id": "1"})
    assert 'id="buckets"' in a.get("/cases/1/timeline?by=day").text
    assert a.get("/cases/1/timeline?by=fortnight").status_code == 400
