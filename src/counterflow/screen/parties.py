"""Reading the parties to screen: CSV, Parquet, FollowTheMoney JSON lines or a dataset directory.

Columns follow the dataset's parties table (party_id, kind, name, birth_date, country,
nationality, email, phone, tax_id); only ``name`` is required. Extra identifiers (passport,
crypto address, ...) can be given in an ``identifiers`` column, separated by ';'.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa

from counterflow.errors import InputError
from counterflow.screen.match import Party

_KINDS = {"person": "person", "business": "business", "company": "business",
          "organization": "business", "legalentity": "unknown", "unknown": "unknown"}
_FTM_KIND = {"Person": "person", "Company": "business", "Organization": "business",
             "LegalEntity": "unknown"}


def read_parties(path: str | Path) -> list[Party]:
    path = Path(path)
    if path.is_dir():
        from counterflow import open_dataset  # the dataset package, only when a dir is given

        return parties_from_table(open_dataset(path).arrow("parties"), str(path))
    if not path.exists():
        raise InputError("file not found", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        import pyarrow.csv as pacsv

        try:
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                strings_can_be_null=True))
        except pa.ArrowInvalid as exc:
            raise InputError(f"malformed CSV: {exc}", file=str(path)) from exc
        return parties_from_table(table, str(path))
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"cannot read Parquet: {exc}", file=str(path)) from exc
        return parties_from_table(table, str(path))
    if suffix in (".json", ".jsonl", ".ftm", ".ijson"):
        return parties_from_ftm(path)
    raise InputError("unsupported party file (use .csv, .parquet, FtM .json/.jsonl, or a "
                     "dataset directory)", file=str(path))


def _date(value, file: str, row: int) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise InputError(f"not an ISO date: {value!r}", file=file, row=row,
                         field="birth_date") from exc


def parties_from_table(table: pa.Table, file: str = "<table>") -> list[Party]:
    if "name" not in table.column_names:
        raise InputError("no 'name' column", file=file, field="name")
    cols = {c: table.column(c).to_pylist() for c in table.column_names}
    n = table.num_rows
    empty = [None] * n
    out = []
    for i in range(n):
        name = cols["name"][i]
        if not name:
            continue
        idents = [str(cols.get(c, empty)[i]) for c in ("email", "phone", "tax_id")
                  if cols.get(c, empty)[i]]
        extra = cols.get("identifiers", empty)[i]
        if extra:
            idents.extend(v.strip() for v in str(extra).split(";") if v.strip())
        pid = cols.get("party_id", empty)[i]
        out.append(Party(
            name=str(name), kind=_KINDS.get(str(cols.get("kind", empty)[i] or "").lower(),
                                            "unknown"),
            birth_date=_date(cols.get("birth_date", empty)[i], file, i + 1),
            country=cols.get("country", empty)[i] or None,
            nationality=cols.get("nationality", empty)[i] or None,
            identifiers=tuple(idents), party_id=None if pid is None else str(pid)))
    return out


def parties_from_ftm(path: Path) -> list[Party]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for rowno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                entity = json.loads(line)
                schema = entity["schema"]
                props = entity.get("properties", {})
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InputError(f"not a FollowTheMoney entity: {exc}", file=str(path),
                                 row=rowno) from exc
            if schema not in _FTM_KIND or not props.get("name"):
                continue
            idents = []
            for prop in ("email", "phone", "passportNumber", "idNumber", "taxNumber",
                         "registrationNumber", "innCode"):
                idents.extend(props.get(prop, []))
            births = props.get("birthDate", [])
            countries = props.get("country", []) + props.get("jurisdiction", [])
            nats = props.get("nationality", [])
            out.append(Party(
                name=props["name"][0], kind=_FTM_KIND[schema],
                birth_date=_date(births[0], str(path), rowno) if births else None,
                country=countries[0].upper() if countries else None,
                nationality=nats[0].upper() if nats else None, identifiers=tuple(idents),
                party_id=entity.get("id")))
    return out
