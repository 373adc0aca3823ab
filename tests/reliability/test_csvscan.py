"""Line lookup on error (counterflow.dataset.csvscan) in blocks: plain blocks are counted with array
arithmetic and only blocks with quotes or odd bytes are read by the csv module, with the same answers
as reading the whole file with it; a block boundary may fall anywhere, even inside a quoted field."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.dataset import csvscan
from counterflow.errors import InputError

# Line:   1        2      3  4          5       6          7  8     9
TEXT = b'a,b\nx,1\n\nq,"two\nlines"\nr,\xc3\xa9\r\n\r\nz,9\n'
# Records (header = 1): 1 at line 1, 2 at 2, the blank line 3 (a record unless skip_blank), "q" at
# 4 (its field spans lines 4-5), "r" at 6, the blank line 7 (\r\n), "z" at 8.
WITH_BLANKS = [1, 2, 3, 4, 6, 7, 8]
WITHOUT_BLANKS = [1, 2, 4, 6, 8]


@pytest.mark.parametrize("block", [1, 3, 8, 1 << 20])
def test_record_lines_are_the_same_whatever_the_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      block: int) -> None:
    monkeypatch.setattr(csvscan, "_BLOCK", block)
    f = tmp_path / "t.csv"
    f.write_bytes(TEXT)
    assert [csvscan.record_line(f, r) for r in range(1, 8)] == WITH_BLANKS
    assert [csvscan.record_line(f, r, skip_blank=True) for r in range(1, 6)] == WITHOUT_BLANKS
    err = csvscan.locate(f, ValueError("x"), ncols=2, skip_blank=False)
    assert isinstance(err, InputError) and err.row == 3 and "an empty line" in str(err)
    assert csvscan.locate(f, ValueError("x"), ncols=2, skip_blank=True).row is None  # every record has 2 fields
    f.write_bytes(TEXT + b'w,"open\nand on\n')
    err = csvscan.locate(f, ValueError("x"), ncols=2, skip_blank=True)
    assert err.row == 9 and "never closed" in str(err)
    f.write_bytes(TEXT.replace(b"z,9", b"z,\xff"))
    err = csvscan.locate(f, ValueError("x"), ncols=2, skip_blank=True)
    assert err.row == 8 and "not UTF-8" in str(err)
    f.write_bytes(TEXT + b"1,2,3\n")
    assert csvscan.locate(f, ValueError("x"), ncols=2, skip_blank=True).row == 9


def test_a_bad_row_near_the_end_of_a_large_file_is_found_without_the_csv_module(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "big.csv"
    f.write_bytes(b"a,b\n" + b"x,1\n" * 200_000 + b"x,1,2\n")

    def no_csv(*_a: object, **_k: object) -> None:
        raise AssertionError("the csv module read a plain block")

    monkeypatch.setattr(csvscan.csv, "reader", no_csv)
    assert csvscan.record_line(f, 200_001) == 200_001
    assert csvscan.locate(f, ValueError("x"), ncols=2).row == 200_002
