"""The ``laundering:`` section of a scenario: how street cash becomes bank transactions.

The laundering twin reads the trafficking twin's ``cash_proceeds`` and sends a share of it through
Chinese money-laundering network (CMLN) brokers (mirror swaps, FIN-2025-A003). Every field has a
default, so a scenario without the section runs the baseline.

Scale. The trafficking twin models the whole US market (tens of millions of dollars of street
cash a day) while a dataset's banks serve a few thousand customers. ``cash_scale`` is the share of
the laundered cash that passes through the dataset's banks; left unset it is
``population.persons * 4e-7`` (capped at 1): the banks see cash in proportion to their customers,
and illicit rows stay a small fraction of all transactions (about 0.5% on the default scenario),
as in real bank data.

Counter-measures ("levers") are a list, as in the ``trafficking:`` section: each has a ``kind`` from
a closed set (:data:`LEVER_KINDS`), a ``start`` date and its own parameters. The networks adapt
inside the window: they move to other banks, recruit fresh mules and couriers, and shift volume to
the mirror swap or to crypto.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from counterflow.scenario.base import Day, Strict
from counterflow.scenario.laundering_trade import SupplierPayments, TradeLaundering

CmlnOrganisation = Literal["sinaloa", "cjng", "dominican_tco", "independent"]
BankCountry = Literal["US", "MX", "CN", "HK", "CA", "IN"]
SCALE_PER_PERSON = 2e-8


class _Lever(Strict):
    start: Day
    note: str = ""


class BankCutoff(_Lever):
    """A US order cuts banks off (FinCEN's 2025 orders against three Mexican institutions): from
    ``start`` no leg touches them; the networks move their accounts to other banks of the country.
    Legs through a cut-off bank before the order are labeled C9."""

    kind: Literal["bank_cutoff"]
    banks: list[str] = Field(default_factory=list)  # bank names as in the banks table
    country: BankCountry = "MX"  # with ``share``: that share of the country's banks, drawn by seed
    share: float = Field(0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _some_bank(self) -> BankCutoff:
        if not self.banks and self.share == 0:
            raise ValueError("bank_cutoff needs 'banks' (names) or a 'share' above 0")
        return self


class MxUsdCap(_Lever):
    """Mexico caps USD cash deposits per account and month (the 2010 rule: $4,000 for individuals):
    bulk cash carried south no longer fits; the cartels shift it to the mirror swap and crypto."""

    kind: Literal["mx_usd_cap"]
    cap_usd: float = Field(4_000, ge=0, le=1_000_000)
    crypto_share: float = Field(0.3, ge=0, le=1)  # of the displaced cash; the rest to the mirror


class FxQuota(_Lever):
    """China enforces its $50,000 yearly FX quota per person: more Chinese nationals need dollars
    abroad, so each pick-up finds more dollar buyers and the brokers' fees fall."""

    kind: Literal["fx_quota"]
    fee_factor: float = Field(0.5, ge=0, le=1)
    extra_buyers: int = Field(2, ge=0, le=3)


class AccountClosure(_Lever):
    """Banks close mule and funnel accounts after a number of structured cash deposits; the networks
    replace them with freshly recruited mules and couriers."""

    kind: Literal["account_closure"]
    after_deposits: int = Field(12, ge=1, le=10_000)
    notice_days: int = Field(3, ge=0, le=365)


class Sanction(_Lever):
    """OFAC designates broker networks' nodes (the US collection, Mexican pool and Chinese account
    holders, as in the 2025 CMLN designations): from ``start`` banks block their accounts, and each
    designated network puts new nominees in their place (new persons, new accounts)."""

    kind: Literal["sanction"]
    networks: int = Field(1, ge=1, le=1000)  # how many broker networks are designated, drawn by seed


Lever = Annotated[BankCutoff | MxUsdCap | FxQuota | AccountClosure | Sanction, Field(discriminator="kind")]
LEVER_KINDS: tuple[str, ...] = ("bank_cutoff", "mx_usd_cap", "fx_quota", "account_closure", "sanction")


class Laundering(Strict):
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
    pickup_usd: float = Field(15_000, ge=1_000, le=10_000_000)
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
    # How the collected dollars reach the dollar buyers, as shares of pick-ups (the rest: wires).
    # Through pass-through accounts (C3), or by paying off the credit cards of the buyers' shoppers,
    # who buy electronics and luxury goods (C5).
    pass_through_share: float = Field(0.25, ge=0, le=1)
    card_payoff_share: float = Field(0.15, ge=0, le=1)
    pass_through_per_broker: int = Field(2, ge=1, le=100)
    card_holders_per_broker: int = Field(6, ge=1, le=1000)
    # Share of those organisations' cash carried south in bulk and deposited in USD at Mexican banks
    # (before a USD cap); counted out of ``cmln_share``'s complement.
    bulk_share: float = Field(0.1, ge=0, le=1)
    # Later spends of laundered money, as shares of what reaches each account: the cartel's pesos
    # (property, builders, workers' pay), the dollar buyers' dollars (cashier's checks for real
    # estate) and the broker's yuan fee (property in China).
    spend_share: float = Field(0.6, ge=0, le=1)
    # Organisations that launder through their own channels (funnel accounts toward Mexico, bulk cash
    # withdrawn near the border, wires to Mexico), with the share of their cash that does.
    own_channel: tuple[CmlnOrganisation, ...] = ("dominican_tco", "independent")
    own_share: float = Field(0.5, ge=0, le=1)
    # Days between a pick-up and the later legs it funds (wires south, spends, card purchases).
    lag_days_max: int = Field(10, ge=1, le=120)
    levers: list[Lever] = Field(default_factory=list)
    # Trade-based laundering and the payments for precursors (see laundering_trade.py).
    trade: TradeLaundering = TradeLaundering()
    suppliers: SupplierPayments = SupplierPayments()

    @model_validator(mode="after")
    def _ranges(self) -> Laundering:
        if self.fee_min > self.fee_max:
            raise ValueError("fee_min must be <= fee_max")
        if self.pass_through_share + self.card_payoff_share > 1:
            raise ValueError("pass_through_share + card_payoff_share must be <= 1")
        if self.cmln_share + self.bulk_share > 1:
            raise ValueError("cmln_share + bulk_share must be <= 1")
        both = set(self.organisations) & set(self.own_channel)
        if both:
            raise ValueError(f"an organisation launders through brokers or its own channel, not both: {sorted(both)}")
        return self

    def scale(self, persons: int) -> float:
        return self.cash_scale if self.cash_scale is not None else min(1.0, persons * SCALE_PER_PERSON)
