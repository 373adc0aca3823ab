from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest

from counterflow.dataset.fx import FALLBACK_USD_PER_UNIT
from counterflow.dataset.reader import open_dataset
from counterflow.detect.alerts import build_alerts, read_alerts, read_evidence, write_alerts
from counterflow.detect.detectors import DEFAULT_DETECTORS, MirrorSwap, run_detectors
from counterflow.engine.duckdb import DuckDBEngine
from counterflow.errors import InputError
from tests.detect.builders import CITIES, T0, Txn, World, write

DAY = 1440.0


def _world() -> World:
    w = World()
    # Structuring: 5 deposits of 9,000-9,900 USD at 5 branches in 4 states within 4 days.
    amounts = [9000, 9400, 9900, 9650, 9120]
    cities = [CITIES[0], CITIES[1], CITIES[3], CITIES[4], CITIES[8]]  # NY, CA, TX, AZ, GA
    cities[4] = 120  # San Diego: a second Californian branch
    for i, (a, c) in enumerate(zip(amounts, cities)):
        w.add(Txn(i * DAY, None, 1, a, channel="CASH", location=c, illicit=True, typology="F3", case=1))
    w.add(Txn(0.5 * DAY, None, 2, 9500, channel="CASH", location=113), Txn(1.5 * DAY, None, 2, 9500, channel="CASH",
                                                                             location=113))
    w.add(*[Txn(i * DAY + 3, None, 3, 12_000, channel="CASH", location=113) for i in range(5)])
    # Funnel: 6 deposits in 4 states over 3 days into account 10, then a wire to Mexico.
    for i in range(6):
        w.add(Txn(10 * DAY + i * 720, None, 10, 3000 + 400 * i, channel="CASH", location=CITIES[i % 4],
                  illicit=True, typology="F4", case=2))
    w.add(Txn(13.5 * DAY, 10, 50, 20_000, channel="WIRE", currency_received="MXN", received=340_000,
              illicit=True, typology="F4", case=2))
    for i in range(6):  # one state only: not a funnel
        w.add(Txn(10 * DAY + i * 700, None, 11, 3000, channel="CASH", location=113))
    w.add(Txn(13.6 * DAY, 11, 51, 15_000, channel="WIRE", currency_received="MXN", received=255_000))
    w.banks.update({50: 2, 51: 2})
    # Supplier payments: 8 payers, 20-95 USD, to a Chinese beneficiary over 10 days.
    for i in range(8):
        w.add(Txn(20 * DAY + i * 1.2 * DAY, 100 + i, 60, 20 + 10 * i + (5 if i == 7 else 0),
                  illicit=True, typology="P9", case=3))
    w.add(Txn(20 * DAY, 120, 61, 50), Txn(21 * DAY, 121, 61, 60))  # only 2 payers
    w.add(*[Txn(20 * DAY + i * 60, 130 + i, 62, 40) for i in range(8)])  # US beneficiary
    w.banks.update({60: 3, 61: 3})
    # Pass-through: 4 credits of 10,000, then 4 debits of 9,750 within 2 days.
    for i in range(4):
        w.add(Txn(40 * DAY + i * 300, 200 + i, 70, 10_000, illicit=True, typology="C3", case=4))
        w.add(Txn(41 * DAY + i * 300, 70, 210 + i, 9_750, illicit=True, typology="C3", case=4))
        w.add(Txn(40 * DAY + i * 300 + 1, 220 + i, 71, 10_000))  # credits only
        # A business does the same: its receipts and payments are its trade, not a red flag.
        w.add(Txn(40 * DAY + i * 300 + 2, 230 + i, 72, 10_000), Txn(41 * DAY + i * 300 + 2, 72, 240 + i, 9_750))
    w.parties[72] = {"kind": "business", "industry_code": "423690"}
    # Mirror swap: 10,000 USD into 80 (US); 15 minutes later linked 82 (MX, shared phone) pays
    # 166,600 MXN = 9,800 USD at the fallback rate: a 2% fee. 85 pays the same but is not linked.
    w.add(Txn(50 * DAY, 81, 80, 10_000, illicit=True, typology="C1", case=5))
    w.add(Txn(50 * DAY + 15, 82, 84, 166_600, currency="MXN", illicit=True, typology="C1", case=5))
    w.add(Txn(50 * DAY + 16, 85, 86, 166_600, currency="MXN"))
    w.banks.update({82: 2, 84: 2, 85: 2, 86: 2})
    w.owners.update({82: 83})
    w.parties.update({80: {"phone": "+1 555 0100"}, 83: {"phone": "+1 555 0100"}})
    _trade(w)
    _shared(w)
    return w


