"""Reports: the SAR batch XML and the goAML STR pass their structural check, the check finds what is
missing or wrong, and the download waits for an approved decision to file."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from counterflow.app import cases as cs
from counterflow.app.config import Filer
from counterflow.app.reports import goaml, sar
from counterflow.app.reports.draft import gather
from counterflow.app.reports.validate import El, check
from tests.app.conftest import HOSTILE

NS = "{www.fincen.gov/base}"


@pytest.fixture()
def data(app):
    ctx = app.state.ctx
    with ctx.db.write() as s:
        c = cs.create_case(s, [1, 2], "analyst")
    with ctx.db.read() as s:
        return gather(s, ctx.store, c.id)


def test_sar_is_prefilled_and_valid(data):
    xml = sar.build(data, Filer(), dt.datetime(2024, 7, 1))
    assert sar.validate(xml) == []
    root = ET.fromstring(xml)
    act = root.find(f"{NS}Activity")
    assert act.findtext(f"{NS}FilingDateText") == "20240701"
    subjects = [p for p in act.findall(f"{NS}Party") if p.findtext(f"{NS}ActivityPartyTypeCode") == "33"]
    assert len(subjects) == len(data["subjects"]) >= 1
    total = act.findtext(f"{NS}SuspiciousActivity/{NS}TotalSuspiciousAmountText")
    assert int(total) == round(sum(t["amount_usd"] for t in data["transactions"])) == int(root.get("TotalAmount"))
    accounts = [e.text for e in act.iter(f"{NS}AccountNumberText")]
    assert accounts and all(accounts)
    assert act.findtext(f"{NS}ActivityNarrativeInformation/{NS}NarrativeText") == data["narrative"]
    # The hostile subject name is data in the XML, escaped by the serializer, and parses back the same.
    names = [e.text for e in act.iter(f"{NS}RawEntityIndividualLastName")]
    assert HOSTILE in names and b"<script>" not in xml


def test_sar_check_finds_errors(data):
    root = ET.fromstring(sar.build(data, Filer(), dt.datetime(2024, 7, 1)))
    act = root.find(f"{NS}Activity")
    act.remove(act.find(f"{NS}ActivityNarrativeInformation"))
    act.find(f"{NS}FilingDateText").text = "2024-07-01"
    for p in act.findall(f"{NS}Party"):
        if p.findtext(f"{NS}ActivityPartyTypeCode") == "33":
            act.remove(p)
    errors = sar.validate(ET.tostring(root))
    assert any("ActivityNarrativeInformation is required" in e for e in errors)
    assert any("FilingDateText" in e and "does not match" in e for e in errors)
    assert any("subject party (type 33)" in e for e in errors)
    assert any("PartyCount" in e for e in errors)


def test_goaml_is_valid_and_checked(data):
    xml = goaml.build(data, Filer(), dt.datetime(2024, 7, 1, 9))
    assert goaml.validate(xml) == []
    root = ET.fromstring(xml)
    txs = root.findall("transaction")
    assert len(txs) == len(data["transactions"])
    assert {t.findtext("transactionnumber") for t in txs} == {str(t["txn_id"]) for t in data["transactions"]}
    assert [i.text for i in root.iter("indicator")] == [f"CF-{c}" for c in data["typologies"] or ["MODEL"]]
    t0 = txs[0]
    t0.remove(t0.find("date_transaction"))
    side = t0.find("t_from_my_client") or t0.find("t_from")
    side.tag = "t_nowhere"
    errors = goaml.validate(ET.tostring(root))
    assert any("date_transaction is required" in e for e in errors)
    assert any("needs exactly one of t_from_my_client, t_from" in e for e in errors)
    assert any("unexpected element t_nowhere" in e for e in errors)


def test_validator_order_and_counts():
    spec = El("r", children=(El("a"), El("b", max=2), El("c", min=0, values=("x",))))
    ok = ET.fromstring("<r><a>1</a><b>2</b><b>3</b><c>x</c></r>")
    assert check(ok, spec) == []
    bad = ET.fromstring("<r><b>2</b><a>1</a><b>3</b><b>4</b><c>y</c></r>")
    errors = check(bad, spec)
    assert any("out of order" in e for e in errors)
    assert any("at most 2 b" in e for e in errors)
    assert any("'y' is not one of x" in e for e in errors)


def test_download_waits_for_the_second_approval(clients):
    a, ap = clients("analyst"), clients("approver")
    a.post("/alerts/1/claim", data={"csrf": a.csrf})
    a.post("/cases", data={"csrf": a.csrf, "alert_id": "1"})
    page = a.get("/cases/1/report/sar").text
    assert 'id="report-ok"' in page and 'id="download"' not in page
    assert a.get("/cases/1/report/sar/download").status_code == 409
    a.post("/cases/1/narrative", data={"csrf": a.csrf, "narrative": "Edited narrative: swap legs within minutes."})
    a.post("/cases/1/decision", data={"csrf": a.csrf, "outcome": "confirmed", "reason": "swap", "file_report": "1"})
    ap.post("/decisions/1/review", data={"csrf": ap.csrf, "verdict": "approve", "reason": "agree"})
    for kind in ("sar", "goaml"):
        r = a.get(f"/cases/1/report/{kind}/download")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
        assert (sar if kind == "sar" else goaml).validate(r.content) == []
        assert b"Edited narrative: swap legs within minutes." in r.content
    casefile = a.get("/cases/1/casefile").text
    assert "Edited narrative" in casefile and "confirmed" in casefile


def test_goaml_reports_a_crypto_account_as_no_currency() -> None:
    """goAML takes ISO 4217 codes: a USDT wallet is XXX with the asset named, a peso account keeps MXN."""
    import xml.etree.ElementTree as ET

    from counterflow.app.reports.goaml import _account

    root = ET.Element("t_to")
    _account(root, "to", {"account_id": 7, "currency": "USDT", "name": "Wu Fang", "bank_name": "X", "bank_country": "US"})
    _account(root, "to", {"account_id": 8, "currency": "MXN", "name": "Ana Ruiz"})
    usdt, mxn = root.findall("to_account")
    assert usdt.findtext("currency_code") == "XXX" and usdt.findtext("non_bank_institution") == "true"
    assert usdt.findtext("account_name") == "Wu Fang (USDT wallet)"
    assert mxn.findtext("currency_code") == "MXN" and mxn.findtext("non_bank_institution") == "false"
    assert mxn.findtext("account_name") == "Ana Ruiz"
