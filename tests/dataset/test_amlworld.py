from __future__ import annotations

import csv
import re
from pathlib import Path

import pyarrow as pa
import pytest

from counterflow.dataset import amlworld
from counterflow.dataset import schema as sch
from counterflow.dataset.amlworld import (
    CHANNELS,
    CURRENCY_NAMES,
    HEADER,
    PAYMENT_FORMATS,
    export_amlworld,
    import_amlworld,
)
from counterflow.dataset.reader import open_dataset
from counterflow.dataset.validate import validate
from counterflow.dataset.writer import DatasetWriter
from counterflow.errors import InputError

HEAD = ",".join(HEADER)


@pytest.fixture(scope="module")
def labelled_path(tiny_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny dataset with every 97th transaction labelled illicit (the twin has no network yet)."""
    src = open_dataset(tiny_path)
    out = tmp_path_factory.mktemp("labelled") / "ds"
    with DatasetWriter(out) as w:
        for name in sch.TABLE_NAMES:
            t = src.arrow(name)
            if name == "transaction_labels":
                flag = pa.array(t.column("txn_id").to_numpy() % 97 == 0)
                t = t.set_column(t.schema.get_field_index("is_illicit"), "is_illicit", flag)
            w.write_table(name, t)
        w.commit({"scenario": "tiny", "seed": 7, "source": "test"})
    src.close()
    return out


def _write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _rows(ds, query: str) -> list[tuple]:
    return ds.fetchall(query)


# --- export ----------------------------------------------------------------------------------

def test_export_follows_amlworld_conventions(tiny_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    with open_dataset(tiny_path) as ds:
        n = export_amlworld(ds, out)
        assert n == ds.rows("transactions")
        illicit = ds.fetchone("SELECT count(*) FILTER (WHERE is_illicit) FROM transaction_labels")[0]
        cash = ds.fetchone("SELECT count(*) FROM transactions WHERE channel = 'CASH'")[0]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEAD  # the duplicated "Account" survives
    assert len(lines) == n + 1
    rows = list(csv.reader(lines[1:]))
    assert all(len(r) == 11 for r in rows)
    assert all(re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d", r[0]) for r in rows)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    assert {r[6] for r in rows} | {r[8] for r in rows} <= set(CURRENCY_NAMES.values())
    assert {r[9] for r in rows} <= set(PAYMENT_FORMATS.values())
    # "Is Laundering" carries the laundering twin's labels (a few illicit rows, the rest legitimate).
    assert {r[10] for r in rows} <= {"0", "1"} and sum(r[10] == "1" for r in rows) == illicit
    assert all(r[1].isdigit() and r[3].isdigit() for r in rows)
    cash_rows = [r for r in rows if r[9] == "Cash"]
    assert len(cash_rows) == cash > 0
    assert all(r[1] == r[3] and r[2] == r[4] for r in cash_rows)  # same account on both sides
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_export_refuses_to_overwrite_unless_asked(tiny_path: Path, tmp_path: Path) -> None:
    out = _write(tmp_path, "keep me")
    with open_dataset(tiny_path) as ds:
        with pytest.raises(InputError, match="exists"):
            export_amlworld(ds, out)
        assert out.read_text() == "keep me"
        # --overwrite replaces only a file of the kind the export writes (see counterflow.files).
        with pytest.raises(InputError, match="not an AMLworld CSV"):
            export_amlworld(ds, out, overwrite=True)
        assert out.read_text() == "keep me"
        out.write_text(HEAD + "\n")
        export_amlworld(ds, out, overwrite=True)
        with pytest.raises(InputError, match="directory"):
            export_amlworld(ds, tmp_path)
    assert out.read_text().startswith(HEAD)


# --- round trip ------------------------------------------------------------------------------

def test_round_trip_keeps_times_amounts_currencies_accounts_and_labels(
        labelled_path: Path, tmp_path: Path) -> None:
    csv_path = tmp_path / "aml.csv"
    with open_dataset(labelled_path) as src:
        export_amlworld(src, csv_path)
        want = src.fetchall("""
            SELECT date_trunc('minute', t.ts), t.amount_paid, CAST(t.currency_paid AS VARCHAR),
                   t.amount_received, CAST(t.currency_received AS VARCHAR),
                   CAST(t.channel AS VARCHAR), l.is_illicit,
                   coalesce(sa.account_number, da.account_number),
                   coalesce(da.account_number, sa.account_number),
                   coalesce(sa.bank_id, da.bank_id)
            FROM transactions t JOIN transaction_labels l USING (txn_id)
            LEFT JOIN accounts sa ON sa.account_id = t.src_account
            LEFT JOIN accounts da ON da.account_id = t.dst_account ORDER BY t.txn_id""")
    out = import_amlworld(csv_path, tmp_path / "imported")
    with open_dataset(out) as ds:
        rep = validate(ds, checksums=True, deep=True)
        assert rep.ok, rep.problems
        got = ds.fetchall("""
            SELECT t.ts, t.amount_paid, CAST(t.currency_paid AS VARCHAR),
                   t.amount_received, CAST(t.currency_received AS VARCHAR),
                   CAST(t.channel AS VARCHAR), l.is_illicit,
                   sa.account_number, da.account_number, sa.bank_id
            FROM transactions t JOIN transaction_labels l USING (txn_id)
            JOIN accounts sa ON sa.account_id = t.src_account
            JOIN accounts da ON da.account_id = t.dst_account ORDER BY t.txn_id""")
        ids = [r[0] for r in ds.fetchall("SELECT txn_id FROM transactions")]
        m = ds.manifest
        assert m["source"] == "import amlworld" and m["source_file"] == "aml.csv"
        assert m["labels"] is True and m["seed"] is None
        assert (m["start_date"], m["end_date"]) == ("2024-01-01", "2024-02-14")
        assert ds.rows("places") > 100 and ds.rows("shipments") == 0
    assert ids == list(range(1, len(want) + 1))
    assert len(got) == len(want) > 10_000
    # P2P and MSB have no AMLworld format: they come back as ACH and WIRE.
    lossy = {c: CHANNELS[PAYMENT_FORMATS[c]] for c in PAYMENT_FORMATS}
    want = [(*w[:5], lossy[w[5]], *w[6:]) for w in want]
    assert got == want
    assert sum(w[6] for w in want) == len(want) // 97
    # Exporting the imported dataset gives the same file, byte for byte.
    with open_dataset(out) as ds:
        export_amlworld(ds, tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == csv_path.read_bytes()


# --- import of hand-built files --------------------------------------------------------------

KNOWN = HEAD + """
2022/09/01 00:20,10,8000EBD30,10,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0
2022/09/01 00:08,3208,8000F4580,1,8000F5340,0.01,US Dollar,0.01,US Dollar,Cheque,0
2022/09/01 00:08,1,8000F5340,3208,8000F4580,14675.57,Euro,14675.57,US Dollar,Wire,1
2022/09/02 13:45,12,80011F990,1,8000F5340,2.5e-3,Bitcoin,2.5e-3,Bitcoin,Bitcoin,1
2022/09/01 00:08,1,8000F4580,12,80011F990,50,Hong Kong Dollar,6.4,Tether,Credit Card,0
"""


NAMED_BANKS = HEAD + """
2022/09/01 00:20,bank_b,A1,bank_a,A2,10,US Dollar,10,US Dollar,Wire,0
2022/09/01 00:10,bank_a,A2,bank_c,A1,20,US Dollar,20,US Dollar,Wire,1
2022/09/01 00:30,bank_c,A3,7,A1,30,US Dollar,30,US Dollar,ACH,0
"""


def test_import_names_banks_that_are_not_numbers_in_order_of_appearance(tmp_path: Path) -> None:
    """AMLSim-style bank names: every bank of the file is numbered from 1 by first appearance in the
    file (payer before payee), whatever the time order, and keeps its identifier as its name."""
    out = import_amlworld(_write(tmp_path, NAMED_BANKS), tmp_path / "ds")
    with open_dataset(out) as ds:
        assert validate(ds, checksums=True, deep=True).ok
        assert _rows(ds, "SELECT bank_id, name FROM banks ORDER BY bank_id") == [
            (1, "bank_b"), (2, "bank_a"), (3, "bank_c"), (4, "7")]
        assert _rows(ds, "SELECT account_id, bank_id, account_number FROM accounts ORDER BY account_id") == [
            (1, 1, "A1"), (2, 2, "A2"), (3, 3, "A1"), (4, 3, "A3"), (5, 4, "A1")]
        # Sorted by time: the 00:10 row first, from bank_a's A2 to bank_c's A1.
        assert _rows(ds, "SELECT src_account, dst_account FROM transactions ORDER BY txn_id") == [
            (2, 3), (1, 2), (4, 5)]


def test_import_hand_built_file_with_known_answers(tmp_path: Path) -> None:
    out = import_amlworld(_write(tmp_path, KNOWN), tmp_path / "ds")
    with open_dataset(out) as ds:
        assert validate(ds, checksums=True, deep=True).ok
        accounts = _rows(ds, "SELECT account_id, party_id, bank_id, account_number, currency, "
                             "account_type FROM accounts ORDER BY account_id")
        # Numbered by first appearance in the file, payer before payee; (bank, account) pairs,
        # so 8000F4580 at bank 3208 and at bank 1 are two accounts.
        assert accounts == [
            (1, 1, 10, "8000EBD30", "USD", "unknown"),
            (2, 2, 3208, "8000F4580", "USD", "unknown"),
            (3, 3, 1, "8000F5340", "USD", "unknown"),  # first paid in US Dollar (row 4)
            (4, 4, 12, "80011F990", "BTC", "unknown"),
            (5, 5, 1, "8000F4580", "USDT", "unknown"),
        ]
        assert _rows(ds, "SELECT bank_id, name, kind FROM banks ORDER BY bank_id") == [
            (1, "Bank 1", "unknown"), (10, "Bank 10", "unknown"), (12, "Bank 12", "unknown"),
            (3208, "Bank 3208", "unknown")]
        assert _rows(ds, "SELECT party_id, kind, name FROM parties ORDER BY party_id")[1] == (
            2, "unknown", "8000F4580")
        assert _rows(ds, "SELECT count(*) FROM party_labels WHERE NOT is_illicit "
                         "AND role = 'legitimate'") == [(5,)]
        txns = _rows(ds, """
            SELECT t.txn_id, strftime(t.ts, '%Y-%m-%d %H:%M'), t.src_account, t.dst_account,
                   t.amount_paid, CAST(t.currency_paid AS VARCHAR), t.amount_received,
                   CAST(t.currency_received AS VARCHAR), CAST(t.channel AS VARCHAR),
                   CAST(t.txn_type AS VARCHAR), l.is_illicit
            FROM transactions t JOIN transaction_labels l USING (txn_id) ORDER BY t.txn_id""")
        # Sorted by time; the three 00:08 rows keep their file order.
        assert txns == [
            (1, "2022-09-01 00:08", 2, 3, 0.01, "USD", 0.01, "USD", "CHEQUE", "unknown", False),
            (2, "2022-09-01 00:08", 3, 2, 14675.57, "USD", 14675.57, "EUR", "WIRE", "unknown", True),
            (3, "2022-09-01 00:08", 5, 4, 6.4, "USDT", 50.0, "HKD", "CARD", "unknown", False),
            (4, "2022-09-01 00:20", 1, 1, 3697.34, "USD", 3697.34, "USD", "REINVESTMENT",
             "unknown", False),
            (5, "2022-09-02 13:45", 4, 3, 0.0025, "BTC", 0.0025, "BTC", "CRYPTO", "unknown", True),
        ]
        assert (ds.manifest["start_date"], ds.manifest["end_date"]) == ("2022-09-01", "2022-09-02")
        assert ds.rows("fx_rates") == 0 and ds.rows("goods") == 0


def test_import_without_laundering_column_has_no_labels(tmp_path: Path) -> None:
    text = ",".join(HEADER[:10]) + "\r\n" + "\r\n".join(
        ",".join(line.split(",")[:10]) for line in KNOWN.strip().splitlines()[1:]) + "\r\n"
    out = import_amlworld(_write(tmp_path, text), tmp_path / "ds")
    with open_dataset(out) as ds:
        assert ds.manifest["labels"] is False
        assert ds.fetchone("SELECT count(*), count(*) FILTER (WHERE is_illicit) "
                           "FROM transaction_labels") == (5, 0)
        assert validate(ds, checksums=True, deep=True).ok


def test_import_streams_blocks_and_sorts_across_them(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(amlworld, "_BLOCK_BYTES", 512)  # many blocks from a small file
    lines = [HEAD]
    for i in range(300):  # minutes run backwards: the whole file needs sorting
        lines.append(f"2022/09/01 {(299 - i) // 60:02d}:{(299 - i) % 60:02d},1,A{i % 7},2,"
                     f"B{i % 5},{i}.5,Yen,{i}.5,Yen,ACH,{i % 2}")
    out = import_amlworld(_write(tmp_path, "\n".join(lines) + "\n"), tmp_path / "ds",
                          rows_per_file=100)
    with open_dataset(out) as ds:
        assert len(ds.files("transactions")) == 3
        amounts = [r[0] for r in ds.fetchall("SELECT amount_paid FROM transactions ORDER BY txn_id")]
        assert amounts == [i + 0.5 for i in range(299, -1, -1)]
        assert ds.rows("accounts") == 12 and validate(ds, deep=True).ok


# --- malformed files -------------------------------------------------------------------------

ROW = "2022/09/01 00:20,10,8000EBD30,10,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,ACH,0"


def _bad(field_index: int, value: str) -> str:
    parts = ROW.split(",")
    parts[field_index] = value
    return ",".join(parts)


MALFORMED = [
    ("empty", "", 1, None, "empty file"),
    ("header", "Timestamp,From Bank,Account,To Bank,Acount,x\n" + ROW, 1, "Account (column 5)",
     "not an AMLworld header"),
    ("fields", f"{HEAD}\n{ROW}\n{ROW[:40]}\n{ROW}\n", 3, None, "expected 11 fields, found 5"),
    ("too many", f"{HEAD}\n{ROW}\n{ROW},9\n", 3, None, "expected 11 fields, found 12"),
    ("blank line", f"{HEAD}\n{ROW}\n\n{ROW}\n", 3, None, "empty line"),
    ("time", f"{HEAD}\n{ROW}\n{_bad(0, '2022-09-01 00:20')}\n", 3, "Timestamp", "YYYY/MM/DD HH:MM"),
    ("month", f"{HEAD}\n{_bad(0, '2022/13/01 00:20')}\n", 2, "Timestamp", "YYYY/MM/DD HH:MM"),
    ("bank", f"{HEAD}\n{_bad(3, ' ')}\n", 2, "To Bank", "a bank is required"),
    ("account", f"{HEAD}\n{_bad(2, '')}\n", 2, "Account (column 3)", "empty"),
    ("amount", f"{HEAD}\n{ROW}\n{ROW}\n{_bad(5, '12.5.3')}\n", 4, "Amount Received",
     "not a non-negative number"),
    ("text amount", f"{HEAD}\n{_bad(7, 'ten')}\n", 2, "Amount Paid", "not a non-negative number"),
    ("negative", f"{HEAD}\n{_bad(5, '-3.5')}\n", 2, "Amount Received", "negative"),
    ("currency", f"{HEAD}\n{_bad(6, 'Dollar')}\n", 2, "Receiving Currency", "currency name"),
    ("format", f"{HEAD}\n{_bad(9, 'Paypal')}\n", 2, "Payment Format", "payment format"),
    ("label", f"{HEAD}\n{ROW}\n{_bad(10, 'yes')}\n", 3, "Is Laundering", "not 0 or 1"),
    ("header only", f"{HEAD}\n", 2, None, "no transactions"),
]


@pytest.mark.parametrize("text,row,field,words", [m[1:] for m in MALFORMED],
                         ids=[m[0] for m in MALFORMED])
def test_malformed_file_names_file_row_and_field(tmp_path: Path, text: str, row: int,
                                                 field: str | None, words: str) -> None:
    src = _write(tmp_path, text, "bad.csv")
    with pytest.raises(InputError) as info:
        import_amlworld(src, tmp_path / "out")
    err = info.value
    msg = str(err)
    assert msg.startswith(f"{src}, row {row}")
    assert err.file == str(src) and err.row == row and err.field == field
    if field:
        assert f"field '{field}'" in msg
    assert words in msg
    # Nothing half-written: no output folder, no hidden temporary or staging folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_error_row_is_right_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(amlworld, "_BLOCK_BYTES", 300)
    lines = [HEAD] + [ROW] * 57 + [_bad(8, "Peso")] + [ROW] * 20
    with pytest.raises(InputError) as info:
        import_amlworld(_write(tmp_path, "\n".join(lines)), tmp_path / "out")
    assert info.value.row == 59 and info.value.field == "Payment Currency"
    lines = [HEAD] + [ROW] * 70 + [ROW + ",1"] + [ROW] * 20
    with pytest.raises(InputError) as info:
        import_amlworld(_write(tmp_path, "\n".join(lines)), tmp_path / "out")
    assert info.value.row == 72 and "found 12" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_import_refuses_existing_output_and_missing_file(tmp_path: Path) -> None:
    src = _write(tmp_path, KNOWN)
    out = import_amlworld(src, tmp_path / "ds")
    with pytest.raises(InputError, match="exists"):
        import_amlworld(src, out)
    import_amlworld(src, out, overwrite=True)
    with pytest.raises(InputError, match="no such file"):
        import_amlworld(tmp_path / "missing.csv", tmp_path / "ds2")
    # A failed import leaves a previous dataset untouched.
    (tmp_path / "bad.csv").write_text(HEAD + "\n" + _bad(9, "Zelle") + "\n")
    with pytest.raises(InputError):
        import_amlworld(tmp_path / "bad.csv", out, overwrite=True)
    with open_dataset(out) as ds:
        assert ds.rows("transactions") == 5


def test_bytes_that_are_not_utf8_are_pinned_to_their_row(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_bytes(f"{HEAD}\n{ROW}\n".encode() + _bad(2, "8000").encode() + b"\xff\n")
    with pytest.raises(InputError) as info:
        import_amlworld(src, tmp_path / "out")
    assert info.value.row == 3 and "not UTF-8" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]