def _trade(w: World) -> None:
    """Trade-based laundering (case 6): electronics wholesaler 90 pays twice for 500 kg of a chemical
    invoiced at ten times its market value, shipped through three forwarders with a transshipment;
    the bill of lading says 350 kg. Decoy: chemical wholesaler 95 buys the same goods at the market
    price over the same odd route (its own line of business, papers agree)."""
    w.parties.update({90: {"kind": "business", "industry_code": "423690", "country": "MX"},
                      95: {"kind": "business", "industry_code": "424690", "country": "MX"}})
    route = {"forwarder_ids": [92, 93, 94], "transship_port_id": 5, "departure_date": 30}
    w.shipments += [{"shipment_id": 700, "exporter_id": 91, "importer_id": 90, "hs_code": "2933.39",
                     "quantity": 500.0, "declared_value": 900_000.0, "illicit": True, "typology": "T1", **route},
                    {"shipment_id": 701, "exporter_id": 96, "importer_id": 95, "hs_code": "2933.39",
                     "quantity": 1000.0, "declared_value": 180_000.0, **route}]
    for sid, issuer, qty, bl_qty, value in ((700, 91, 500.0, 350.0, 900_000.0), (701, 96, 1000.0, 1000.0, 180_000.0)):
        w.documents += [
            {"shipment_id": sid, "doc_type": "invoice", "issue_date": 29, "issuer_id": issuer, "hs_code": "2933.39",
             "quantity": qty, "declared_value": value},
            {"shipment_id": sid, "doc_type": "bill_of_lading", "issue_date": 30, "issuer_id": 92,
             "hs_code": "2933.39", "quantity": bl_qty, "declared_value": value}]
    w.add(Txn(30 * DAY + 60, 90, 91, 450_000, shipment=700, illicit=True, typology="T1", case=6),
          Txn(31 * DAY, 90, 91, 450_000, shipment=700, illicit=True, typology="T1", case=6),
          Txn(30 * DAY + 90, 95, 96, 180_000, shipment=701))
    w.banks.update({90: 2, 91: 3, 95: 2, 96: 3})


def _shared(w: World) -> None:
    """Shared identifiers (case 7): parties 150, 151 and 152 share a phone; 150 (twice) and 151 pay
    the Chinese chemical maker 160. Decoys: 153 and 154 share an email and pay a Chinese
    electronics firm; 155 and 156 share an address and pay two different chemical firms."""
    phone = {"phone": "+52 33 1111 2222"}
    w.parties.update({150: phone, 151: phone, 152: phone, 153: {"email": "a@b.mx"}, 154: {"email": "a@b.mx"},
                      155: {"address": "Calle 1"}, 156: {"address": "Calle 1"}})
    for acct, ind in ((160, "325199"), (161, "423690"), (162, "424690"), (163, "325412")):
        w.parties[acct] = {"kind": "business", "industry_code": ind, "country": "CN"}
        w.banks[acct] = 3
    w.add(Txn(25 * DAY, 150, 160, 2_000, illicit=True, typology="P6", case=7),
          Txn(26 * DAY, 151, 160, 3_000, illicit=True, typology="P6", case=7),
          Txn(27 * DAY, 150, 160, 2_500, illicit=True, typology="P6", case=7))
    w.add(Txn(25 * DAY + 5, 153, 161, 2_000), Txn(26 * DAY + 5, 154, 161, 2_000),
          Txn(25 * DAY + 7, 155, 162, 2_000), Txn(26 * DAY + 7, 156, 163, 2_000))
    w.banks.update({150: 2, 151: 2, 153: 2, 154: 2, 155: 2, 156: 2})


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = write(_world(), tmp_path_factory.mktemp("det") / "ds")
    with open_dataset(path) as ds:
        eng = DuckDBEngine(ds.con)
        ev = run_detectors(eng, T0, T0 + dt.timedelta(days=60))
        labels = dict(ds.fetchall("SELECT txn_id, case_id FROM transaction_labels"))
    return ev, labels


