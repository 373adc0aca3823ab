"""AMLworld-style transactions CSV: export our datasets to it and import it into our format.

AMLworld (Altman et al., NeurIPS 2023) is the common benchmark format of AML transaction data:
one CSV with the header ``Timestamp,From Bank,Account,To Bank,Account,Amount Received,
Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering`` (the name
"Account" appears twice). Currencies and payment formats are spelled out ("US Dollar", "Wire");
the mapping to our codes and channels is declared once below and documented in
``docs/formats.md``.

Export streams one DuckDB ``COPY`` over the dataset's views. Import validates the CSV block by
block with Arrow, stages the rows in a temporary Parquet file, and lets DuckDB number the accounts
and sort the transactions by time (DuckDB's sort spills to disk, so the file may be larger than
memory) before a :class:`~counterflow.dataset.writer.DatasetWriter` publishes the dataset.

Row numbers in import errors are the line numbers of the file (the header is row 1), also after a
quoted field that spans lines (:mod:`counterflow.dataset.csvscan`).
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from counterflow.dataset import schema as sch
from counterflow.dataset import vocab
from counterflow.dataset.csvscan import locate, record_line
from counterflow.dataset.dates import first_impossible_date
from counterflow.dataset.reader import Dataset
from counterflow.dataset.writer import DatasetWriter
from counterflow.engine.duckdb import connect
from counterflow.errors import InputError
from counterflow.files import Check, atomic_file, check_output, first_line

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

HEADER: tuple[str, ...] = (
    "Timestamp", "From Bank", "Account", "To Bank", "Account", "Amount Received",
    "Receiving Currency", "Amount Paid", "Payment Currency", "Payment Format", "Is Laundering",
)
# How a column is named in error messages: the two "Account" columns need telling apart.
FIELDS: tuple[str, ...] = (
    "Timestamp", "From Bank", "Account (column 3)", "To Bank", "Account (column 5)",
    "Amount Received", "Receiving Currency", "Amount Paid", "Payment Currency", "Payment Format",
    "Is Laundering",
)
TIME_FORMAT = "%Y/%m/%d %H:%M"

# Our ISO codes to AMLworld's currency names. AMLworld has no Hong Kong dollar and no Tether;
# the names given to those two follow AMLworld's style (the currency's common English name).
CURRENCY_NAMES: dict[str, str] = {
    "USD": "US Dollar", "EUR": "Euro", "CNY": "Yuan", "JPY": "Yen", "GBP": "UK Pound",
    "RUB": "Ruble", "CAD": "Canadian Dollar", "AUD": "Australian Dollar", "CHF": "Swiss Franc",
    "INR": "Rupee", "MXN": "Mexican Peso", "BRL": "Brazil Real", "SAR": "Saudi Riyal",
    "ILS": "Shekel", "BTC": "Bitcoin", "HKD": "Hong Kong Dollar", "USDT": "Tether",
}
CURRENCY_CODES: dict[str, str] = {name: code for code, name in CURRENCY_NAMES.items()}

# Our channels to AMLworld's payment formats. AMLworld has no P2P or money-services rail: a P2P
# app payment settles like an ACH transfer, a remittance through an MSB like a wire. Both are
# therefore lossy (an imported file gives ACH and WIRE back).
PAYMENT_FORMATS: dict[str, str] = {
    "ACH": "ACH", "WIRE": "Wire", "CARD": "Credit Card", "CASH": "Cash", "CHEQUE": "Cheque",
    "P2P": "ACH", "MSB": "Wire", "CRYPTO": "Bitcoin", "REINVESTMENT": "Reinvestment",
}
CHANNELS: dict[str, str] = {
    "ACH": "ACH", "Wire": "WIRE", "Credit Card": "CARD", "Cash": "CASH", "Cheque": "CHEQUE",
    "Bitcoin": "CRYPTO", "Reinvestment": "REINVESTMENT",
}


def _check_mappings() -> None:
    # Fails at import when someone adds a currency or channel to the vocabulary without an
    # AMLworld name, instead of exporting a silently broken file later.
    missing = [c for c in vocab.CURRENCIES if c not in CURRENCY_NAMES]
    missing += [c for c in vocab.CHANNELS if c not in PAYMENT_FORMATS]
    bad = [c for c in list(CURRENCY_CODES.values()) + list(CHANNELS.values())
           if c not in vocab.CURRENCIES + vocab.CHANNELS]
    if missing or bad or len(CURRENCY_CODES) != len(CURRENCY_NAMES):
        raise RuntimeError(f"AMLworld mapping out of date: missing {missing}, unknown {bad}")


_check_mappings()


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _case(expr: str, mapping: dict[str, str], what: str) -> str:
    """A SQL CASE mapping ``expr``; an unmapped value stops the query with a named error."""
    whens = " ".join(f"WHEN {_sql_str(k)} THEN {_sql_str(v)}" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE error('no AMLworld name for {what} ' || {expr}) END"


def _csv_field(expr: str) -> str:
    # Rows are assembled as one string (see export_amlworld), so CSV quoting is done here.
    return (f"CASE WHEN regexp_matches({expr}, '[,\"\\n\\r]') "
            f"THEN '\"' || replace({expr}, '\"', '\"\"') || '\"' ELSE {expr} END")


@contextmanager
def spill_next_to(con: Any, out: Path) -> Iterator[None]:
    """Let DuckDB spill big sorts into a hidden folder next to ``out`` while the block runs.

    An in-memory connection would otherwise spill to ``.tmp`` in the working directory, which
    may be read-only or on a small disk. The caller's setting is restored afterwards.
    """
    old = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.spill-", dir=out.parent) as d:
        con.execute("SET temp_directory = ?", [d])
        try:
            yield
        finally:
            con.execute("SET temp_directory = ?", [old])


# What an existing file must look like to be replaced by an export (see counterflow.files).
AMLWORLD_CSV = first_line(r"\s*\"?Timestamp\"?\s*,", "an AMLworld CSV (its first line is not the header)")


def check_output_file(out: Path, overwrite: bool, replaceable: Check | None = None,
                      inputs: tuple[Path, ...] = ()) -> None:
    """Refuse to write over a folder or an input, or over a file unless asked to (and of the kind)."""
    check_output(out, kind="file", overwrite=overwrite, inputs=inputs, replaceable=replaceable)


def export_amlworld(ds: Dataset, out_path: str | Path, *, overwrite: bool = False,
                    progress: Progress | None = None) -> int:
    """Write the dataset's transactions as an AMLworld-style CSV; returns the number of rows.

    Cash transactions have no account on one side in our data; AMLworld puts the same account on
    both sides of a cash row, and so does this export. The file appears only when complete.
    """
    out = Path(out_path)
    check_output_file(out, overwrite, AMLWORLD_CSV, (ds.path,))
    report = progress or (lambda stage, done, total: None)
    n = ds.rows("transactions")
    report("export", 0, n)
    # DuckDB would rename the second "Account" column to "Account_1" in the header, so each row
    # is assembled as one string in a single column whose name is the whole header; with a tab
    # as the (never used) delimiter DuckDB writes both verbatim. concat_ws would skip NULLs, so
    # every part is non-null by construction (an unmapped value raises instead).
    acct_from = "coalesce(sa.account_number, da.account_number)"
    acct_to = "coalesce(da.account_number, sa.account_number)"
    parts = [
        "strftime(t.ts, '%Y/%m/%d %H:%M')",
        "CAST(coalesce(sa.bank_id, da.bank_id) AS VARCHAR)",
        _csv_field(acct_from),
        "CAST(coalesce(da.bank_id, sa.bank_id) AS VARCHAR)",
        _csv_field(acct_to),
        "CAST(t.amount_received AS VARCHAR)",
        _case("CAST(t.currency_received AS VARCHAR)", CURRENCY_NAMES, "currency"),
        "CAST(t.amount_paid AS VARCHAR)",
        _case("CAST(t.currency_paid AS VARCHAR)", CURRENCY_NAMES, "currency"),
        _case("CAST(t.channel AS VARCHAR)", PAYMENT_FORMATS, "channel"),
        "CASE WHEN l.is_illicit THEN '1' ELSE '0' END",
    ]
    header = ",".join(HEADER)
    query = (
        f"SELECT concat_ws(',', {', '.join(parts)}) AS \"{header}\" "
        "FROM transactions t "
        "LEFT JOIN transaction_labels l ON l.txn_id = t.txn_id "
        "LEFT JOIN accounts sa ON sa.account_id = t.src_account "
        "LEFT JOIN accounts da ON da.account_id = t.dst_account "
        # The joins may reorder rows across threads; txn_id order is time order.
        "ORDER BY t.txn_id"
    )
    with atomic_file(out) as tmp, spill_next_to(ds.con, out):
        ds.con.execute(f"COPY ({query}) TO {_sql_str(str(tmp))} "
                       "(FORMAT csv, HEADER, DELIMITER '\t', QUOTE '', ESCAPE '')")
    report("export", n, n)
    log.info("exported %s transactions to %s", n, out)
    return n


# ---------------------------------------------------------------------------------------------
# Import

# A non-negative decimal number, optionally in exponent notation (DuckDB writes 1e-08).
_NUMBER = r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"
_BANK = r"^[0-9]{1,9}$"  # a bank number that fits bank_id's int32
_COLS = ("ts", "from_bank", "from_acct", "to_bank", "to_acct", "amount_received", "cur_received",
         "amount_paid", "cur_paid", "format", "laundering")
_BLOCK_BYTES = 16 << 20
ROWS_PER_FILE = 10_000_000
_BATCH_ROWS = 1 << 20
_ROWS_NOTE = " (rows count the header as row 1)"
_KINDS = ("time", "bank", "account", "bank", "account", "amount", "currency", "amount",
          "currency", "format", "label")
_ALLOWED = {"currency": CURRENCY_CODES, "format": CHANNELS, "label": ("0", "1")}
_REASONS = {
    "bank": "is empty: a bank is required",
    "account": "is empty: an account is required",
    "amount": "is not a non-negative number",
    "currency": "is not a known currency name (e.g. 'US Dollar'; see docs/formats.md)",
    "format": f"is not a known payment format ({', '.join(CHANNELS)})",
    "label": "is not 0 or 1",
}


def _read_header(path: Path) -> bool:
    """Check the header line; True when the file has the "Is Laundering" column."""
    try:
        with open(path, "rb") as fh:
            first = fh.readline(1 << 16)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=str(path)) from exc
    if not first.strip():
        raise InputError("empty file: expected an AMLworld header line "
                         f"({','.join(HEADER)})", file=str(path), row=1)
    try:
        text = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise InputError("header is not UTF-8 text", file=str(path), row=1) from exc
    names = [n.strip().strip('"').strip() for n in text.split(",")]
    if names == list(HEADER) or names == list(HEADER[:10]):
        return len(names) == 11
    for i, (want, got) in enumerate(zip(HEADER, names)):
        if want != got:
            field = FIELDS[i]
            break
    else:
        field = None
    raise InputError(
        f"not an AMLworld header: expected {','.join(HEADER)} (the last column is optional); "
        f"found {text[:300]!r}", file=str(path), row=1, field=field)


def _count_error(path: Path, ncols: int, cause: Exception) -> InputError:
    """Find the line Arrow's CSV parser stumbled on (it does not say): slow, errors only."""
    return locate(path, cause, ncols=ncols)


