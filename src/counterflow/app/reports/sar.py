"""FinCEN SAR as a BSA E-Filing batch XML file (form type SARX), drafted from a case.

The layout follows FinCEN's public "FinCEN SAR XML Batch Reporting Requirements" (the XML user
guide): an ``EFilingBatchXML`` root with the batch totals as attributes, ``FormTypeCode`` SARX, and
one ``Activity`` holding the filing date, the report's kind (``ActivityAssociation``), the parties
by ``ActivityPartyTypeCode`` (35 transmitter, 37 transmitter contact, 30 filing institution,
8 contact office, 34 the financial institution where the activity occurred, 33 each subject with
its accounts), the ``SuspiciousActivity`` (dates, total, classifications) and the narrative.
:data:`SPEC` declares the elements that guide marks required, checked by
:func:`counterflow.app.reports.validate.check`: a structural check, not the official XSD, which
is not shipped. The suspicious-activity classification codes are the project's mapping of its
red-flag codes (:data:`CLASSIFICATION`); check them against FinCEN's current code table before
filing for real.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from counterflow.app.config import Filer
from counterflow.app.reports.validate import El, check

NS = "www.fincen.gov/base"
ET.register_namespace("fc2", NS)
# red-flag code -> (SuspiciousActivityTypeID, SuspiciousActivitySubtypeID): 3 structuring, 8 money laundering.
CLASSIFICATION = {"F3": (3, 304), "F4": (8, 820), "C1": (8, 812), "C3": (8, 820), "T1": (8, 821), "T3": (8, 821),
                  "T4": (8, 821), "F1": (8, 804), "P9": (8, 804), "F2": (8, 812), "P6": (8, 812)}
OTHER = (8, 899)
MAX_NARRATIVE = 17_000

_DATE = r"(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])"
_AMOUNT = r"\d{1,15}"


def _name(full: bool = True) -> El:
    return El("PartyName", children=(El("PartyNameTypeCode", values=("L",)),
                                     El("RawPartyFullName", text=True, max_len=150, min=1 if full else 0)),
              attrs={"SeqNum": r"\d+"})


_ADDRESS = El("Address", attrs={"SeqNum": r"\d+"}, children=(
    El("RawCityText", text=True, max_len=50), El("RawCountryCodeText", pattern=r"[A-Z]{2}"),
    El("RawStateCodeText", text=True, max_len=3, min=0), El("RawStreetAddress1Text", text=True, max_len=100),
    El("RawZIPCode", text=True, max_len=9, min=0)))
_ID = El("PartyIdentification", attrs={"SeqNum": r"\d+"}, children=(
    El("PartyIdentificationNumberText", text=True, max_len=25), El("PartyIdentificationTypeCode", pattern=r"\d{1,3}")))
_SUBJECT_NAME = El("PartyName", attrs={"SeqNum": r"\d+"}, children=(
    El("PartyNameTypeCode", values=("L",)), El("RawEntityIndividualLastName", text=True, max_len=150),
    El("RawIndividualFirstName", text=True, max_len=35, min=0)))
_ACCOUNT = El("PartyAccountAssociation", min=0, max=None, attrs={"SeqNum": r"\d+"}, children=(
    El("PartyAccountAssociationTypeCode", values=("7",)),
    El("Party", max=None, attrs={"SeqNum": r"\d+"}, children=(
        El("ActivityPartyTypeCode", values=("41",)), El("AccountNumberText", text=True, max_len=40)))))
_PARTY = El("Party", min=6, max=None, attrs={"SeqNum": r"\d+"}, children=(
    El("ActivityPartyTypeCode", values=("35", "37", "30", "8", "34", "33")),
    El("PrimaryRegulatorTypeCode", min=0, pattern=r"\d{1,2}"),
    El("PartyName", min=0, max=2, attrs={"SeqNum": r"\d+"}, children=(
        El("PartyNameTypeCode", values=("L",)), El("RawEntityIndividualLastName", text=True, max_len=150, min=0),
        El("RawIndividualFirstName", text=True, max_len=35, min=0), El("RawPartyFullName", text=True, max_len=150,
                                                                        min=0))),
    El("Address", min=0, attrs={"SeqNum": r"\d+"}, children=_ADDRESS.children),
    El("PhoneNumber", min=0, attrs={"SeqNum": r"\d+"}, children=(El("PhoneNumberText", pattern=r"\d{1,16}"),)),
    El("PartyIdentification", min=0, max=3, attrs={"SeqNum": r"\d+"}, children=_ID.children),
    El("OrganizationClassificationTypeSubtype", min=0, attrs={"SeqNum": r"\d+"},
       children=(El("OrganizationTypeID", pattern=r"\d{1,3}"),)),
    _ACCOUNT))
SPEC = El("EFilingBatchXML", attrs={"ActivityCount": r"[1-9]\d*", "TotalAmount": r"\d+", "PartyCount": r"[1-9]\d*",
                                    "ActivityAttachmentCount": r"\d+", "AttachmentCount": r"\d+"}, children=(
    El("FormTypeCode", values=("SARX",)),
    El("Activity", max=None, attrs={"SeqNum": r"\d+"}, children=(
        El("EFilingPriorDocumentNumber", min=0, pattern=r"\d{14}"),
        El("FilingDateText", pattern=_DATE),
        El("ActivityAssociation", attrs={"SeqNum": r"\d+"}, children=(
            El("ContinuingActivityReportIndicator", min=0, values=("Y",)),
            El("CorrectsAmendsPriorReportIndicator", min=0, values=("Y",)),
            El("InitialReportIndicator", min=0, values=("Y",)))),
        _PARTY,
        El("SuspiciousActivity", attrs={"SeqNum": r"\d+"}, children=(
            El("SuspiciousActivityFromDateText", pattern=_DATE),
            El("SuspiciousActivityToDateText", pattern=_DATE),
            El("TotalSuspiciousAmountText", pattern=_AMOUNT),
            El("SuspiciousActivityClassification", max=None, attrs={"SeqNum": r"\d+"}, children=(
                El("SuspiciousActivitySubtypeID", pattern=r"\d{3,4}"),
                El("SuspiciousActivityTypeID", pattern=r"\d{1,3}"))))),
        El("ActivityNarrativeInformation", max=5, attrs={"SeqNum": r"\d+"}, children=(
            El("ActivityNarrativeSequenceNumber", pattern=r"[1-5]"),
            El("NarrativeText", text=True, max_len=MAX_NARRATIVE)))))))


class _Seq:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return str(self.n)


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        e.text = str(text)
    return e


def _party(act: ET.Element, seq: _Seq, code: str) -> ET.Element:
    p = _sub(act, "Party", SeqNum=seq())
    _sub(p, "ActivityPartyTypeCode", code)
    return p


def _full_name(p: ET.Element, seq: _Seq, name: str) -> None:
    n = _sub(p, "PartyName", SeqNum=seq())
    _sub(n, "PartyNameTypeCode", "L")
    _sub(n, "RawPartyFullName", name)


def _address(p: ET.Element, seq: _Seq, street: str, city: str, state: str | None, zip_: str | None,
             country: str) -> None:
    a = _sub(p, "Address", SeqNum=seq())
    _sub(a, "RawCityText", city)
    _sub(a, "RawCountryCodeText", country)
    if state:
        _sub(a, "RawStateCodeText", state)
    _sub(a, "RawStreetAddress1Text", street)
    if zip_:
        _sub(a, "RawZIPCode", zip_)


def _ident(p: ET.Element, seq: _Seq, number: str, kind: str) -> None:
    i = _sub(p, "PartyIdentification", SeqNum=seq())
    _sub(i, "PartyIdentificationNumberText", number)
    _sub(i, "PartyIdentificationTypeCode", kind)


def _institution(act: ET.Element, seq: _Seq, code: str, f: Filer) -> None:
    p = _party(act, seq, code)
    _sub(p, "PrimaryRegulatorTypeCode", f.regulator)
    _full_name(p, seq, f.name)
    _address(p, seq, f.address, f.city, f.state, f.zip, f.country)
    _ident(p, seq, f.tin, "2")
    o = _sub(p, "OrganizationClassificationTypeSubtype", SeqNum=seq())
    _sub(o, "OrganizationTypeID", "2")


def build(data: dict[str, Any], filer: Filer, filing_date: Any) -> bytes:
    """The batch XML of one SAR for the case in ``data`` (:func:`counterflow.app.reports.draft.gather`)."""
    seq = _Seq()
    subjects = data["subjects"]
    total = int(round(data["total_usd"]))
    root = ET.Element(f"{{{NS}}}EFilingBatchXML", {
        "ActivityCount": "1", "TotalAmount": str(total), "PartyCount": str(5 + len(subjects)),
        "ActivityAttachmentCount": "0", "AttachmentCount": "0"})
    _sub(root, "FormTypeCode", "SARX")
    act = _sub(root, "Activity", SeqNum=seq())
    _sub(act, "FilingDateText", f"{filing_date:%Y%m%d}")
    assoc = _sub(act, "ActivityAssociation", SeqNum=seq())
    _sub(assoc, "InitialReportIndicator", "Y")
    t = _party(act, seq, "35")
    _full_name(t, seq, filer.name)
    _address(t, seq, filer.address, filer.city, filer.state, filer.zip, filer.country)
    ph = _sub(t, "PhoneNumber", SeqNum=seq())
    _sub(ph, "PhoneNumberText", filer.phone)
    _ident(t, seq, filer.tin, "4")
    _ident(t, seq, filer.tcc, "28")
    _full_name(_party(act, seq, "37"), seq, filer.contact)
    _institution(act, seq, "30", filer)
    c = _party(act, seq, "8")
    _full_name(c, seq, filer.contact)
    ph = _sub(c, "PhoneNumber", SeqNum=seq())
    _sub(ph, "PhoneNumberText", filer.phone)
    _institution(act, seq, "34", filer)
    for s in subjects:
        p = _party(act, seq, "33")
        n = _sub(p, "PartyName", SeqNum=seq())
        _sub(n, "PartyNameTypeCode", "L")
        if s.get("kind") == "person" and s.get("family_name"):
            _sub(n, "RawEntityIndividualLastName", s["family_name"][:150])
            if s.get("given_name"):
                _sub(n, "RawIndividualFirstName", s["given_name"][:35])
        else:
            _sub(n, "RawEntityIndividualLastName", (s.get("name") or "UNKNOWN")[:150])
        if s.get("address"):
            _address(p, seq, s["address"][:100], "UNKNOWN", s.get("state") if s.get("country") == "US" else None,
                     None, s.get("country") or "US")
        if s.get("tax_id"):
            _ident(p, seq, "".join(ch for ch in s["tax_id"] if ch.isalnum())[:25], "4" if s.get("country") == "US"
                   else "999")
        if s["accounts"]:
            aa = _sub(p, "PartyAccountAssociation", SeqNum=seq())
            _sub(aa, "PartyAccountAssociationTypeCode", "7")
            for acc in s["accounts"]:
                ap = _sub(aa, "Party", SeqNum=seq())
                _sub(ap, "ActivityPartyTypeCode", "41")
                _sub(ap, "AccountNumberText", str(acc.get("account_number") or acc["account_id"])[:40])
    sa = _sub(act, "SuspiciousActivity", SeqNum=seq())
    _sub(sa, "SuspiciousActivityFromDateText", f"{data['from']:%Y%m%d}")
    _sub(sa, "SuspiciousActivityToDateText", f"{data['to']:%Y%m%d}")
    _sub(sa, "TotalSuspiciousAmountText", str(total))
    for type_id, sub_id in sorted({CLASSIFICATION.get(x, OTHER) for x in data["typologies"]} or {OTHER}):
        cl = _sub(sa, "SuspiciousActivityClassification", SeqNum=seq())
        _sub(cl, "SuspiciousActivitySubtypeID", sub_id)
        _sub(cl, "SuspiciousActivityTypeID", type_id)
    na = _sub(act, "ActivityNarrativeInformation", SeqNum=seq())
    _sub(na, "ActivityNarrativeSequenceNumber", "1")
    _sub(na, "NarrativeText", data["narrative"])
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def validate(xml: bytes) -> list[str]:
    """Structural errors of a SAR batch file; also that SeqNum values are unique and the totals agree."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        return [f"not well-formed XML: {exc}"]
    errors = check(root, SPEC)
    seqs = [e.get("SeqNum") for e in root.iter() if e.get("SeqNum") is not None]
    if len(seqs) != len(set(seqs)):
        errors.append("SeqNum values must be unique in the batch")
    acts = root.findall(f"{{{NS}}}Activity")
    if root.get("ActivityCount") != str(len(acts)):
        errors.append("/EFilingBatchXML: ActivityCount does not match the number of Activity elements")
    parties = [p for a in acts for p in a.findall(f"{{{NS}}}Party")]
    if root.get("PartyCount", "").isdigit() and int(root.get("PartyCount")) != len(parties):
        errors.append("/EFilingBatchXML: PartyCount does not match the Party elements")
    for a in acts:
        codes = [p.findtext(f"{{{NS}}}ActivityPartyTypeCode") for p in a.findall(f"{{{NS}}}Party")]
        for code, what in (("35", "transmitter"), ("37", "transmitter contact"), ("30", "filing institution"),
                           ("8", "contact office"), ("34", "financial institution where activity occurred")):
            if codes.count(code) != 1:
                errors.append(f"/EFilingBatchXML/Activity: needs exactly one {what} party (type {code})")
        if "33" not in codes:
            errors.append("/EFilingBatchXML/Activity: needs at least one subject party (type 33)")
        total = a.findtext(f"{{{NS}}}SuspiciousActivity/{{{NS}}}TotalSuspiciousAmountText")
        if total is not None and root.get("TotalAmount") != total:
            errors.append("/EFilingBatchXML: TotalAmount does not match the activities' total")
    return errors
