"""A user's own transactions (any CSV or Parquet file) into a Counterflow dataset, by a column mapping.

Banks keep their transactions in many layouts. A small YAML file says which of the file's
columns holds what (:class:`ColumnMapping`); everything else is derived as for an AMLworld import
(:mod:`counterflow.dataset.amlworld`, whose staging and dataset build this module shares):
accounts are the file's (bank, account) pairs numbered in order of first appearance, each with a
party of kind "unknown"; transactions are sorted by time and numbered; an optional label column
becomes ``transaction_labels.is_illicit``.

Example mapping (only the first four columns are required)::

    columns:
      timestamp: booked_at
      src_account: debtor_iban
      dst_account: creditor_iban
      amount: amount
      currency: ccy            # or a fixed `currency: USD` below
      src_bank: debtor_bic     # optional; banks are numbered in order of first appearance
      dst_bank: creditor_bic
      channel: rail            # optional; values mapped through channel_values
      label: sar_filed         # optional; values in label_positive mean illicit
    timestamp_format: "%d/%m/%Y %H:%M"   # optional; default ISO 8601 (2024-03-01 14:05:00)
    currency: USD
    channel_values: {SEPA: ACH, SWIFT: WIRE}
    label_positive: ["1", "true", "yes"]

Bad rows stop the import with the file, the row (CSV: line number, header = row 1; Parquet: 1 =
first row) and the column named, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pydantic import Field, field_validator

from counterflow.dataset import vocab
from counterflow.dataset.amlworld import Progress, write_staged
from counterflow.dataset.csvscan import locate, record_line
from counterflow.dataset.dates import first_impossible_date, first_out_of_range
from counterflow.errors import InputError
from counterflow.scenario.base import Strict

log = logging.getLogger(__name__)

_BLOCK_BYTES = 16 << 20
_BATCH_ROWS = 1 << 20
_ISO_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
Channel = Literal["ACH", "WIRE", "CARD", "CASH", "CHEQUE", "P2P", "MSB", "CRYPTO"]


class Columns(Strict):
    """Which column of the file holds each field; only the first four are required."""

    timestamp: str
    src_account: str
    dst_account: str
    amount: str = Field(description="Amount paid, in `currency`.")
    currency: str | None = None
    src_bank: str | None = None
    dst_bank: str | None = None
    amount_received: str | None = None
    currency_received: str | None = None
    channel: str | None = None
    label: str | None = None


class ColumnMapping(Strict):
    """How to read one layout of transaction file."""

    columns: Columns
    # strptime format of the timestamp column; None: ISO 8601 (date, or date and time).
    timestamp_format: str | None = None
    # Currency of every row when the file has no currency column.
    currency: str = "USD"
    # The file's channel values to Counterflow channels; values not listed must already be one.
    channel_values: dict[str, Channel] = {}
    # Label values meaning "illicit" (compared as text, case-insensitive); anything else is licit.
    label_positive: tuple[str, ...] = ("1", "true", "yes", "y", "t")

    @field_validator("timestamp_format")
    @classmethod
    def _usable_format(cls, v: str | None) -> str | None:
        # Checked here, so that a bad format is the mapping's error, not every row's.
        if v is None:
            return v
        if "%Y" not in v and "%y" not in v:
            raise ValueError(f"{v!r} has no year (%Y or %y); see Python's strftime codes")
        sample = dt.datetime(2024, 3, 1, 14, 5, 6)
        try:
            text = sample.strftime(v)
            back = dt.datetime.strptime(text, v)
            arrow = pc.strptime(pa.array([text]), format=v, unit="ms", error_is_null=True)[0].as_py()
        # re.error: strptime compiles the format to a pattern, and a repeated code (%Y%Y) is not one.
        except (ValueError, re.error, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ValueError(f"{v!r} is not a usable time format ({str(exc).splitlines()[0]})") from None
        if back.date() != sample.date() or arrow is None:
            raise ValueError(f"{v!r} does not read back the time it writes; give year, month and day")
        return v

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, v: str) -> str:
        if v not in vocab.CURRENCIES:
            raise ValueError(f"unknown currency {v!r}; known: {', '.join(vocab.CURRENCIES)}")
        return v


def load_mapping(path: str | Path) -> ColumnMapping:
    """A mapping YAML file, validated; errors name the file, line and key."""
    from counterflow.scenario.loader import parse_yaml_model, read_bounded

    p = Path(path)
    if p.is_dir():
        raise InputError("is a directory, not a column mapping", file=str(p))
    text = read_bounded(p, "column mapping")
    return parse_yaml_model(text, ColumnMapping, str(p), what="column mapping")


def import_table(path: str | Path, mapping: ColumnMapping, out_dir: str | Path, *, overwrite: bool = False,
                 progress: Progress | None = None) -> Path:
    """Import a CSV or Parquet transactions file as a Counterflow dataset; returns its path."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    report = progress or (lambda stage, done, total: None)
    parquet = path.suffix.lower() in (".parquet", ".pq")
    reader = _Reader(path, mapping, parquet)
    return write_staged(reader.stage, out_dir, overwrite=overwrite, report=report, labels=mapping.columns.label
                        is not None, extra={"source": f"import {'parquet' if parquet else 'csv'}",
                                            "source_file": path.name}, inputs=(path,))