def _fail(path: Path, row: int, field: int, value: str, reason: str) -> InputError:
    """The error at record ``row`` (header = 1), reported at the line where that record starts."""
    shown = repr(value[:80])
    return InputError(f"{shown} {reason}" + _ROWS_NOTE, file=str(path), row=record_line(path, row),
                      field=FIELDS[field])


def _validate_block(path: Path, batch: pa.RecordBatch, first_row: int,
                    labels: bool) -> pa.Table:
    """Check one block of rows (all strings) and convert it; raises on its first bad row."""
    cols = {name: batch.column(i) for i, name in enumerate(_COLS[: batch.num_columns])}
    ts = pc.strptime(cols["ts"], format=TIME_FORMAT, unit="ms", error_is_null=True)
    checks = [(0, pc.is_null(ts), "is not a time in the form YYYY/MM/DD HH:MM")]
    impossible = first_impossible_date(cols["ts"], ts, (TIME_FORMAT,))
    if impossible >= 0:
        checks.append((0, pc.equal(pa.array(np.arange(len(ts))), impossible),
                       "is not a date of the calendar (day, month or year out of range)"))
    for field in range(1, batch.num_columns):
        kind = _KINDS[field]
        col = batch.column(field)
        if kind == "amount":
            bad = pc.invert(pc.match_substring_regex(col, _NUMBER))
        elif kind == "bank":
            bad = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(col)), 0)
        elif kind == "account":
            bad = pc.equal(pc.utf8_length(col), 0)
        else:
            bad = pc.invert(pc.is_in(col, pa.array(list(_ALLOWED[kind]))))
        checks.append((field, bad, _REASONS[kind]))
    worst: tuple[int, int, str] | None = None
    for field, bad, reason in checks:
        i = pc.index(bad, True).as_py()
        if i >= 0 and (worst is None or (i, field) < worst[:2]):
            worst = (i, field, reason)
    if worst is not None:
        i, field, reason = worst
        value = batch.column(field)[i].as_py()
        if all(batch.column(k)[i].as_py() == "" for k in range(batch.num_columns)):
            raise InputError("empty line" + _ROWS_NOTE, file=str(path),
                             row=record_line(path, first_row + i))
        if field in (5, 7) and value.lstrip().startswith("-"):
            reason = "is negative: amounts must be zero or more"
        raise _fail(path, first_row + i, field, value, reason)
    amounts = {}
    for k in ("amount_received", "amount_paid"):
        amounts[k] = pc.cast(cols[k], pa.float64())
        inf = pc.index(pc.is_inf(amounts[k]), True).as_py()
        if inf >= 0:
            raise _fail(path, first_row + inf, _COLS.index(k), cols[k][inf].as_py(), "is too large")
    n = batch.num_rows
    codes = pa.array(list(CURRENCY_CODES.values()))
    chans = pa.array(list(CHANNELS.values()))
    return pa.table({
        "row": pa.array(np.arange(first_row, first_row + n, dtype=np.int64)),
        "ts": ts,
        # Bank identifiers stay text here; _build numbers them (numbers are kept, names are not).
        "from_bank": pc.utf8_trim_whitespace(cols["from_bank"]),
        "from_acct": cols["from_acct"],
        "to_bank": pc.utf8_trim_whitespace(cols["to_bank"]),
        "to_acct": cols["to_acct"],
        "amount_received": amounts["amount_received"],
        "cur_received": pc.take(codes, pc.index_in(cols["cur_received"], pa.array(list(CURRENCY_CODES)))),
        "amount_paid": amounts["amount_paid"],
        "cur_paid": pc.take(codes, pc.index_in(cols["cur_paid"], pa.array(list(CURRENCY_CODES)))),
        "channel": pc.take(chans, pc.index_in(cols["format"], pa.array(list(CHANNELS)))),
        "is_illicit": (pc.equal(cols["laundering"], "1") if labels
                       else pa.array([False] * n, pa.bool_())),
    })


