"""goAML suspicious transaction report (STR), drafted from a case.

The layout follows the UNODC goAML XML schema's ``report`` element as its public documentation
describes it: the reporting entity, submission and report codes, date, local currency, the
reporting person, the reason and action taken, one ``transaction`` per case transaction with its
two sides (``t_from_my_client``/``t_from`` and ``t_to_my_client``/``t_to``: an account of ours, or
a person for cash), and the report indicators. :data:`SPEC` declares the required elements for
:func:`counterflow.app.reports.validate.check` (structural, not the official XSD, which is not
shipped). Funds, transmission-mode and indicator codes are lookups each FIU defines; the ones
here (:data:`FUNDS`, :data:`TRANSMODE`, indicators ``CF-<red-flag code>``) are placeholders to
map to the receiving FIU's tables.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from counterflow.app.config import Filer
from counterflow.app.reports.validate import El, check
from counterflow.dataset.vocab import CURRENCIES
from counterflow.world.currencies import CURRENCIES as _TWIN_CURRENCIES

# The dataset's currencies that are ISO 4217 codes (not crypto assets).
ISO_CURRENCIES = frozenset(CURRENCIES) - {c.code for c in _TWIN_CURRENCIES if c.is_crypto}

FUNDS = {"CASH": "K", "default": "A"}         # K cash, A deposit/transfer (placeholders)
TRANSMODE = {"CASH": "K", "WIRE": "E", "ACH": "E", "CARD": "C", "MSB": "M", "default": "E"}
_DT = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"
_ACCOUNT = (El("institution_name", text=True, max_len=255), El("swift", min=0, pattern=r"[A-Z0-9]{8,11}"),
            El("institution_code", min=0, text=True), El("non_bank_institution", values=("true", "false")),
            El("account", text=True, max_len=50), El("currency_code", pattern=r"[A-Z]{3}"),
            El("account_name", min=0, text=True, max_len=255))
_PERSON = (El("first_name", text=True, max_len=100), El("last_name", text=True, max_len=100))


def _side(prefix: str, mine: bool) -> El:
    tag = f"t_{prefix}_my_client" if mine else f"t_{prefix}"
    return El(tag, min=0, children=(
        El(f"{prefix}_funds_code", text=True, max_len=255),
        El(f"{prefix}_account", min=0, children=_ACCOUNT, choice=(("swift", "institution_code"),)),
        El(f"{prefix}_person", min=0, children=_PERSON),
        El(f"{prefix}_country", pattern=r"[A-Z]{2}")),
        choice=((f"{prefix}_account", f"{prefix}_person"),))


SPEC = El("report", children=(
    El("rentity_id", pattern=r"\d+"),
    El("submission_code", values=("E", "M")),
    El("report_code", values=("STR", "SAR", "CTR")),
    El("entity_reference", min=0, text=True, max_len=255),
    El("submission_date", pattern=_DT),
    El("currency_code_local", pattern=r"[A-Z]{3}"),
    El("reporting_person", children=_PERSON),
    El("reason", text=True, max_len=4000),
    El("action", text=True, max_len=4000),
    El("transaction", max=None, children=(
        El("transactionnumber", text=True, max_len=50),
        El("transaction_description", min=0, text=True, max_len=4000),
        El("date_transaction", pattern=_DT),
        El("transmode_code", text=True, max_len=255),
        El("amount_local", pattern=r"\d+(\.\d{1,2})?"),
        _side("from", True), _side("from", False), _side("to", True), _side("to", False)),
        choice=(("t_from_my_client", "t_from"), ("t_to_my_client", "t_to"))),
    El("report_indicators", children=(El("indicator", max=None, text=True),)),
))


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    e = ET.SubElement(parent, tag)
    if text is not None:
        e.text = str(text)
    return e


def _account(parent: ET.Element, prefix: str, h: dict[str, Any]) -> None:
    a = _sub(parent, f"{prefix}_account")
    _sub(a, "institution_name", h.get("bank_name") or "UNKNOWN")
    _sub(a, "institution_code", h.get("bank_country") or "XX")
    _sub(a, "non_bank_institution", "false")
    _sub(a, "account", h.get("account_number") or h.get("account_id"))
    cur = h.get("currency") or "USD"
    # goAML takes ISO 4217 codes; a crypto account (USDT, BTC) is reported as XXX, ISO's "no
    # currency", and its asset named in the institution's non-bank flag and the account name.
    iso = cur if cur in ISO_CURRENCIES else "XXX"
    if iso != cur:
        a.find("non_bank_institution").text = "true"
    _sub(a, "currency_code", iso)
    if h.get("name") or iso != cur:
        _sub(a, "account_name", (f"{h.get('name') or ''} ({cur} wallet)" if iso != cur else h["name"]).strip()[:255])


def _person(parent: ET.Element, prefix: str, name: str) -> None:
    p = _sub(parent, f"{prefix}_person")
    first, _, last = (name or "UNKNOWN").partition(" ")
    _sub(p, "first_name", first[:100] or "UNKNOWN")
    _sub(p, "last_name", (last or first)[:100])


def build(data: dict[str, Any], filer: Filer, submission: Any) -> bytes:
    holders = data["holders"]
    ours = set(data["accounts"])
    subject = data["subjects"][0]["name"] if data["subjects"] else "UNKNOWN"
    root = ET.Element("report")
    _sub(root, "rentity_id", filer.goaml_rentity_id)
    _sub(root, "submission_code", "E")
    _sub(root, "report_code", "STR")
    _sub(root, "entity_reference", f"counterflow-case-{data['case'].id}")
    _sub(root, "submission_date", f"{submission:%Y-%m-%dT%H:%M:%S}")
    _sub(root, "currency_code_local", "USD")
    rp = _sub(root, "reporting_person")
    _sub(rp, "first_name", filer.goaml_person[0])
    _sub(rp, "last_name", filer.goaml_person[1])
    _sub(root, "reason", data["narrative"][:4000])
    _sub(root, "action", "Case reviewed and approved by two analysts; accounts under enhanced monitoring.")
    for t in data["transactions"]:
        tx = _sub(root, "transaction")
        _sub(tx, "transactionnumber", t["txn_id"])
        _sub(tx, "transaction_description", f"{t['channel']} {t['txn_type']}")
        _sub(tx, "date_transaction", f"{t['ts']:%Y-%m-%dT%H:%M:%S}")
        _sub(tx, "transmode_code", TRANSMODE.get(t["channel"], TRANSMODE["default"]))
        _sub(tx, "amount_local", f"{(t['amount_usd'] or 0.0):.2f}")
        for prefix, acc, country in (("from", t["src_account"], t["src_country"]),
                                     ("to", t["dst_account"], t["dst_country"])):
            side = _sub(tx, f"t_{prefix}_my_client" if acc in ours else f"t_{prefix}")
            _sub(side, f"{prefix}_funds_code", FUNDS.get(t["channel"], FUNDS["default"]))
            if acc is not None:
                _account(side, prefix, holders.get(acc) or {"account_id": acc})
            else:  # cash: the subject's side in person
                _person(side, prefix, subject)
            _sub(side, f"{prefix}_country", country or "US")
    ind = _sub(root, "report_indicators")
    for code in data["typologies"] or ["MODEL"]:  # no red-flag code: flagged by the learned score
        _sub(ind, "indicator", f"CF-{code}")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def validate(xml: bytes) -> list[str]:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    errors = check(root, SPEC)
    if not root.findall("transaction"):
        errors.append("/report: an STR reports at least one transaction")
    return errors
