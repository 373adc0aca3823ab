"""The ``laundering:`` section of a scenario: how street cash becomes bank transactions.

The laundering twin reads the trafficking twin's ``cash_proceeds`` and sends a share of it through
Chinese money-laundering network (CMLN) brokers (mirror swaps, FIN-2025-A003). Every field has a
default, so a scenario without the section runs the baseline.

Scale. The trafficking twin models the whole US market (tens of millions of dollars of street
cash a day) while a dataset's banks serve a few thousand customers. ``cash_scale`` is the share of
the laundered cash that passes through the dataset's banks; left unset it is
``population.persons * 5e-7`` (capped at 1): the banks see cash in proportion to their customers,
and illicit rows stay a small fraction of all transactions (about 0.5% on the default scenario),
as in real bank data.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from counterflow.scenario.laundering_trade import SupplierPayments, TradeLaundering

CmlnOrganisation = Literal["sinaloa", "cjng", "dominican_tco", "independent"]
SCALE_PER_PERSON = 5e-7


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Laundering(_Strict):
    """Knobs of the money side: who launders through brokers, how much, at what fee."""

    enabled: bool = True
    # Organisations whose US cash goes to Chinese brokers (the Mexican cartels, per the advisories).
    organisations: tuple[CmlnOrganisation, ...] = ("sinaloa", "cjng")
    # Share of those organisations' street cash handed to CMLN brokers (the rest is bulk cash, trade
    # or other channels, not modelled yet).
    cmln_share: float = Field(0.5, ge=0, le=1)
    # Share of the laundered cash seen by this dataset's banks; None: SCALE_PER_PERSON per person.
    cash_scale: float | None = Field(None, gt=0, le=1)
    # Cash collects in a stash until a courier pick-up of about this size (the factbox: $150,000).
    pickup_usd: float = Field(40_000, ge=1_000, le=10_000_000)
    # Broker commission on the pesos, drawn per pick-up (2-5% per the reporting).
    fee_min: float = Field(0.02, ge=0, le=0.5)
    fee_max: float = Field(0.05, ge=0, le=0.5)
    # Share of pick-ups lost before reaching a bank (seized or stolen from the courier).
    loss_rate: float = Field(0.02, ge=0, le=1)
    # Share of pick-ups placed through recruited mules (the rest through couriers' funnel accounts).
    mule_share: float = Field(0.6, ge=0, le=1)
    brokers: int = Field(4, ge=1, le=1000)
    mules_per_broker: int = Field(10, ge=1, le=10_000)
    couriers_per_broker: int = Field(3, ge=1, le=1000)
    dollar_buyers_per_broker: int = Field(8, ge=1, le=10_000)
    peso_buyers_per_broker: int = Field(4, ge=1, le=10_000)
    # Structured cash deposits stay below the $10,000 currency transaction report threshold.
    deposit_max_usd: float = Field(9_800, ge=100, lt=10_000)
    # Trade-based laundering and the payments for precursors (see laundering_trade.py).
    trade: TradeLaundering = TradeLaundering()
    suppliers: SupplierPayments = SupplierPayments()

    @model_validator(mode="after")
    def _ranges(self) -> Laundering:
        if self.fee_min > self.fee_max:
            raise ValueError("fee_min must be <= fee_max")
        return self

    def scale(self, persons: int) -> float:
        return self.cash_scale if self.cash_scale is not None else min(1.0, persons * SCALE_PER_PERSON)