def _stage(path: Path, labels: bool, stage_file: Path, report: Progress) -> int:
    """Validate the CSV block by block into one Parquet file; returns the number of rows."""
    ncols = 11 if labels else 10
    names = list(_COLS[:ncols])
    size = path.stat().st_size
    src = pa.OSFile(str(path))
    try:
        reader = pacsv.open_csv(
            src,
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names,
                                           block_size=_BLOCK_BYTES),
            # Blank lines are kept as rows so that row numbers stay line numbers.
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        src.close()
        raise _count_error(path, ncols, exc) from None
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise _count_error(path, ncols, exc) from None
            if batch.num_rows == 0:
                continue
            table = _validate_block(path, batch, rows + 2, labels)
            if writer is None:
                # Dictionary-encoding the account strings costs more than it saves here.
                writer = pq.ParquetWriter(stage_file, table.schema, compression="lz4",
                                          use_dictionary=["cur_received", "cur_paid", "channel"])
            writer.write_table(table)
            rows += batch.num_rows
            report("read", min(src.tell(), size), size)
    finally:
        if writer is not None:
            writer.close()
        src.close()
    if rows == 0:
        raise InputError("no transactions after the header", file=str(path), row=2)
    report("read", size, size)
    return rows


def import_amlworld(csv_path: str | Path, out_dir: str | Path, *, overwrite: bool = False,
                    progress: Progress | None = None,
                    rows_per_file: int = ROWS_PER_FILE) -> Path:
    """Import an AMLworld-style transactions CSV as a Counterflow dataset; returns its path.

    Accounts are the file's (bank, account) pairs, numbered from 1 in order of first appearance
    (payer before payee within a row); each gets one party of kind "unknown" named after the
    account. Transactions are sorted by time (ties keep file order) and numbered from 1.
    "Is Laundering" becomes ``transaction_labels.is_illicit``; party labels stay "legitimate"
    because the file says nothing about parties. Without the "Is Laundering" column every
    transaction is labelled licit and the manifest records ``"labels": false``.
    """

    path = Path(csv_path)
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    report = progress or (lambda stage, done, total: None)
    labels = _read_header(path)
    result = write_staged(lambda stage, rep: _stage(path, labels, stage, rep), out_dir, overwrite=overwrite,
                          report=report, labels=labels, rows_per_file=rows_per_file,
                          extra={"source": "import amlworld", "source_file": path.name}, inputs=(path,))
    log.info("imported transactions from %s into %s", path, result)
    return result


