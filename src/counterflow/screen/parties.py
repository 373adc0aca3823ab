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

        _check_utf8(path)
        try:
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                strings_can_be_null=True, column_types=_TEXT_COLUMNS))
        except pa.ArrowInvalid as exc:
            raise InputError(f"malformed CSV: {_first_line(exc)}", file=str(path)) from None
        return parties_from_table(table, str(path), first_row=2)
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"cannot read Parquet: {_first_line(exc)}", file=str(path)) from None
        return parties_from_table(table, str(path))
    if suffix in (".json", ".jsonl", ".ftm", ".ijson"):
        return parties_from_ftm(path)
    raise InputError("unsupported party file (use .csv, .parquet, FtM .json/.jsonl, or a "
                     "dataset directory)", file=str(path))


# Read as text whatever they look like: a phone or an id is not a number, a name is never one.
_TEXT_COLUMNS = {c: pa.string() for c in ("party_id", "kind", "name", "birth_date", "country", "nationality",
                                          "email", "phone", "tax_id", "identifiers")}


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_utf8(path: Path) -> None:
    """Refuse a CSV that is not UTF-8 text, naming the line of the first bad byte."""
    with open(path, "rb") as fh:
        for rowno, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"not UTF-8 text (byte {exc.start + 1} of the line)", file=str(path),
                                 row=rowno) from None


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


def parties_from_table(table: pa.Table, file: str = "<table>", first_row: int = 1) -> list[Party]:
    """Parties from a table; ``first_row`` is the row number of its first row in error messages."""
    if "name" not in table.column_names:
        raise InputError("no 'name' column", file=file, field="name")
    for f in table.schema:
        if f.name in _TEXT_COLUMNS and pa.types.is_nested(f.type):
            raise InputError(f"column {f.name!r} holds {f.type} values; it must hold text", file=file,
                             field=f.name)
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
            birth_date=_date(cols.get("birth_date", empty)[i], file, i + first_row),
            country=cols.get("country", empty)[i] or None,
            nationality=cols.get("nationality", empty)[i] or None,
            identifiers=tuple(idents), party_id=None if pid is None else str(pid)))
    return out


_MAX_LINE = 16 << 20  # one entity per line: a few kilobytes; an endless line is refused


def _prop(props: dict, key: str, file: str, row: int) -> list[str]:
    """The values of an FtM property: a list of strings (FtM's form), or one string taken as one value
    (not as a list of its letters); anything else is an error naming the row and the property."""
    value = props.get(key, [])
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"property {key!r} must be a list of strings, found {json.dumps(value)[:80]}",
                         file=file, row=row, field=key)
    return [v for v in value if v.strip()]


def parties_from_ftm(path: Path) -> list[Party]:
    out = []
    file = str(path)
    with open(path, "rb") as fh:
        for rowno, raw in enumerate(iter(lambda: fh.readline(_MAX_LINE + 1), b""), start=1):
            if len(raw) > _MAX_LINE:
                raise InputError(f"a line longer than {_MAX_LINE >> 20} MiB: not a FollowTheMoney entity", file=file,
                                 row=rowno)
            try:
                line = raw.decode("utf-8-sig" if rowno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"not UTF-8 text (byte {exc.start + 1} of the line)", file=file,
                                 row=rowno) from None
            if not line.strip():
                continue
            try:
                entity = json.loads(line)
                schema = entity["schema"]
                props = entity.get("properties", {})
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                raise InputError(f"not a FollowTheMoney entity: {exc}", file=file,
                                 row=rowno) from None
            if not isinstance(props, dict):
                raise InputError("'properties' must be an object", file=file, row=rowno, field="properties")
            if not isinstance(schema, str) or schema not in _FTM_KIND:
                continue
            names = _prop(props, "name", file, rowno)
            if not names:
                continue
            idents = []
            for prop in ("email", "phone", "passportNumber", "idNumber", "taxNumber",
                         "registrationNumber", "innCode"):
                idents.extend(_prop(props, prop, file, rowno))
            births = _prop(props, "birthDate", file, rowno)
            countries = _prop(props, "country", file, rowno) + _prop(props, "jurisdiction", file, rowno)
            nats = _prop(props, "nationality", file, rowno)
            pid = entity.get("id")
            out.append(Party(
                name=names[0], kind=_FTM_KIND[schema],
                birth_date=_date(births[0], file, rowno) if births else None,
                country=countries[0].upper() if countries else None,
                nationality=nats[0].upper() if nats else None, identifiers=tuple(idents),
                party_id=None if pid is None else str(pid)))
    return out
