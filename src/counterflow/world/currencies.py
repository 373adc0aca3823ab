"""Currencies, payment rails and the daily exchange-rate path.

Rates start near their early-2024 market levels and follow a seeded log random walk with each
currency's typical annual volatility (HKD is pegged; USDT is a dollar stablecoin). Crypto is a
payment rail here: BTC and USDT move through a crypto exchange's wallet accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Currency:
    code: str
    name: str
    usd_per_unit: float  # starting level
    annual_vol: float
    is_crypto: bool = False
    decimals: int = 2


CURRENCIES: tuple[Currency, ...] = (
    Currency("USD", "US Dollar", 1.0, 0.0),
    Currency("MXN", "Mexican Peso", 1 / 17.0, 0.12),
    Currency("CNY", "Chinese Yuan Renminbi", 1 / 7.2, 0.03),
    Currency("HKD", "Hong Kong Dollar", 1 / 7.82, 0.003),
    Currency("CAD", "Canadian Dollar", 1 / 1.35, 0.07),
    Currency("INR", "Indian Rupee", 1 / 83.0, 0.04),
    Currency("BTC", "Bitcoin", 43000.0, 0.55, is_crypto=True, decimals=8),
    Currency("USDT", "Tether USD", 1.0, 0.002, is_crypto=True),
)
CURRENCY_CODES: tuple[str, ...] = tuple(c.code for c in CURRENCIES)

# How money moves. CASH is a deposit or withdrawal at a branch or ATM (one side has no account).
CHANNELS: tuple[str, ...] = ("ACH", "WIRE", "CARD", "CASH", "CHEQUE", "P2P", "MSB", "CRYPTO")


def fx_path(days: int, rng: np.random.Generator) -> np.ndarray:
    """USD value of one unit of each currency per day: array of shape (days, len(CURRENCIES))."""
    start = np.array([c.usd_per_unit for c in CURRENCIES])
    vol = np.array([c.annual_vol for c in CURRENCIES]) / np.sqrt(365.0)
    steps = rng.standard_normal((days, len(CURRENCIES))) * vol
    steps[0] = 0.0
    path = start * np.exp(np.cumsum(steps, axis=0))
    return path
