"""Loader for the UN Security Council consolidated sanctions list (XML).

Individuals and entities carry up to four name parts, aliases with a quality ('Good', 'Low',
'a.k.a.', 'f.k.a.'), names in the original script, dates of birth that may be exact, approximate
or a range, nationalities, addresses and documents. The list's own id is the REFERENCE_NUMBER
(e.g. 'CDi.001'); the generation date comes from the root element.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path

from counterflow.errors import InputError
from counterflow.screen.countries import to_iso2
from counterflow.screen.model import Address, Entry, Identifier, Name, PartialDate, SanctionsList
from counterflow.screen.sources import read_text

log = logging.getLogger(__name__)

_DOC_KINDS = {"passport": "passport", "national identification number": "national_id",
              "numéro de passeport": "passport", "número de pasaporte": "passport"}


def _text(el: ET.Element | None, tag: str) -> str | None:
    if el is None:
        return None
    child = el.find(tag)
    if child is None or child.text is None:
        return None
    value = " ".join(child.text.split())
    return value or None


def _values(el: ET.Element, tag: str) -> list[str]:
    found = (v.text for v in el.findall(f"{tag}/VALUE"))
    return [" ".join(t.split()) for t in found if t and t.strip()]


def load_un_xml(path: str | Path, *, list_id: str | None = None) -> SanctionsList:
    """Load a UN consolidated list XML file (plain or .gz)."""
    path = Path(path)
    text = read_text(path)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        if "</CONSOLIDATED_LIST>" not in text[-4096:]:
            raise InputError("the XML ends before </CONSOLIDATED_LIST>: the file looks cut short (download it "
                             "again)", file=str(path), row=line) from None
        raise InputError(f"malformed XML: {exc}", file=str(path), row=line) from None
    if root.tag != "CONSOLIDATED_LIST":
        raise InputError(f"not a UN consolidated list (root element <{root.tag}>)", file=str(path))
    generated = root.get("dateGenerated")
    published = generated[:10] if generated else None
    list_id = list_id or (f"un-{published}" if published else "un")
    entries: dict[str, Entry] = {}
    for kind, group, item in (("person", "INDIVIDUALS", "INDIVIDUAL"),
                              ("organization", "ENTITIES", "ENTITY")):
        for el in root.findall(f"{group}/{item}"):
            entry = _entry(el, kind, item, list_id, path)
            entries[entry.entry_id] = entry
    if not entries:
        raise InputError("no INDIVIDUAL or ENTITY records found", file=str(path))
    log.info("loaded %d UN entries from %s", len(entries), path)
    return SanctionsList(list_id=list_id, publisher="UN",
                         title="UN Security Council Consolidated List", published=published,
                         source=str(path), entries=entries)


def _entry(el: ET.Element, kind: str, item: str, list_id: str, path: Path) -> Entry:
    ref = _text(el, "REFERENCE_NUMBER") or _text(el, "DATAID")
    if not ref:
        raise InputError(f"{item} without REFERENCE_NUMBER or DATAID", file=str(path),
                         field="REFERENCE_NUMBER")
    parts = [_text(el, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    primary = " ".join(p for p in parts if p)
    if not primary:
        raise InputError(f"{item} {ref} has no name", file=str(path), field="FIRST_NAME")
    names = [Name(primary, "primary")]
    original = _text(el, "NAME_ORIGINAL_SCRIPT")
    if original:
        names.append(Name(original, "aka", script="original"))
    for alias in el.findall(f"{item}_ALIAS"):
        alias_name = _text(alias, "ALIAS_NAME")
        if not alias_name:
            continue
        quality = (_text(alias, "QUALITY") or "").lower()
        names.append(Name(alias_name, "fka" if quality == "f.k.a." else "aka",
                          weak=quality == "low"))
    dobs = [d for d in (_dob(x) for x in el.findall("INDIVIDUAL_DATE_OF_BIRTH")) if d]
    pobs = []
    for pob in el.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
        place = ", ".join(p for p in (_text(pob, "CITY"), _text(pob, "STATE_PROVINCE"),
                                      _text(pob, "COUNTRY")) if p)
        if place:
            pobs.append(place)
    addresses = []
    for addr in el.findall(f"{item}_ADDRESS"):
        fields = [_text(addr, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE",
                                            "COUNTRY")]
        if any(fields):
            country = fields[4]
            addresses.append(Address(", ".join(f for f in fields if f), city=fields[1],
                                     country=to_iso2(country), country_name=country))
    identifiers = []
    for doc in el.findall("INDIVIDUAL_DOCUMENT"):
        number = _text(doc, "NUMBER")
        if number:
            label = _text(doc, "TYPE_OF_DOCUMENT") or "document"
            country = _text(doc, "ISSUING_COUNTRY") or _text(doc, "COUNTRY_OF_ISSUE")
            identifiers.append(Identifier(
                _DOC_KINDS.get(label.lower().strip(), "national_id"), number,
                country=to_iso2(country), label=label, issued=_text(doc, "DATE_OF_ISSUE")))
    nationalities = []
    for nat in _values(el, "NATIONALITY"):
        code = to_iso2(nat)
        if code and code not in nationalities:
            nationalities.append(code)
    return Entry(
        list_id=list_id, entry_id=ref, names=tuple(names), entry_type=kind,
        programs=tuple(p for p in [_text(el, "UN_LIST_TYPE")] if p), dobs=tuple(dobs),
        places_of_birth=tuple(pobs), nationalities=tuple(nationalities),
        addresses=tuple(addresses), identifiers=tuple(identifiers),
        gender=(_text(el, "GENDER") or "").lower() or None,
        title=", ".join(_values(el, "TITLE")) or None, listed_on=_text(el, "LISTED_ON"),
        notes=tuple(_values(el, "DESIGNATION")), remarks=_text(el, "COMMENTS1"),
    )


def _dob(el: ET.Element) -> PartialDate | None:
    exact = _text(el, "DATE")
    kind = (_text(el, "TYPE_OF_DATE") or "EXACT").upper()
    if exact and len(exact) >= 10 and exact[:4].isdigit():
        return PartialDate(int(exact[:4]), int(exact[5:7]), int(exact[8:10]),
                           circa=kind == "APPROXIMATELY")
    year = _text(el, "YEAR")
    if year and year.isdigit():
        return PartialDate(int(year), circa=kind == "APPROXIMATELY")
    lo, hi = _text(el, "FROM_YEAR"), _text(el, "TO_YEAR")
    if lo and hi and lo.isdigit() and hi.isdigit():
        return PartialDate(int(lo), to_year=int(hi))
    return None