def write_staged(stage_fn: Callable[[Path, Progress], int], out_dir: str | Path, *, overwrite: bool,
                 report: Progress, labels: bool, extra: dict[str, Any],
                 rows_per_file: int = ROWS_PER_FILE, inputs: tuple[Path, ...] = ()) -> Path:
    """The dataset of imported transactions: ``stage_fn(stage_file, report)`` writes the validated
    rows (the columns :func:`_validate_block` returns) to ``stage_file`` and returns their count;
    accounts, parties, banks and sorted transactions are built from them and published atomically.
    Shared by every importer of a flat transactions file."""
    from counterflow.render.tables import places_table

    with DatasetWriter(out_dir, overwrite=overwrite, inputs=inputs) as w, tempfile.TemporaryDirectory(
            prefix=f".{w.target.name}.stage-", dir=w.target.parent) as stage_dir:
        stage = Path(stage_dir) / "rows.parquet"
        n = stage_fn(stage, report)
        con = connect()
        try:
            # Sorting spills here, next to the output, and goes when the stage folder goes.
            con.execute("SET temp_directory = ?", [str(Path(stage_dir) / "spill")])
            manifest = _build(con, stage, w, n, rows_per_file, report)
        finally:
            con.close()
        w.write_table("places", places_table())
        # A flat transactions file has no trade, rates or twin records: those tables are written empty.
        for name in w.unwritten():
            w.write_table(name, _fill(name, 0))
        manifest.update({"scenario": None, "seed": None, "labels": labels, **extra})
        return w.commit(manifest)


