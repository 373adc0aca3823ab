"""The scenario model: every knob of a run, typed and checked before anything is generated.

Unknown keys are errors (``extra="forbid"``) so that a typo never silently falls back to a
default. Shares are fractions in [0, 1]; monetary figures are USD at 2024 prices and are scaled
to local currency and price level by the renderer.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from counterflow.scenario.base import LAST_DAY, Day, Strict
from counterflow.scenario.laundering import Laundering
from counterflow.scenario.trafficking import Trafficking

CountryCode = Literal["US", "MX", "CN", "HK", "CA", "IN"]


class Population(Strict):
    """How many parties the legitimate economy has."""

    persons: int = Field(10_000, ge=20, le=200_000_000)
    businesses: int = Field(1_000, ge=40, le=20_000_000)


class Behaviour(Strict):
    """Rates and sizes of ordinary activity (per person unless said otherwise)."""

    card_purchases_per_day: float = Field(0.9, ge=0, le=20)
    p2p_per_month: float = Field(2.0, ge=0, le=100)
    cash_withdrawals_per_month: float = Field(2.5, ge=0, le=60)
    bills_per_month: int = Field(3, ge=0, le=3)
    renter_share: float = Field(0.45, ge=0, le=1)
    savings_share: float = Field(0.35, ge=0, le=1)
    # Share of Mexican nationals living in the US who send money home (Banxico: most do).
    remitter_share: float = Field(0.6, ge=0, le=1)
    remittance_median_usd: float = Field(390.0, gt=0, le=100_000)
    # Share of Chinese nationals living in the US who are students funded from home.
    student_share: float = Field(0.35, ge=0, le=1)
    crypto_user_share: float = Field(0.05, ge=0, le=1)
    b2b_payments_per_business_per_month: float = Field(6.0, ge=0, le=1000)
    shipments_per_trader_per_month: float = Field(1.2, ge=0, le=100)
    seasonality: bool = True


class Output(Strict):
    """How the dataset is written (part of the scenario so that bytes are reproducible)."""

    chunk_rows: int = Field(1_000_000, ge=1_000, le=50_000_000)
    rows_per_file: int = Field(10_000_000, ge=1_000, le=1_000_000_000)
    compression: Literal["zstd", "snappy", "lz4", "none"] = "zstd"


class Scenario(Strict):
    """One run of the twin: when, how big, where, and how people behave."""

    name: str = Field(..., min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    start_date: Day = dt.date(2024, 1, 1)
    days: int = Field(180, ge=1, le=3660)
    population: Population = Population()
    # Where persons live (shares, normalised to 1).
    residence: dict[CountryCode, float] = Field(
        default_factory=lambda: {"US": 0.62, "MX": 0.2, "CN": 0.1, "HK": 0.02, "CA": 0.04, "IN": 0.02}
    )
    # Where businesses are registered (shares, normalised to 1).
    business_countries: dict[CountryCode, float] = Field(
        default_factory=lambda: {"US": 0.55, "MX": 0.2, "CN": 0.14, "HK": 0.04, "CA": 0.04, "IN": 0.03}
    )
    # Foreign nationals among US residents (shares of US residents, by nationality).
    us_foreign_nationals: dict[CountryCode, float] = Field(
        default_factory=lambda: {"MX": 0.07, "CN": 0.012, "IN": 0.01}
    )
    banks: dict[CountryCode, int] = Field(
        default_factory=lambda: {"US": 8, "MX": 5, "CN": 5, "HK": 3, "CA": 3, "IN": 3}
    )
    behaviour: Behaviour = Behaviour()
    # The physical trafficking twin (precursors to street, interdiction, adaptation).
    trafficking: Trafficking = Trafficking()
    # The laundering twin (cash proceeds to mirror swaps through Chinese money brokers).
    laundering: Laundering = Laundering()
    output: Output = Output()

    @field_validator("residence", "business_countries")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("needs at least one country")
        if any(x < 0 for x in v.values()):
            raise ValueError("shares must be >= 0")
        total = sum(v.values())
        if total <= 0:
            raise ValueError("shares must add up to more than 0")
        return {k: x / total for k, x in v.items()}

    @field_validator("us_foreign_nationals")
    @classmethod
    def _foreign(cls, v: dict[str, float]) -> dict[str, float]:
        if "US" in v:
            raise ValueError("US is not a foreign nationality of US residents")
        if any(x < 0 for x in v.values()) or sum(v.values()) > 0.9:
            raise ValueError("shares must be >= 0 and add up to at most 0.9")
        return v

    @field_validator("banks")
    @classmethod
    def _banks(cls, v: dict[str, int]) -> dict[str, int]:
        if any(n < 1 or n > 200 for n in v.values()):
            raise ValueError("each country needs between 1 and 200 banks")
        return v

    @model_validator(mode="after")
    def _banks_where_parties_are(self) -> Scenario:
        needed = {c for c, s in self.residence.items() if s > 0}
        needed |= {c for c, s in self.business_countries.items() if s > 0}
        needed |= {"US", "MX", "CN"}  # the corridors the twin always models
        missing = sorted(needed - set(self.banks))
        if missing:
            raise ValueError(f"banks: no banks given for {', '.join(missing)}, where parties live")
        if self.start_date + dt.timedelta(days=self.days - 1) > LAST_DAY:
            raise ValueError(f"days: the dataset would end after {LAST_DAY}")
        for i, lv in enumerate(self.laundering.levers):
            names = getattr(lv, "banks", None) or []
            if names:
                from counterflow.world.banks import build_banks

                known = {bk.name for bk in build_banks(dict(self.banks))}
                for j, name in enumerate(names):
                    if name not in known:
                        raise ValueError(f"laundering.levers.{i}.banks.{j}: no bank named {name!r}; the scenario's "
                                         f"banks are: {', '.join(sorted(known))}")
        if self.trafficking.start_date > self.start_date:
            raise ValueError("trafficking.start_date: must be on or before start_date (the twin's history "
                             "leads up to the dataset window)")
        if (self.end_date - self.trafficking.start_date).days > 40 * 366:
            raise ValueError("trafficking.start_date: the twin covers at most 40 years")
        return self

    @property
    def end_date(self) -> dt.date:
        """Last simulated day (inclusive)."""
        return self.start_date + dt.timedelta(days=self.days - 1)
