"""Knobs of trade-based laundering and of the payments for precursors (``laundering.trade``,
``laundering.suppliers``).

Trade-based laundering is option 2 of the Reuters factbox (seed 003): the broker spends the cash on
consumer goods that are shipped to Mexico and sold there for pesos that go to the cartel. Supplier
payments are the cartels' side of the trafficking twin's precursor shipments: Mexican front
importers paying the Chinese makers and brokers. Every field has a default, so every scenario runs
both; ``enabled: false`` switches one off.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from counterflow.scenario.base import Strict


class TradeLaundering(Strict):
    """Cash laundered by buying goods in the US or China and selling them in Mexico."""

    enabled: bool = True
    # Share of the organisations' street cash laundered through trade, on top of laundering.cmln_share
    # (the same cash_scale applies).
    share: float = Field(0.15, ge=0, le=1)
    # The cash collects until an order of about this size (whole containers of goods).
    order_usd: float = Field(60_000, ge=1_000, le=10_000_000)
    fronts_per_case: int = Field(2, ge=1, le=100)
    # Share of an order's cash reaching the front through third parties' accounts (T5), the rest is
    # deposited by the front itself.
    third_party_share: float = Field(0.4, ge=0, le=1)
    third_parties_per_front: int = Field(4, ge=1, le=100)
    # Share of orders bought from a US wholesaler (trucked across the border); the rest come from China.
    us_supplier_share: float = Field(0.3, ge=0, le=1)
    # Share of Chinese orders invoiced by a Hong Kong trading company (C8) and transshipped there.
    via_hong_kong: float = Field(0.4, ge=0, le=1)
    over_invoice_rate: float = Field(0.3, ge=0, le=1)
    under_invoice_rate: float = Field(0.2, ge=0, le=1)
    # Invoice unit value off the typical price by exp(u * sigma), u drawn in this range (sigma: the
    # good's spread of legitimate prices, whose own invoices stay within exp(+-2 sigma)).
    misinvoice_sigmas_min: float = Field(2.6, ge=2.5, le=10)
    misinvoice_sigmas_max: float = Field(4.0, ge=2.5, le=10)
    contradict_rate: float = Field(0.3, ge=0, le=1)  # T3: documents that disagree
    off_line_rate: float = Field(0.3, ge=0, le=1)  # T2: goods outside the importer's line
    # The Hong Kong company keeps this share for the broker's people (C8) on honest invoices.
    hk_cut_min: float = Field(0.02, ge=0, le=0.5)
    hk_cut_max: float = Field(0.05, ge=0, le=0.5)
    # Goods are sold below market to move them fast; the importer keeps a margin of the sales.
    discount_min: float = Field(0.05, ge=0, le=0.9)
    discount_max: float = Field(0.15, ge=0, le=0.9)
    margin_min: float = Field(0.03, ge=0, le=0.5)
    margin_max: float = Field(0.08, ge=0, le=0.5)
    # Legitimate look-alikes: home-based US traders with shell-like traits doing honest triangular
    # trade (Chinese goods shipped straight to Mexican importers), with orders per month each.
    lookalike_exporters: int = Field(3, ge=0, le=1000)
    lookalike_orders_per_month: float = Field(1.5, ge=0, le=100)

    @model_validator(mode="after")
    def _ranges(self) -> TradeLaundering:
        for lo, hi in (("misinvoice_sigmas_min", "misinvoice_sigmas_max"), ("hk_cut_min", "hk_cut_max"),
                       ("discount_min", "discount_max"), ("margin_min", "margin_max")):
            if getattr(self, lo) > getattr(self, hi):
                raise ValueError(f"{lo} must be <= {hi}")
        if self.over_invoice_rate + self.under_invoice_rate > 1:
            raise ValueError("over_invoice_rate + under_invoice_rate must be <= 1")
        return self


class SupplierPayments(Strict):
    """How the cartels pay for the trafficking twin's precursor shipments (P6, P8-P10, F1, F2)."""

    enabled: bool = True
    # Extra Mexican front importers per cartel, next to the twin's consignees; they share phones,
    # emails or addresses with those (P6).
    extra_fronts: int = Field(3, ge=0, le=100)
    # How a shipment's price is split: trade wires (the rest), low-dollar wires, crypto (USDT),
    # and tens-of-dollars transfers from the cartel's US distributors (F1).
    low_dollar_share: float = Field(0.2, ge=0, le=1)
    crypto_share: float = Field(0.25, ge=0, le=1)
    small_transfer_share: float = Field(0.01, ge=0, le=1)
    # Share of a shipment's wires paid by fronts other than its consignee (many payers, P9).
    third_party_payer_share: float = Field(0.5, ge=0, le=1)
    # Low-dollar wires stay below this (P8); small transfers below 100 (F1).
    low_dollar_max_usd: float = Field(3_000, ge=100, le=10_000)
    # Legitimate look-alikes per 1,000 persons and day: tens-of-dollars transfers to China
    # (online shopping, family) and USDT payments by real importers to Chinese makers.
    lookalike_small_per_1k: float = Field(0.3, ge=0, le=100)
    lookalike_crypto_per_1k: float = Field(0.15, ge=0, le=100)

    @model_validator(mode="after")
    def _shares(self) -> SupplierPayments:
        if self.low_dollar_share + self.crypto_share + self.small_transfer_share > 1:
            raise ValueError("low_dollar_share + crypto_share + small_transfer_share must be <= 1")
        return self