def _build(con: Any, stage: Path, w: DatasetWriter, n: int, rows_per_file: int,
           report: Progress) -> dict[str, Any]:
    """Accounts, parties, banks and time-sorted transactions from the staged rows."""
    con.execute(f"CREATE VIEW staged AS SELECT * FROM read_parquet({_sql_str(str(stage))})")
    _number_banks(con)
    # pos orders every appearance of an account: file row, then payer before payee.
    con.execute("""
        CREATE TABLE acct AS
        WITH sides AS (
            SELECT from_bank AS bank, from_acct AS acct, row * 2 AS pos,
                   cur_paid AS pays, NULL AS gets FROM stage
            UNION ALL
            SELECT to_bank, to_acct, row * 2 + 1, NULL, cur_received FROM stage),
        firsts AS (
            SELECT bank, acct, min(pos) AS first,
                   coalesce(arg_min(pays, pos) FILTER (WHERE pays IS NOT NULL),
                            arg_min(gets, pos)) AS currency
            FROM sides GROUP BY bank, acct)
        SELECT row_number() OVER (ORDER BY first) AS account_id, bank, acct, currency
        FROM firsts ORDER BY first
    """)
    banks = _batches(con, "SELECT bank_id, name FROM bank_names WHERE bank_id IN (SELECT bank FROM acct) "
                          "ORDER BY bank_id").read_all()
    w.write_table("banks", _fill("banks", banks.num_rows, bank_id=banks.column("bank_id"),
                                 name=banks.column("name"), kind="unknown"))
    accounts, parties = w.parts("accounts"), w.parts("parties")
    party_labels = w.parts("party_labels")
    for b in _batches(con, "SELECT * FROM acct ORDER BY account_id"):
        k, ids, number = b.num_rows, b.column("account_id"), b.column("acct")
        accounts.write(_fill("accounts", k, account_id=ids, party_id=ids, bank_id=b.column("bank"),
                             account_number=number, account_type="unknown",
                             currency=b.column("currency")))
        parties.write(_fill("parties", k, party_id=ids, kind="unknown", name=number))
        party_labels.write(_fill("party_labels", k, party_id=ids, is_illicit=False,
                                 role="legitimate"))
    txns = w.parts("transactions", rows_per_file)
    labels = w.parts("transaction_labels", rows_per_file)
    query = """
        SELECT s.ts, fa.account_id AS src_account, ta.account_id AS dst_account,
               s.amount_paid, s.cur_paid, s.amount_received, s.cur_received, s.channel,
               s.is_illicit
        FROM stage s
        JOIN acct fa ON fa.bank = s.from_bank AND fa.acct = s.from_acct
        JOIN acct ta ON ta.bank = s.to_bank AND ta.acct = s.to_acct
        ORDER BY s.ts, s.row
    """
    done = 0
    first_ts = last_ts = None
    report("write", 0, n)
    for b in _batches(con, query):
        k = b.num_rows
        # txn_id is assigned here rather than by a window function: the rows arrive sorted.
        ids = pa.array(np.arange(done + 1, done + k + 1, dtype=np.int64))
        txns.write(_fill(
            "transactions", k, txn_id=ids, ts=b.column("ts"), src_account=b.column("src_account"),
            dst_account=b.column("dst_account"), amount_paid=b.column("amount_paid"),
            currency_paid=b.column("cur_paid"), amount_received=b.column("amount_received"),
            currency_received=b.column("cur_received"), channel=b.column("channel"),
            txn_type="unknown"))
        labels.write(_fill("transaction_labels", k, txn_id=ids, is_illicit=b.column("is_illicit")))
        if first_ts is None:
            first_ts = b.column("ts")[0].as_py()
        last_ts = b.column("ts")[k - 1].as_py()
        done += k
        report("write", done, n)
    if done != n:  # every row has both accounts in acct, so the joins drop nothing
        raise RuntimeError(f"import lost rows: staged {n}, wrote {done}")
    return {"start_date": _day(first_ts), "end_date": _day(last_ts)}


