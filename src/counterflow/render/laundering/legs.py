"""A planned schedule of transaction legs, emitted day by day.

Trade-based laundering and supplier payments span weeks (an order is paid, shipped, sold, and the
pesos handed over), so their plans fix every leg up front: day, second of the day, accounts,
amounts in both currencies and labels. The day generators only copy the day's legs into the
rows, which keeps a case's ledger checkable against the plan and the output deterministic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from counterflow.render.batch import TxnRows
from counterflow.render.calendar import Day

_FIELDS = ("day", "sec", "src", "dst", "amount_paid", "cur_paid", "amount_received", "cur_received", "channel",
           "txn_type", "location", "shipment", "illicit", "typology", "case")
_DTYPES = (np.int64, np.int64, np.int64, np.int64, float, np.int8, float, np.int8, np.int8, np.int8, np.int32,
           np.int64, bool, np.int8, np.int64)


def business_day(start: dt.date, d: int) -> int:
    """``d``, or the Monday after it when it falls on a weekend: wires wait for a business day."""
    wd = (start.weekday() + d) % 7
    return d + (7 - wd if wd >= 5 else 0)


@dataclass
class Legs:
    """Columns of the legs, sorted by day once :meth:`freeze` has run."""

    cols: dict[str, list] = field(default_factory=lambda: {k: [] for k in _FIELDS})
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, day: int, sec: int, src: int, dst: int, amount_paid: float, cur_paid: int,
            amount_received: float, cur_received: int, channel: int, txn_type: int, *, location: int = -1,
            shipment: int = -1, illicit: bool = True, typology: int = -1, case: int = -1) -> None:
        for k, v in zip(_FIELDS, (day, sec, src, dst, amount_paid, cur_paid, amount_received, cur_received,
                                  channel, txn_type, location, shipment, illicit, typology, case)):
            self.cols[k].append(v)

    def freeze(self, days: int) -> Legs:
        """Arrays of the legs inside the window [0, days), stably sorted by day."""
        a = {k: np.array(self.cols[k], dtype=t) for k, t in zip(_FIELDS, _DTYPES)}
        keep = (a["day"] >= 0) & (a["day"] < days)
        order = np.argsort(a["day"][keep], kind="stable")
        self.arrays = {k: v[keep][order] for k, v in a.items()}
        return self

    def emit(self, d: Day, rows: TxnRows) -> None:
        a = self.arrays
        lo, hi = np.searchsorted(a["day"], [d.index, d.index + 1])
        if hi <= lo:
            return
        s = slice(lo, hi)
        rows.add(ts=d.epoch_s + np.minimum(a["sec"][s], 86_399), src=a["src"][s], dst=a["dst"][s],
                 amount_paid=a["amount_paid"][s], cur_paid=a["cur_paid"][s], amount_received=a["amount_received"][s],
                 cur_received=a["cur_received"][s], channel=a["channel"][s], txn_type=a["txn_type"][s],
                 location=a["location"][s], shipment=a["shipment"][s], illicit=a["illicit"][s],
                 typology=a["typology"][s], case=a["case"][s])
