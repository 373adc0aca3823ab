"""Checking parsed times against their text: Arrow's strptime is lenient, the calendar is not.

Shared by the importers (:mod:`counterflow.dataset.amlworld`, :mod:`counterflow.dataset.tabular`):
an impossible day (2024/02/30, which Arrow reads as 2024-03-01) or a year outside 1-9999 (which
Python cannot hold) is an error at its row instead of silently wrong data.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

# Times a calendar (and Python) can hold: years 1 to 9999, in milliseconds since 1970.
_MIN_MS, _MAX_MS = -62135596800000, 253402300799999


def first_out_of_range(ts: pa.Array) -> int:
    """Index of the first time before year 1 or after year 9999, or -1."""
    ms = pc.cast(pc.cast(ts, pa.timestamp("ms")), pa.int64())
    return pc.index(pc.fill_null(pc.or_(pc.less(ms, _MIN_MS), pc.greater(ms, _MAX_MS)), False), True).as_py()


_WIDTH = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}
_FIELD = {"Y": pc.year, "m": pc.month, "d": pc.day, "H": pc.hour, "M": pc.minute, "S": pc.second}


def _layout(fmt: str) -> tuple[int, list[tuple[int, int, str]]] | None:
    """(length, [(start, end, directive)]) of a format made of fixed-width fields; None otherwise."""
    pos, parts, i = 0, [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            code = fmt[i + 1] if i + 1 < len(fmt) else ""
            if code == "%":
                pos, i = pos + 1, i + 2
                continue
            if code not in _WIDTH:
                return None
            parts.append((pos, pos + _WIDTH[code], code))
            pos, i = pos + _WIDTH[code], i + 2
        else:
            pos, i = pos + 1, i + 1
    return pos, parts


def _same_fields(text: pa.Array, ts: pa.Array, fmt: str) -> pa.Array:
    """Per row: does the text say the parsed time (null where it was not parsed)?"""
    layout = _layout(fmt)
    if layout is None:
        return pc.equal(pc.strftime(ts, format=fmt), text)
    length, parts = layout
    same = pc.equal(pc.utf8_length(text), length)
    for a, b, code in parts:
        if code not in "Ymd":  # an hour or minute out of range does not parse at all: only days shift
            continue
        part = pc.utf8_slice_codeunits(text, a, b)
        digits = pc.if_else(pc.utf8_is_digit(part), part, pa.scalar(None, pa.string()))
        same = pc.and_kleene(same, pc.equal(pc.cast(digits, pa.int64()), pc.cast(_FIELD[code](ts), pa.int64())))
    return same


def first_impossible_date(text: pa.Array, ts: pa.Array, formats: tuple[str, ...]) -> int:
    """Index of the first row whose parsed time is not what its text says, or -1.

    Arrow's strptime is lenient: 2024/02/30 becomes 2024-03-01 and year 0000 a time no calendar
    has. A row is right when the fields of its text are those of the parsed time (compared in place
    for a format of fixed-width fields such as ``%Y/%m/%d %H:%M``, fast; else by writing the time back
    with strftime); the others (impossible dates, but also unpadded ones such as 2022/9/1) are read
    again by Python's strict strptime, and a row that reads differently, or not at all, is the answer.
    """
    out_of_range = first_out_of_range(ts)
    if out_of_range >= 0:
        return out_of_range
    valid = pc.is_valid(ts)
    same = None
    for fmt in formats:
        eq = _same_fields(text, ts, fmt)
        same = eq if same is None else pc.or_kleene(same, eq)
    suspects = pc.indices_nonzero(pc.and_kleene(valid, pc.invert(pc.fill_null(same, False)))).to_numpy()
    if len(suspects) == 0:
        return -1
    stamps = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False)
    epoch = dt.datetime(1970, 1, 1)
    for i in suspects:
        value = text[int(i)].as_py()
        want = epoch + dt.timedelta(milliseconds=int(stamps[i]))
        for fmt in formats:
            try:
                if want is not None and dt.datetime.strptime(value, fmt) == want:
                    break
            except ValueError:
                continue
        else:
            return int(i)
    return -1