def _number_banks(con: Any) -> None:
    """The ``stage`` view (integer banks) and ``bank_names`` (bank_id, name) over ``staged``.

    AMLworld files number their banks: those numbers are kept (named ``Bank <n>``). Files from
    other generators name them (``bank_a``): then every bank of the file is numbered from 1 in order
    of first appearance, payer before payee within a row (as ``import table`` does), and keeps its
    identifier as its name. Staged integer banks (``import table``'s) pass through."""
    typ = con.execute("SELECT typeof(from_bank) FROM staged LIMIT 1").fetchone()
    if typ is None or typ[0] != "VARCHAR":
        con.execute("CREATE VIEW stage AS SELECT * FROM staged")
        con.execute("CREATE TABLE bank_names AS SELECT DISTINCT b AS bank_id, 'Bank ' || b AS name FROM "
                    "(SELECT from_bank AS b FROM staged UNION SELECT to_bank FROM staged)")
        return
    con.execute("""
        CREATE TABLE bank_seen AS
        SELECT bank, min(pos) AS first FROM (
            SELECT from_bank AS bank, row * 2 AS pos FROM staged
            UNION ALL SELECT to_bank, row * 2 + 1 FROM staged) GROUP BY bank""")
    numbered = con.execute(f"SELECT bool_and(regexp_full_match(bank, '{_BANK[1:-1]}')) FROM bank_seen").fetchone()[0]
    if numbered:
        con.execute("CREATE TABLE bank_map AS SELECT bank, CAST(bank AS INTEGER) AS bank_id, "
                    "'Bank ' || CAST(CAST(bank AS INTEGER) AS VARCHAR) AS name FROM bank_seen")
    else:
        con.execute("CREATE TABLE bank_map AS SELECT bank, CAST(row_number() OVER (ORDER BY first) AS INTEGER) "
                    "AS bank_id, bank AS name FROM bank_seen")
    con.execute("CREATE TABLE bank_names AS SELECT DISTINCT bank_id, name FROM bank_map")
    cols = [d[0] for d in con.execute("SELECT * FROM staged LIMIT 0").description]
    sel = ", ".join("fb.bank_id AS from_bank" if c == "from_bank" else "tb.bank_id AS to_bank" if c == "to_bank"
                    else f"s.{c}" for c in cols)
    con.execute(f"CREATE VIEW stage AS SELECT {sel} FROM staged s "
                "JOIN bank_map fb ON fb.bank = s.from_bank JOIN bank_map tb ON tb.bank = s.to_bank")


def _batches(con: Any, query: str) -> pa.RecordBatchReader:
    rel = con.sql(query)
    # DuckDB 1.4 renamed fetch_arrow_reader to to_arrow_reader; 2.0 dropped the old name.
    method = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader
    return method(_BATCH_ROWS)


def _day(ts: dt.datetime | None) -> str | None:
    return ts.date().isoformat() if ts is not None else None


def _fill(table: str, k: int, /, **given: Any) -> pa.Table:
    """A batch of ``k`` rows of ``table``: the given columns (a scalar is repeated), nulls in
    the others."""
    cols = {}
    for f in sch.table(table).arrow_schema():
        t = f.type.value_type if pa.types.is_dictionary(f.type) else f.type
        v = given.get(f.name)
        cols[f.name] = (pa.nulls(k, t) if v is None
                        else v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.repeat(v, k))
    return pa.table(cols)
