"""Parser for the OFAC SDN "Remarks" field: the semicolon-separated facts about an entry.

OFAC's legacy CSV puts dates of birth, nationalities, documents, emails, crypto addresses,
Chinese Commercial Codes and aliases into one free-text field, e.g.
``DOB 11 Jun 1983; POB China; nationality China; Passport G31920875 (China) issued 24 Oct 2008
expires 23 Oct 2018; Chinese Commercial Code 6774 4395 2529; a.k.a. 'JIN, Gordon'.``
Each segment is handled by one rule below; a segment no rule knows is kept as a note, never lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from counterflow.screen.countries import to_iso2
from counterflow.screen.model import Identifier, Name, PartialDate

_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}

# Document labels as OFAC writes them -> our identifier kind. Longest labels first so that
# "Diplomatic Passport" wins over "Passport" and "alt. " prefixes are stripped before this.
_ID_LABELS: list[tuple[str, str]] = sorted([
    ("Passport", "passport"), ("Diplomatic Passport", "passport"),
    ("Travel Document Number", "passport"),
    ("National ID No.", "national_id"), ("Identification Number", "national_id"),
    ("Cedula No.", "national_id"), ("C.U.R.P.", "national_id"), ("C.U.R.P. #", "national_id"),
    ("D.N.I.", "national_id"), ("Personal ID Card", "national_id"),
    ("Citizen's Card Number", "national_id"), ("Kenyan ID No.", "national_id"),
    ("Turkish Identification Number", "national_id"), ("Numero de Identidad", "national_id"),
    ("Electoral Registry No.", "national_id"), ("Credencial electoral", "national_id"),
    ("I.F.E.", "national_id"), ("C.U.I.", "national_id"), ("C.U.I.P.", "national_id"),
    ("Residency Number", "national_id"), ("Birth Certificate Number", "national_id"),
    ("Public Security and Immigration No.", "national_id"),
    ("Driver's License No.", "national_id"), ("SSN", "national_id"),
    ("Cartilla de Servicio Militar Nacional", "national_id"),
    ("National Foreign ID Number", "national_id"), ("Tazkira National ID Card", "national_id"),
    ("Tax ID No.", "tax_id"), ("NIT #", "tax_id"), ("RUC #", "tax_id"), ("RIF #", "tax_id"),
    ("R.F.C.", "tax_id"), ("RFC", "tax_id"), ("C.U.I.T.", "tax_id"),
    ("RTN", "tax_id"), ("V.A.T. Number", "tax_id"), ("US FEIN", "tax_id"),
    ("Italian Fiscal Code", "tax_id"),
    ("Registration ID", "registration"), ("Registration Number", "registration"),
    ("Business Registration Document #", "registration"),
    ("Business Registration Number", "registration"), ("Business Number", "registration"),
    ("Company Number", "registration"),
    ("UK Company Number", "registration"), ("Commercial Registry Number", "registration"),
    ("Trade License No.", "registration"), ("Folio Mercantil No.", "registration"),
    ("Matricula Mercantil No", "registration"), ("C.R. No.", "registration"),
    ("Legal Entity Number", "registration"), ("Unified Social Credit Code (USCC)", "registration"),
    ("United Social Credit Code Certificate (USCCC)", "registration"),
    ("Government Gazette Number", "registration"), ("Chamber of Commerce Number", "registration"),
    ("Enterprise Number", "registration"), ("Branch Unit Number", "registration"),
    ("Central Registration System Number", "registration"),
    ("Economic Register Number (CBLS)", "registration"),
    ("Certificate of Incorporation Number", "registration"), ("Permit Number", "registration"),
    ("LE Number", "registration"), ("Registered Charity No.", "registration"),
    ("D-U-N-S Number", "registration"), ("Istanbul Chamber of Comm. No.", "registration"),
    ("Dubai Chamber of Commerce Membership No.", "registration"), ("License", "registration"),
    ("SWIFT/BIC", "swift"), ("BIK (RU)", "swift"),
    ("Vessel Registration Identification", "imo"),
    ("International Maritime Organization No.", "imo"), ("MMSI", "mmsi"),
    ("Aircraft Construction Number (also called L/N or S/N or F/N)", "aircraft"),
    ("Aircraft Manufacturer's Serial Number (MSN)", "aircraft"),
    ("Aircraft Tail Number", "aircraft"), ("Previous Aircraft Tail Number", "aircraft"),
    ("Phone Number", "phone"), ("Telephone No.", "phone"), ("Telephone", "phone"),
    ("Phone", "phone"), ("Fax", "phone"),
    ("Email Address", "email"), ("Email", "email"), ("Website", "website"),
], key=lambda item: -len(item[0]))

_ID_RE = re.compile(
    r"^(?P<label>" + "|".join(re.escape(label) for label, _ in _ID_LABELS) + r")[:#]?\s*"
    r"(?P<rest>\S.*)$", re.IGNORECASE)
_ID_KIND = {label.lower(): kind for label, kind in _ID_LABELS}
_ID_REST = re.compile(
    r"^(?P<value>.+?)(?:\s+\((?P<country>[^()]*)\))?(?:\s+issued\s+(?P<issued>.+?))?"
    r"(?:\s+expires\s+(?P<expires>.+))?$")
_DOB = re.compile(
    r"^(?P<circa>circa\s+)?(?:(?P<day>\d{1,2})\s+)?(?:(?P<month>[A-Za-z]{3})\s+)?(?P<year>\d{4})"
    r"(?:\s+to\s+(?:\d{1,2}\s+)?(?:[A-Za-z]{3}\s+)?(?P<to_year>\d{4}))?$", re.IGNORECASE)
_ALIAS = re.compile(r"^(?P<kind>a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)[,:]?\s+'?(?P<name>.+?)'?$",
                    re.IGNORECASE)
_CRYPTO = re.compile(r"^Digital Currency Address\s*-\s*(?P<cur>[A-Z0-9]+)\s+(?P<addr>\S+)$",
                     re.IGNORECASE)
_SPLIT_CHARS = re.compile(r"[;']")
_CCC = re.compile(r"^Chinese Commercial Code\s+(?P<codes>\d{4}(?:\s+\d{4})*)$", re.IGNORECASE)


@dataclass
class ParsedRemarks:
    """What one remarks field says, split into typed parts."""

    dobs: list[PartialDate] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    citizenships: list[str] = field(default_factory=list)
    aliases: list[Name] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    gender: str | None = None
    linked_to: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def split_segments(remarks: str) -> list[str]:
    """Split on '; ' outside single-quoted alias names, dropping the final full stop."""
    text = remarks.strip()
    if text.endswith("."):
        text = text[:-1]
    segments: list[str] = []
    start, quoted = 0, False
    # Only quotes and semicolons matter; scanning those alone keeps a 15,000-row list fast.
    for m in _SPLIT_CHARS.finditer(text):
        i, ch = m.start(), m.group()
        # An alias quote opens after "a.k.a. " and closes before ";" or the end: apostrophes
        # inside names (MU'MININ) are neither.
        if ch == "'" and not quoted and (i == 0 or text[i - 1] == " "):
            quoted = True
        elif ch == "'" and quoted and (i + 1 == len(text) or text[i + 1] in ";,."):
            quoted = False
        elif ch == ";" and not quoted:
            segments.append(text[start:i].strip())
            start = i + 1
    segments.append(text[start:].strip())
    return [s for s in segments if s]


def parse_dob(text: str) -> PartialDate | None:
    """'11 Jun 1983', 'Jun 1983', '1983', 'circa 1951', '1955 to 1957' -> PartialDate."""
    m = _DOB.match(text.strip())
    if not m:
        return None
    month = m.group("month")
    month_no = _MONTHS.get(month.lower()) if month else None
    if month and month_no is None:
        return None
    return PartialDate(
        year=int(m.group("year")),
        month=month_no,
        day=int(m.group("day")) if m.group("day") and month_no else None,
        circa=bool(m.group("circa")),
        to_year=int(m.group("to_year")) if m.group("to_year") else None,
    )


def parse_identifier(segment: str) -> Identifier | None:
    """A document, contact or crypto segment -> Identifier, or None when it is not one."""
    m = _CRYPTO.match(segment)
    if m:
        return Identifier("crypto", m.group("addr"), label=m.group("cur").upper())
    m = _CCC.match(segment)
    if m:
        return Identifier("ccc", " ".join(m.group("codes").split()), label="CCC")
    m = _ID_RE.match(segment)
    if not m:
        return None
    label = m.group("label")
    kind = _ID_KIND[label.lower()]
    rest = m.group("rest").strip()
    if kind in ("email", "website"):
        return Identifier(kind, rest.split()[0], label=label)
    if kind == "phone":
        return Identifier(kind, re.sub(r"^(No\.|Number)\s*", "", rest), label=label)
    r = _ID_REST.match(rest)
    if r is None:  # pragma: no cover - _ID_REST matches any non-empty text
        return Identifier(kind, rest, label=label)
    country = r.group("country")
    value = r.group("value").strip().lstrip("#").strip()
    if kind == "imo" and value.upper().startswith("IMO "):
        value = value[4:].strip()
    return Identifier(
        kind, value, country=to_iso2(country) if country else None, label=label,
        issued=r.group("issued"), expires=r.group("expires"),
    )


def parse_remarks(remarks: str | None) -> ParsedRemarks:
    """Parse a whole remarks field; empty or '-0-' gives an empty result."""
    out = ParsedRemarks()
    if not remarks or remarks.strip() == "-0-":
        return out
    for segment in split_segments(remarks):
        _apply(out, segment)
    return out


def _apply(out: ParsedRemarks, segment: str) -> None:
    body = re.sub(r"^(alt\.|Alt\.)\s+", "", segment)
    lower = body.lower()
    m = _ALIAS.match(body)
    if m:
        out.aliases.append(Name(m.group("name").strip(), kind=m.group("kind")[0].lower() + "ka"))
        return
    if lower.startswith("dob "):
        dob = parse_dob(body[4:])
        if dob is not None:
            out.dobs.append(dob)
            return
    elif lower.startswith("pob"):
        out.places_of_birth.append(body[3:].lstrip(": ").strip())
        return
    elif lower.startswith("nationality ") and not lower.startswith("nationality of"):
        _add_country(out.nationalities, body[len("nationality "):], out)
        return
    elif lower.startswith("citizen "):
        _add_country(out.citizenships, body[len("citizen "):], out)
        return
    elif lower.startswith("gender "):
        out.gender = body[len("gender "):].strip().lower()
        return
    elif lower.startswith("linked to:"):
        out.linked_to.append(body[len("linked to:"):].strip())
        return
    ident = parse_identifier(body)
    if ident is not None:
        out.identifiers.append(ident)
        return
    out.notes.append(segment)


def _add_country(target: list[str], text: str, out: ParsedRemarks) -> None:
    code = to_iso2(text)
    if code is None:
        out.notes.append(text)
    elif code not in target:
        target.append(code)
