"""Parties, accounts and payments as FollowTheMoney entities (JSON lines), and reading them back.

FollowTheMoney (FtM) is the data model of OpenSanctions and Aleph; a file of FtM entities can be
loaded by ``ftm`` tools, Aleph, yente and other investigation software. One entity per line:
``{"id": ..., "schema": ..., "properties": {property: [string, ...]}}``.

Mapping (property names as in FtM's schema YAML; see ``docs/formats.md``):

* persons → ``Person``; businesses → ``Company``; parties of unknown kind (imported data) →
  ``LegalEntity``.
* accounts → ``BankAccount``. FtM has no holder property on a bank account: the holder is an
  ``Ownership`` entity (owner: the party, asset: the account), one per account.
* transactions → ``Payment`` with payer, payerAccount, beneficiary, beneficiaryAccount.

Ids are stable: ``cf-party-<party_id>``, ``cf-account-<account_id>``,
``cf-ownership-<account_id>``, ``cf-payment-<txn_id>``. Ground-truth labels are not exported:
the files are meant to be shown to other tools as a bank would see its data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa

from counterflow.dataset.amlworld import check_output_file, spill_next_to
from counterflow.dataset.reader import Dataset
from counterflow.errors import InputError
from counterflow.files import JSON_LINES, atomic_file

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
PARTS = ("parties", "accounts", "payments")
_BATCH_ROWS = 50_000

PARTY_SCHEMA = {"person": "Person", "business": "Company", "unknown": "LegalEntity"}

# Phones: FtM keeps a number only when it is in E.164 and valid (libphonenumber's rules), and
# takes the country from its prefix. Per country of the twin: calling code, national digits, and
# leading digits under which every national number is valid there (libphonenumber metadata, as
# checked by tests/dataset/test_ftm.py with the followthemoney package). Twin numbers are drawn
# at random and some fall outside them (an Indian +91 5..., a Canadian with a US area code): their
# leading digits are rewritten to the lead at their index modulo the list, the rest kept, so the
# same number always exports the same (shared phones stay shared).
_PHONE_RULES: dict[str, tuple[str, int, tuple[int, ...]]] = {
    "CA": ("1", 10, (204, 226, 236, 249, 250, 257, 263, 273, 289, 306, 343, 354, 365, 367, 368, 382, 403, 416,
                     418, 428, 431, 437, 438, 450, 468, 474, 506, 514, 519, 548, 579, 581, 584, 587, 604, 613,
                     622, 633, 639, 647, 672, 683, 705, 709, 742, 753, 778, 780, 782, 807, 819, 825, 867, 873,
                     879, 902, 905, 942)),
    "MX": ("52", 10, (22, 33, 44, 45, 55, 56, 72, 77, 81, 96, 99)),
    "HK": ("852", 8, (21, 23, 24, 25, 26, 27, 28, 29, 61, 63, 64, 65, 69, 94, 96, 97)),
    "IN": ("91", 10, tuple(range(60, 100))),
}


def party_id(pid: int) -> str:
    return f"cf-party-{pid}"


def account_id(aid: int) -> str:
    return f"cf-account-{aid}"


def payment_id(tid: int) -> str:
    return f"cf-payment-{tid}"


def _entity(eid: str, schema: str, props: dict[str, Any]) -> dict[str, Any]:
    """An entity with only the non-empty properties, each a list of strings."""
    out: dict[str, list[str]] = {}
    for k, v in props.items():
        values = v if isinstance(v, (list, tuple)) else [v]
        values = [_text(x) for x in values if x is not None and x != ""]
        if values:
            out[k] = values
    return {"id": eid, "schema": schema, "properties": out}


def _text(x: Any) -> str:
    if hasattr(x, "isoformat"):
        return x.isoformat()
    return str(x)


def _country(code: str | None) -> str | None:
    # FtM's country type uses lower-case ISO 3166-1 codes.
    return code.lower() if code else None


def phone_e164(phone: str | None, country: str | None) -> str | None:
    """A stored phone number as E.164 (``+`` and digits), valid where the twin's rules know its country
    (``_PHONE_RULES``); None for an empty one.

    The country is the calling code's, so that a number two holders share exports the same for
    both; +1 is shared by the US and Canada, so there the holder's ``country`` decides."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return None
    if not phone.lstrip().startswith("+"):
        return "+" + digits
    rule = None
    for ctry, (code, n, leads) in _PHONE_RULES.items():
        if digits.startswith(code) and len(digits) == len(code) + n and (code != "1" or country == ctry):
            rule = (code, leads)
            break
    if rule is None:
        return "+" + digits
    code, leads = rule
    national = digits[len(code):]
    k = len(str(leads[0]))
    lead = int(national[:k])
    if lead not in leads:
        national = f"{leads[lead % len(leads)]:0{k}d}" + national[k:]
    if code == "1" and national[3] in "01":
        # A North American exchange code starts with 2-9 (NXX): 0 and 1 move to 2 and 3.
        national = national[:3] + str(int(national[3]) + 2) + national[4:]
    return "+" + code + national