class _Reader:
    """Reads the mapped columns block by block, validates them and stages the rows."""

    def __init__(self, path: Path, mapping: ColumnMapping, parquet: bool) -> None:
        self.path, self.m, self.parquet = path, mapping, parquet
        cols = mapping.columns.model_dump()
        self.wanted = {k: v for k, v in cols.items() if v is not None}
        self.banks: dict[str, int] = {}

    def stage(self, stage_file: Path, report: Progress) -> int:
        writer: pq.ParquetWriter | None = None
        rows = 0
        size = self.path.stat().st_size
        try:
            for batch, first_row, done in self._blocks():
                if batch.num_rows == 0:
                    continue
                table = self._convert(batch, first_row)
                if writer is None:
                    writer = pq.ParquetWriter(stage_file, table.schema, compression="lz4",
                                              use_dictionary=["cur_received", "cur_paid", "channel"])
                writer.write_table(table)
                rows += batch.num_rows
                report("read", min(done, size), size)
        finally:
            if writer is not None:
                writer.close()
        if rows == 0:
            raise InputError("no transactions in the file", file=str(self.path))
        report("read", size, size)
        return rows

    def _blocks(self) -> Iterator[tuple[pa.RecordBatch, int, int]]:
        """(batch of the mapped columns as given, row number of its first row, bytes read so far)."""
        names = list(dict.fromkeys(self.wanted.values()))
        if self.parquet:
            try:
                f = pq.ParquetFile(self.path)
            except (pa.ArrowInvalid, OSError) as exc:
                raise InputError(f"not a readable Parquet file ({exc})", file=str(self.path)) from None
            self._check_names(f.schema_arrow.names)
            for col in names:
                t = f.schema_arrow.field(col).type
                if pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
                    raise InputError(f"column {col!r} holds {t} values; a mapped column holds text, numbers or "
                                     "times", file=str(self.path), field=col)
            row, size = 1, self.path.stat().st_size
            total = max(f.metadata.num_rows, 1)
            for b in f.iter_batches(batch_size=_BATCH_ROWS, columns=names):
                yield b, row, int(size * (row - 1 + b.num_rows) / total)
                row += b.num_rows
            return
        header = self._csv_header()
        self._check_names(header)
        src = pa.OSFile(str(self.path))
        try:
            reader = pacsv.open_csv(
                src, read_options=pacsv.ReadOptions(block_size=_BLOCK_BYTES),
                convert_options=pacsv.ConvertOptions(include_columns=names,
                                                     column_types={c: pa.string() for c in names}))
            row = 2
            while True:
                try:
                    b = reader.read_next_batch()
                except StopIteration:
                    return
                except pa.ArrowInvalid as exc:
                    raise locate(self.path, exc, ncols=len(header), skip_blank=True) from None
                yield b, row, src.tell()
                row += b.num_rows
        except pa.ArrowInvalid as exc:
            raise locate(self.path, exc, ncols=len(header), skip_blank=True) from None
        finally:
            src.close()

    def _csv_header(self) -> list[str]:
        import csv
        import io

        # Only the first line is decoded, so that a bad byte further down is reported at its own row.
        with open(self.path, "rb") as fh:
            first = fh.readline(_BLOCK_BYTES)
        try:
            text = first.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("header is not UTF-8 text", file=str(self.path), row=1) from None
        if text.count('"') % 2:
            raise InputError("the header has a quoted name that is never closed", file=str(self.path), row=1)
        old = csv.field_size_limit(1 << 30)  # a long column name is odd, not unreadable
        try:
            header = next(csv.reader(io.StringIO(text)), None)
        except csv.Error as exc:
            raise InputError(f"unreadable header ({exc})", file=str(self.path), row=1) from None
        finally:
            csv.field_size_limit(old)
        if not header:
            raise InputError("empty file: expected a header line", file=str(self.path), row=1)
        return header

    def _check_names(self, names: list[str]) -> None:
        for field, col in self.wanted.items():
            if col not in names:
                raise InputError(f"the mapping's columns.{field} is {col!r}, which the file does not have "
                                 f"(columns: {', '.join(names[:30])})", file=str(self.path), row=1, field=col)

    def _fail(self, first_row: int, i: int, field: str, value: object, reason: str) -> InputError:
        note = " (rows count the header as row 1)" if not self.parquet else " (row 1 is the first row)"
        # CSV: the record's line in the file (a quoted field may span lines; blank lines are skipped).
        row = first_row + i if self.parquet else record_line(self.path, first_row + i, skip_blank=True)
        return InputError(f"{str(value)[:80]!r} {reason}{note}", file=str(self.path), row=row,
                          field=self.wanted[field])

    def _first_bad(self, bad: pa.Array) -> int:
        return pc.index(pc.fill_null(bad, True), True).as_py()

    def _col(self, batch: pa.RecordBatch, field: str) -> pa.Array:
        return batch.column(batch.schema.get_field_index(self.wanted[field]))

    def _convert(self, batch: pa.RecordBatch, first_row: int) -> pa.Table:
        n = batch.num_rows
        ts = self._timestamps(batch, first_row)
        out: dict[str, pa.Array] = {"row": pa.array(np.arange(first_row, first_row + n, dtype=np.int64)), "ts": ts}
        for side in ("src", "dst"):
            acct = pc.cast(self._col(batch, f"{side}_account"), pa.string())
            i = self._first_bad(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(acct)), 0))
            if i >= 0:
                raise self._fail(first_row, i, f"{side}_account", acct[i].as_py(), "is empty: an account is required")
            out[f"{side}_bank"] = self._bank_ids(batch, side)
            out[f"{side}_acct"] = acct
        paid = self._amounts(batch, first_row, "amount")
        cur = self._currencies(batch, first_row, "currency", None)
        received = self._amounts(batch, first_row, "amount_received") if "amount_received" in self.wanted else paid
        cur_r = self._currencies(batch, first_row, "currency_received", cur)
        out.update({"amount_received": received, "cur_received": cur_r, "amount_paid": paid, "cur_paid": cur,
                    "channel": self._channels(batch, first_row)})
        if "label" in self.wanted:
            lab = pc.utf8_lower(pc.utf8_trim_whitespace(pc.cast(self._col(batch, "label"), pa.string())))
            out["is_illicit"] = pc.fill_null(pc.is_in(lab, pa.array([v.lower() for v in self.m.label_positive])),
                                             False)
        else:
            out["is_illicit"] = pa.array(np.zeros(n, bool))
        return pa.table({k: out[k] for k in ("row", "ts", "src_bank", "src_acct", "dst_bank", "dst_acct",
                                              "amount_received", "cur_received", "amount_paid", "cur_paid",
                                              "channel", "is_illicit")}).rename_columns(
            ["row", "ts", "from_bank", "from_acct", "to_bank", "to_acct", "amount_received", "cur_received",
             "amount_paid", "cur_paid", "channel", "is_illicit"])

    def _timestamps(self, batch: pa.RecordBatch, first_row: int) -> pa.Array:
        col = self._col(batch, "timestamp")
        if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
            try:
                ts = pc.cast(col, pa.timestamp("ms"))
            except pa.ArrowInvalid:  # a date beyond what milliseconds since 1970 hold
                ts = pc.cast(pc.cast(col, pa.timestamp("s")), pa.timestamp("ms"), safe=False)
            i = first_out_of_range(ts)
            if i >= 0:
                raise self._fail(first_row, i, "timestamp", col[i], "is outside the years 1 to 9999")
        else:
            text = pc.utf8_trim_whitespace(pc.cast(col, pa.string()))
            if self.m.timestamp_format:
                ts = pc.strptime(text, format=self.m.timestamp_format, unit="ms", error_is_null=True)
            else:
                ts = self._iso(text)
            formats = (self.m.timestamp_format,) if self.m.timestamp_format else _ISO_FORMATS
            i = first_impossible_date(text, ts, formats)
            if i >= 0:
                raise self._fail(first_row, i, "timestamp", col[i].as_py(),
                                 "is not a date of the calendar (day, month or year out of range)")
        i = self._first_bad(pc.is_null(ts))
        if i >= 0:
            want = f"a time in the form {self.m.timestamp_format!r}" if self.m.timestamp_format else \
                "an ISO 8601 date or time (e.g. 2024-03-01 14:05:00)"
            raise self._fail(first_row, i, "timestamp", col[i].as_py(), f"is not {want}")
        return ts

    @staticmethod
    def _iso(text: pa.Array) -> pa.Array:
        out = None
        for fmt in _ISO_FORMATS:
            got = pc.strptime(text, format=fmt, unit="ms", error_is_null=True)
            out = got if out is None else pc.coalesce(out, got)
        return out

    def _amounts(self, batch: pa.RecordBatch, first_row: int, field: str) -> pa.Array:
        col = self._col(batch, field)
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type) or pa.types.is_decimal(col.type):
            vals = pc.cast(col, pa.float64())
            bad = pc.or_kleene(pc.is_null(vals), pc.invert(pc.is_finite(vals)))
        else:
            text = pc.utf8_trim_whitespace(pc.cast(col, pa.string()))
            ok = pc.match_substring_regex(text, r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$")
            vals = pc.cast(pc.if_else(ok, text, pa.scalar(None, pa.string())), pa.float64())
            bad = pc.or_kleene(pc.invert(pc.fill_null(ok, False)), pc.invert(pc.fill_null(pc.is_finite(vals), False)))
        i = self._first_bad(bad)
        if i >= 0:
            raise self._fail(first_row, i, field, col[i].as_py(), "is not a number")
        i = self._first_bad(pc.less(vals, 0))
        if i >= 0:
            raise self._fail(first_row, i, field, col[i].as_py(), "is negative: amounts must be zero or more")
        return vals

    def _currencies(self, batch: pa.RecordBatch, first_row: int, field: str, default: pa.Array | None) -> pa.Array:
        if field not in self.wanted:
            return default if default is not None else pa.array([self.m.currency] * batch.num_rows, pa.string())
        col = pc.utf8_upper(pc.utf8_trim_whitespace(pc.cast(self._col(batch, field), pa.string())))
        i = self._first_bad(pc.invert(pc.is_in(col, pa.array(list(vocab.CURRENCIES)))))
        if i >= 0:
            raise self._fail(first_row, i, field, self._col(batch, field)[i].as_py(),
                             f"is not a known ISO currency code ({', '.join(vocab.CURRENCIES)})")
        return col

    def _channels(self, batch: pa.RecordBatch, first_row: int) -> pa.Array:
        n = batch.num_rows
        if "channel" not in self.wanted:
            return pa.array(["WIRE"] * n, pa.string())  # an account-to-account transfer of unknown rail
        raw = pc.utf8_trim_whitespace(pc.cast(self._col(batch, "channel"), pa.string()))
        keys = pa.array(list(self.m.channel_values))
        mapped = pc.take(pa.array(list(self.m.channel_values.values()), pa.string()), pc.index_in(raw, keys))
        chan = pc.coalesce(mapped, pc.utf8_upper(raw))
        i = self._first_bad(pc.invert(pc.is_in(chan, pa.array(list(Channel.__args__)))))
        if i >= 0:
            raise self._fail(first_row, i, "channel", raw[i].as_py(),
                             f"is not a channel ({', '.join(Channel.__args__)}) or a key of channel_values")
        return chan

    def _bank_ids(self, batch: pa.RecordBatch, side: str) -> pa.Array:
        """Bank values numbered from 1 in order of first appearance across the file (0: none given)."""
        field = f"{side}_bank"
        if field not in self.wanted:
            return pa.array(np.zeros(batch.num_rows, np.int32))
        vals = pc.cast(self._col(batch, field), pa.string()).to_pylist()
        ids = np.empty(len(vals), np.int32)
        for i, v in enumerate(vals):
            key = "" if v is None else v.strip()
            ids[i] = self.banks.setdefault(key, len(self.banks) + 1) if key else 0
        return pa.array(ids)


__all__ = ["ColumnMapping", "Columns", "import_table", "load_mapping"]