def _by(ev, name: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [r for r in ev.to_pylist() if r["detector"] == name]


def test_each_detector_finds_its_planted_pattern_and_nothing_else(evidence) -> None:  # type: ignore[no-untyped-def]
    ev, labels = evidence
    expect = {"structuring": ({1}, 1, 5), "funnel_account": ({10}, 2, 7), "supplier_payments": ({60}, 3, 8),
              "pass_through": ({70}, 4, 8), "mirror_swap": ({80}, 5, 2), "trade_based": ({90}, 6, 3),
              "shared_identifiers": ({150, 151}, 7, 6)}
    for name, (subjects, case, n) in expect.items():
        rows = _by(ev, name)
        assert {r["subject_account"] for r in rows} == subjects, name
        assert len(rows) == n, name
        assert {labels[r["txn_id"]] for r in rows if r["txn_id"] is not None} == {case}, name


def test_mirror_pair_with_a_two_percent_fee(evidence) -> None:  # type: ignore[no-untyped-def]
    rows = _by(evidence[0], "mirror_swap")
    legs = {r["role"]: r for r in rows}
    assert legs["money in"]["amount"] == 10_000 and legs["money out (linked account)"]["amount"] == 166_600
    fee = 1 - legs["money out (linked account)"]["amount_usd"] / legs["money in"]["amount_usd"]
    assert fee == pytest.approx(0.02)
    assert {r["link"] for r in rows} == {"shared phone"}
    reason = DEFAULT_DETECTORS[4].describe(rows)
    assert reason == ("received 10,000 USD in 1 payment while linked account 82 (shared phone) paid 166,600 MXN "
                      "(= 9,800 USD) within 15 minutes of each, a fee of 2.0%")


def test_mirror_swap_pairs_the_yuan_legs_and_leaves_same_currency_late_or_unequal_ones(tmp_path: Path) -> None:
    """The buyers' legs of a swap: Chinese buyer 300 receives 20,000 USD in the US and 2 minutes later
    pays the yuan from its own account in China, 0.4 % more (a premium); Mexico-based buyer 310
    receives yuan worth 30,000 USD in China and 20 minutes later pays pesos worth 29,100 USD (3 %)
    from its Mexican account. Decoys, each a holder of two accounts: 320 moves dollars between two US
    accounts; 330's pesos are worth a third less than its dollars; 340 pays the yuan 5 hours later;
    350 receives coins (USDT) and pays their worth in dollars (the crypto rail, not a swap)."""
    cny, mxn = FALLBACK_USD_PER_UNIT["CNY"], FALLBACK_USD_PER_UNIT["MXN"]
    w = World(owners={301: 300, 311: 310, 321: 320, 331: 330, 341: 340, 351: 350},
              banks={300: 1, 301: 3, 303: 3, 310: 3, 311: 2, 312: 3, 313: 2, 320: 1, 321: 1, 330: 1, 331: 2,
                     333: 2, 340: 1, 341: 3, 343: 3})
    w.add(Txn(0, 302, 300, 20_000, illicit=True, typology="C1", case=1),
          Txn(2, 301, 303, round(20_000 * 1.004 / cny, 2), currency="CNY", illicit=True, typology="C1", case=1),
          Txn(60, 312, 310, round(30_000 / cny, 2), currency="CNY", illicit=True, typology="C1", case=1),
          Txn(80, 311, 313, round(29_100 / mxn, 2), currency="MXN", illicit=True, typology="C1", case=1),
          Txn(120, 322, 320, 15_000), Txn(125, 321, 323, 15_000),
          Txn(180, 332, 330, 12_000), Txn(185, 331, 333, round(8_000 / mxn, 2), currency="MXN"),
          Txn(240, 342, 340, 20_000), Txn(540, 341, 343, round(20_000 / cny, 2), currency="CNY"),
          Txn(600, 352, 350, 20_000, currency="USDT"), Txn(605, 351, 353, 19_900))
    with open_dataset(write(w, tmp_path / "ds")) as ds:
        rows = run_detectors(DuckDBEngine(ds.con), T0, T0 + dt.timedelta(days=1), (MirrorSwap(),)).to_pylist()
    assert {r["subject_account"] for r in rows} == {300, 310} and len(rows) == 4
    by = {s: [r for r in rows if r["subject_account"] == s] for s in (300, 310)}
    assert {r["currency"] for r in by[300]} == {"USD", "CNY"} and {r["link"] for r in rows} == {"same holder"}
    assert MirrorSwap().describe(by[300]) == (
        f"received 20,000 USD in 1 payment while linked account 301 (same holder) paid "
        f"{round(20_000 * 1.004 / cny):,} CNY (= 20,080 USD) within 2 minutes of each, a margin of -0.4%")
    assert MirrorSwap().describe(by[310]) == (
        f"received {30_000 / cny:,.0f} CNY in 1 payment while linked account 311 (same holder) paid "
        f"{29_100 / mxn:,.0f} MXN (= 29,100 USD) within 20 minutes of each, a fee of 3.0%")


def _ceil_days(rows: list[dict]) -> int:
    ts = [r["ts"] for r in rows]
    return math.ceil((max(ts) - min(ts)).total_seconds() / 86_400)


def _num(s: str) -> int:
    return int(s.replace(",", ""))


def test_alert_reasons_match_their_evidence(evidence, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ev = evidence[0]
    alerts = build_alerts(ev, DEFAULT_DETECTORS)
    assert alerts.num_rows == 8
    out = write_alerts(alerts, ev, tmp_path / "alerts.parquet")
    alerts, ev = read_alerts(out), read_evidence(out)
    rows = ev.to_pylist()
    for a in alerts.to_pylist():
        mine = [r for r in rows if r["subject_account"] == a["subject_account"]]
        assert sorted({r["txn_id"] for r in mine if r["txn_id"] is not None}) == a["txn_ids"]
        assert a["alert_ts"] == max(r["ts"] for r in mine)
        reason = a["reason"]
        if a["detectors"] == ["structuring"]:
            m = re.fullmatch(r"received (\d+) cash deposits of ([\d,]+)–([\d,]+) USD at (\d+) branches in (\d+) "
                             r"states within (\d+) days, each below the 10,000 USD reporting threshold", reason)
            assert m, reason
            usd = [r["amount_usd"] for r in mine]
            assert int(m[1]) == len(mine) and _num(m[2]) == round(min(usd)) and _num(m[3]) == round(max(usd))
            assert int(m[4]) == len({r["location_id"] for r in mine}) == 5
            assert int(m[5]) == len({r["state"] for r in mine}) == 4
            assert int(m[6]) == _ceil_days(mine) == 4
        elif a["detectors"] == ["funnel_account"]:
            m = re.fullmatch(r"received (\d+) cash deposits of ([\d,]+)–([\d,]+) USD \(total ([\d,]+) USD\) at (\d+) "
                             r"branches in (\d+) states within (\d+) days, then wired ([\d,]+) USD to Mexico", reason)
            assert m, reason
            deps = [r for r in mine if r["role"] == "cash deposit"]
            assert int(m[1]) == len(deps) == 6 and _num(m[4]) == round(sum(r["amount_usd"] for r in deps))
            assert int(m[6]) == len({r["state"] for r in deps}) == 4
            assert _num(m[8]) == round(sum(r["amount_usd"] for r in mine if r["role"] != "cash deposit")) == 20_000
        elif a["detectors"] == ["supplier_payments"]:
            m = re.fullmatch(r"received (\d+) payments of ([\d,]+)–([\d,]+) USD \(total ([\d,]+) USD\) from (\d+) "
                             r"payers within (\d+) days \(beneficiary in China\)", reason)
            assert m, reason
            assert int(m[1]) == len(mine) and int(m[5]) == len({r["counterparty"] for r in mine}) == 8
            assert _num(m[2]) == 20 and _num(m[3]) == 95 and int(m[6]) == _ceil_days(mine)
            assert a["typologies"] == ["F1", "P9"]
        elif a["detectors"] == ["pass_through"]:
            m = re.fullmatch(r"received (\d+) credits totalling ([\d,]+) USD and sent (\d+) debits totalling ([\d,]+) "
                             r"USD \((\d+)% of it\) within (\d+) days?", reason)
            assert m, reason
            cr = [r["amount_usd"] for r in mine if r["role"] == "credit"]
            db = [r["amount_usd"] for r in mine if r["role"] == "debit"]
            assert (int(m[1]), _num(m[2]), int(m[3]), _num(m[4])) == (len(cr), round(sum(cr)), len(db), round(sum(db)))
            assert int(m[5]) == round(100 * sum(db) / sum(cr))
        elif a["detectors"] == ["trade_based"]:
            _check_trade_reason(reason, mine, a)
        elif a["detectors"] == ["shared_identifiers"]:
            _check_shared_reason(reason, mine)
        else:
            assert a["detectors"] == ["mirror_swap"] and "fee of 2.0%" in reason
    with pytest.raises(InputError, match="exists"):
        write_alerts(alerts, ev, tmp_path / "alerts.parquet")


def test_detectors_render_for_spark() -> None:
    import sqlglot

    from counterflow.engine.dialects import SparkDialect

    for det in DEFAULT_DETECTORS:
        sql = SparkDialect().render(det.pipeline(SparkDialect(), T0, T0 + dt.timedelta(days=1)).sql())
        sqlglot.parse_one(sql, read="spark")  # valid Spark SQL
        assert not re.search(r"COUNT\(DISTINCT[^()]*\)\s*OVER", sql, re.I), det.name
        if det.name == "trade_based":
            assert "SIZE(sh.forwarder_ids)" in sql  # an array's length, not a string's


def _check_trade_reason(reason: str, mine: list[dict], alert: dict) -> None:
    m = re.fullmatch(r"shipment (\d+) \(([\d,]+) USD invoiced\) invoiced at ([\d.]+)× the typical value of HS "
                     r"([\d.]+); papers disagree on (\w+); routed through (\d+) forwarders with goods outside the "
                     r"importer's line of business, settled by (\d+) payments totalling ([\d,]+) USD", reason)
    assert m, reason
    ship = next(r for r in mine if r["role"] == "shipment")
    pays = [r for r in mine if r["role"] == "trade payment"]
    assert int(m[1]) == ship["shipment_id"] == 700 and _num(m[2]) == round(ship["amount_usd"]) == 900_000
    assert float(m[3]) == round(ship["value_ratio"], 1) == 10.0 and m[4] == ship["hs_code"]
    assert m[5] == ship["detail"] == "quantity" and int(m[6]) == ship["forwarders"] == 3
    assert int(m[7]) == len(pays) == 2 and _num(m[8]) == round(sum(r["amount_usd"] for r in pays))
    assert alert["typologies"] == ["T1", "T3", "T4"] and alert["shipment_ids"] == [700]


def _check_shared_reason(reason: str, mine: list[dict]) -> None:
    m = re.fullmatch(r"shares a phone \(([^)]+)\) with (\d+) other paying accounts?; together they paid the same "
                     r"chemical firm \(account (\d+)\) (\d+) times, ([\d,]+) USD in all \((\d+) payments? from this "
                     r"account\) within (\d+) days", reason)
    assert m, reason
    subject = mine[0]["subject_account"]
    assert m[1] == mine[0]["detail"] == "+52 33 1111 2222"
    assert int(m[2]) == len({r["related_account"] for r in mine} - {subject}) == 1
    assert int(m[3]) == mine[0]["counterparty"] == 160 and int(m[4]) == len(mine) == 3
    assert _num(m[5]) == round(sum(r["amount_usd"] for r in mine)) == 7_500
    assert int(m[6]) == sum(1 for r in mine if r["related_account"] == subject)
    assert int(m[7]) == _ceil_days(mine) == 2


def test_case_alerts_merge_connected_accounts_and_budget(evidence) -> None:  # type: ignore[no-untyped-def]
    from counterflow.detect.alerts import limit_alerts
    from counterflow.detect.cases import group_cases

    ev = evidence[0]
    alerts = build_alerts(ev, DEFAULT_DETECTORS)
    cases = group_cases(alerts, ev)
    assert cases.num_rows == 7
    merged = [c for c in cases.to_pylist() if len(c["accounts"]) > 1]
    assert len(merged) == 1 and merged[0]["accounts"] == [150, 151]
    case = merged[0]
    members = {a["subject_account"]: a for a in alerts.to_pylist() if a["subject_account"] in (150, 151)}
    assert case["txn_ids"] == sorted(set(members[150]["txn_ids"]) | set(members[151]["txn_ids"]))
    assert case["amount_usd"] == pytest.approx(7_500)  # shared evidence counts once
    assert case["reason"].startswith("case of 2 connected accounts: account 15")
    for acct, a in members.items():
        assert f"account {acct} {a['reason']}" in case["reason"]
    # Far apart in time, the same ties make no case.
    assert group_cases(alerts, ev, window_s=-3 * 86_400).num_rows == 8
    top = limit_alerts(cases, 3)
    assert top.num_rows == 3 and top.column("alert_id").to_pylist() == [1, 2, 3]
    assert limit_alerts(cases, 0).num_rows == 0 and limit_alerts(cases, None).num_rows == 7


def test_detect_command_cases_and_alert_budget(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from counterflow.cli.main import app

    data = write(_world(), tmp_path / "ds")
    runner = CliRunner()
    res = runner.invoke(app, ["detect", str(data), "--out", str(tmp_path / "a.parquet"), "--no-model", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["alerts"] == 8
    res = runner.invoke(app, ["detect", str(data), "--out", str(tmp_path / "c.parquet"), "--cases", "--no-model",
                              "--budget-alerts", "3", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert (doc["alerts"], doc["grouping"], doc["budget_alerts"]) == (3, "cases", 3)
    assert read_alerts(tmp_path / "c.parquet").num_rows == 3