def _batches(ds: Dataset, query: str) -> Iterator[list[dict[str, Any]]]:
    rel = ds.con.sql(query)
    # DuckDB 1.4 renamed fetch_arrow_reader to to_arrow_reader; 2.0 dropped the old name.
    method = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader
    for batch in method(_BATCH_ROWS):
        yield batch.to_pylist()


def party_entities(ds: Dataset) -> Iterator[dict[str, Any]]:
    """Person, Company or LegalEntity entities for the parties table, in party_id order."""
    from counterflow.world.industries import INDUSTRIES

    sectors = {i.code: i.name for i in INDUSTRIES}
    query = ("SELECT p.*, c.name AS city FROM parties p "
             "LEFT JOIN places c ON c.place_id = p.city_id ORDER BY p.party_id")
    for rows in _batches(ds, query):
        for r in rows:
            schema = PARTY_SCHEMA.get(r["kind"], "LegalEntity")
            # One address line, as screening lists print them: street, city, state.
            address = ", ".join(x for x in (r["address"], r["city"], r["state"]) if x) or None
            props: dict[str, Any] = {
                "name": r["name"], "country": _country(r["country"]), "address": address,
                "phone": phone_e164(r["phone"], r["country"]), "email": r["email"],
            }
            if schema == "Person":
                props.update(firstName=r["given_name"], lastName=r["family_name"],
                             birthDate=r["birth_date"], nationality=_country(r["nationality"]),
                             profession=r["occupation"])
            elif schema == "Company":
                code = r["industry_code"]
                props.update(jurisdiction=_country(r["country"]), taxNumber=r["tax_id"],
                             incorporationDate=r["registration_date"], classification=code,
                             sector=sectors.get(code) if code else None,
                             alias=r["trade_names"] or [])
            yield _entity(party_id(r["party_id"]), schema, props)


def account_entities(ds: Dataset) -> Iterator[dict[str, Any]]:
    """A BankAccount and an Ownership (holder → account) per account, in account_id order."""
    query = ("SELECT a.*, b.name AS bank_name, b.bic FROM accounts a "
             "LEFT JOIN banks b ON b.bank_id = a.bank_id ORDER BY a.account_id")
    for rows in _batches(ds, query):
        for r in rows:
            aid = account_id(r["account_id"])
            yield _entity(aid, "BankAccount", {
                "accountNumber": r["account_number"], "bankName": r["bank_name"],
                "bic": r["bic"], "accountType": r["account_type"], "currency": r["currency"],
                "openingDate": r["open_date"],
            })
            yield _entity(f"cf-ownership-{r['account_id']}", "Ownership", {
                "owner": party_id(r["party_id"]), "asset": aid, "ownershipType": "account holder",
            })


def _prop(name: str, expr: str) -> str:
    """SQL for ``"name":["value"]``, or NULL (which concat_ws skips) when the value is NULL.

    Only for values JSON never escapes: numbers, dates, ids and vocabulary codes. (Free text
    would need ``to_json``, which costs a third of the export's time.)
    """
    return (f"CASE WHEN ({expr}) IS NOT NULL "
            f"THEN '\"{name}\":[\"' || CAST(({expr}) AS VARCHAR) || '\"]' END")


def payment_lines(ds: Dataset, limit: int | None = None) -> Iterator[pa.Array]:
    """Payment entities as JSON lines (each ending in a newline), in Arrow batches, in time
    order; ``limit`` keeps the first ones.

    Payments are most of the rows, so DuckDB writes their JSON (vectorized) instead of Python.
    """
    cur_paid = "CAST(t.currency_paid AS VARCHAR)"
    props = [
        _prop("date", "strftime(t.ts, '%Y-%m-%dT%H:%M:%S')"),
        _prop("amount", "t.amount_paid"),
        _prop("currency", cur_paid),
        _prop("amountUsd", f"CASE WHEN {cur_paid} = 'USD' THEN t.amount_paid "
                           "ELSE round(t.amount_paid * f.usd_per_unit, 2) END"),
        _prop("purpose", "CAST(t.txn_type AS VARCHAR)"),
        _prop("programme", "CAST(t.channel AS VARCHAR)"),
        _prop("transactionNumber", "t.txn_id"),
        _prop("payer", "'cf-party-' || sa.party_id"),
        _prop("payerAccount", "'cf-account-' || t.src_account"),
        _prop("beneficiary", "'cf-party-' || da.party_id"),
        _prop("beneficiaryAccount", "'cf-account-' || t.dst_account"),
        # FtM's Payment has one amount; a conversion's credited side goes in the text.
        _prop("description", f"CASE WHEN CAST(t.currency_received AS VARCHAR) <> {cur_paid} "
                             "OR t.amount_received <> t.amount_paid THEN 'received ' || "
                             "CAST(t.amount_received AS VARCHAR) || ' ' || "
                             "CAST(t.currency_received AS VARCHAR) END"),
    ]
    limit_sql = f" LIMIT {int(limit)}" if limit is not None else ""
    query = f"""
        SELECT '{{"id":"cf-payment-' || t.txn_id || '","schema":"Payment","properties":{{'
               || concat_ws(',', {", ".join(props)}) || '}}}}' || chr(10) AS line
        FROM transactions t
        LEFT JOIN accounts sa ON sa.account_id = t.src_account
        LEFT JOIN accounts da ON da.account_id = t.dst_account
        LEFT JOIN fx_rates f ON f.date = CAST(t.ts AS DATE) AND f.currency = {cur_paid}
        ORDER BY t.txn_id{limit_sql}
    """
    rel = ds.con.sql(query)
    method = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader
    for batch in method(_BATCH_ROWS):
        yield batch.column(0)


