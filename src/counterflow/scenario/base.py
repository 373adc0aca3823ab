"""The base of every typed configuration (unknown keys are errors, values are immutable) and the
date type of scenarios."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2199, 12, 31)


def _in_range(v: dt.date) -> dt.date:
    if isinstance(v, dt.datetime):
        v = v.date()
    if not FIRST_DAY <= v <= LAST_DAY:
        raise ValueError(f"dates run from {FIRST_DAY} to {LAST_DAY}")
    return v


# A calendar day of a scenario: the twin's and the dataset's dates all fall within these years.
Day = Annotated[dt.date, AfterValidator(_in_range)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
