"""Known answers for each bad input of issue 12: the error names the file, the row (a line number) and
the field, in one line, and nothing is imported wrongly or shown altered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.dataset.amlworld import HEADER, import_amlworld
from counterflow.dataset.reader import open_dataset
from counterflow.dataset.tabular import import_table, load_mapping
from counterflow.errors import CounterflowError, DatasetError, InputError
from counterflow.scenario import parse_scenario
from counterflow.screen.lists import load_list
from counterflow.screen.names import fold
from counterflow.screen.ofac import load_ofac_csv
from tests.screen.conftest import FIXTURES

runner = CliRunner()
ROW = "2022/09/01 00:20,10,A,10,B,3.5,US Dollar,3.5,US Dollar,Wire,0"
MAP = "columns: {timestamp: t, src_account: a, dst_account: b, amount: x}\n"


def aml(tmp_path: Path, *rows: str) -> Path:
    p = tmp_path / "tx.csv"
    p.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n")
    return p


def table(tmp_path: Path, text: str, mapping: str = MAP) -> tuple[Path, Path]:
    (tmp_path / "t.csv").write_text(text)
    (tmp_path / "m.yaml").write_text(mapping)
    return tmp_path / "t.csv", tmp_path / "m.yaml"


def error_of(fn, *args, **kw) -> CounterflowError:  # noqa: ANN001
    with pytest.raises(CounterflowError) as err:
        fn(*args, **kw)
    assert "\n" not in str(err.value)
    return err.value


# --- dates --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("when", ["2024/02/30 10:00", "2023/02/29 00:00", "0000/01/01 10:00", "2024/04/31 23:59"])
def test_amlworld_impossible_dates_are_rejected_not_shifted(tmp_path: Path, when: str) -> None:
    err = error_of(import_amlworld, aml(tmp_path, ROW, ROW.replace("2022/09/01 00:20", when)), tmp_path / "ds")
    assert (err.row, err.field) == (3, "Timestamp") and "not a date of the calendar" in err.reason
    assert not (tmp_path / "ds").exists()


def test_amlworld_leap_day_and_unpadded_dates_still_import(tmp_path: Path) -> None:
    ds = import_amlworld(aml(tmp_path, ROW.replace("2022/09/01 00:20", "2024/02/29 23:59"),
                             ROW.replace("2022/09/01 00:20", "2022/9/1 0:20")), tmp_path / "ds")
    m = open_dataset(ds).manifest
    assert (m["start_date"], m["end_date"]) == ("2022-09-01", "2024-02-29")


@pytest.mark.parametrize("when, fmt", [("2024-02-30", None), ("0000-01-01 10:00", None),
                                       ("30/02/2024", "%d/%m/%Y"), ("2024-02-29", None)])
def test_mapped_impossible_dates(tmp_path: Path, when: str, fmt: str | None) -> None:
    mapping = MAP + (f"timestamp_format: '{fmt}'\n" if fmt else "")
    path, m = table(tmp_path, f"t,a,b,x\n{when},A,B,1\n", mapping)
    if when == "2024-02-29":
        assert open_dataset(import_table(path, load_mapping(m), tmp_path / "ds")).manifest["start_date"] == when
        return
    err = error_of(import_table, path, load_mapping(m), tmp_path / "ds")
    assert (err.row, err.field) == (2, "t") and "not a date of the calendar" in err.reason


@pytest.mark.parametrize("yaml_text, line, key", [
    ("name: s\nstart_date: 2024-02-30\n", 2, "start_date"),
    ("name: s\nstart_date: 9999-06-01\n", 2, "start_date"),
    ("name: s\nstart_date: 2024-01-01\ndays: 30\ntrafficking:\n  start_date: 2025-01-01\n", 5,
     "trafficking.start_date"),
    ("name: s\nlaundering:\n  levers:\n    - kind: bank_cutoff\n      start: 2024-01-10\n"
     "      banks: [No Such Bank]\n", 6, "laundering.levers.0.banks.0"),
    ("name: s\nlaundering:\n  levers:\n    - kind: bank_cutoff\n      start: 1066-10-14\n      share: 0.5\n", 5,
     "laundering.levers.0.start"),
])
def test_scenario_errors_name_the_users_key_and_line(yaml_text: str, line: int, key: str) -> None:
    err = error_of(parse_scenario, yaml_text, "s.yaml")
    assert f"line {line}, key '{key}'" in str(err), str(err)


@pytest.mark.parametrize("fmt", ["%Q %Y", "%Y%Y-%m-%d"])
def test_bad_timestamp_format_is_the_mappings_error(tmp_path: Path, fmt: str) -> None:
    # %Y%Y is valid for strftime, but strptime cannot compile it (a repeated group): found by Hypothesis.
    path, m = table(tmp_path, "t,a,b,x\n2024-01-01,A,B,1\n", MAP + f"timestamp_format: '{fmt}'\n")
    err = error_of(load_mapping, m)
    assert err.file == str(m) and "line 2, key 'timestamp_format'" in str(err)


# --- CSV positions --------------------------------------------------------------------------------------

def test_rows_are_line_numbers_after_a_quoted_new_line(tmp_path: Path) -> None:
    spanning = ROW.replace(",A,", ',"A\nsecond line",')
    err = error_of(import_amlworld, aml(tmp_path, ROW, spanning, ROW.replace("US Dollar,Wire", "US Dollar,Fax")),
                   tmp_path / "ds")
    assert (err.row, err.field) == (5, "Payment Format")
    path, m = table(tmp_path, 't,a,b,x\n2024-01-01,"A\nB",B,1\n\n2024-01-02,A,B,zz\n')
    err = error_of(import_table, path, load_mapping(m), tmp_path / "ds")
    assert (err.row, err.field) == (5, "x")


def test_unterminated_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    err = error_of(import_amlworld, aml(tmp_path, ROW, ROW.replace(",A,", ',"A,'), ROW, ROW), tmp_path / "ds")
    assert err.row == 3 and "never closed" in err.reason
    path, m = table(tmp_path, 't,a,b,x\n2024-01-01,A,B,1\n2024-01-01,"A,B,1\n2024-01-01,A,B,1\n')
    err = error_of(import_table, path, load_mapping(m), tmp_path / "ds")
    assert err.row == 3 and "never closed" in err.reason


def test_a_bad_byte_is_reported_at_its_row_not_the_header(tmp_path: Path) -> None:
    p = aml(tmp_path, *[ROW] * 6)
    p.write_bytes(p.read_bytes() + ROW.replace(",A,", ",A\xff,").encode("latin-1") + b"\n")
    err = error_of(import_amlworld, p, tmp_path / "ds")
    assert err.row == 8 and "not UTF-8" in err.reason
    path, m = table(tmp_path, "t,a,b,x\n" + "2024-01-01,A,B,1\n" * 6)
    path.write_bytes(path.read_bytes() + b"2024-01-01,A\xff,B,1\n")
    err = error_of(import_table, path, load_mapping(m), tmp_path / "ds")
    assert err.row == 8 and "not UTF-8" in err.reason


def test_long_fields_and_nested_parquet_columns(tmp_path: Path) -> None:
    path, m = table(tmp_path, "t,a,b,x,notes\n2024-01-01,A,B,1," + "n" * 300_000 + "\n")
    assert open_dataset(import_table(path, load_mapping(m), tmp_path / "ds")).rows("transactions") == 1
    path, m = table(tmp_path, "t,a,b,x," + "h" * 300_000 + "\n2024-01-01,A,B,1,1\n")
    assert open_dataset(import_table(path, load_mapping(m), tmp_path / "ds2")).rows("transactions") == 1
    pq.write_table(pa.table({"t": ["2024-01-01"], "a": [["x"]], "b": [{"k": 1}], "x": [1.0]}), tmp_path / "n.parquet")
    err = error_of(import_table, tmp_path / "n.parquet", load_mapping(m), tmp_path / "ds3")
    assert err.field == "a" and "list" in err.reason


def test_non_utf8_mapping_parties_and_list_files(tmp_path: Path) -> None:
    from counterflow.screen.parties import read_parties

    (tmp_path / "m.yaml").write_bytes(MAP.encode() + b"currency: \xff\n")
    assert error_of(load_mapping, tmp_path / "m.yaml").row == 2
    (tmp_path / "p.csv").write_bytes(b"name,country\nAna,MX\nJos\xe9,MX\n")
    assert error_of(read_parties, tmp_path / "p.csv").row == 3
    (tmp_path / "p.jsonl").write_bytes(b'{"schema": "Person", "properties": {"name": ["Jos\xe9"]}}\n')
    assert error_of(read_parties, tmp_path / "p.jsonl").row == 1
    (tmp_path / "un.xml").write_bytes(b"<CONSOLIDATED_LIST>\n\x81\x8d</CONSOLIDATED_LIST>")
    assert "not UTF-8" in error_of(load_list, tmp_path / "un.xml").reason


# --- sanctions lists ----------------------------------------------------------------------------------

def test_a_cut_sanctions_list_is_refused(tmp_path: Path) -> None:
    whole = (FIXTURES / "ofac-2024" / "sdn.csv").read_bytes()
    lines = whole.split(b"\r\n")
    (tmp_path / "sdn.csv").write_bytes(b"\r\n".join(lines[:10]) + b"\r\n")  # cut at a line end: no mark
    err = error_of(load_ofac_csv, tmp_path / "sdn.csv")
    assert "cut short" in err.reason and err.row == 10  # the last line the file has
    (tmp_path / "sdn.csv").write_bytes(whole[: len(whole) // 2])  # cut inside a record
    assert "cut short" in error_of(load_ofac_csv, tmp_path / "sdn.csv").reason
    # alt.csv naming entries that sdn.csv lacks: sdn.csv was cut.
    folder = tmp_path / "ofac"
    shutil.copytree(FIXTURES / "ofac-2021", folder)
    sdn = (folder / "sdn.csv").read_bytes().split(b"\r\n")
    (folder / "sdn.csv").write_bytes(b"\r\n".join(sdn[:3]) + b"\r\n\x1a")
    assert "alt.csv refers to" in error_of(load_ofac_csv, folder / "sdn.csv").reason
    un = (FIXTURES / "un" / "UN_consolidated.xml").read_bytes()
    (tmp_path / "un.xml").write_bytes(un[: len(un) * 2 // 3])
    assert "cut short" in error_of(load_list, tmp_path / "un.xml").reason


def test_a_cut_download_is_not_kept(tmp_path: Path) -> None:
    from counterflow.screen.lists import fetch

    whole = (FIXTURES / "ofac-2024" / "sdn.csv").read_bytes()
    (tmp_path / "cut.csv").write_bytes(whole[: len(whole) - 400])
    err = error_of(fetch, (tmp_path / "cut.csv").as_uri(), tmp_path / "sdn.csv")
    assert "cut short" in err.reason and ".tmp-" not in str(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.csv"]


# --- screening names ----------------------------------------------------------------------------------

SDN_SMALL = str(FIXTURES / "ofac-2024" / "sdn.csv")


@pytest.fixture(scope="module")
def screener():  # noqa: ANN201
    from counterflow.screen.index import ScreeningIndex
    from counterflow.screen.match import Screener

    return Screener(ScreeningIndex([load_list(SDN_SMALL)]))


@pytest.mark.parametrize("hidden", ["\u200b", "\u00ad", "\u200d", "\ufeff", "\u2060", "\x07", "\u200e"])
def test_an_invisible_character_inside_a_name_does_not_defeat_screening(screener, hidden: str) -> None:  # noqa: ANN001
    import datetime as dt

    from counterflow.screen.match import Party

    assert fold(f"Fuji{hidden}ng Zh{hidden}eng") == "fujing zheng"
    hits = screener.screen(Party(name=f"Fu{hidden}jing Zhe{hidden}ng", birth_date=dt.date(1983, 6, 11)))
    assert hits and hits[0].as_dict()["ent_num"] == 26236 and hits[0].verdict == "match"


def test_tab_and_new_line_still_separate_words() -> None:
    assert fold("Fujing\tZheng") == fold("Fujing\nZheng") == "fujing zheng"


def test_rich_markup_in_user_text_is_printed_literally(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("party_id,name\n1,[/bold]ZHENG [red]Fujing\n")
    wide = {"COLUMNS": "250"}
    res = runner.invoke(app, ["screen", str(tmp_path / "p.csv"), "--list", SDN_SMALL], env=wide)
    assert res.exit_code == 0, res.output
    assert "[/bold]ZHENG [red]Fujing" in res.output  # shown as written, neither a crash nor styled away
    res = runner.invoke(app, ["screen-name", "[/bold]Fujing [i]Zheng", "--dob", "1983-06-11", "--list", SDN_SMALL],
                        env=wide)
    assert res.exit_code == 0 and "Screening '[/bold]Fujing [i]Zheng'" in res.output


# --- datasets -----------------------------------------------------------------------------------------

def test_manifest_entry_without_rows_and_missing_or_cut_parts(tiny_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(tiny_path, copy)
    m = json.loads((copy / "manifest.json").read_text())
    del m["tables"]["banks"]["rows"]
    (copy / "manifest.json").write_text(json.dumps(m))
    assert "table 'banks': no row count" in str(error_of(open_dataset, copy))
    shutil.rmtree(copy)
    shutil.copytree(tiny_path, copy)
    part = copy / json.loads((copy / "manifest.json").read_text())["tables"]["transactions"]["files"][0]["path"]
    part.write_bytes(part.read_bytes()[:5000])
    for args in (["export", "amlworld", str(copy), "--out", str(tmp_path / "x.csv")],
                 ["detect", str(copy), "--out", str(tmp_path / "a.parquet"), "--no-model"],
                 ["evaluate", str(tmp_path / "none.parquet"), "--data", str(copy)]):
        res = runner.invoke(app, args)
        assert isinstance(res.exception, CounterflowError), (args, res.exception)
    assert isinstance(error_of(open_dataset, copy), DatasetError)
    part.unlink()
    assert "file missing" in str(error_of(open_dataset, copy))
    res = runner.invoke(app, ["inspect", str(copy), "--json"])  # inspect still reports, exit 1
    assert res.exit_code == 1 and any("file missing" in p for p in json.loads(res.stdout)["problems"])


def test_a_population_that_cannot_fit_is_refused_before_any_work(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from counterflow.cli import dataset_cmds

    monkeypatch.setattr(dataset_cmds, "available_memory", lambda: 4 << 30)
    (tmp_path / "s.yaml").write_text("name: big\npopulation: {persons: 200000000, businesses: 20000000}\n")
    res = runner.invoke(app, ["simulate", "--scenario", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "ds")])
    assert isinstance(res.exception, InputError) and res.exception.field == "population"
    assert "need about 164.4 GiB" in str(res.exception) and "4.0 GiB is available" in str(res.exception)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]
