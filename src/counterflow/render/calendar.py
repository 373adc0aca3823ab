"""Time: day indices, weekdays, paydays, seasonality and hour-of-day profiles.

Profiles are relative weights per hour; shapes follow published payment-timing studies in
broad strokes (card spending peaks at lunch and early evening; ACH batches post overnight;
wires and branch cash move in business hours).
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass

import numpy as np

HOURLY: dict[str, np.ndarray] = {
    "card": np.array(
        [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 1.5, 2.5, 3, 3.5, 4.5, 6, 5.5, 4.5, 4.5, 5, 6, 7, 6.5, 5, 3.5, 2, 1]
    ),
    "batch": np.array(
        [2, 6, 8, 8, 6, 3, 1, 0.5, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5]
    ),
    "office": np.array([0, 0, 0, 0, 0, 0, 0.2, 1, 4, 6, 6, 5, 4, 5, 6, 6, 4, 2, 0.5, 0.2, 0, 0, 0, 0]),
    "branch": np.array([0, 0, 0, 0, 0, 0, 0, 0.5, 2, 4, 5, 5, 5, 5, 5, 5, 4, 3, 1, 0, 0, 0, 0, 0]),
    "personal": np.array(
        [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.2, 1.8, 2, 2.2, 2.5, 3, 2.8, 2.5, 2.6, 3, 3.5, 4.5, 5, 4.8, 4, 2.5, 1]
    ),
}
_CDF = {k: np.cumsum(v) / v.sum() for k, v in HOURLY.items()}

MONTH_FACTOR = np.array([0.92, 0.90, 0.98, 0.99, 1.0, 1.0, 1.01, 1.02, 0.98, 1.0, 1.07, 1.25])
WEEKDAY_FACTOR = np.array([0.90, 0.92, 0.95, 1.0, 1.15, 1.20, 0.88])  # Monday first


@dataclass(frozen=True)
class Day:
    index: int
    date: dt.date
    epoch_s: int  # midnight, seconds since 1970-01-01

    @property
    def weekday(self) -> int:
        return self.date.weekday()

    @property
    def is_business_day(self) -> bool:
        return self.date.weekday() < 5

    @property
    def month_length(self) -> int:
        return _cal.monthrange(self.date.year, self.date.month)[1]

    def is_last_business_day(self) -> bool:
        last = dt.date(self.date.year, self.date.month, self.month_length)
        while last.weekday() >= 5:
            last -= dt.timedelta(days=1)
        return self.date == last

    def is_mid_month_payday(self) -> bool:
        mid = dt.date(self.date.year, self.date.month, 15)
        while mid.weekday() >= 5:
            mid -= dt.timedelta(days=1)
        return self.date == mid

    def activity_factor(self, seasonality: bool) -> float:
        if not seasonality:
            return 1.0
        return float(MONTH_FACTOR[self.date.month - 1] * WEEKDAY_FACTOR[self.weekday])


def day(start: dt.date, index: int) -> Day:
    d = start + dt.timedelta(days=index)
    epoch = (d - dt.date(1970, 1, 1)).days * 86400
    return Day(index, d, epoch)


def times(d: Day, profile: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` timestamps (epoch seconds) on day ``d`` following an hour-of-day profile."""
    hours = np.searchsorted(_CDF[profile], rng.random(n), side="right")
    return d.epoch_s + np.minimum(hours, 23) * 3600 + rng.integers(0, 3600, n)
