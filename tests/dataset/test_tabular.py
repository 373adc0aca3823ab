"""Importing a user's own CSV or Parquet transactions through a column mapping."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.dataset.reader import open_dataset
from counterflow.dataset.tabular import ColumnMapping, import_table, load_mapping
from counterflow.errors import InputError

MAPPING = """\
columns:
  timestamp: booked
  src_account: debtor
  dst_account: creditor
  amount: amt
  currency: ccy
  src_bank: debtor_bic
  dst_bank: creditor_bic
  channel: rail
  label: sar
timestamp_format: "%d/%m/%Y %H:%M"
channel_values: {SEPA: ACH, SWIFT: WIRE}
"""
CSV = """\
booked,debtor,creditor,amt,ccy,debtor_bic,creditor_bic,rail,sar,note
02/03/2024 10:15,A1,B1,120.50,usd,BANKX,BANKY,SEPA,0,rent
01/03/2024 09:00,A2,A1,9900,USD,BANKY,BANKX,cash,yes,deposit
01/03/2024 09:00,A1,C9,15,MXN,BANKX,BANKZ,SWIFT,no,
"""


def _write(tmp: Path, mapping: str = MAPPING, csv: str = CSV) -> tuple[Path, Path]:
    (tmp / "map.yaml").write_text(mapping)
    (tmp / "tx.csv").write_text(csv)
    return tmp / "tx.csv", tmp / "map.yaml"


def test_csv_import_maps_every_field(tmp_path: Path) -> None:
    csv, mp = _write(tmp_path)
    out = import_table(csv, load_mapping(mp), tmp_path / "ds")
    with open_dataset(out) as ds:
        rows = ds.fetchall("""
            SELECT t.txn_id, t.ts, sa.account_number, da.account_number, t.amount_paid,
                   CAST(t.currency_paid AS VARCHAR), t.amount_received, CAST(t.channel AS VARCHAR), l.is_illicit,
                   sa.bank_id, da.bank_id
            FROM transactions t JOIN transaction_labels l USING (txn_id)
            JOIN accounts sa ON sa.account_id = t.src_account JOIN accounts da ON da.account_id = t.dst_account
            ORDER BY t.txn_id""")
        assert ds.manifest["source"] == "import csv" and ds.manifest["labels"] is True
        assert ds.rows("accounts") == 4 and ds.rows("banks") == 3
    # Sorted by time; ties keep file order; banks numbered in order of first appearance.
    assert rows == [
        (1, dt.datetime(2024, 3, 1, 9, 0), "A2", "A1", 9900.0, "USD", 9900.0, "CASH", True, 2, 1),
        (2, dt.datetime(2024, 3, 1, 9, 0), "A1", "C9", 15.0, "MXN", 15.0, "WIRE", False, 1, 3),
        (3, dt.datetime(2024, 3, 2, 10, 15), "A1", "B1", 120.5, "USD", 120.5, "ACH", False, 1, 2),
    ]


def test_parquet_import_with_typed_columns_and_defaults(tmp_path: Path) -> None:
    pq.write_table(pa.table({
        "when": pa.array([dt.datetime(2024, 5, 1, 8), dt.datetime(2024, 5, 1, 7)], pa.timestamp("us")),
        "from": ["x", "y"], "to": ["y", "z"], "value": [10, 25.5],
    }), tmp_path / "t.parquet")
    m = ColumnMapping.model_validate({"columns": {"timestamp": "when", "src_account": "from", "dst_account": "to",
                                                  "amount": "value"}, "currency": "CNY"})
    with open_dataset(import_table(tmp_path / "t.parquet", m, tmp_path / "ds")) as ds:
        got = ds.fetchall("""SELECT t.amount_paid, CAST(t.currency_paid AS VARCHAR), CAST(t.channel AS VARCHAR),
                                    l.is_illicit FROM transactions t JOIN transaction_labels l USING (txn_id)
                             ORDER BY t.txn_id""")
        assert ds.manifest["labels"] is False and ds.manifest["source"] == "import parquet"
    assert got == [(25.5, "CNY", "WIRE", False), (10.0, "CNY", "WIRE", False)]


@pytest.mark.parametrize(("line", "row", "field", "reason"), [
    ("xx/03/2024 10:15,A1,B1,1,USD,K,L,SEPA,0,", 3, "booked", "is not a time in the form"),
    ("02/03/2024 10:15,,B1,1,USD,K,L,SEPA,0,", 3, "debtor", "an account is required"),
    ("02/03/2024 10:15,A1,B1,abc,USD,K,L,SEPA,0,", 3, "amt", "is not a number"),
    ("02/03/2024 10:15,A1,B1,-5,USD,K,L,SEPA,0,", 3, "amt", "is negative"),
    ("02/03/2024 10:15,A1,B1,5,XYZ,K,L,SEPA,0,", 3, "ccy", "is not a known ISO currency code"),
    ("02/03/2024 10:15,A1,B1,5,USD,K,L,carrier pigeon,0,", 3, "rail", "is not a channel"),
])
def test_bad_rows_name_file_row_and_column(tmp_path: Path, line: str, row: int, field: str, reason: str) -> None:
    good = CSV.splitlines()[1]
    csv, mp = _write(tmp_path, csv="\n".join([CSV.splitlines()[0], good, line, good]) + "\n")
    with pytest.raises(InputError) as ei:
        import_table(csv, load_mapping(mp), tmp_path / "ds")
    e = ei.value
    assert (e.file, e.row, e.field) == (str(csv), row, field) and reason in str(e)
    assert not (tmp_path / "ds").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.yaml", "tx.csv"]  # nothing half-written


def test_mapping_errors(tmp_path: Path) -> None:
    csv, mp = _write(tmp_path, mapping=MAPPING.replace("  amount: amt\n", "  amount: amt\n  colour: red\n"))
    with pytest.raises(InputError, match=r"line 6, key 'columns.colour': unknown key; allowed keys: timestamp"):
        load_mapping(mp)
    mp.write_text(MAPPING.replace("amount: amt", "amount: total"))
    with pytest.raises(InputError) as ei:
        import_table(csv, load_mapping(mp), tmp_path / "ds")
    assert ei.value.field == "total" and "columns.amount is 'total'" in str(ei.value)
    mp.write_text(MAPPING + "currency: DOGE\n")
    with pytest.raises(InputError, match="unknown currency 'DOGE'"):
        load_mapping(mp)


def test_cli_import_table(tmp_path: Path) -> None:
    csv, mp = _write(tmp_path)
    res = CliRunner().invoke(app, ["import", "table", str(csv), "--map", str(mp), "--out", str(tmp_path / "ds"),
                                   "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["transactions"] == 3 and doc["illicit"] == 1 and doc["banks"] == 3
    res = CliRunner().invoke(app, ["inspect", str(tmp_path / "ds"), "--deep", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["valid"]
    res = CliRunner().invoke(app, ["import", "table", str(csv), "--map", str(tmp_path / "nope.yaml"),
                                   "--out", str(tmp_path / "ds2")])
    assert res.exit_code != 0 and isinstance(res.exception, InputError) and "nope.yaml" in str(res.exception)