def _write_lines(fh: IO[bytes], lines: pa.Array) -> None:
    """Write a string array whose values end in newlines: its data buffer is the file's bytes."""
    if not (pa.types.is_string(lines.type) or pa.types.is_large_string(lines.type)):
        lines = lines.cast(pa.large_string())
    if len(lines) == 0:
        return
    _, offsets, data = lines.buffers()
    width = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    pos = np.frombuffer(offsets, dtype=width)
    start, end = int(pos[lines.offset]), int(pos[lines.offset + len(lines)])
    fh.write(memoryview(data)[start:end])


def export_ftm(ds: Dataset, out_path: str | Path, *, include: Iterable[str] = PARTS,
               limit_payments: int | None = None, overwrite: bool = False,
               progress: Progress | None = None) -> dict[str, int]:
    """Write parties, accounts and payments as FtM JSON lines; returns entities per schema.

    The file is written to a hidden temporary name and renamed into place when complete.
    """
    include = tuple(include)
    unknown = sorted(set(include) - set(PARTS))
    if unknown:
        raise InputError(f"cannot export {unknown}; choose from {', '.join(PARTS)}")
    if limit_payments is not None and limit_payments < 0:
        raise InputError("limit_payments must be zero or more", field="limit_payments")
    out = Path(out_path)
    check_output_file(out, overwrite, JSON_LINES, (ds.path,))
    report = progress or (lambda stage, done, total: None)
    counts: dict[str, int] = {}
    # Closed, then renamed into place: only a complete file ever appears.
    with atomic_file(out) as tmp, open(tmp, "wb") as fh, spill_next_to(ds.con, out):
        if "parties" in include:
            _write(fh, party_entities(ds), counts, "parties", ds.rows("parties"), report)
        if "accounts" in include:
            _write(fh, account_entities(ds), counts, "accounts", 2 * ds.rows("accounts"), report)
        if "payments" in include:
            n = ds.rows("transactions")
            total = n if limit_payments is None else min(n, limit_payments)
            done = 0
            report("payments", 0, total)
            for lines in payment_lines(ds, limit_payments):
                _write_lines(fh, lines)
                done += len(lines)
                report("payments", done, total)
            if done:
                counts["Payment"] = done
    log.info("exported %s FtM entities to %s", sum(counts.values()), out)
    return counts


def _write(fh: IO[bytes], entities: Iterator[dict[str, Any]], counts: dict[str, int], stage: str,
           total: int, report: Progress) -> None:
    done = 0
    lines: list[str] = []
    report(stage, 0, total)
    for e in entities:
        lines.append(json.dumps(e, ensure_ascii=False, separators=(",", ":")))
        counts[e["schema"]] = counts.get(e["schema"], 0) + 1
        done += 1
        if len(lines) >= _BATCH_ROWS:
            fh.write(("\n".join(lines) + "\n").encode("utf-8"))
            lines = []
            report(stage, done, total)
    if lines:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    report(stage, done, total)


def read_ftm(path: str | Path) -> Iterator[dict[str, Any]]:
    """Read FtM entities from a JSON-lines file, checking each line's shape.

    Yields ``{"id", "schema", "properties"}`` dicts (other keys of the line are kept). Blank
    lines are skipped. A bad line raises :class:`InputError` whose row is the line number.
    """
    p = Path(path)
    try:
        fh = open(p, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=str(p)) from exc
    with fh:
        try:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                yield _check(p, line_no, line)
        except UnicodeDecodeError as exc:
            raise InputError("not UTF-8 text", file=str(p)) from exc


def _check(p: Path, line_no: int, line: str) -> dict[str, Any]:
    def bad(msg: str, field: str | None = None) -> InputError:
        return InputError(msg + " (rows are line numbers)", file=str(p), row=line_no, field=field)

    try:
        e = json.loads(line)
    except json.JSONDecodeError as exc:
        raise bad(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(e, dict):
        raise bad("not a JSON object; each line must be one FtM entity")
    for key in ("id", "schema"):
        if not isinstance(e.get(key), str) or not e[key]:
            raise bad(f"missing or empty entity {key}", key)
    props = e.setdefault("properties", {})
    if not isinstance(props, dict):
        raise bad("properties must be an object", "properties")
    for k, v in props.items():
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise bad("property values must be a list of strings", f"properties.{k}")
    return e
