"""Export list entries as FollowTheMoney entities (the JSON form OpenSanctions and Aleph read).

Each entry becomes a Person, Organization, Vessel or Airplane entity with names, aliases,
dates of birth, countries, identifiers and addresses as FtM properties; sanctions programs become
a Sanction entity pointing at it. Written as JSON lines, temp file then rename.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from counterflow.files import JSON_LINES, atomic_file, claim_output
from counterflow.screen import ccc
from counterflow.screen.model import Entry, SanctionsList

_SCHEMA = {"person": "Person", "organization": "Organization", "vessel": "Vessel",
           "aircraft": "Airplane"}
_ID_PROPS = {"passport": "passportNumber", "national_id": "idNumber", "tax_id": "taxNumber",
             "registration": "registrationNumber", "email": "email", "phone": "phone",
             "website": "website", "swift": "swiftBic", "imo": "imoNumber", "mmsi": "mmsi"}


def entity_id(entry: Entry) -> str:
    return f"{entry.list_id}-{entry.entry_id}".lower().replace(":", "-")


def entry_to_ftm(entry: Entry) -> list[dict]:
    """The entity for one entry and its Sanction entity."""
    schema = _SCHEMA.get(entry.entry_type, "LegalEntity")
    props: dict[str, list[str]] = {"name": [entry.name]}

    def add(prop: str, value: str | None) -> None:
        if value and value not in props.setdefault(prop, []):
            props[prop].append(value)

    for alias in entry.aliases:
        add("weakAlias" if alias.weak else "previousName" if alias.kind == "fka" else "alias",
            alias.text)
    for codes in entry.ccc:
        add("alias", ccc.decode(codes).mainland)
    if schema == "Person":
        for dob in entry.dobs:
            add("birthDate", dob.iso())
        for place in entry.places_of_birth:
            add("birthPlace", place)
        for code in entry.nationalities:
            add("nationality", code.lower())
        for code in entry.citizenships:
            add("citizenship", code.lower())
        add("gender", entry.gender)
        add("position", entry.title)
    for address in entry.addresses:
        add("address", address.text)
        if address.country:
            add("country", address.country.lower())
    for ident in entry.identifiers:
        prop = _ID_PROPS.get(ident.kind)
        if ident.kind == "crypto":
            continue  # CryptoWallet entities below
        if prop and (schema in ("Person", "Organization", "LegalEntity") or prop.startswith(
                ("imo", "mmsi", "registration"))):
            add(prop, ident.value)
    add("notes", entry.remarks)
    add("topics", "sanction")
    eid = entity_id(entry)
    out = [{"id": eid, "schema": schema, "properties": props}]
    sanction = {"entity": [eid], "authority": [_authority(entry.list_id)],
                "authorityId": [entry.entry_id]}
    if entry.programs:
        sanction["program"] = list(entry.programs)
    if entry.listed_on:
        sanction["listingDate"] = [entry.listed_on]
    out.append({"id": f"{eid}-sanction", "schema": "Sanction", "properties": sanction})
    for i, ident in enumerate(i for i in entry.identifiers if i.kind == "crypto"):
        out.append({"id": f"{eid}-wallet-{i}", "schema": "CryptoWallet",
                    "properties": {"publicKey": [ident.value], "currency": [ident.label or ""],
                                   "holder": [eid]}})
    return out


def _authority(list_id: str) -> str:
    if list_id.startswith("ofac"):
        return "Office of Foreign Assets Control (OFAC)"
    if list_id.startswith("un"):
        return "United Nations Security Council"
    return list_id


def iter_ftm(lst: SanctionsList) -> Iterator[dict]:
    for entry in lst.entries.values():
        yield from entry_to_ftm(entry)


def write_ftm(lst: SanctionsList, path: str | Path, *, overwrite: bool = False) -> int:
    """Write the list as FtM JSON lines; returns the number of entities written. An existing file is
    replaced only with ``overwrite``, and only if it is a JSON-lines file (counterflow.files)."""
    count = 0
    inputs = [lst.source] if not lst.source.startswith("counterflow:") else []
    with claim_output(path, kind="file", overwrite=overwrite, inputs=inputs, replaceable=JSON_LINES,
                      what="FtM file"), atomic_file(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for entity in iter_ftm(lst):
            fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count
