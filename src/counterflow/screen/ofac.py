"""Loader for OFAC's legacy CSV files (sdn.csv with optional alt.csv and add.csv beside it).

The files have no header row and write empty values as ``-0-``. Aliases come from alt.csv when
present and always from the remarks field (the 2024 snapshot ships sdn.csv alone, where the
remarks carry every ``a.k.a.``); both are merged without duplicates.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from counterflow.errors import InputError
from counterflow.screen.countries import to_iso2
from counterflow.screen.model import Address, Entry, Identifier, Name, SanctionsList
from counterflow.screen.remarks import parse_remarks
from counterflow.screen.sources import resolve, text_stream

log = logging.getLogger(__name__)

SDN_COLUMNS = ("ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type",
               "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks")
_TYPES = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}


def _val(text: str) -> str | None:
    text = text.strip()
    return None if text in ("-0-", "") else text


def _rows(path: Path, ncols: int, name: str):
    """Yield (row number, fields) of a header-less OFAC CSV, checking the column count and that the
    file is whole: OFAC's files end with the DOS end-of-file mark, which a cut-short copy lacks."""
    real = resolve(path)
    stream = text_stream(real)
    text = stream.getvalue()
    if not text.rstrip().endswith("\x1a"):
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        raise InputError(f"{name} does not end with OFAC's end-of-file mark (byte 0x1A): the file looks cut "
                         "short (download it again; a hand-made list must end with that byte too)",
                         file=str(real), row=lines)
    reader = csv.reader(stream, strict=True)
    try:
        for rowno, row in enumerate(reader, start=1):
            if not row or (len(row) == 1 and row[0].strip() in ("", "\x1a")):
                continue  # blank lines and the DOS end-of-file mark OFAC files end with
            if len(row) != ncols:
                raise InputError(f"expected {ncols} columns in {name}, found {len(row)}",
                                 file=str(real), row=rowno)
            if not row[0].strip().isdigit():
                raise InputError(f"ent_num is not a number: {row[0]!r}", file=str(real),
                                 row=rowno, field="ent_num")
            yield rowno, row
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", file=str(real), row=reader.line_num) from exc


def load_ofac_csv(path: str | Path, *, list_id: str | None = None,
                  published: str | None = None) -> SanctionsList:
    """Load an OFAC legacy CSV: ``path`` is sdn.csv (or its folder)."""
    path = Path(path)
    sdn = path / "sdn.csv" if path.is_dir() else path
    folder = sdn.parent
    aliases: dict[str, list[Name]] = {}
    addresses: dict[str, list[Address]] = {}
    present = ["sdn"]
    alt = folder / "alt.csv"
    if alt.exists() or alt.with_name("alt.csv.gz").exists():
        present.append("alt")
        for _, row in _rows(alt, 5, "alt.csv"):
            text = _val(row[3])
            if text:
                kind = (_val(row[2]) or "aka").lower().replace(".", "")
                weak = "weak" in (row[4] or "").lower()
                aliases.setdefault(row[0].strip(), []).append(Name(text, kind=kind, weak=weak))
    add = folder / "add.csv"
    if add.exists() or add.with_name("add.csv.gz").exists():
        present.append("add")
        for _, row in _rows(add, 6, "add.csv"):
            parts = [p for p in (_val(row[2]), _val(row[3]), _val(row[4])) if p]
            if parts:
                country = _val(row[4])
                addresses.setdefault(row[0].strip(), []).append(Address(
                    text=", ".join(parts), city=_val(row[3]), country=to_iso2(country),
                    country_name=country))
    entries: dict[str, Entry] = {}
    for rowno, row in _rows(sdn, len(SDN_COLUMNS), "sdn.csv"):
        ent = row[0].strip()
        name = _val(row[1])
        if not name:
            raise InputError("empty SDN_Name", file=str(sdn), row=rowno, field="SDN_Name")
        entries[ent] = _entry(ent, name, row, aliases.get(ent, []), addresses.get(ent, []),
                              list_id or "ofac-sdn")
    if not entries:
        raise InputError("no entries found", file=str(sdn))
    # alt.csv and add.csv refer to sdn.csv's entries: one they name that sdn.csv lacks means a cut list.
    for part, refs in (("alt.csv", aliases), ("add.csv", addresses)):
        orphans = sorted((e for e in refs if e not in entries), key=lambda e: int(e) if e.isdigit() else 0)
        if orphans:
            raise InputError(f"{part} refers to {len(orphans)} entries that sdn.csv lacks (first: {orphans[0]}): "
                             "the list is incomplete", file=str(sdn), field="ent_num")
    log.info("loaded %d OFAC entries from %s", len(entries), sdn)
    return SanctionsList(list_id=list_id or "ofac-sdn", publisher="OFAC",
                         title="OFAC Specially Designated Nationals (SDN) list",
                         published=published, source=str(sdn), entries=entries,
                         parts=tuple(present))


def _entry(ent: str, name: str, row: list[str], alt_names: list[Name],
           addresses: list[Address], list_id: str) -> Entry:
    parsed = parse_remarks(row[11])
    names = [Name(name, "primary")]
    seen = {name.casefold()}
    for alias in alt_names + parsed.aliases:
        if alias.text.casefold() not in seen:
            seen.add(alias.text.casefold())
            names.append(alias)
    programs = tuple(p.strip() for p in (row[3] or "").strip().strip("[]").split("] [")
                     if p.strip() and p.strip() != "-0-")
    identifiers = list(parsed.identifiers)
    call_sign = _val(row[5])
    if call_sign:
        identifiers.append(Identifier("call_sign", call_sign, label="Call_Sign"))
    notes = list(parsed.notes)
    for label, idx in (("Vessel type", 6), ("Vessel flag", 9), ("Vessel owner", 10)):
        if _val(row[idx]):
            notes.append(f"{label}: {_val(row[idx])}")
    return Entry(
        list_id=list_id, entry_id=ent, names=tuple(names),
        entry_type=_TYPES.get((_val(row[2]) or "").lower(), "organization"),
        programs=programs, dobs=tuple(parsed.dobs),
        places_of_birth=tuple(parsed.places_of_birth),
        nationalities=tuple(parsed.nationalities), citizenships=tuple(parsed.citizenships),
        addresses=tuple(addresses), identifiers=tuple(identifiers), gender=parsed.gender,
        title=_val(row[4]), linked_to=tuple(parsed.linked_to), notes=tuple(notes),
        remarks=_val(row[11]),
    )
